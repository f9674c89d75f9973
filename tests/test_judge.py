"""The judge in the pipeline: its weights round-trip, its config refuses bad values, the policy ranks by it
when asked, and it goes only with the copywriter it was fitted on."""

import dataclasses
import os

import numpy as np
import pytest

from promogen import PipelineConfig, PromoGen
from promogen.config import override
from promogen.judge import WEIGHTS_DIR, Judge, JudgeConfig, Ridge, copy_features
from promogen.models import ModelNotFoundError
from promogen.pipeline import select, user_rng
from promogen.simulate import demo_campaign, simulate_users
from promogen.types import Candidate, ValidationError


def _judge(width: int, sign: float, layer: int = 1) -> Judge:
    """A judge reading the copy's mean log-probability alone (the last feature), times `sign`."""
    weights = np.r_[np.zeros(width - 1), sign]
    return Judge(Ridge(np.zeros(width), np.ones(width), weights, 0.0), JudgeConfig(layer=layer, alpha=1.0))


def test_a_saved_judge_loads_back_scoring_the_same(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 6)), rng.normal(size=40)
    config = JudgeConfig(layer=4, alpha=3.0, logprob_share=0.5)
    judge = Judge(Ridge.fit(x, y, alpha=3.0, logprob_share=0.5), config, {"candidates": 40})
    again = Judge.load(judge.save(tmp_path / "judge"))
    assert again.ridge.logprob_weight == judge.ridge.logprob_weight != 0, "the log-probability's weight"
    assert np.allclose(again.ridge.predict(x), judge.ridge.predict(x), atol=1e-5), "the same predictions"
    assert again.config == judge.config, f"the config comes back: {again.config}"
    assert again.meta == {"candidates": 40}, f"what it was fitted on comes back: {again.meta}"


def test_a_missing_judge_says_how_to_fit_one(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"no judge in .*finetune/train_judge.py"):
        Judge.load(tmp_path)


@pytest.mark.parametrize(
    ("field", "value", "pattern"),
    [
        ("layer", -1, r"`layer` must be in \[0, 1000\]; got -1"),
        ("alpha", 0.0, r"`alpha` must be in \[0.001, inf\]; got 0.0"),
        ("alpha", "big", r"`alpha` must be a number, got str"),
        ("logprob_share", 1.0, r"`logprob_share` must be in \[0.0, 0.99\]; got 1.0"),
        ("logprob_share", -0.1, r"`logprob_share` must be in \[0.0, 0.99\]; got -0.1"),
    ],
)
def test_judge_config_refuses_bad_values(field, value, pattern):
    with pytest.raises(ValidationError, match=pattern):
        JudgeConfig(**{field: value})


def test_variety_is_allowed_on_the_judges_scale():
    config = override(PipelineConfig(), ["rank_by=judge", "variety=0.5"])
    assert (config.rank_by, config.variety) == ("judge", 0.5), "variety was chosen on the judge's scale too"


def _judged_pg(tiny_pg, sign: float, **settings) -> PromoGen:
    width = copy_features(tiny_pg, demo_campaign("run20"), [], None, ["Run."], (1,)).shape[2]
    config = override(dataclasses.replace(tiny_pg.config), [f"{k}={v}" for k, v in settings.items()])
    return PromoGen(tiny_pg.generator, tiny_pg.encoder, config, tiny_pg.ranker, None, _judge(width, sign))


COMPLIANT = [
    "Run more miles: 20% off running gear with RUN20",
    "Fresh legs, new trails? RUN20 takes 20% off running gear",
    "New shoes? Get 20% off running gear with code RUN20",
    "Ready for a long run? 20% off running gear with RUN20",
]


def test_the_policy_picks_the_eligible_candidate_the_judge_rates_highest(tiny_pg):
    # The tiny random model writes nothing the gate passes, so its scoring and the policy are fed
    # compliant candidates directly, as the pipeline hands them over after generation.
    campaign, users = demo_campaign("run20"), simulate_users(3, seed=2)
    vectors, interests = tiny_pg.encoder.encode_users(users)
    picks = {}
    for sign in (1.0, -1.0):  # a judge that prefers the likeliest copy, and one that prefers the least
        pg = _judged_pg(tiny_pg, sign, rank_by="judge", variety=0, max_perplexity=1e9)
        cands = [[Candidate(t, {"perplexity": 2.0}) for t in COMPLIANT] for _ in users]
        cands[0][1].text = "Get 25% off running gear with RUN20"  # misstates the offer: not eligible
        pg.score(campaign, cands, vectors, interests, None)
        rngs = [user_rng(0, u.user_id) for u in users]
        chosen = [i for i, _ in select(cands, pg.rank_key(), pg.config, rngs, [len(users)])]
        for row, i in zip(cands, chosen, strict=True):
            judged = [c.scores["judge"] for c in row]
            best = max((k for k, c in enumerate(row) if c.eligible), key=lambda k: judged[k])
            assert i == best, f"picked {i} of {judged}, best eligible {best}"
        assert cands[0][1].eligible is False and chosen[0] != 1, "a misstated offer is never picked"
        picks[sign] = chosen
    assert picks[1.0] != picks[-1.0], f"the judge decides the pick: {picks}"


def test_without_a_judge_rank_by_judge_ranks_by_the_copywriters_perplexity(tiny_pg):
    config = override(dataclasses.replace(tiny_pg.config), ["rank_by=judge"])
    pg = PromoGen(tiny_pg.generator, tiny_pg.encoder, config, tiny_pg.ranker)
    assert pg.rank_key() == "perplexity", "no judge for this copywriter: its own perplexity ranks"
    d = pg.generate(demo_campaign("run20"), simulate_users(1, seed=2), n_candidates=3)[0]
    assert all("judge" not in c.scores for c in d.candidates), "no judge, no judge score"


@pytest.mark.slow
def test_the_shipped_judge_goes_with_the_shipped_copywriter_it_was_fitted_on(real_pg):
    from promogen.conditioning import SHIPPED_ADAPTER
    from promogen.provenance import dir_sha1

    assert real_pg.judge is not None, "the shipped adapter gets the shipped judge"
    fitted_on = real_pg.judge.meta["copywriter"]["sha1"]
    assert fitted_on == dir_sha1(SHIPPED_ADAPTER), "the shipped adapter changed: refit the judge on it"
    assert (WEIGHTS_DIR / "config.json").is_file(), "its config ships beside the weights"
    from promogen.provenance import run_record

    recorded = run_record(real_pg)["models"]["judge"]
    assert recorded == {"path": str(WEIGHTS_DIR), "sha1": dir_sha1(WEIGHTS_DIR)}, f"run records: {recorded}"
    named = PromoGen.load(adapter=os.path.relpath(SHIPPED_ADAPTER), approver="none")
    assert named.judge is not None, "the shipped adapter named by a relative path is still the shipped one"
    plain = PromoGen.load(adapter="none", approver="none")
    assert plain.judge is None, "another copywriter gets no judge"


@pytest.mark.slow
def test_a_harness_variant_of_the_shipped_copywriter_picks_with_the_judge(real_pg, tmp_path):
    from promogen.evaluation.harness import Harness

    harness = Harness(real_pg, tmp_path)
    assert harness.pipeline({}).judge is not None, "the shipped variant is judged as the pipeline is"
    assert harness.pipeline({"adapter": "none"}).judge is None, "the base model has no judge"


def test_the_dtype_check_counts_changed_picks_and_score_gaps():
    from eval.judge_dtype import compare

    float32 = {"c1": [[3.0, 4.0, None], [None, None]], "c2": [[2.0, 1.0], [1.0, 2.0, 3.0]]}
    bfloat16 = {"c1": [[3.1, 3.9, None], [None, None]], "c2": [[1.0, 1.5], [1.1, 2.1, 3.1]]}
    found = compare(float32, bfloat16)
    assert (found["shoppers"], found["same_pick"]) == (3, 2), f"one of three judged shoppers moved: {found}"
    assert found["candidates"] == 7, f"only eligible candidates are compared: {found}"
    assert found["max_abs_score_difference"] == 1.0, f"the largest gap is c2's first: {found}"
    assert found["mean_abs_score_difference"] == 0.2857, f"(0.1 * 5 + 1 + 0.5) / 7: {found}"
