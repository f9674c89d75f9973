"""The ranking head learns known signals and stays calibrated; metrics match hand-computed cases."""

import numpy as np
import pandas as pd
import pytest

from promogen import Ranker, ValidationError
from promogen.evaluation.stats import ab_test_metrics, auc, ece, hit_and_ndcg, two_proportion_z
from promogen.ranker import affinity_features, appeal_features, fit_affinity, fit_appeal
from promogen.train.public_data import upworthy_arms


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_affinity_head_learns_a_simulated_signal_and_is_calibrated():
    rng = np.random.default_rng(0)
    users, items = _unit(rng.normal(size=(6000, 16))), _unit(rng.normal(size=(6000, 16)))
    truth = 1 / (1 + np.exp(-(4 * (users * items).sum(1) - 0.5)))
    clicks = (rng.random(6000) < truth).astype(float)
    w, b = fit_affinity(users[:4000], items[:4000], clicks[:4000], l2=1e-4)
    ranker = Ranker(np.zeros(16 + 12, np.float32), w, b, 0.0)
    probs = ranker.click_probability(users[4000:], items[4000:])
    assert auc(clicks[4000:], probs) > 0.65, "the head must recover the cosine signal (chance is 0.5)"
    assert auc(clicks[4000:], probs) > auc(clicks[4000:], truth[4000:]) - 0.03, (
        "close to the true model's AUC"
    )
    assert ece(clicks[4000:], probs) < 0.05, "predicted probabilities must be calibrated"


def test_appeal_head_learns_within_test_differences_despite_base_rates():
    rng = np.random.default_rng(1)
    n_tests, arms = 300, 3
    emb = _unit(rng.normal(size=(n_tests * arms, 8))).astype(np.float32)
    texts = ["headline"] * len(emb)
    groups = np.repeat(np.arange(n_tests), arms)
    base = np.repeat(rng.normal(-3, 1, n_tests), arms)  # base rates differ a lot between tests
    p = 1 / (1 + np.exp(-(base + 0.8 * emb[:, 0])))
    imps = np.full(len(emb), 5000)
    clicks = rng.binomial(imps, p)
    w = fit_appeal(emb, texts, clicks, imps, groups, alpha=1.0)
    scores = appeal_features(emb, texts) @ w
    result = ab_test_metrics(groups, clicks, imps, scores)
    assert result["pairwise_acc_significant"] > 0.85, f"within-test order must be learned: {result}"
    assert w[0] > 0, "the signal dimension must get a positive weight"


def test_wrong_shapes_and_missing_columns_name_the_field(tmp_path):
    with pytest.raises(ValidationError, match=r"`users` \(2, 4\) and `copies` \(3, 4\)"):
        affinity_features(np.zeros((2, 4)), np.zeros((3, 4)))
    with pytest.raises(ValidationError, match=r"`embeddings` has 2 rows but `texts` has 1"):
        appeal_features(np.zeros((2, 4)), ["one"])
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"clickability_test_id": ["t"], "headline": ["h"], "clicks": [1]}).to_parquet(path)
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['impressions'\]"):
        upworthy_arms(path)


def test_z_test_threshold_on_hand_computed_pairs():
    assert two_proportion_z(128, 1000, 100, 1000) == pytest.approx(1.970, abs=1e-3)
    assert two_proportion_z(127, 1000, 100, 1000) == pytest.approx(1.903, abs=1e-3)
    above = ab_test_metrics(
        np.array(["t", "t"]), np.array([128, 100]), np.array([1000, 1000]), np.array([1.0, 0.0])
    )
    below = ab_test_metrics(
        np.array(["t", "t"]), np.array([127, 100]), np.array([1000, 1000]), np.array([1.0, 0.0])
    )
    assert above["n_pairs_significant"] == 1 and above["pairwise_acc_significant"] == 1.0, above
    assert below["n_pairs_significant"] == 0 and below["n_pairs"] == 1, below
    assert above["pick_lift"] == pytest.approx(0.128 / 0.114), "top-scored arm's CTR over the pooled CTR"


def test_ranking_metrics_on_hand_computed_cases():
    hr, ndcg = hit_and_ndcg(np.array([0, 5, 9, 10, 50]), k=10)
    assert hr == pytest.approx(0.6) and ndcg == pytest.approx((1 + 1 / np.log2(7) + 1 / np.log2(11)) / 5)
    assert auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1])) == pytest.approx(0.75)
    assert auc(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5), "ties count half"


def test_shipped_ranker_is_small_and_loads():
    ranker = Ranker.load()
    assert ranker.appeal_w.shape == (384 + 12,) and ranker.affinity_w.shape == (385,), "MiniLM-sized heads"
    assert ranker.meta.get("upworthy", {}).get("sha1"), "the shipped head records the data it was fitted on"


def test_heldout_upworthy_drops_headlines_seen_in_training_tests():
    from promogen.evaluation.suites import upworthy_split
    from promogen.train.public_data import heldout

    tests = [f"t{i}" for i in range(40)]
    held = next(t for t in tests if heldout(t))
    trained = next(t for t in tests if not heldout(t))
    arms = pd.DataFrame(
        {
            "clickability_test_id": [held, held, held, trained, trained],
            "headline": ["shared", "fresh a", "fresh b", "shared", "other"],
            "impressions": [100] * 5,
            "clicks": [1] * 5,
        }
    )
    kept, dropped = upworthy_split(arms, "heldout")
    assert kept.headline.tolist() == ["fresh a", "fresh b"] and dropped == 1, kept
    kept, dropped = upworthy_split(arms, "train")
    assert kept.headline.tolist() == ["shared", "other"] and dropped == 0, "training keeps its arms"
    assert len(upworthy_split(arms, "all")[0]) == 5, "all keeps every arm"
