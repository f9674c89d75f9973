"""Training the approver model on the reference copy in `copy_gold` (offline; the runtime is `approver.py`).

Each spec is a campaign, one shopper's history and four messages: two an approver would send as is
(label 1) and two flawed versions with one labelled defect each (label 0). The shopper side is the interest
phrases the encoder gives at run time. Only the train file is read for fitting; the number of epochs (and
any other setting) is chosen on an inner split of the train campaigns (a stable sha1 hash of the campaign
id), and the model is then refitted on all train campaigns for that many epochs. The dev file is for the
one final report (finetune/train_approver.py) and is never seen here.

The loss is per-message binary cross-entropy plus a within-spec pairwise term, softplus(bad - good) for
every (good, flawed) pair of the same spec, which asks the model to tell apart copies that share the
campaign, the shopper and most of their words.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from .. import __version__
from ..approver import Approver, ApproverConfig, anchor_copy, base_weights_sha1, brief, build_net
from ..checks import check_copy
from ..encoder import InterestEncoder
from ..evaluation.stats import auc
from ..models import resolve_encoder
from ..provenance import file_sha1
from ..types import Campaign, UserHistory, ValidationError, existing_file
from .gold import DEFECTS, sort_labels
from .gold import read_specs as read_gold
from .public_data import heldout

SPLIT_SALT = "approver"
# What rules cannot see: the model is the only gate for these.
MODEL_DEFECTS = ("ungrammatical", "incoherent", "repetitive", "irrelevant", "creepy", "off_tone")


@dataclass
class Spec:
    """One copy_gold line, ready for the cross-encoder: the campaign, the shopper's phrases, the messages."""

    spec_id: str
    campaign: Campaign
    interests: list[str]
    good: list[str]
    bad: list[tuple[str, str]] = field(default_factory=list)
    vector: np.ndarray | None = field(default=None, repr=False)  # the shopper's interest vector

    @property
    def campaign_id(self) -> str:
        return self.campaign.campaign_id


def read_specs(path: str | Path, encoder: InterestEncoder | None = None) -> list[Spec]:
    """Read copy_gold JSONL; interests come from `encoder` exactly as at run time (all users in one pass)."""
    rows = read_gold(path)
    users = [UserHistory.from_dict({"user_id": r["spec_id"], "events": r["history"]}) for r in rows]
    encoder = encoder or InterestEncoder.load()
    vectors, phrases = encoder.encode_users(users)
    return [
        Spec(
            spec_id=row["spec_id"],
            campaign=Campaign.from_dict(row["campaign"]),
            interests=interests,
            good=[row["best"], row["alt"]],
            bad=[(b["text"], b["defect"]) for b in row["bad"]],
            vector=vector,
        )
        for row, interests, vector in zip(rows, phrases, vectors, strict=True)
    ]


def read_labels(path: str | Path, specs: list[Spec]) -> dict[str, Spec]:
    """The approval panel's labels of the copywriter's own candidates (finetune/label_candidates.py), as
    one Spec per train spec id holding only those candidates, good and flawed as `gold.sort_labels`
    sorts them."""
    path = existing_file(path, "labels")
    by_id = {s.spec_id: s for s in specs}
    rows = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            rows.append(json.loads(line))
            if rows[-1].get("spec_id") not in by_id:
                raise ValidationError(
                    f"{path}: line {line_no}: `spec_id` {rows[-1].get('spec_id')!r} is not a train spec"
                )
    return {
        spec_id: Spec(
            spec_id, by_id[spec_id].campaign, by_id[spec_id].interests, good, bad, by_id[spec_id].vector
        )
        for spec_id, (good, bad) in sort_labels(rows).items()
    }


def with_labels(specs: list[Spec], own: dict[str, Spec]) -> list[Spec]:
    """`specs` with their labelled own candidates added to the good and flawed messages."""
    out = []
    for spec in specs:
        extra = own.get(spec.spec_id)
        if extra is None:
            out.append(spec)
        else:
            good, bad = spec.good + extra.good, spec.bad + extra.bad
            out.append(Spec(spec.spec_id, spec.campaign, spec.interests, good, bad, spec.vector))
    return out


def inner_split(
    specs: list[Spec], how: str = "per_brand", fraction: float = 0.2
) -> tuple[list[Spec], list[Spec]]:
    """(fit, validation), always by campaign. `per_brand`: of each brand with two or more campaigns, the
    one with the lowest sha1('approver:' + campaign_id) is held back (dev holds one campaign per brand);
    `hash`: campaigns whose sha1 falls under `fraction` are held back."""
    if how == "hash":
        held = {s.campaign_id for s in specs if heldout(s.campaign_id, fraction, salt=SPLIT_SALT)}
    else:
        by_brand: dict[str, set[str]] = {}
        for s in specs:
            by_brand.setdefault(s.campaign.brand, set()).add(s.campaign_id)
        digest = lambda c: hashlib.sha1(f"{SPLIT_SALT}:{c}".encode()).hexdigest()  # noqa: E731
        held = {min(ids, key=digest) for ids in by_brand.values() if len(ids) > 1}
    val = [s for s in specs if s.campaign_id in held]
    fit = [s for s in specs if s.campaign_id not in held]
    if not fit or not val:
        raise ValidationError(
            f"the inner split left an empty side ({len(fit)} fit, {len(val)} validation specs)"
        )
    return fit, val


# ----- hard synthetic negatives, made from a spec's good messages (train side only) -----


def _money_pattern(value: float) -> str:
    number = str(int(value)) if float(value) == int(value) else f"{value:g}"
    return rf"[$€£]?{re.escape(number)}(?:\.00)?(?:\s?(?:USD|EUR|GBP|dollars|euros|pounds))?\+?"


def _drop_min_spend(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    offer = spec.campaign.offer
    if offer.min_spend is None:
        return None
    money = _money_pattern(offer.min_spend)
    pattern = (
        rf"\s*(?:on |for |with |when you spend |when you spend |if you spend )?"
        rf"(?:(?:any |your )?(?:orders?|purchases?|baskets?|spend) )?(?:over |of |above |from )?{money}"
        rf"(?: or more| and up| or over)?(?: orders?)?"
    )
    out = re.sub(pattern, "", text, count=1, flags=re.I)
    return out if out != text else None


def _swap_value(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    offer = spec.campaign.offer
    targets = [v for v in (offer.value, offer.min_spend) if v is not None]
    if not targets:
        return None
    value = targets[int(rng.integers(len(targets)))]
    number = str(int(value)) if float(value) == int(value) else f"{value:g}"
    other = str(int(value) + int(rng.choice([-10, -5, 5, 10]))) if value > 10 else str(int(value) + 5)
    out = re.sub(rf"(?<![\w.]){re.escape(number)}(?!\d)", other, text, count=1)
    return out if out != text else None


def _alter_code(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    code = spec.campaign.offer.code
    if not code or code not in text or len(code) < 2:
        return None
    chars = list(code)
    i = int(rng.integers(len(chars) - 1))
    chars[i], chars[i + 1] = chars[i + 1], chars[i]
    if "".join(chars) == code:
        chars[-1] = "X" if chars[-1] != "X" else "Z"
    return text.replace(code, "".join(chars), 1)


def _duplicate_clause(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    clauses = [c for c in re.split(r"(?<=[.,!?:])\s+", text) if c]
    if len(clauses) < 2:
        return None
    i = int(rng.integers(len(clauses)))
    return " ".join(clauses[: i + 1] + [clauses[i]] + clauses[i + 1 :])


def _shuffle_words(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    words = text.split()
    if len(words) < 6:
        return None
    start = int(rng.integers(0, len(words) - 4))
    window = words[start : start + 5]
    shuffled = [window[i] for i in rng.permutation(len(window))]
    if shuffled == window:
        return None
    return " ".join(words[:start] + shuffled + words[start + 5 :])


_URGENCY = ("Hurry, ends tonight!", "Today only!", "Last chance, ends at midnight!", "Only 24 hours left!")
_CLAIMS = ("our best-selling", "our award-winning", "our top-rated", "our customer-favourite")
_CREEPY = (
    "We saw you bought {}.",
    "Still thinking about the {} you looked at?",
    "We noticed the {} in your cart.",
    "You keep browsing {}, we know.",
)


def _add_urgency(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    if spec.campaign.offer.expires:
        return None  # urgency is allowed then; an invented date is what `swap_value` covers
    return f"{text.rstrip()} {_URGENCY[int(rng.integers(len(_URGENCY)))]}"


def _add_claim(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    claim = _CLAIMS[int(rng.integers(len(_CLAIMS)))]
    offer = spec.campaign.offer
    out = re.sub(
        r"\b(?:everything|your order|any order|all orders|orders)\b", f"{claim} picks", text, count=1
    )
    if out == text and offer.applies_to and offer.kind != "gift":
        out = text.replace(offer.applies_to, f"{claim} {offer.applies_to}", 1)
    return out if out != text else None


def _creepy(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    if not spec.interests:
        return None
    phrase = spec.interests[int(rng.integers(len(spec.interests)))]
    return f"{_CREEPY[int(rng.integers(len(_CREEPY)))].format(phrase)} {text}"


def _off_tone(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    if (spec.campaign.tone or "") in ("playful", "upbeat", "friendly"):
        body = text[0].lower() + text[1:] if text else text
        return f"Please be advised that {body.rstrip('!')}"
    return f"OMG {text.rstrip('.!')}!!! lol"


def _misstate_scope(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    offer = spec.campaign.offer
    if offer.kind == "gift":
        return None
    if offer.applies_to and offer.applies_to in text:
        return text.replace(offer.applies_to, "everything", 1)
    out = re.sub(r"\beverything\b|\byour order\b|\bany order\b", "select items", text, count=1)
    return out if out != text else None


# Agreement and function-word slips of the kind approvers flag as ungrammatical ("more good meal is ahead
# you", "you gets free water bottle"): word-salad shuffles are too easy to spot to teach these.
_SWAPS = {"is": "are", "are": "is", "your": "you", "get": "getting", "with": "for", "for": "of"}
_SLIPS = (
    r"\b(?:a|an|the) ",  # a dropped article
    r"\b(?:is|are)\b",  # broken agreement
    r"\b(?:your|get)\b",  # wrong word form
    r"\b(?:with|for)\b",  # wrong preposition
    r"(?<=\w\w)s\b",  # a dropped plural
)


def _slip(match: re.Match) -> str:
    return _SWAPS.get(match.group(0), "")


def _break_grammar(text: str, spec: Spec, rng: np.random.Generator) -> str | None:
    """Up to two slips, each of a different kind (a dropped article or plural, "is"/"are" swapped, "your"
    as "you" or "get" as "getting", a wrong preposition), at the first place each fits; a slip that would
    touch the code is skipped."""
    out, slips = text, 0
    for i in rng.permutation(len(_SLIPS)):
        candidate = re.sub(_SLIPS[int(i)], _slip, out, count=1)
        if candidate != out and (spec.campaign.offer.code or "") in candidate:
            out, slips = candidate, slips + 1
        if slips == 2:
            break
    return out if out != text else None


SYNTHETIC = {
    "drop_min_spend": _drop_min_spend,
    "swap_value": _swap_value,
    "alter_code": _alter_code,
    "duplicate_clause": _duplicate_clause,
    "shuffle_words": _shuffle_words,
    "add_urgency": _add_urgency,
    "add_claim": _add_claim,
    "creepy": _creepy,
    "off_tone": _off_tone,
    "misstate_scope": _misstate_scope,
    "break_grammar": _break_grammar,
}


def _other_shopper(spec: Spec, pool: list[Spec], max_cosine: float) -> str | None:
    """The first good message of the campaign's shopper least like this one (if unlike enough): right
    about the offer but not personal here. Needs every shopper's interest vector."""
    others = [o for o in pool if o.campaign_id == spec.campaign_id and o.spec_id != spec.spec_id]
    if spec.vector is None or not others or any(o.vector is None for o in others):
        return None
    cos = [float(spec.vector @ o.vector) for o in others]
    best = int(np.argmin(cos))
    return others[best].good[0] if cos[best] < max_cosine else None


_CLAUSE = re.compile(r"(?<=[:?!.])\s+")


def _opening(text: str, spec: Spec) -> tuple[str, str, str]:
    """(brand prefix, opening, offer part) of a message: the offer part starts at the first clause with a
    digit or the code; the prefix is a leading "Brand:"."""
    prefix = f"{spec.campaign.brand}: " if text.startswith(f"{spec.campaign.brand}:") else ""
    clauses = _CLAUSE.split(text[len(prefix) :])
    code = spec.campaign.offer.code or "\0"
    at = next((i for i, c in enumerate(clauses) if code in c or re.search(r"\d", c)), len(clauses))
    return prefix, " ".join(clauses[:at]), " ".join(clauses[at:])


def _foreign_opening(spec: Spec, pool: list[Spec], max_cosine: float, rng: np.random.Generator) -> str | None:
    """This spec's offer after the opening line another brand wrote for a shopper unlike this one (the
    approvers' `irrelevant`: "Copper Kettle Home: tent season is here! Get 15% off everything...")."""
    prefix, own, offer = _opening(spec.good[int(rng.integers(len(spec.good)))], spec)
    strangers = [
        o
        for o in pool
        if o.campaign.brand != spec.campaign.brand
        and (spec.vector is None or o.vector is None or float(spec.vector @ o.vector) < max_cosine)
    ]
    if not own or not offer or not strangers:
        return None
    other = strangers[int(rng.integers(len(strangers)))]
    _, opening, _ = _opening(other.good[int(rng.integers(len(other.good)))], other)
    if not opening or other.campaign.brand in opening:
        return None
    return f"{prefix}{opening} {offer}"


def synthetic_negatives(
    spec: Spec,
    n: int,
    rng: np.random.Generator,
    pool: list[Spec] | None = None,
    max_cosine: float = 0.3,
    other_shopper: bool = True,
) -> list[tuple[str, str]]:
    """Up to `n` flawed variants of the spec's good messages, each labelled `synthetic:<how>`.

    With `pool` (the other training specs), one may also be `synthetic:foreign_opening` (another brand's
    opening line for an unlike shopper before this offer) or, with `other_shopper`,
    `synthetic:other_shopper` (a good message for the campaign's least similar shopper).
    """
    out: list[tuple[str, str]] = []
    kinds = list(SYNTHETIC) + (["foreign_opening"] if pool else [])
    kinds += ["other_shopper"] if pool and other_shopper else []
    for _ in range(4 * n):
        if len(out) >= n:
            break
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind == "other_shopper":
            made = _other_shopper(spec, pool or [], max_cosine)
        elif kind == "foreign_opening":
            made = _foreign_opening(spec, pool or [], max_cosine, rng)
        else:
            made = SYNTHETIC[kind](spec.good[int(rng.integers(len(spec.good)))], spec, rng)
        if made and made not in spec.good and made not in [t for t, _ in out]:
            out.append((made, f"synthetic:{kind}"))
    return out


# ----- evaluation -----


def metrics(specs: list[Spec], scores: list[np.ndarray]) -> dict:
    """AUC of good vs flawed overall and per defect (that defect's messages vs all good ones of the split),
    and the share of within-spec (good, flawed) pairs ordered right. `scores[i]` follows
    `specs[i].good + specs[i].bad`."""
    good_scores, bad_scores, defects, pair_hits, pairs = [], [], [], 0.0, 0
    for spec, row in zip(specs, scores, strict=True):
        g, b = (
            np.asarray(row[: len(spec.good)]),
            np.asarray(row[len(spec.good) : len(spec.good) + len(spec.bad)]),
        )
        good_scores.extend(g.tolist())
        bad_scores.extend(b.tolist())
        defects.extend(d for _, d in spec.bad)
        pair_hits += float(((g[:, None] > b[None, :]) + 0.5 * (g[:, None] == b[None, :])).sum())
        pairs += g.size * b.size
    good, bad, defects = np.array(good_scores), np.array(bad_scores), np.array(defects)

    def _auc(neg: np.ndarray) -> float:
        labels = np.r_[np.ones(len(good)), np.zeros(len(neg))]
        return round(auc(labels, np.r_[good, neg]), 4)

    per_defect = {
        d: {"auc": _auc(bad[defects == d]), "n": int((defects == d).sum())}
        for d in DEFECTS
        if (defects == d).any()
    }
    model_only = [per_defect[d]["auc"] for d in MODEL_DEFECTS if d in per_defect]
    return {
        "auc": _auc(bad),
        "pairwise_accuracy": round(pair_hits / max(pairs, 1), 4),
        "auc_mean_model_defects": round(float(np.mean(model_only)), 4) if model_only else None,
        "n_specs": len(specs),
        "n_good": len(good),
        "n_flawed": len(bad),
        "mean_p_good": round(float(good.mean()), 4) if len(good) else None,
        "mean_p_flawed": round(float(bad.mean()), 4) if len(bad) else None,
        "per_defect": per_defect,
    }


def evaluate(approver: Approver, specs: list[Spec]) -> dict:
    """`metrics` of the approver's scores (the run-time path: one `score` call per spec)."""
    scores = [approver.score(s.campaign, [s.interests], s.good + [t for t, _ in s.bad]) for s in specs]
    return metrics(specs, scores)


def evaluate_gated(approver: Approver, specs: list[Spec]) -> dict:
    """`metrics` of the approver as the pipeline uses it: its probability when the copy passes the
    compliance gate, 0 when the gate rejects it."""
    scores = []
    for s in specs:
        texts = s.good + [t for t, _ in s.bad]
        p = approver.score(s.campaign, [s.interests], texts)
        scores.append(
            np.array(
                [
                    0.0 if check_copy(t, s.campaign, s.interests) else float(x)
                    for t, x in zip(texts, p, strict=True)
                ]
            )
        )
    return metrics(specs, scores)


# ----- training -----


@dataclass
class _Pairs:
    """The frozen lower layers' output for every (brief, copy) pair of a set of specs, computed once."""

    specs: list[Spec]
    items: list[list[tuple[int, float]]]  # per spec: (pair index, label), good first, then flawed
    anchors: list[int] | None  # per spec: the pair index of its anchor line
    states: list[torch.Tensor]  # per pair: (tokens, hidden)
    type_ids: list[torch.Tensor]

    def batch(self, spec_rows: list[int]) -> tuple[torch.Tensor, ...]:
        """Padded states of the specs' messages, then (with anchors) one anchor line per spec."""
        idx = [i for r in spec_rows for i, _ in self.items[r]]
        labels = torch.tensor([y for r in spec_rows for _, y in self.items[r]])
        owner = torch.tensor([k for k, r in enumerate(spec_rows) for _ in self.items[r]])
        if self.anchors is not None:
            idx += [self.anchors[r] for r in spec_rows]
        states = torch.nn.utils.rnn.pad_sequence([self.states[i] for i in idx], batch_first=True)
        type_ids = torch.nn.utils.rnn.pad_sequence([self.type_ids[i] for i in idx], batch_first=True)
        mask = torch.zeros(states.shape[:2], dtype=torch.long)
        for row, i in enumerate(idx):
            mask[row, : len(self.states[i])] = 1
        return states, mask, type_ids, labels, owner


def relative_logits(net, logits: torch.Tensor, owner: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(message logits, logits used for probabilities): with anchors, the batch ends with one anchor per
    spec and each message's logit is taken relative to its spec's anchor, plus the learned offset."""
    n = len(owner)
    if net.anchor_bias is None:
        return logits, logits
    return logits[:n], logits[:n] - logits[n:][owner] + net.anchor_bias


def cache_pairs(
    approver: Approver, specs: list[Spec], extra: dict[str, list[tuple[str, str]]] | None = None
) -> _Pairs:
    """Run the frozen layers once over every message of `specs` (plus `extra` flawed ones per spec id)
    and, with `anchor`, over each spec's anchor line."""
    briefs, texts, items, anchors = [], [], [], []
    for spec in specs:
        b = brief(spec.campaign, spec.interests)
        flawed = [t for t, _ in spec.bad] + [t for t, _ in (extra or {}).get(spec.spec_id, [])]
        row = []
        for text, label in [(t, 1.0) for t in spec.good] + [(t, 0.0) for t in flawed]:
            row.append((len(texts), label))
            briefs.append(b)
            texts.append(text)
        items.append(row)
        if approver.config.anchor:
            anchors.append(len(texts))
            briefs.append(b)
            texts.append(anchor_copy(spec.campaign))
    states: list = [None] * len(texts)
    type_ids: list = [None] * len(texts)
    order = np.argsort([len(t) + len(b) for t, b in zip(texts, briefs, strict=True)], kind="stable")
    approver.net.eval()
    with torch.inference_mode():
        for start in range(0, len(order), approver.config.batch_size):
            idx = order[start : start + approver.config.batch_size]
            enc = approver.encode([briefs[i] for i in idx], [texts[i] for i in idx])
            hidden = approver.net.frozen_states(**enc)
            tt = enc.get("token_type_ids", torch.zeros_like(enc["input_ids"]))
            for row, i in enumerate(idx):
                n = int(enc["attention_mask"][row].sum())
                states[i] = hidden[row, :n].clone()
                type_ids[i] = tt[row, :n].clone()
    return _Pairs(specs, items, anchors if approver.config.anchor else None, states, type_ids)


def _pair_loss(
    logits: torch.Tensor, prob_logits: torch.Tensor, labels: torch.Tensor, owner: torch.Tensor, config
) -> torch.Tensor:
    loss = torch.zeros(())
    if config.pointwise_weight:
        targets = labels * (1 - config.label_smoothing) + config.label_smoothing / 2
        loss = loss + config.pointwise_weight * F.binary_cross_entropy_with_logits(prob_logits, targets)
    if config.pairwise_weight or config.cross_pairwise_weight:
        same = owner[:, None] == owner[None, :]
        ordered = (labels[:, None] == 1) & (labels[None, :] == 0)  # rows good, columns flawed
        scores = prob_logits if config.cross_pairwise_weight else logits
        pair_loss = F.softplus(scores[None, :] - scores[:, None])  # [i, j] = log(1 + exp(s_j - s_i))
        if config.pairwise_weight:
            loss = loss + config.pairwise_weight * pair_loss[ordered & same].mean()
        if config.cross_pairwise_weight and (ordered & ~same).any():
            loss = loss + config.cross_pairwise_weight * pair_loss[ordered & ~same].mean()
    return loss


def cached_scores(approver: Approver, pairs: _Pairs, specs_per_batch: int = 16) -> list[np.ndarray]:
    """Probabilities of every cached pair, per spec (the fast path used for validation during training)."""
    approver.net.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(pairs.specs), specs_per_batch):
            rows = list(range(start, min(start + specs_per_batch, len(pairs.specs))))
            states, mask, type_ids, _, owner = pairs.batch(rows)
            logits = approver.net.top_logits(states, mask, type_ids).float()
            probs = torch.sigmoid(relative_logits(approver.net, logits, owner)[1]).numpy()
            out.extend(probs[(owner == k).numpy()] for k in range(len(rows)))
    return out


def train_epochs(
    approver: Approver,
    specs: list[Spec],
    config: ApproverConfig,
    epochs: int,
    val: list[Spec] | None = None,
    log=print,
    progress: bool = True,
) -> list[dict]:
    """Train the top layers and head in place for `epochs`; returns one record per epoch (with validation
    metrics when `val` is given). With `val`, the approver ends at the state of the best epoch."""
    rng = np.random.default_rng(config.seed)
    start = time.time()
    extra = None
    if config.synthetic:
        extra = {
            s.spec_id: synthetic_negatives(
                s, config.synthetic, rng, specs, other_shopper=config.other_shopper
            )
            for s in specs
        }
    train = cache_pairs(approver, specs, extra)
    held = cache_pairs(approver, val) if val else None
    log(f"cached frozen-layer states of {len(train.states)} training messages in {time.time() - start:.0f} s")
    torch.manual_seed(config.seed)
    net = approver.net
    layer_params = [p for layer in net.top_layers for p in layer.parameters()]
    head_params = list(net.head.parameters()) + ([net.anchor_bias] if net.anchor_bias is not None else [])
    opt = torch.optim.AdamW(
        [{"params": layer_params, "lr": config.lr}, {"params": head_params, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    steps_per_epoch = math.ceil(len(specs) / config.specs_per_step)
    total = max(steps_per_epoch * epochs, 1)
    warm = max(int(config.warmup * total), 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(total - warm, 1)))
    )
    records: list[dict] = []
    best_state, best_key = None, None
    for epoch in range(1, epochs + 1):
        net.train()
        order = rng.permutation(len(specs))
        losses = []
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{epochs}", leave=False, disable=not progress)
        for step in bar:
            rows = [int(i) for i in order[step * config.specs_per_step : (step + 1) * config.specs_per_step]]
            states, mask, type_ids, labels, owner = train.batch(rows)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
                logits = net.top_logits(states, mask, type_ids)
            msg_logits, prob_logits = relative_logits(net, logits.float(), owner)
            loss = _pair_loss(msg_logits, prob_logits, labels, owner, config)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(layer_params + head_params, 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        bar.close()
        record = {
            "epoch": epoch,
            "loss": round(float(np.mean(losses)), 4),
            "elapsed_s": round(time.time() - start, 1),
        }
        if held is not None:
            m = metrics(val, cached_scores(approver, held))
            record.update(
                {
                    "val_auc": m["auc"],
                    "val_pairwise_accuracy": m["pairwise_accuracy"],
                    "val_auc_mean_model_defects": m["auc_mean_model_defects"],
                    "val_auc_per_defect": {d: v["auc"] for d, v in m["per_defect"].items()},
                }
            )
            key = (m["auc"], m["pairwise_accuracy"])
            if best_key is None or key > best_key:  # ties keep the earlier (shorter) epoch
                best_key = key
                best_state = {k: v.detach().clone() for k, v in net.trained_state().items()}
        records.append(record)
        shown = (
            f", inner val AUC {record['val_auc']:.4f} (pairs {record['val_pairwise_accuracy']:.3f})"
            if val
            else ""
        )
        log(f"epoch {epoch}/{epochs}: loss {record['loss']:.4f}{shown}, {record['elapsed_s']:.0f} s")
    if best_state is not None:
        with torch.no_grad():
            for name, value in net.trained_state().items():
                value.copy_(best_state[name])
    net.eval()
    return records


def new_approver(config: ApproverConfig) -> Approver:
    """A fresh approver (base encoder + untrained adapters and head) ready for `train_epochs`."""
    from transformers import AutoTokenizer

    base_dir = resolve_encoder(config.base)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    return Approver(build_net(config, base_dir), tokenizer, config)


def fit_approver(
    train_path: str | Path,
    config: ApproverConfig | None = None,
    encoder: InterestEncoder | None = None,
    log=print,
    progress: bool = True,
    labels: str | Path | None = None,
) -> tuple[Approver, dict]:
    """Choose the epoch count on the inner split of the train campaigns, then (with `refit`) train on all
    train campaigns for that many epochs. Returns the approver and a summary (inner metrics, curve).

    `labels` (finetune/label_candidates.py's labelled.jsonl) adds the panel-rated own candidates of the
    fit specs to training; those of the validation campaigns are kept out and reported on their own
    (`inner_own_metrics`: can the approver tell the copywriter's good candidates from its bad ones?)."""
    config = config or ApproverConfig()
    start = time.time()
    specs = read_specs(train_path, encoder)
    own = read_labels(labels, specs) if labels else {}
    fit, val = inner_split(specs, config.inner_split, config.inner_fraction)
    val_own = [own[s.spec_id] for s in val if s.spec_id in own]
    fit = with_labels(fit, own)
    n_campaigns = len({s.campaign_id for s in specs})
    n_val_campaigns = len({s.campaign_id for s in val})
    log(
        f"copy_gold train: {len(specs)} specs in {n_campaigns} campaigns; inner split {len(fit)} fit / "
        f"{len(val)} validation specs ({n_val_campaigns} campaigns)"
    )
    approver = new_approver(config)
    curve = train_epochs(approver, fit, config, config.epochs, val=val, log=log, progress=progress)
    best = max(curve, key=lambda r: (r["val_auc"], r["val_pairwise_accuracy"], -r["epoch"]))
    inner = evaluate(approver, val)  # the best epoch's state
    inner_own = evaluate(approver, val_own) if val_own else None
    inner_fit_s = round(time.time() - start, 1)
    log(f"inner split: best epoch {best['epoch']}, AUC {inner['auc']:.4f}")
    epochs_used = best["epoch"]
    if config.refit:
        log(f"refit on all {len(specs)} train specs for {epochs_used} epochs")
        approver = new_approver(config)
        train_epochs(approver, with_labels(specs, own), config, epochs_used, log=log, progress=progress)
    approver.meta = {
        "promogen_version": __version__,
        "base": config.base,
        "base_weights_sha1": base_weights_sha1(resolve_encoder(config.base)),
        "train_file": str(train_path),
        "train_sha1": file_sha1(train_path),
        "n_train_specs": len(specs),
        "n_train_messages": sum(len(s.good) + len(s.bad) for s in specs),
        "inner_split": (
            f"per brand: the campaign with the lowest sha1('{SPLIT_SALT}:' + campaign_id) of each brand"
            if config.inner_split == "per_brand"
            else f"hash: sha1('{SPLIT_SALT}:' + campaign_id)[:4] / 2**32 < {config.inner_fraction}"
        ),
        "inner_validation_campaigns": sorted({s.campaign_id for s in val}),
        "epochs_chosen": epochs_used,
        "trained_on": "all train campaigns" if config.refit else "inner fit campaigns",
        "inner_curve": curve,
        "inner_metrics": inner,
        "labels": None
        if not labels
        else {
            "file": str(labels),
            "sha1": file_sha1(labels),
            "good": sum(len(o.good) for o in own.values()),
            "flawed": sum(len(o.bad) for o in own.values()),
        },
        "inner_own_metrics": inner_own,
        "inner_fit_s": inner_fit_s,
        "wall_s": round(time.time() - start, 1),
    }
    log(f"done in {approver.meta['wall_s']:.0f} s")
    return approver, approver.meta
