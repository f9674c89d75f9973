"""Which score picks the candidate an approver would send? Measured on panel-rated own candidates.

The pipeline writes several candidates per shopper and delivers one, so the score it ranks them by
decides what goes out. The panel rated the copywriter's own gate-passing candidates for train specs
(`finetune/label_candidates.py`); here each score is judged on those ratings: its AUC of "send as is"
(rated 4-5, no flag) against flawed (rated 2 or below, `gold.sort_labels`), the same within each spec
(the choice the pipeline actually makes), and the share rated 4 or 5 ("send as is", flagged or not)
of the candidate it would pick from random draws of `n` of a spec's candidates. The rated copy is the
tidied text, so the copywriter's perplexity is computed here by one forward pass over prompt + that text
re-tokenised; decoding's own number can differ slightly (it also counts a paragraph's closing line
break), which `tests/test_selection.py` bounds.

Two other views of the same candidates are judged beside it, to see whether a second opinion would pick
better: the copywriter's perplexity given the campaign alone (its prompt without the shopper's interest
phrases, the soft prompt kept, as training's interest dropout shows it), and the base model's (the
copywriter before finetuning, the text after a start token: is it plain English at all?).
"""

from __future__ import annotations

import itertools
import random

import numpy as np
from tqdm import tqdm

from ..checks import check_copy
from ..judge import own_perplexity
from ..pipeline import preferred
from ..train.approver import Spec, metrics
from ..train.gold import sort_labels
from ..types import Campaign
from .stats import auc


def score_candidates(pg, generated: list[dict], labelled: list[dict]) -> list[dict]:
    """Each rated candidate with its send score, its copywriter perplexity, that perplexity given the
    campaign alone, its approval and, where the copywriter has an adapter, the base model's perplexity
    (the evaluator's fluency: the text after a start token, `Generator.perplexity(base=True)`)."""
    rows = {row["user_id"]: row for row in generated}
    out = []
    for item in tqdm(labelled, unit="candidate", dynamic_ncols=True):
        row = rows[item["spec_id"]]
        campaign = Campaign.from_dict(row["campaign"])
        scores = {
            "perplexity": own_perplexity(pg, campaign, row["interests"], row["vector"], item["copy"]),
            "campaign_perplexity": own_perplexity(pg, campaign, [], row["vector"], item["copy"]),
        }
        approval = pg.approval(campaign, [row["interests"]], [item["copy"]])
        out.append({**item, **scores, "approval": None if approval is None else float(approval[0])})
    if pg.generator.base is not None:
        plain = pg.generator.perplexity([r["copy"] for r in out], base=True)
        out = [{**r, "base_perplexity": p} for r, p in zip(out, plain, strict=True)]
    return out


def _score_keys(scored: list[dict]) -> dict:
    """The scores every row has, each as a key where higher is preferred (perplexities negated, in
    logs); the copywriter's perplexity given the shopper plus given the campaign alone, summed with
    equal weights (a rule, not fitted on the ratings it is judged by)."""
    has = {name for name in scored[0] if all(r.get(name) is not None for r in scored)}
    keys = {}
    for name in ("perplexity", "campaign_perplexity", "base_perplexity", "approval", "judge"):
        if name in has:
            keys[name] = lambda r, name=name: preferred(name, r[name])
    if {"perplexity", "campaign_perplexity"} <= has:
        keys["perplexity+campaign_perplexity"] = lambda r: (
            preferred("perplexity", r["perplexity"])
            + preferred("campaign_perplexity", r["campaign_perplexity"])
        )
    return keys


def judge(scored: list[dict], n: int = 4, draws: int = 200, seed: int = 0) -> dict:
    """Per score (`_score_keys`; higher preferred): AUC, within-spec pair accuracy and the share "send as
    is" of its pick among `n` random candidates of a spec; the same share for a random pick and for the
    best pick (the candidate the panel rated highest)."""
    good_bad = sort_labels(scored)
    keys = _score_keys(scored)
    by_copy = {(r["spec_id"], r["copy"]): r for r in scored}
    by_spec: dict[str, list[dict]] = {}
    for r in scored:
        by_spec.setdefault(r["spec_id"], []).append(r)
    perplexities = [r["perplexity"] for r in scored]
    result = {"candidates": len(scored), "specs": len(by_spec), "n": n, "draws": draws}
    result["perplexity_range"] = [round(min(perplexities), 3), round(max(perplexities), 3)]
    result["scores"] = {}
    for name, key in keys.items():
        good = [key(by_copy[(s, t)]) for s, (g, _) in good_bad.items() for t in g]
        bad = [key(by_copy[(s, t)]) for s, (_, b) in good_bad.items() for t, _ in b]
        pairs = [
            key(by_copy[(s, a)]) > key(by_copy[(s, b)])
            for s, (g, bd) in good_bad.items()
            for a, (b, _) in itertools.product(g, bd)
        ]
        result["scores"][name] = {
            "auc": round(auc(np.r_[np.ones(len(good)), np.zeros(len(bad))], np.r_[good, bad]), 3),
            "within_spec_pair_accuracy": round(float(np.mean(pairs)), 3),
            "within_spec_pairs": len(pairs),
            "picked_send_as_is": round(_picked(by_spec, key, n, draws, seed), 3),
        }
    result["random_pick_send_as_is"] = round(_picked(by_spec, None, n, draws, seed), 3)
    # The most any score could reach: the panel's own pick among the same draws.
    result["best_pick_send_as_is"] = round(_picked(by_spec, lambda r: r["send"], n, draws, seed), 3)
    return result


def _picked(by_spec: dict[str, list[dict]], key, n: int, draws: int, seed: int) -> float:
    """Share rated 4 or 5, flagged or not, of the candidate `key` picks (the first drawn when `key` is
    None)."""
    rng, hits, total = random.Random(seed), 0, 0
    for _ in range(draws):
        for rows in by_spec.values():
            pool = rng.sample(rows, min(n, len(rows)))
            pick = pool[0] if key is None else max(pool, key=key)
            hits, total = hits + (pick["send"] >= 4), total + 1
    return hits / total


def approver_with_perplexity(pg, fit: list[Spec], specs: list[Spec]) -> dict:
    """copy_gold good-vs-flawed `metrics` of the approver's log-odds plus the copywriter's negative
    log-perplexity, each standardised on the `fit` specs (train) and added with equal weights: a rule
    fixed before any dev message was scored, not fitted (train's good messages are the copywriter's own
    finetuning targets, so weights fitted there would overrate its perplexity). Alone, and gate-then-mix
    (the lowest score where the gate rejects the copy), as `evaluate_gated` does for the approver."""
    fit_features = np.concatenate([_features(pg, s) for s in tqdm(fit, desc="train specs", unit="spec")])
    centre, scale = fit_features.mean(0), fit_features.std(0)
    mixed, gated = [], []
    for spec in tqdm(specs, desc="dev specs", unit="spec"):
        score = ((_features(pg, spec) - centre) / scale).sum(1)
        texts = spec.good + [t for t, _ in spec.bad]
        mixed.append(score)
        gated.append(np.array([-1e9 if check_copy(t, spec.campaign, spec.interests) else x
                               for t, x in zip(texts, score, strict=True)]))  # fmt: skip
    return {"mixed": metrics(specs, mixed), "gated": metrics(specs, gated)}


def _features(pg, spec: Spec) -> np.ndarray:
    """Per message of a spec (good, then flawed): the approver's log-odds, negative log-perplexity."""
    texts = spec.good + [t for t, _ in spec.bad]
    p = np.clip(pg.approval(spec.campaign, [spec.interests], texts), 1e-6, 1 - 1e-6)
    ppl = [own_perplexity(pg, spec.campaign, spec.interests, spec.vector, t) for t in texts]
    return np.c_[np.log(p / (1 - p)), [preferred("perplexity", x) for x in ppl]]
