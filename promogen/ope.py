"""Off-policy evaluation: what click rate would another selection policy have earned on logged deliveries?

The log is the batch output plus a `click` field. Every logged delivery records the candidates' scores
and the propensity of the delivered one, so IPS, self-normalised IPS, the direct method (with
`scores.predicted_ctr` as the reward model) and doubly robust estimates follow, each with a bootstrap
interval. A seeded simulator with a known true policy value checks the estimators. The importance
weighted estimates need a logging policy that gave the target's choices a chance (softmax or epsilon):
on a greedy log they see only the rows where the target agrees with it, which `unsupported_mass` reports.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .hardware import autocast, resolve_dtype
from .policy import PolicyConfig, action_probs
from .readers import json_objects
from .types import ValidationError


@dataclass
class LoggedData:
    """Deliveries as arrays, candidates padded to the widest row (padding is never eligible)."""

    scores: np.ndarray  # (n, k) reward-model score of each candidate
    eligible: np.ndarray  # (n, k) compliant candidates the policies may choose
    chosen: np.ndarray  # (n,) delivered index, -1 for the fallback
    propensity: np.ndarray  # (n,) logged probability of the delivered choice
    click: np.ndarray  # (n,) 0/1 reward


def read_log(path: str | Path, score: str = "predicted_ctr") -> LoggedData:
    """Read and validate a JSONL delivery log; errors name the field and the line."""
    rows = [_parse(row, number, score) for number, row in json_objects(path, "log", "delivery")]
    if not rows:
        raise ValidationError(f"{path}: the log holds no deliveries")
    width = max(len(r[0]) for r in rows) or 1
    n = len(rows)
    scores, eligible = np.zeros((n, width)), np.zeros((n, width), dtype=bool)
    for i, (s, ok, *_rest) in enumerate(rows):
        scores[i, : len(s)], eligible[i, : len(ok)] = s, ok
    chosen, propensity, click = (np.array([r[j] for r in rows], dtype=float) for j in (2, 3, 4))
    return LoggedData(scores, eligible, chosen.astype(int), propensity, click)


def rescore_log(
    log: str | Path, out: str | Path, users: dict, channel: str, encoder, ranker, scoring_dtype: str = "auto"
) -> Path:
    """Copy the log with every candidate's `scores.predicted_ctr` recomputed by the current ranking head.

    The log holds copy texts but not interest vectors, so `users` ({user_id: UserHistory}, e.g. the
    batch's input file) supplies the histories the vectors are re-encoded from. `scoring_dtype` is the
    pipeline setting of that name (its default, "auto", scores as a batch run with the defaults did).
    """
    rows = []
    for number, row in json_objects(log, "log", "delivery"):
        cands = row.get("candidates")
        if not isinstance(cands, list) or not all(isinstance(c, dict) and "text" in c for c in cands):
            raise ValidationError(
                f"{log}: a delivery with a `candidates` list of texts is needed (line {number})"
            )
        rows.append(row)
    missing = [r.get("user_id") for r in rows if r.get("user_id") not in users]
    if missing:
        raise ValidationError(
            f"--rescore needs the history of every logged user; {len(missing)} missing, e.g. {missing[0]!r}"
        )
    vectors, _ = encoder.encode_users([users[r["user_id"]] for r in rows])
    texts = [c["text"] for r in rows for c in r["candidates"]]
    owners = np.repeat(np.arange(len(rows)), [len(r["candidates"]) for r in rows])
    with autocast(resolve_dtype(scoring_dtype)):
        ctr = (
            ranker.predict_ctr(vectors[owners], encoder.encode_texts(texts), texts, channel) if texts else []
        )
    flat = iter(ctr)
    for row in rows:
        for cand in row["candidates"]:
            cand.setdefault("scores", {})["predicted_ctr"] = round(float(next(flat)), 6)
    Path(out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return Path(out)


def _parse(row: dict, number: int, score: str):
    where = f" (line {number})"
    for key in ("candidates", "chosen", "propensity", "click"):
        if key not in row:
            raise ValidationError(f"`{key}` is missing{where}")
    cands = row["candidates"]
    if not isinstance(cands, list):
        raise ValidationError(f"`candidates` must be a list, got {type(cands).__name__}{where}")
    try:
        scores = [float(c["scores"][score]) for c in cands]
        if not all(math.isfinite(s) for s in scores):  # one NaN makes every estimate NaN
            raise ValueError
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"every candidate needs a finite numeric `scores.{score}`{where}") from exc
    if any("eligible" not in c for c in cands):
        raise ValidationError(
            f"every candidate needs `eligible` (logs of promogen >= output version 2){where}"
        )
    ok = [bool(c["eligible"]) for c in cands]
    chosen = row["chosen"]
    if chosen is not None and (
        isinstance(chosen, bool) or not isinstance(chosen, int) or not 0 <= chosen < len(cands)
    ):
        raise ValidationError(f"`chosen` must be null or an index below {len(cands)}; got {chosen!r}{where}")
    if chosen is not None and not ok[chosen]:
        raise ValidationError(f"`chosen` {chosen} is a candidate that was not eligible{where}")
    if chosen is None and any(ok):
        # The fallback goes out only when nothing is eligible; a log that says otherwise was not written
        # by this policy, and counting it as the fallback would give it a weight it never had.
        raise ValidationError(f"`chosen` is null while a candidate is eligible{where}")
    p = row["propensity"]
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p <= 1:
        raise ValidationError(f"`propensity` must be in (0, 1]; got {p!r}{where}")
    if row["click"] not in (0, 1):
        raise ValidationError(f"`click` must be 0 or 1; got {row['click']!r}{where}")
    return scores, ok, -1 if chosen is None else chosen, float(p), int(row["click"])


def _contributions(data: LoggedData, pi: np.ndarray) -> dict[str, np.ndarray]:
    """Per-delivery terms whose means are the estimates (SNIPS keeps numerator and weight apart);
    `pi` (n, k) is the target policy's probability of each candidate."""
    n = len(data.click)
    fallback = data.chosen < 0
    # With nothing compliant every policy delivers the fallback: weight 1, and the observed click is
    # the (exact) reward model for that single action.
    target_p = np.where(fallback, 1.0, pi[np.arange(n), np.maximum(data.chosen, 0)])
    weight = target_p / data.propensity
    q_logged = np.where(fallback, data.click, data.scores[np.arange(n), np.maximum(data.chosen, 0)])
    dm = np.where(fallback, data.click, (pi * data.scores).sum(axis=1))
    return {"ips": weight * data.click, "w": weight, "dm": dm, "dr": dm + weight * (data.click - q_logged)}


def _estimates(terms: dict[str, np.ndarray], idx: np.ndarray | slice) -> dict[str, float]:
    return {
        "ips": terms["ips"][idx].mean(),
        "snips": terms["ips"][idx].sum() / max(terms["w"][idx].sum(), 1e-12),
        "dm": terms["dm"][idx].mean(),
        "dr": terms["dr"][idx].mean(),
    }


def evaluate(data: LoggedData, policy: PolicyConfig, bootstrap: int = 200, seed: int = 0) -> dict:
    """Point estimates and 95% bootstrap intervals of the target policy's click rate."""
    pi = action_probs(data.scores, data.eligible, policy)
    return {**evaluate_probs(data, pi, bootstrap, seed), "policy": policy.to_dict()}


def unsupported_mass(data: LoggedData, pi: np.ndarray) -> float:
    """The target policy's probability, averaged over deliveries, on candidates the logging policy
    never gave a chance: known where a delivery's logged propensity is 1 (a greedy log), which leaves
    every other candidate at 0. IPS, SNIPS and DR see no reward there, so above 0 they are biased and
    only DM (the reward model) speaks for that mass."""
    n = len(data.click)
    certain = (data.chosen >= 0) & (data.propensity >= 1.0)
    off = 1.0 - pi[np.arange(n), np.maximum(data.chosen, 0)]
    return float(np.where(certain, off, 0.0).mean())


def evaluate_probs(data: LoggedData, pi: np.ndarray, bootstrap: int = 200, seed: int = 0) -> dict:
    """As `evaluate`, for a target policy given as its action probabilities (n, k), e.g. a delivery
    plan whose contact budget no per-user score rule can express."""
    terms = _contributions(data, pi)
    point = _estimates(terms, slice(None))
    rng = np.random.default_rng(seed)
    n = len(data.click)
    draws = [_estimates(terms, rng.integers(0, n, n)) for _ in range(bootstrap)]
    out = {"n": n, "logged_ctr": float(data.click.mean()), "unsupported_mass": unsupported_mass(data, pi)}
    for name, value in point.items():
        samples = np.array([d[name] for d in draws]) if draws else np.array([value])
        out[name] = {
            "estimate": float(value),
            "ci_low": float(np.percentile(samples, 2.5)),
            "ci_high": float(np.percentile(samples, 97.5)),
        }
    return out


def compare_ips(
    data: LoggedData, pi_a: np.ndarray, pi_b: np.ndarray, bootstrap: int = 1000, seed: int = 0
) -> dict:
    """IPS value of policy a minus policy b with a paired bootstrap 95% interval: both are scored on
    the same resampled rows, so the noise the two estimates share cancels."""
    diff = _contributions(data, pi_a)["ips"] - _contributions(data, pi_b)["ips"]
    rng = np.random.default_rng(seed)
    n = len(diff)
    draws = [diff[rng.integers(0, n, n)].mean() for _ in range(bootstrap)] or [diff.mean()]
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"estimate": float(diff.mean()), "ci_low": float(low), "ci_high": float(high)}
