"""Would a judge fitted on the panel's ratings pick better than the copywriter's own perplexity?

The pipeline delivered the candidate the copywriter was surest of until the judge was shown to pick
better. On panel-rated candidates perplexity picks the copy the panel sends more often than chance, but
within a spec it prefers the flawed candidate about one time in four (`selection`), and the flaws are
mostly hooks that make no sense. The judge (`promogen.judge`: a ridge regression from the copywriter's
mean hidden state of one layer over the copy's tokens, and its mean log-probability, to the panel's send
score) is fitted on the panel-rated candidates of our written train shops (`finetune/label_candidates.py`
rounds) and judged here: by cross-validation that holds out whole campaigns, then on held-out shops by
re-picking among the candidates a harness run wrote, for a blind panel to compare with the shipped pick.
The pipeline ranks by the shipped judge (`rank_by=judge`) since it passed that test (docs/copywriter.md).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..judge import Ridge, copy_features
from ..pipeline import repeated_share, word_ngrams
from ..train.gold import read_jsonl, spec_users
from ..types import Campaign, Delivery


def labelled_features(
    pg, folders: list[str | Path], layers: tuple[int, ...]
) -> tuple[list[dict], np.ndarray]:
    """Every rated candidate of the labelling rounds in `folders` (spec id, copy, send, flags) and its
    `copy_features` at each of `layers` (candidates x layers x features), scored with the copywriter in
    `pg` (the one that wrote them), a spec's candidates in one batch."""
    rows, features = [], []
    for folder in folders:
        generated = {r["user_id"]: r for r in read_jsonl(Path(folder) / "generated.jsonl")}
        items = read_jsonl(Path(folder) / "labelled.jsonl")
        by_spec: dict[str, list[int]] = {}
        for k, item in enumerate(items):
            by_spec.setdefault(item["spec_id"], []).append(k)
        found: dict[int, np.ndarray] = {}
        for spec_id, ks in tqdm(by_spec.items(), desc=str(folder), unit="spec"):
            spec = generated[spec_id]
            campaign = Campaign.from_dict(spec["campaign"])
            texts = [items[k]["copy"] for k in ks]
            x = copy_features(pg, campaign, spec["interests"], spec["vector"], texts, layers)
            found.update(zip(ks, x, strict=True))
        rows.extend(items)
        features.extend(found[k] for k in range(len(items)))  # in the labels' order
    return rows, np.stack(features)


def cross_validate(
    rows: list[dict], x: np.ndarray, alpha: float, folds: int = 5, seed: int = 0, logprob_share: float = 0.0
) -> np.ndarray:
    """Each candidate's predicted send from a ridge fitted without its campaign (`Ridge.fit` with
    `logprob_share`): campaigns are dealt to `folds` folds at random (seeded), so no campaign's copy is
    judged by a fit that saw it."""
    campaigns = sorted({r["spec_id"].split("-")[0] for r in rows})
    random.Random(seed).shuffle(campaigns)
    fold_of = {c: k % folds for k, c in enumerate(campaigns)}
    fold = np.array([fold_of[r["spec_id"].split("-")[0]] for r in rows])
    send = np.array([r["send"] for r in rows], dtype=np.float64)
    predicted = np.zeros(len(rows))
    for k in range(folds):
        fitted = Ridge.fit(x[fold != k], send[fold != k], alpha, logprob_share)
        predicted[fold == k] = fitted.predict(x[fold == k])
    return predicted


def judge_candidates(
    pg, judge: Ridge, by_campaign: dict[str, list[Delivery]], specs: list[dict], layer: int
) -> dict[str, list[list[float | None]]]:
    """The judge's predicted send of every eligible candidate of each delivery (None where not
    eligible). Interest vectors are the encoder's, as the pipeline makes them."""
    by_id = {s["spec_id"]: s for s in specs}
    vectors, _ = pg.encoder.encode_users(spec_users(list(by_id.values())))
    vector_of = dict(zip(by_id, vectors, strict=True))
    scores = {}
    for campaign_id, rows in tqdm(by_campaign.items(), desc="campaigns", unit="campaign"):
        scores[campaign_id] = []
        for d in rows:
            campaign, vector = Campaign.from_dict(by_id[d.user_id]["campaign"]), vector_of[d.user_id]
            eligible = [i for i, c in enumerate(d.candidates) if c.eligible]
            judged: list[float | None] = [None] * len(d.candidates)
            if eligible:
                texts = [d.candidates[i].text for i in eligible]
                features = copy_features(pg, campaign, d.interests, vector, texts, (layer,))[:, 0]
                for i, score in zip(eligible, judge.predict(features), strict=True):
                    judged[i] = float(score)
            scores[campaign_id].append(judged)
    return scores


def repick(
    by_campaign: dict[str, list[Delivery]], scores: dict[str, list[list[float | None]]], variety: float = 0.0
) -> dict[str, list[Delivery]]:
    """Each shopper's delivery with the eligible candidate of the highest judged send, less `variety`
    times the share of its word pairs that copy re-picked for the campaign's earlier shoppers used (the
    pipeline's `variety` penalty, on the judge's scale); a fallback stays as it was."""
    out = {}
    for campaign_id, rows in by_campaign.items():
        out[campaign_id], delivered = [], set()
        for d, judged in zip(rows, scores[campaign_id], strict=True):
            options = {
                i: s - variety * repeated_share(c.text, delivered)
                for i, (c, s) in enumerate(zip(d.candidates, judged, strict=True))
                if s is not None
            }
            if d.chosen is None or not options:
                out[campaign_id].append(d)  # as the pipeline's `select`: a fallback gives out no words
                continue
            best = max(options, key=options.get)
            out[campaign_id].append(replace(d, chosen=best, text=d.candidates[best].text))
            delivered.update(word_ngrams(d.candidates[best].text, 2))
    return out
