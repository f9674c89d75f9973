"""Benchmark metrics, small and hand-checkable: pairwise z-test accuracy, AUC, log loss, ECE, HR@k, NDCG@k,
and the bootstrap interval of a mean of paired differences.

Kept apart from the models so that tests can check each metric on tiny hand-computed cases.
"""

from __future__ import annotations

import math

import numpy as np


def two_proportion_z(clicks_a: float, n_a: float, clicks_b: float, n_b: float) -> float:
    """Pooled two-proportion z statistic of CTR a minus CTR b (0 when undefined)."""
    pooled = (clicks_a + clicks_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b)) if 0 < pooled < 1 else 0.0
    return (clicks_a / n_a - clicks_b / n_b) / se if se > 0 else 0.0


def mean_interval(values, seed: int = 0, draws: int = 10_000) -> tuple[float, float]:
    """Bootstrap 95% interval of the mean of `values` (e.g. per-shopper differences), resampling them."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or not len(values):
        raise ValueError(f"`values` must be a non-empty 1-d sequence, got shape {values.shape}")
    boot = values[np.random.default_rng(seed).integers(0, len(values), size=(draws, len(values)))]
    low, high = np.percentile(boot.mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve via ranks (ties share their mean rank)."""
    labels, scores = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float)
    if labels.shape != scores.shape:
        raise ValueError(f"`labels` {labels.shape} and `scores` {scores.shape} must have the same shape")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels.sum()
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    return float((ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def logloss(labels: np.ndarray, probs: np.ndarray, eps: float = 1e-7) -> float:
    p = np.clip(np.asarray(probs, dtype=float), eps, 1 - eps)
    y = np.asarray(labels, dtype=float)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def ece(labels: np.ndarray, probs: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    y, p = np.asarray(labels, dtype=float), np.asarray(probs, dtype=float)
    if not np.isfinite(p).all():
        raise ValueError("ece needs finite probabilities: a NaN falls in no bin yet counts in the weights")
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return float(total)


def hit_and_ndcg(rank_of_target: np.ndarray, k: int = 10) -> tuple[float, float]:
    """HR@k and NDCG@k from the 0-based rank of each user's target item."""
    r = np.asarray(rank_of_target)
    hits = r < k
    return float(hits.mean()), float(np.where(hits, 1.0 / np.log2(r + 2), 0.0).mean())


def ordered_right(score_a: float, score_b: float, ctr_a: float, ctr_b: float) -> float:
    """1 when the scores order two arms as their CTRs do, 0 when reversed, 0.5 for tied scores (as the
    AUC counts ties: a tie is no call, whichever arm comes first)."""
    if score_a == score_b:
        return 0.5
    return float((score_a > score_b) == (ctr_a > ctr_b))


def ab_test_metrics(
    groups: np.ndarray, clicks: np.ndarray, impressions: np.ndarray, scores: np.ndarray
) -> dict:
    """How well `scores` order the arms of each A/B test.

    Pairs of arms within a test with different CTRs are scored; `pairwise_acc_significant` keeps the pairs
    whose CTRs differ at |z| > 1.96 (pooled two-proportion test). `pick_lift` is the CTR of each test's
    top-scored arm over the test's pooled CTR, averaged over tests with at least two arms.
    """
    order = np.argsort(groups, kind="stable")
    groups, clicks, impressions, scores = (
        np.asarray(a)[order] for a in (groups, clicks, impressions, scores)
    )
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    correct_sig = correct_all = n_sig = n_all = 0
    lifts = []
    for lo, hi in zip(starts, np.r_[starts[1:], len(groups)], strict=True):
        if hi - lo < 2:
            continue
        c, n, s = clicks[lo:hi], impressions[lo:hi], scores[lo:hi]
        ctr = c / n
        lifts.append(ctr[np.argmax(s)] / (c.sum() / n.sum()) if c.sum() > 0 else 1.0)
        for a in range(len(c)):
            for b in range(a + 1, len(c)):
                if ctr[a] == ctr[b]:
                    continue
                right = ordered_right(s[a], s[b], ctr[a], ctr[b])
                n_all += 1
                correct_all += right
                if abs(two_proportion_z(c[a], n[a], c[b], n[b])) > 1.96:
                    n_sig += 1
                    correct_sig += right
    return {
        "pairwise_acc_significant": correct_sig / n_sig if n_sig else float("nan"),
        "pairwise_acc_all": correct_all / n_all if n_all else float("nan"),
        "pick_lift": float(np.mean(lifts)) if lifts else float("nan"),
        "n_pairs_significant": n_sig,
        "n_pairs": n_all,
        "n_tests": len(lifts),
    }
