"""The selection-signal report: each score judged on panel-rated candidates, as the pipeline would use it."""

import pytest

from promogen.evaluation.selection import judge
from promogen.judge import own_perplexity
from promogen.simulate import demo_campaign, simulate_users


def _row(spec, copy, send, perplexity, approval, flags=()):
    return {"spec_id": spec, "copy": copy, "send": send, "flags": list(flags), "perplexity": perplexity,
            "approval": approval}  # fmt: skip


SCORED = [
    _row("s1", "good and sure", 5, 1.2, 0.2),
    _row("s1", "bad but confident approver", 1, 3.0, 0.9),
    _row("s1", "needs an edit", 3, 2.0, 0.5),
    _row("s2", "fine", 4, 1.5, 0.1),
    _row("s2", "flagged four", 4, 1.1, 0.3, ["generic"]),
    _row("s2", "nonsense", 2, 4.0, 0.8),
]


def test_judge_scores_perplexity_and_approval_on_the_panels_good_and_flawed_copy():
    result = judge(SCORED, n=3, draws=5)
    ppl, approval = result["scores"]["perplexity"], result["scores"]["approval"]
    assert ppl["auc"] == 1.0 and ppl["within_spec_pair_accuracy"] == 1.0, f"low perplexity = good: {ppl}"
    assert approval["auc"] == 0.0 and approval["within_spec_pair_accuracy"] == 0.0, f"inverted: {approval}"
    assert ppl["within_spec_pairs"] == 2, "one good-vs-flawed pair per spec (a 3 and a flagged 4 sit out)"
    assert ppl["picked_send_as_is"] == 1.0, "all 3 candidates drawn: perplexity picks a 5 and a flagged 4"
    assert approval["picked_send_as_is"] == 0.0, "the approver picks the 1 and the 2"
    assert (result["candidates"], result["specs"]) == (6, 2), "counts of what was judged"
    assert result["best_pick_send_as_is"] == 1.0, "the panel's own pick: the 5 and a 4"
    assert result["perplexity_range"] == [1.1, 4.0], "the range the fluency floor is set against"


def test_with_one_candidate_every_score_picks_what_a_random_pick_does():
    result = judge(SCORED, n=1, draws=50)
    picks = {name: s["picked_send_as_is"] for name, s in result["scores"].items()}
    assert set(picks.values()) == {result["random_pick_send_as_is"]}, f"same draws, no choice: {picks}"
    assert result["best_pick_send_as_is"] == result["random_pick_send_as_is"], "nor for the best pick"
    assert 0.3 < result["random_pick_send_as_is"] < 0.7, "about half the rows are rated 4 or 5"


def test_judge_leaves_out_approval_when_no_approver_scored():
    rows = [{**r, "approval": None} for r in SCORED]
    assert set(judge(rows, n=2, draws=3)["scores"]) == {"perplexity"}, "no approver, no approval score"


@pytest.mark.slow
def test_own_perplexity_of_delivered_candidates_matches_what_decoding_reported(real_pg):
    # The real copywriter, whose copy survives a round trip through its tokenizer (the tiny random test
    # model writes byte fragments that do not): the offline number is decoding's up to the closing
    # line break and bfloat16 rounding.
    campaign, users = demo_campaign("run20"), simulate_users(2, seed=5)
    vectors, interests = real_pg.encoder.encode_users(users)
    deliveries = real_pg.generate(campaign, users, n_candidates=3)
    for delivery, vector, phrases in zip(deliveries, vectors, interests, strict=True):
        for cand in delivery.candidates:
            again = own_perplexity(real_pg, campaign, phrases, vector, cand.text)
            assert again == pytest.approx(cand.scores["perplexity"], rel=0.05), (
                f"{cand.text!r}: {again} offline vs {cand.scores['perplexity']} from decoding"
            )


def test_gate_then_mix_ranks_every_gate_rejected_message_last(tiny_pg):
    from conftest import FakeApprover

    from promogen import PromoGen
    from promogen.evaluation.selection import approver_with_perplexity
    from promogen.train.approver import Spec

    campaign = demo_campaign("run20")
    # The approver prefers the altered code: only the gate can put it last.
    approver = FakeApprover({"run99": 0.99, "trail": 0.6}, default=0.4)
    pg = PromoGen(tiny_pg.generator, tiny_pg.encoder, tiny_pg.config, None, approver)
    hooks = ["Your next trail run", "Trail season", "New miles ahead"]
    specs = [
        Spec(f"s{i}", campaign, ["trail shoes"], good=[f"{hook}: 20% off running gear with code RUN20."],
             bad=[(f"{hook}: 20% off running gear with code RUN99.", "code_altered")])
        for i, hook in enumerate(hooks)
    ]  # fmt: skip
    result = approver_with_perplexity(pg, specs, specs)
    assert result["gated"]["per_defect"]["code_altered"]["auc"] == 1.0, f"the gate decides: {result['gated']}"
    assert result["mixed"]["per_defect"]["code_altered"]["auc"] < 1.0, (
        f"without the gate the approver's taste for RUN99 shows: {result['mixed']}"
    )


def test_judge_scores_each_other_view_and_the_mix_of_the_copywriters_two():
    # The campaign-only view prefers the flawed copy of s1, the shopper view its good copy: the mix of
    # the two (summed log-perplexities) follows whichever is surer, here the shopper view.
    views = {
        "good and sure": (1.5, 4.0), "bad but confident approver": (1.2, 2.0), "needs an edit": (2.0, 2.0),
        "fine": (1.2, 1.2), "flagged four": (1.1, 1.1), "nonsense": (4.0, 5.0),
    }  # fmt: skip
    rows = [{**r, "campaign_perplexity": views[r["copy"]][0], "base_perplexity": views[r["copy"]][1]}
            for r in SCORED]  # fmt: skip
    scores = judge(rows, n=3, draws=5)["scores"]
    expected = {"perplexity", "approval", "campaign_perplexity", "base_perplexity",
                "perplexity+campaign_perplexity"}  # fmt: skip
    assert set(scores) == expected, f"every view judged, and the one mix: {sorted(scores)}"
    accuracy = {name: s["within_spec_pair_accuracy"] for name, s in scores.items()}
    assert accuracy["campaign_perplexity"] == 0.5, f"wrong on s1, right on s2: {accuracy}"
    assert accuracy["base_perplexity"] == 0.5, f"prefers s1's flawed copy (2.0 < 4.0): {accuracy}"
    # s1: log 1.2 + log 3.0 (flawed) > log 1.5 + log 1.2 (good): the mix keeps the right order.
    assert accuracy["perplexity+campaign_perplexity"] == 1.0, f"the mix ranks both specs right: {accuracy}"


def test_without_a_base_model_its_view_is_left_out():
    rows = [{**r, "campaign_perplexity": r["perplexity"]} for r in SCORED]
    assert "base_perplexity" not in judge(rows, n=2, draws=3)["scores"], "no base model, no base view"


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("perplexity", 9.0, 3.0),
        ("campaign_perplexity", 9.0, 3.0),
        ("base_perplexity", 9.0, 3.0),
        ("approval", 0.2, 0.7),
    ],
)
def test_preferred_puts_the_better_score_higher(key, low, high):
    from promogen.pipeline import preferred

    assert preferred(key, high) > preferred(key, low), f"{key}: {high} is the better score"
