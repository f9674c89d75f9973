"""The panel-fitted judge of candidates: its ridge, cross-validation that holds out whole campaigns, and
the re-pick among a harness run's candidates."""

import numpy as np
import pytest

from promogen.evaluation.copy_judge import cross_validate, judge_candidates, repick
from promogen.judge import Ridge, copy_features, own_perplexity
from promogen.simulate import demo_campaign, simulate_users
from promogen.types import Candidate, Delivery


def test_ridge_recovers_a_linear_score_and_its_penalty_shrinks_it_to_the_mean():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)) * [1.0, 5.0, 0.1]
    y = 2 * x[:, 0] - 0.4 * x[:, 1] + 3
    close = Ridge.fit(x, y, alpha=1e-6).predict(x[:5])
    assert np.allclose(close, y[:5], atol=1e-3), f"a tiny penalty fits the line: {close} vs {y[:5]}"
    flat = Ridge.fit(x, y, alpha=1e9).predict(x[:5])
    assert np.allclose(flat, y.mean(), atol=1e-3), f"a huge penalty predicts the mean: {flat}"


def test_a_logprob_share_weighs_the_log_probability_as_much_as_the_ridge_without_moving_the_mean():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4)) * [1.0, 1.0, 1.0, 0.3] - [0, 0, 0, 1.5]  # last: a mean log-probability
    y = x[:, 0] + 0.2 * x[:, 3] + 3 + rng.normal(scale=0.5, size=300)
    plain, shared = Ridge.fit(x, y, alpha=10.0), Ridge.fit(x, y, alpha=10.0, logprob_share=0.5)
    assert plain.logprob_weight == 0.0, "no share: the ridge alone"
    ridge_part = shared.predict(x) - shared.logprob_weight * x[:, 3]
    assert np.isclose(np.std(shared.logprob_weight * x[:, 3]), np.std(ridge_part), rtol=1e-6), (
        "at share 0.5 the log-probability spreads as much as the ridge's prediction"
    )
    assert np.isclose(shared.predict(x).mean(), y.mean()), "the mean prediction stays the mean send"
    tilted = Ridge.fit(x, y, alpha=10.0, logprob_share=0.75).logprob_weight
    assert np.isclose(tilted, 3 * shared.logprob_weight), f"share 0.75 weighs it 3 times 0.5's: {tilted}"


def test_cross_validation_never_judges_a_campaign_with_a_fit_that_saw_it():
    # Each campaign's send is set by a feature only its own rows have: a fit that saw the campaign would
    # predict it exactly; one that did not can only give the other campaigns' mean.
    campaigns = [f"w{c:03d}" for c in range(10)]
    rows = [
        {"spec_id": f"{c}-u{u:02d}", "send": 1 + k % 5} for k, c in enumerate(campaigns) for u in range(4)
    ]
    x = np.array([[float(r["spec_id"].startswith(c)) for c in campaigns] for r in rows])
    predicted = cross_validate(rows, x, alpha=1e-6, folds=5)
    send = np.array([r["send"] for r in rows], dtype=float)
    for c in campaigns:
        mine = np.array([r["spec_id"].startswith(c) for r in rows])
        assert not np.allclose(predicted[mine], send[mine]), f"{c} was predicted by a fit that saw it"
        assert np.ptp(predicted[mine]) < 1e-6, f"{c}: its rows look alike to a fit without it"
    again = cross_validate(rows, x, alpha=1e-6, folds=5)
    assert np.array_equal(predicted, again), "the folds are seeded: the same predictions twice"


def _delivery(user_id: str, texts: list[str], eligible: list[bool], chosen: int | None) -> Delivery:
    candidates = [Candidate(t, {}, [], e) for t, e in zip(texts, eligible, strict=True)]
    text = texts[chosen] if chosen is not None else "the campaign's safe line"
    return Delivery(user_id, "run20", text, "model" if chosen is not None else "fallback", candidates,
                    chosen, 1.0, "tiny", None, 0, "0", ["running shoes"])  # fmt: skip


LINES = ["Run more miles: 20% off running gear with RUN20", "Fresh legs, new trails? RUN20 takes 20% off"]


def test_repick_takes_the_highest_judged_eligible_candidate_and_keeps_fallbacks():
    shipped = {
        "run20": [
            _delivery("u1", [*LINES, "Zzz 20% off RUN20"], [True, True, False], chosen=0),
            _delivery("u2", LINES, [True, True], chosen=None),
        ]
    }
    scores = {"run20": [[3.0, 3.5, None], [2.0, 4.0]]}
    picked = repick(shipped, scores)["run20"]
    assert picked[0].chosen == 1 and picked[0].text == LINES[1], "the higher judged eligible candidate"
    assert picked[0].candidates == shipped["run20"][0].candidates, "the candidates are kept as written"
    assert picked[1] == shipped["run20"][1], "a fallback stays as it was"


def test_variety_moves_a_later_shopper_off_words_already_given_out():
    shipped = {"run20": [_delivery(f"u{k}", LINES, [True, True], chosen=0) for k in range(3)]}
    scores = {"run20": [[3.0, 2.9]] * 3}
    plain = [d.chosen for d in repick(shipped, scores, variety=0.0)["run20"]]
    spread = [d.chosen for d in repick(shipped, scores, variety=1.0)["run20"]]
    assert plain == [0, 0, 0], f"without the penalty every shopper gets the best-judged line: {plain}"
    assert spread == [0, 1, 0], f"the second moves off the repeated line; the third finds both used: {spread}"


def test_judge_candidates_scores_each_eligible_candidate_with_its_features(tiny_pg):
    campaign, users = demo_campaign("run20"), simulate_users(1, seed=3)
    specs = [
        {"spec_id": u.user_id, "campaign": campaign.to_dict(), "history": [e.to_dict() for e in u.events]}
        for u in users
    ]
    layer = 1
    width = copy_features(tiny_pg, campaign, ["running shoes"], None, LINES[:1], (layer,)).shape[2]
    # A judge that reads the copy's mean log-probability alone (the last feature).
    judge = Ridge(np.zeros(width), np.ones(width), np.r_[np.zeros(width - 1), 1.0], 0.0)
    shipped = {"run20": [_delivery(users[0].user_id, [*LINES, "Zzz"], [True, True, False], chosen=0)]}
    scores = judge_candidates(tiny_pg, judge, shipped, specs, layer)["run20"][0]
    assert scores[2] is None, "a candidate that is not eligible is not judged"
    for text, score in zip(LINES, scores, strict=False):
        ppl = own_perplexity(tiny_pg, campaign, ["running shoes"], None, text)
        assert score == pytest.approx(-np.log(ppl), rel=1e-4), f"{text!r}: the judge read its features"


def test_copy_features_read_several_layers_from_one_pass_as_one_at_a_time(tiny_pg):
    campaign, phrases = demo_campaign("run20"), ["running shoes"]
    both = copy_features(tiny_pg, campaign, phrases, None, LINES[:1], (1, 2))[0]
    for row, layer in zip(both, (1, 2), strict=True):
        alone = copy_features(tiny_pg, campaign, phrases, None, LINES[:1], (layer,))[0, 0]
        assert np.allclose(row, alone, atol=1e-6), f"layer {layer}: the same features either way"
    assert not np.allclose(both[0, :-1], both[1, :-1]), "two layers, two different hidden states"
    assert both[0, -1] == both[1, -1], "the mean log-probability ends every layer's row"


def test_copy_features_of_a_batch_are_each_copys_own(tiny_pg):
    # Copies of different lengths share one left-padded pass; padding must change no copy's features.
    campaign, phrases = demo_campaign("run20"), ["running shoes"]
    texts = [LINES[0], "Run more.", LINES[1] + " Today only, all week."]
    together = copy_features(tiny_pg, campaign, phrases, None, texts, (1, 2))
    for text, row in zip(texts, together, strict=True):
        alone = copy_features(tiny_pg, campaign, phrases, None, [text], (1, 2))[0]
        assert np.allclose(row, alone, atol=1e-4), f"{text!r}: its features in a batch are its own"
    assert not np.allclose(together[0], together[1]), "different copy, different features"


def test_selection_judges_the_judge_beside_the_copywriters_perplexity():
    from promogen.evaluation.selection import judge

    rows = [
        {"spec_id": "s1", "copy": "a", "send": 5, "flags": [], "perplexity": 3.0, "judge": 4.6},
        {"spec_id": "s1", "copy": "b", "send": 1, "flags": [], "perplexity": 1.5, "judge": 2.1},
    ]
    scores = judge(rows, n=2, draws=3)["scores"]
    assert scores["judge"]["within_spec_pair_accuracy"] == 1.0, f"higher judged send preferred: {scores}"
    assert scores["perplexity"]["within_spec_pair_accuracy"] == 0.0, "the perplexity prefers the flawed one"
