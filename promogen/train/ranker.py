"""Fitting the ranking head on public data: copy appeal on Upworthy, personal affinity on MIND.

Each file is split by a stable sha1 hash (`public_data.heldout`): 20% of the tests / users are the inner
held-out part that the report scores and nothing here fits or tunes on; of the rest, another hash split
(`VAL_SALT`) holds back validation tests / users that choose the epoch, the pooling decay and the
calibration. A validation or held-out arm whose headline a fitting test also showed is dropped.

Copy appeal: the approver's top-layer network (`ApproverNet`) is trained on the frozen lower layers' states
of every headline (computed once, cached on disk) with a conditional-logit loss per test: given a test's
clicks, each came from arm a with probability softmax(score + log impressions)_a, so only within-test
differences are learned and big arms count by their clicks. Its scale is then fitted on validation tests
(weighted least squares of within-test centred click log-odds on centred scores), which makes the appeal a
calibrated log-odds lift. Personal affinity: cosine plus a low-rank bilinear term on the pooled interest
vector and the candidate embedding, trained with binary cross-entropy, Platt-calibrated on validation users.
"""

from __future__ import annotations

import hashlib
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .. import __version__
from ..approver import base_weights_sha1, build_net
from ..encoder import EncoderConfig, InterestEncoder
from ..evaluation.stats import ab_test_metrics, auc
from ..models import resolve_encoder
from ..provenance import file_sha1
from ..ranker import Ranker, RankerConfig
from .public_data import cached_embeddings, heldout, mind_rows, upworthy_arms

VAL_SALT = "ranker-val"
DECAYS = (1.0, 0.85, 0.7, 0.5)


def upworthy_parts(arms) -> dict[str, np.ndarray]:
    """Masks `fit`, `val`, `test` over the arms, with the headline deduplication of the module doc."""
    tests = arms.clickability_test_id.astype(str)
    test = np.array([heldout(t) for t in tests])
    val = np.array([heldout(t, salt=VAL_SALT) for t in tests]) & ~test
    fit = ~test & ~val
    val &= ~arms.headline.isin(set(arms.headline[fit])).to_numpy()
    test &= ~arms.headline.isin(set(arms.headline[~test])).to_numpy()
    return {"fit": fit, "val": val, "test": test}


def mind_parts(user_ids: list[str]) -> dict[str, np.ndarray]:
    test = np.array([heldout(u) for u in user_ids])
    val = np.array([heldout(u, salt=VAL_SALT) for u in user_ids]) & ~test
    return {"fit": ~test & ~val, "val": val, "test": test}


def within_test_scale(groups, clicks, impressions, scores) -> float:
    """Log-odds per unit score: weighted least squares of centred click log-odds on centred scores."""
    c, n = np.asarray(clicks, float), np.asarray(impressions, float)
    y = np.log((c + 0.5) / (n - c + 0.5))
    w = 1.0 / (1.0 / (c + 0.5) + 1.0 / (n - c + 0.5))
    x, s = np.asarray(scores, float).copy(), y.copy()
    for g in np.unique(groups):
        m = groups == g
        x[m] -= np.average(x[m], weights=w[m])
        s[m] -= np.average(s[m], weights=w[m])
    return float(max((w * x * s).sum() / max((w * x * x).sum(), 1e-12), 0.0))


def conditional_logit_loss(scores, clicks, impressions, owner) -> torch.Tensor:
    """Mean over clicks of -log P(the click came from its arm | the test's clicks)."""
    a = scores.double() + impressions.double().log()
    top = a.max().detach()
    norm = torch.zeros(int(owner.max()) + 1, dtype=torch.float64).index_add_(0, owner, (a - top).exp())
    return -(clicks * (a - norm.log()[owner] - top)).sum() / clicks.sum().clamp(min=1.0)


def frozen_states(net, tokenizer, texts: list[str], config: RankerConfig, cache) -> list[torch.Tensor]:
    """The input of the first retrained layer for every text (float16), computed once per machine."""
    key = hashlib.sha1(
        ("\n".join(texts) + f"|{config.base}|{net.n_frozen}|{config.max_length}").encode()
    ).hexdigest()[:16]
    path = Path(cache) / f"states-{key}.pt" if cache else None
    if path is not None and path.is_file():
        return torch.load(path)
    states: list = [None] * len(texts)
    order = np.argsort([len(t) for t in texts], kind="stable")
    net.eval()
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            idx = order[start : start + 64]
            enc = tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=config.max_length,
                return_tensors="pt",
            )
            hidden = net.frozen_states(enc["input_ids"], enc["attention_mask"])
            for row, i in enumerate(idx):
                states[i] = hidden[row, : int(enc["attention_mask"][row].sum())].half().clone()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(states, path)
    return states


def _padded(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    padded = torch.nn.utils.rnn.pad_sequence([s.float() for s in states], batch_first=True)
    mask = torch.zeros(padded.shape[:2], dtype=torch.long)
    for row, s in enumerate(states):
        mask[row, : len(s)] = 1
    return padded, mask


def top_scores(net, states: list[torch.Tensor], batch: int = 256) -> np.ndarray:
    net.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(states), batch):
            out.append(net.top_logits(*_padded(states[start : start + batch])).float().numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def train_appeal(net, states: list, arms, parts: dict, config: RankerConfig, log=print) -> list[dict]:
    """Train the top layers and head in place; ends at the epoch best on validation significant pairs.
    `states[i]` belongs to arm i. Returns one record per epoch."""
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    groups = arms.clickability_test_id.to_numpy()
    clicks = torch.tensor(arms.clicks.to_numpy(), dtype=torch.float64)
    imps = torch.tensor(arms.impressions.to_numpy(), dtype=torch.float64)
    by_test = {}
    for i in np.flatnonzero(parts["fit"]):
        by_test.setdefault(groups[i], []).append(i)
    tests = [t for t, rows in by_test.items() if len(rows) > 1]
    layers = [p for layer in net.top_layers for p in layer.parameters()]
    opt = torch.optim.AdamW(
        [{"params": layers, "lr": config.appeal_lr}, {"params": net.head.parameters(), "lr": config.head_lr}],
        weight_decay=0.01,
    )
    val = np.flatnonzero(parts["val"])
    records, best, best_epoch, best_state, start = [], -1.0, 0, None, time.time()
    for epoch in range(1, config.appeal_epochs + 1):
        net.train()
        order = rng.permutation(len(tests))
        for s in range(0, len(order), config.tests_per_step):
            chosen = [tests[j] for j in order[s : s + config.tests_per_step]]
            rows = [i for t in chosen for i in by_test[t]]
            owner = torch.tensor([k for k, t in enumerate(chosen) for _ in by_test[t]])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
                scores = net.top_logits(*_padded([states[i] for i in rows])).float()
            loss = conditional_logit_loss(scores, clicks[rows], imps[rows], owner)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        scores = top_scores(net, [states[i] for i in val])
        m = ab_test_metrics(groups[val], clicks[val].numpy(), imps[val].numpy(), scores)
        records.append(
            {
                "epoch": epoch,
                "val_pairwise_acc_significant": round(m["pairwise_acc_significant"], 4),
                "val_pairwise_acc_all": round(m["pairwise_acc_all"], 4),
                "elapsed_s": round(time.time() - start, 1),
            }
        )
        log(f"  appeal epoch {epoch}: validation significant pairs {m['pairwise_acc_significant']:.4f}")
        score = m["pairwise_acc_significant"]  # NaN when validation has no significant pair
        if best_state is None or score > best:  # ties keep the earlier epoch
            best, best_epoch = score, epoch
            best_state = {k: v.detach().clone() for k, v in net.trained_state().items()}
    for record in records:  # the epoch restored, marked: the records' rounded figures could tie
        record["chosen"] = record["epoch"] == best_epoch
    with torch.no_grad():
        for name, value in net.trained_state().items():
            value.copy_(best_state[name])
    net.eval()
    return records


class AffinityNet(torch.nn.Module):
    """w0 * cosine(u, c) + (P u) . (Q c) + w1: the trainable form of `ranker.affinity_logit`."""

    def __init__(self, dim: int, rank: int) -> None:
        super().__init__()
        self.P = torch.nn.Parameter(torch.randn(rank, dim) * 0.01)
        self.Q = torch.nn.Parameter(torch.randn(rank, dim) * 0.01)
        self.w = torch.nn.Parameter(torch.tensor([5.0, -2.5]))

    def forward(self, users, copies):
        bilinear = ((users @ self.P.T) * (copies @ self.Q.T)).sum(1)
        return self.w[0] * (users * copies).sum(1) + bilinear + self.w[1]


def train_affinity(
    users, copies, labels, parts: dict, config: RankerConfig, init: dict | None = None, choose: bool = True
) -> tuple[dict, float, int]:
    """(arrays P, Q, w at the best validation epoch, that validation AUC, that epoch); `init`: arrays
    of an earlier run to start from; `choose=False`: the last epoch's arrays, nothing scored on `val`
    (AUC NaN)."""
    torch.manual_seed(config.seed)
    u, c = torch.tensor(users), torch.tensor(copies)
    y = torch.tensor(labels, dtype=torch.float32)
    net = AffinityNet(u.shape[1], config.affinity_rank)
    if init is not None:
        net.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    opt = torch.optim.AdamW(
        net.parameters(), lr=config.affinity_lr, weight_decay=config.affinity_weight_decay
    )
    fit = np.flatnonzero(parts["fit"])
    best = (-1.0, None, 0)
    for epoch in range(1, config.affinity_epochs + 1):
        order = torch.tensor(fit)[torch.randperm(len(fit))]
        for s in range(0, len(order), 64):
            b = order[s : s + 64]
            loss = F.binary_cross_entropy_with_logits(net(u[b], c[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if not choose:
            best = (float("nan"), _arrays(net), epoch)
            continue
        with torch.no_grad():
            score = auc(labels[parts["val"]], net(u[parts["val"]], c[parts["val"]]).numpy())
        if score > best[0]:
            best = (score, _arrays(net), epoch)
    return best[1], best[0], best[2]


def _arrays(net: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in net.named_parameters()}


def platt(raw: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic regression of the labels on one raw logit (Newton steps)."""
    x = np.c_[raw, np.ones_like(raw)].astype(np.float64)
    theta = np.array([1.0, 0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ theta))
        grad = x.T @ (p - labels) + 1e-6 * theta
        hess = (x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(2)
        theta -= np.linalg.solve(hess, grad)
    return float(theta[0]), float(theta[1])


def mind_vectors(encoder: InterestEncoder, users, decay: float, cache) -> np.ndarray:
    """Interest vectors of news readers pooled with `decay` (same encoder, the news domain's setting)."""
    config = EncoderConfig.from_dict({**encoder.config.to_dict(), "recency_decay": decay})
    pooled = InterestEncoder(encoder.model, config)
    return pooled.encode_users(list(users), embed=partial(cached_embeddings, encoder, cache=cache))[0]


def fit_appeal_head(upworthy_path, config: RankerConfig, cache, log=print):
    """(network, tokenizer, appeal calibration array, meta) trained on the fitting tests."""
    from transformers import AutoTokenizer

    arms = upworthy_arms(upworthy_path)
    parts = upworthy_parts(arms)
    base_dir = resolve_encoder(config.base)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    net = build_net(config.net_config(), base_dir)
    unique = sorted(set(arms.headline))
    log(f"upworthy: {len(arms)} arms ({parts['fit'].sum()} fit, {parts['val'].sum()} val); caching states")
    table = frozen_states(net, tokenizer, unique, config, cache)
    index = {t: i for i, t in enumerate(unique)}
    states = [table[index[t]] for t in arms.headline]
    records = train_appeal(net, states, arms, parts, config, log)
    groups = arms.clickability_test_id.to_numpy()
    fit_scores = top_scores(net, [states[i] for i in np.flatnonzero(parts["fit"])])
    val = parts["val"]
    val_scores = top_scores(net, [states[i] for i in np.flatnonzero(val)])
    scale = within_test_scale(groups[val], arms.clicks[val], arms.impressions[val], val_scores)
    calibration = np.array([scale, float(fit_scores.mean())], dtype=np.float32)
    best = next(r for r in records if r["chosen"])
    meta = {
        "file": str(upworthy_path),
        "sha1": file_sha1(upworthy_path),
        "arms": {k: int(v.sum()) for k, v in parts.items()},
        "epochs": records,
        "chosen_epoch": best["epoch"],
        "log_odds_per_unit": round(scale, 4),
    }
    return net, tokenizer, calibration, meta


def fit_affinity_head(mind_path, encoder: InterestEncoder, config: RankerConfig, cache, log=print):
    """(affinity arrays, chosen decay, meta): decay and epoch chosen on validation users, then Platt."""
    rows = mind_rows(mind_path)
    users, titles, labels = zip(*rows, strict=True)
    labels = np.array(labels, dtype=np.float64)
    parts = mind_parts([u.user_id for u in users])
    copies = cached_embeddings(encoder, list(titles), cache)
    search, best = {}, None
    for decay in DECAYS:
        vectors = mind_vectors(encoder, users, decay, cache)
        arrays, score, epoch = train_affinity(vectors, copies, labels, parts, config)
        search[str(decay)] = {"val_auc": round(score, 4), "epoch": epoch}
        log(f"  mind decay {decay}: validation AUC {score:.4f} at epoch {epoch}")
        if best is None or score > best[0]:
            best = (score, decay, arrays, vectors)
    _, decay, arrays, vectors = best
    arrays = {f"affinity.{k}": v for k, v in arrays.items()}
    raw = partial(_raw_affinity, arrays)
    val, fit = parts["val"], parts["fit"]
    slope, intercept = platt(raw(vectors[val], copies[val]), labels[val])
    reference = float((slope * raw(vectors[fit], copies[fit]) + intercept).mean())
    arrays["affinity.calibration"] = np.array([slope, intercept, reference], dtype=np.float32)
    meta = {
        "file": str(mind_path),
        "sha1": file_sha1(mind_path),
        "rows": {k: int(v.sum()) for k, v in parts.items()},
        "decay_search": search,
        "platt": [round(slope, 4), round(intercept, 4)],
    }
    return arrays, decay, meta


def _raw_affinity(arrays: dict, users, copies) -> np.ndarray:
    from ..ranker import affinity_logit

    return affinity_logit(users, copies, arrays["affinity.P"], arrays["affinity.Q"], arrays["affinity.w"])


def train_ranker(
    upworthy_path: str | Path,
    mind_path: str | Path,
    encoder: InterestEncoder,
    config: RankerConfig | None = None,
    cache: str | Path | None = None,
    log=print,
) -> Ranker:
    """Fit both heads; the chosen epoch, decay and calibration and the data's sha1 go in `meta`."""
    config = config or RankerConfig()
    start = time.time()
    net, tokenizer, appeal_calibration, upworthy = fit_appeal_head(upworthy_path, config, cache, log)
    arrays, config.news_decay, mind = fit_affinity_head(mind_path, encoder, config, cache, log)
    arrays["appeal.calibration"] = appeal_calibration
    meta = {
        "promogen_version": __version__,
        "base_weights_sha1": base_weights_sha1(resolve_encoder(config.base)),
        "encoder": encoder.config.to_dict(),
        "upworthy": upworthy,
        "mind": mind,
        "split": f"sha1 hash of test id / user history: 20% inner held-out (public_data.heldout), "
        f"validation by salt {VAL_SALT!r} inside the rest",
        "wall_s": round(time.time() - start, 1),
    }
    log(f"ranker trained in {meta['wall_s']} s (news decay {config.news_decay:g})")
    return Ranker(net, tokenizer, arrays, config, meta)
