"""Fitting the ranking head on public data: copy appeal on Upworthy, personal affinity on MIND.

Only the `train` part of each file's stable hash split is read for fitting (by test id and by user);
the `heldout` part is what the benchmarks report. The ridge penalty of the appeal head is chosen on a
second, inner split of the training tests, never on the reported split.
"""

from __future__ import annotations

import hashlib
import time
from functools import partial
from pathlib import Path

import numpy as np

from .. import __version__
from ..encoder import InterestEncoder
from ..evaluation.stats import ab_test_metrics, auc
from ..ranker import Ranker, RankerConfig, fit_affinity, fit_appeal
from .public_data import cached_embeddings, heldout, mind_rows, upworthy_arms

ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def _sha1(path: str | Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def train_ranker(
    upworthy_path: str | Path,
    mind_path: str | Path,
    encoder: InterestEncoder,
    config: RankerConfig | None = None,
    cache: str | Path | None = None,
    log=print,
) -> Ranker:
    """Fit both heads on the training part of each file; the chosen penalty and the data go in `meta`."""
    config = config or RankerConfig()
    start = time.time()
    appeal_w, upworthy = _fit_appeal_head(upworthy_path, encoder, config, cache, log)
    rows = [r for r in mind_rows(mind_path) if not heldout(r[0].user_id)]
    log(f"mind: {len(rows)} training rows; embedding ...")
    users, titles, labels = zip(*rows, strict=True)
    embed = partial(cached_embeddings, encoder, cache=cache)
    vectors, _ = encoder.encode_users(list(users), embed=embed)
    cands = embed(list(titles))
    affinity_w, affinity_b = fit_affinity(vectors, cands, np.array(labels), config.affinity_l2, config.seed)
    ranker = Ranker(appeal_w, affinity_w, affinity_b, 0.0, config)
    logits = ranker.affinity_logit(vectors, cands)
    ranker.affinity_ref = float(logits.mean())
    ranker.meta = {
        "promogen_version": __version__,
        "encoder": encoder.config.to_dict(),
        "wall_s": round(time.time() - start, 1),
        "upworthy": upworthy,
        "mind": {
            "file": str(mind_path),
            "sha1": _sha1(mind_path),
            "train_rows": len(rows),
            "train_auc": round(auc(np.array(labels), logits), 4),
        },
        "split": "stable sha1 hash of test id / user history, 20% held out (train.public_data.heldout)",
    }
    log(f"done in {ranker.meta['wall_s']} s; alpha={config.appeal_alpha:g}")
    return ranker


def _fit_appeal_head(upworthy_path, encoder: InterestEncoder, config: RankerConfig, cache, log):
    """(appeal weights, meta): the ridge penalty picked on an inner split of the training tests (it is
    written into `config.appeal_alpha`), then the head refitted on all training tests."""
    arms = upworthy_arms(upworthy_path)
    arms = arms[[not heldout(t) for t in arms.clickability_test_id]].reset_index(drop=True)
    texts = arms.headline.tolist()
    log(f"upworthy: {len(arms)} training arms in {arms.clickability_test_id.nunique()} tests; embedding ...")
    emb = cached_embeddings(encoder, texts, cache)
    groups, clicks, imps = arms.clickability_test_id.values, arms.clicks.values, arms.impressions.values
    inner = np.array([heldout(t, salt="alpha") for t in groups])
    fit_texts = [t for t, m in zip(texts, inner, strict=True) if not m]
    val_texts = [t for t, m in zip(texts, inner, strict=True) if m]
    search = {}
    for alpha in ALPHAS:
        w = fit_appeal(emb[~inner], fit_texts, clicks[~inner], imps[~inner], groups[~inner], alpha)
        scores = Ranker(w, np.zeros(1), 0.0, 0.0).appeal(emb[inner], val_texts)
        metrics = ab_test_metrics(groups[inner], clicks[inner], imps[inner], scores)
        search[alpha] = metrics["pairwise_acc_significant"]
        log(f"  alpha {alpha:g}: inner-validation significant-pair accuracy {search[alpha]:.3f}")
    config.appeal_alpha = max(search, key=search.get)
    meta = {
        "file": str(upworthy_path),
        "sha1": _sha1(upworthy_path),
        "train_arms": len(arms),
        "alpha_search": {str(k): round(v, 4) for k, v in search.items()},
    }
    return fit_appeal(emb, texts, clicks, imps, groups, config.appeal_alpha), meta
