"""Benchmark suites on public data: copy appeal (Upworthy), personal affinity (MIND), interests (Amazon).

Each suite takes a file in the public format, scores the given (default: shipped) models and returns a
flat dict of metrics. Splits: `all` is the whole file; `heldout` is also the whole file, read as a
held-out set (a file kept back from training, e.g. the owners' acceptance split; with `exclude`, Upworthy
arms whose headline the training file also showed are dropped); `inner` keeps only the stable-hash
held-out part (by test or by user) of a file that training also read, so a reported number never comes
from rows the models were fitted or tuned on (on Upworthy that also drops inner arms whose headline a
training test showed too); `train` is the rest.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from ..encoder import InterestEncoder
from ..ranker import Ranker
from ..train.public_data import amazon_split, cached_embeddings, heldout, mind_rows, upworthy_arms
from ..train.ranker import mind_vectors
from ..types import ValidationError
from .stats import ab_test_metrics, auc, ece, hit_and_ndcg, logloss

SPLITS = ("all", "heldout", "inner", "train")


def _keep(key: str, split: str) -> bool:
    if split not in SPLITS:
        raise ValidationError(f"`split` must be one of {', '.join(SPLITS)}; got {split!r}")
    return split in ("all", "heldout") or heldout(key) == (split == "inner")


def upworthy_split(arms, split: str, exclude=None):
    """(the arms of `split`, how many were dropped as leaked).

    With `split="inner"` (or `heldout` and an `exclude` frame of training arms), an arm whose headline
    was also tested in a training test is dropped: the appeal head was fitted on that very text, so keeping
    it would flatter the held-out figure.
    """
    keep = np.array([_keep(t, split) for t in arms.clickability_test_id], dtype=bool)
    leaked = np.zeros(len(arms), dtype=bool)
    if split == "inner":
        leaked = keep & arms.headline.isin(set(arms.headline[~keep])).to_numpy()
    elif split == "heldout" and exclude is not None:
        leaked = arms.headline.isin(set(exclude.headline)).to_numpy()
    return arms[keep & ~leaked].reset_index(drop=True), int(leaked.sum())


def upworthy(
    path: str | Path,
    ranker: Ranker,
    encoder: InterestEncoder,
    split: str = "all",
    cache: str | Path | None = None,
    exclude: str | Path | None = None,
) -> dict:
    """`encoder` is unused (the appeal head reads text); it is kept so every suite is called alike."""
    training = upworthy_arms(exclude) if exclude else None
    arms, leaked = upworthy_split(upworthy_arms(path), split, training)
    score = ranker.appeal(arms.headline.tolist())
    metrics = ab_test_metrics(
        arms.clickability_test_id.values, arms.clicks.values, arms.impressions.values, score
    )
    return {**metrics, "dropped_arms_with_training_headlines": leaked}


def mind(
    path: str | Path,
    ranker: Ranker,
    encoder: InterestEncoder,
    split: str = "all",
    cache: str | Path | None = None,
) -> dict:
    rows = [r for r in mind_rows(path) if _keep(r[0].user_id, split)]
    if not rows:
        raise ValidationError(f"no MIND rows in split {split!r} of {path}")
    users, titles, labels = zip(*rows, strict=True)
    vectors = mind_vectors(encoder, users, ranker.config.news_decay, cache)  # the news domain's pooling
    probs = ranker.click_probability(vectors, cached_embeddings(encoder, list(titles), cache))
    y = np.array(labels)
    return {"auc": auc(y, probs), "logloss": logloss(y, probs), "ece": ece(y, probs), "n": len(y)}


def amazon(
    directory: str | Path,
    encoder: InterestEncoder,
    split: str = "test",
    k: int = 10,
    cache: str | Path | None = None,
) -> dict:
    """Next-item retrieval against the whole catalogue by the interest vector; history items excluded."""
    users, histories, targets, catalogue = amazon_split(directory, split)
    ids = sorted(catalogue)
    column = {item: j for j, item in enumerate(ids)}
    embed = partial(cached_embeddings, encoder, cache=cache)
    items = embed([catalogue[i] for i in ids])
    vectors, _ = encoder.encode_users(users, embed=embed)
    ranks = []
    for row in range(0, len(users), 512):
        scores = vectors[row : row + 512] @ items.T
        for offset, score in enumerate(scores):
            user = row + offset
            if targets[user] not in column:
                continue
            seen = [column[i] for i in histories[user] if i in column and i != targets[user]]
            score[seen] = -np.inf
            ranks.append(int((score > score[column[targets[user]]]).sum()))
    hr, ndcg = hit_and_ndcg(np.array(ranks), k)
    return {f"hr@{k}": hr, f"ndcg@{k}": ndcg, "n": len(ranks), "n_items": len(ids)}
