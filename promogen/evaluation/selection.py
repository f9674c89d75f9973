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
import torch
from tqdm import tqdm

from ..checks import check_copy
from ..kvcache import reserved_cache
from ..pipeline import preferred
from ..train.approver import Spec, metrics
from ..train.gold import sort_labels
from ..types import Campaign
from .stats import auc


def own_perplexity(pg, campaign: Campaign, interests: list[str], vector, text: str) -> float:
    """The copywriter's perplexity of `text` as its answer to the shopper's prompt (soft prompt in)."""
    return float(np.exp(-_copy_pass(pg, campaign, interests, vector, [text])[0][0]))


def copy_features(
    pg, campaign: Campaign, interests: list[str], vector, texts: list[str], layers: tuple[int, ...]
) -> np.ndarray:
    """What the copywriter makes of each of `texts` as its answer to the shopper's prompt, from one
    batched forward pass (texts x layers x features): per layer of `layers` (0: the embeddings), the mean
    over the copy's tokens of that layer's hidden state, then the copy's mean log-probability."""
    logprob, hidden = _copy_pass(pg, campaign, interests, vector, texts, layers)
    rows = np.concatenate([hidden, np.broadcast_to(logprob[:, None, None], (*hidden.shape[:2], 1))], 2)
    return rows.astype(np.float32)


@torch.inference_mode()
def _copy_pass(
    pg, campaign: Campaign, interests: list[str], vector, texts: list[str], layers: tuple[int, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The prompt run once, then each of `texts` after it in one right-padded batch over the prompt's
    repeated KV cache: each copy's mean log-probability (texts,), and for each of `layers` the mean of
    that layer's hidden states over the copy's tokens (texts x layers x hidden)."""
    gen = pg.generator
    prompt = pg.prompts(campaign, [interests])[0]
    cut = len(gen._shared_texts([prompt], pg.shared(campaign, [prompt]))[0])  # generation's own split
    head, rest = (
        gen.tokenizer(x, add_special_tokens=False)["input_ids"] for x in (prompt[:cut], prompt[cut:])
    )
    ids = torch.tensor([head + rest])
    vectors = None if gen.interest is None else np.asarray([vector], dtype=np.float32)
    inputs, _ = gen._inputs(
        {"input_ids": ids, "attention_mask": torch.ones_like(ids)}, vectors, at=torch.tensor([len(head)])
    )
    copies = [gen.tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    width, n = max(map(len, copies)), len(copies)
    cache = reserved_cache(gen.model.config, width)
    first = gen.model(**inputs, cache=cache, use_cache=True, logits_to_keep=1).logits[0, -1].float()
    cache.batch_repeat_interleave(n)
    seen = inputs["attention_mask"].shape[1]
    out = gen.model(
        input_ids=torch.tensor([c + [0] * (width - len(c)) for c in copies]),  # pads after: never attended
        attention_mask=torch.ones(n, seen + width, dtype=torch.long),
        position_ids=torch.arange(seen, seen + width).expand(n, -1),
        cache=cache,
        use_cache=True,
        output_hidden_states=bool(layers),
    )
    # The prompt's last position predicts each copy's first token, copy position j its token j + 1.
    logits = torch.cat([first.expand(n, 1, -1), out.logits[:, : width - 1].float()], 1)
    own = torch.log_softmax(logits, -1)
    logprob = np.array(
        [float(own[i, : len(c)].gather(1, torch.tensor(c)[:, None]).mean()) for i, c in enumerate(copies)]
    )
    hidden = np.zeros((n, len(layers), gen.model.config.hidden_size), dtype=np.float32)
    for i, c in enumerate(copies):
        for j, k in enumerate(layers):
            hidden[i, j] = out.hidden_states[k][i, : len(c)].float().mean(0).numpy()
    return logprob, hidden


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
    is" of its pick among `n` random candidates of a spec; the same share for a random pick."""
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
