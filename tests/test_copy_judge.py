"""The panel-fitted judge of candidates: its ridge, cross-validation that holds out whole campaigns, and
the re-pick among a harness run's candidates."""

import numpy as np
import pytest

from promogen.evaluation.copy_judge import Ridge, cross_validate, repick
from promogen.evaluation.selection import copy_features, own_perplexity
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


def test_repick_delivers_the_eligible_candidate_the_judge_rates_highest(tiny_pg):
    campaign, users = demo_campaign("run20"), simulate_users(2, seed=3)
    specs = [
        {
            "spec_id": u.user_id,
            "campaign": campaign.to_dict(),
            "history": [{"type": e.type, "text": e.text} for e in u.events],
        }
        for u in users
    ]
    phrases, layer = ["running shoes"], 1
    drafts = ["Run more: 20% off running gear with RUN20", "Go go go RUN20 20% off", "Zzz 20% off RUN20"]
    texts = sorted(drafts, key=lambda t: own_perplexity(tiny_pg, campaign, phrases, None, t))
    shipped = {
        "run20": [
            # The likeliest candidate is not eligible; the shipped pick was the least likely one.
            _delivery(users[0].user_id, texts, [False, True, True], chosen=2),
            _delivery(users[1].user_id, texts, [True, True, True], chosen=None),
        ]
    }
    # A judge that reads the copy's mean log-probability alone (the last feature).
    width = copy_features(tiny_pg, campaign, phrases, None, texts[0], layer).shape[0]
    judge = Ridge(np.zeros(width), np.ones(width), np.r_[np.zeros(width - 1), 1.0], 0.0)
    picked = repick(tiny_pg, judge, shipped, specs, layer)["run20"]
    assert picked[0].chosen == 1 and picked[0].text == texts[1], "the likeliest eligible candidate"
    assert picked[0].candidates == shipped["run20"][0].candidates, "the candidates are kept as written"
    assert picked[1] == shipped["run20"][1], "a fallback stays as it was"
    logprob = copy_features(tiny_pg, campaign, phrases, None, texts[1], layer)[-1]
    assert np.exp(-logprob) == pytest.approx(own_perplexity(tiny_pg, campaign, phrases, None, texts[1])), (
        "the last feature is the mean log-probability behind own_perplexity"
    )
