"""The ranking head against the frozen-MiniLM linear baselines, on the same inner held-out split.

The baselines get the same fitting rows and the same validation rows to choose their one penalty as the
head (`train.ranker.upworthy_parts` / `mind_parts`): copy appeal, a within-test centred, inverse-variance
weighted ridge on the frozen sentence embedding; personal affinity, a logistic regression on
[u, c, u * c] with the mean-pooled history. Differences get a percentile bootstrap 95% interval that
resamples whole tests (Upworthy) or whole users (MIND), so arms of one test or rows of one user move
together.
"""

from __future__ import annotations

import time

import numpy as np

from ..encoder import InterestEncoder
from ..ranker import Ranker
from ..train.public_data import cached_embeddings, mind_rows, upworthy_arms
from ..train.ranker import mind_parts, mind_vectors, upworthy_parts
from .stats import ab_test_metrics, auc, ece, logloss, ordered_right, two_proportion_z

ALPHAS = (0.1, 1.0, 10.0, 100.0)
L2S = (1e-3, 1e-2, 1e-1)
RESAMPLES = 2000


def ridge_appeal(emb, groups, clicks, impressions, alpha: float) -> np.ndarray:
    """Weighted ridge on within-test centred click log-odds; returns the weight vector."""
    c, n = np.asarray(clicks, float), np.asarray(impressions, float)
    y = np.log((c + 0.5) / (n - c + 0.5))
    w = 1.0 / (1.0 / (c + 0.5) + 1.0 / (n - c + 0.5))
    x, y = np.asarray(emb, np.float64).copy(), y.copy()
    for g in np.unique(groups):
        m = groups == g
        x[m] -= np.average(x[m], axis=0, weights=w[m])
        y[m] -= np.average(y[m], weights=w[m])
    w = w / w.mean()
    return np.linalg.solve((x * w[:, None]).T @ x + alpha * np.eye(x.shape[1]), (x * w[:, None]).T @ y)


def logistic(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """L2-penalised logistic regression by Newton steps; returns weights with the bias last."""
    x = np.c_[x, np.ones(len(x))].astype(np.float64)
    theta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2 * len(x))
    penalty[-1] = 1e-8
    for _ in range(30):
        p = 1 / (1 + np.exp(-x @ theta))
        grad = x.T @ (p - y) + penalty * theta
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        theta -= np.linalg.solve(hess, grad)
    return theta


def per_test_significant(groups, clicks, impressions, scores) -> dict[str, np.ndarray]:
    """Per test: how many significant pairs (|z| > 1.96) there are and how many `scores` order right."""
    tests = sorted(set(groups))
    n_sig, right = np.zeros(len(tests)), np.zeros(len(tests))
    for k, t in enumerate(tests):
        idx = np.flatnonzero(groups == t)
        for a_pos, a in enumerate(idx):
            for b in idx[a_pos + 1 :]:
                ca, na, cb, nb = clicks[a], impressions[a], clicks[b], impressions[b]
                if ca / na == cb / nb or abs(two_proportion_z(ca, na, cb, nb)) <= 1.96:
                    continue
                n_sig[k] += 1
                right[k] += ordered_right(scores[a], scores[b], ca / na, cb / nb)
    return {"tests": np.array(tests), "n": n_sig, "right": right}


def _interval(values: np.ndarray) -> list[float]:
    return [round(float(np.percentile(values, 2.5)), 4), round(float(np.percentile(values, 97.5)), 4)]


def bootstrap_pair_accuracy(n, right_head, right_base, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(n), size=(RESAMPLES, len(n)))
    total = n[draws].sum(1)
    diff = (right_head[draws].sum(1) - right_base[draws].sum(1)) / np.maximum(total, 1)
    point = (right_head.sum() - right_base.sum()) / n.sum()
    return {"difference": round(float(point), 4), "ci95": _interval(diff)}


def bootstrap_auc(labels, head, base, clusters, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    keys = np.unique(clusters)
    rows = {k: np.flatnonzero(clusters == k) for k in keys}
    diffs = []
    for _ in range(RESAMPLES):
        idx = np.concatenate([rows[k] for k in rng.choice(keys, size=len(keys))])
        diffs.append(auc(labels[idx], head[idx]) - auc(labels[idx], base[idx]))
    diffs = np.array(diffs)
    point = auc(labels, head) - auc(labels, base)
    return {"difference": round(point, 4), "ci95": _interval(diffs[~np.isnan(diffs)])}


def upworthy(path, ranker: Ranker, encoder: InterestEncoder, cache=None) -> dict:
    arms = upworthy_arms(path)
    parts = upworthy_parts(arms)
    groups, clicks, imps = (arms[c].to_numpy() for c in ("clickability_test_id", "clicks", "impressions"))
    emb = cached_embeddings(encoder, arms.headline.tolist(), cache)
    fit, val, test = parts["fit"], parts["val"], parts["test"]
    search = {}
    for alpha in ALPHAS:
        w = ridge_appeal(emb[fit], groups[fit], clicks[fit], imps[fit], alpha)
        metrics = ab_test_metrics(groups[val], clicks[val], imps[val], emb[val] @ w)
        search[alpha] = metrics["pairwise_acc_significant"]
    alpha = max(search, key=search.get)
    base = emb[test] @ ridge_appeal(emb[fit], groups[fit], clicks[fit], imps[fit], alpha)
    head = ranker.appeal(arms.headline[test].tolist())
    g, c, n = groups[test], clicks[test], imps[test]
    per_head, per_base = per_test_significant(g, c, n, head), per_test_significant(g, c, n, base)
    return {
        "head": ab_test_metrics(g, c, n, head),
        "baseline": {**ab_test_metrics(g, c, n, base), "alpha": alpha, "val_search": search},
        "head_minus_baseline_significant_pair_accuracy": bootstrap_pair_accuracy(
            per_head["n"], per_head["right"], per_base["right"]
        ),
    }


def mind(path, ranker: Ranker, encoder: InterestEncoder, cache=None) -> dict:
    rows = mind_rows(path)
    users, titles, labels = zip(*rows, strict=True)
    y = np.array(labels, dtype=float)
    ids = np.array([u.user_id for u in users])
    parts = mind_parts(list(ids))
    copies = cached_embeddings(encoder, list(titles), cache)
    mean_pooled = mind_vectors(encoder, users, 1.0, cache)
    x = np.c_[mean_pooled, copies, mean_pooled * copies]
    fit, val, test = parts["fit"], parts["val"], parts["test"]
    search = {}
    for l2 in L2S:
        theta = logistic(x[fit], y[fit], l2)
        search[l2] = auc(y[val], x[val] @ theta[:-1] + theta[-1])
    theta = logistic(x[fit], y[fit], max(search, key=search.get))
    base = 1 / (1 + np.exp(-(x[test] @ theta[:-1] + theta[-1])))
    vectors = mind_vectors(encoder, users, ranker.config.news_decay, cache)
    head = ranker.click_probability(vectors[test], copies[test])
    yt = y[test]

    def scored(p):
        return {"auc": auc(yt, p), "logloss": logloss(yt, p), "ece": ece(yt, p), "n": int(len(yt))}

    return {
        "head": {**scored(head), "news_decay": ranker.config.news_decay},
        "baseline": {**scored(base), "l2": max(search, key=search.get), "val_search": search},
        "head_minus_baseline_auc": bootstrap_auc(yt, head, base, ids[test]),
    }


def cost(ranker: Ranker, texts: list[str], dim: int, n: int = 1000, seed: int = 0) -> dict:
    """Seconds for `predict_ctr` on n candidates (copy embeddings given, as in the pipeline)."""
    rng = np.random.default_rng(seed)
    users = rng.normal(size=(n, dim)).astype(np.float32)
    copies = rng.normal(size=(n, dim)).astype(np.float32)
    users /= np.linalg.norm(users, axis=1, keepdims=True)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    batch = [texts[i % len(texts)] for i in range(n)]
    start = time.perf_counter()
    ranker.predict_ctr(users, copies, batch, "push")
    return {"candidates": n, "seconds": round(time.perf_counter() - start, 2)}
