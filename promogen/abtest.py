"""A/B test readout: per-arm rates and revenue per user with 95% intervals, each arm against the control
with the difference's interval and a two-sided p-value, and the users per arm needed to detect a lift.

Rates use the normal approximation of a proportion (Wilson interval per arm, unpooled standard error for
the difference, pooled for the z-test); revenue per user uses Welch's unequal-variance normal test.
Experiments large enough to read (thousands of users an arm) are where these approximations hold;
arms under 30 users are refused rather than read.
"""

from __future__ import annotations

import math

import numpy as np

from .types import OUTCOME_FIELDS, ValidationError

Z95 = 1.959964
MIN_ARM = 30


def _p_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def wilson(successes: float, n: int) -> tuple[float, float]:
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return centre - half, centre + half


def sample_size(base: float, lift: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Users per arm for a two-sided two-proportion test to detect `base` -> `base + lift`."""
    if not 0 < base < 1 or not 0 < base + lift < 1 or lift == 0:
        raise ValidationError(f"need 0 < base < 1, 0 < base + lift < 1 and lift != 0; got {base}, {lift}")
    z_a = _normal_quantile(1 - alpha / 2)
    z_b = _normal_quantile(power)
    p2 = base + lift
    mean = (base + p2) / 2
    n = (z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(base * (1 - base) + p2 * (1 - p2))) ** 2
    return math.ceil(n / lift**2)


def _normal_quantile(p: float) -> float:
    """Inverse standard normal CDF by bisection on erfc (no scipy needed for two numbers)."""
    low, high = -10.0, 10.0
    for _ in range(100):
        mid = (low + high) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def randomised_rows(rows: list) -> tuple[list, dict]:
    """The logged rows an A/B readout may compare, and a note saying which were left out.

    Arms compare fairly only among users who could have landed in any of them with the same chances:
    a user who could only get "none" (opted out, at the frequency cap) or only some campaigns (their
    channels) would otherwise sit in some arms and not others. So rows whose `probabilities` do not give
    every logged arm a chance are left out, and the rest must share one set of probabilities (an explore
    round); a model-based plan's log, whose chances differ per user, is refused (`promogen ope` reads it).
    A log without probabilities (an experiment run elsewhere) is taken as randomised, and the note says so.
    """
    if not rows:
        raise ValidationError("the log holds no rows")
    if not any(r.probabilities for r in rows):
        return rows, {"randomised": "assumed: the log records no assignment probabilities"}
    arms = sorted({r.action for r in rows})
    kept = [r for r in rows if all(r.probabilities.get(a, 0.0) > 0 for a in arms)]
    if not kept:
        raise ValidationError(
            f"no logged user could have landed in every arm {arms}; nothing compares fairly"
        )
    chances = {tuple(round(r.probabilities[a], 9) for a in arms) for r in kept}
    if len(chances) > 1:
        raise ValidationError(
            "assignment probabilities differ between users (a model-based plan): an A/B readout would be "
            "biased; read such a log with `promogen ope`"
        )
    left = len(rows) - len(kept)
    return kept, {"randomised": f"{len(kept)} rows whose users could land in every arm; {left} left out"}


def outcome_metrics(rows: list) -> dict[str, list]:
    """Each outcome field the logged rows carry, by name; one that only some rows carry is refused,
    naming a row without it (a readout over the others would quietly drop those users)."""
    for k in OUTCOME_FIELDS:
        lacking = [r.user_id for r in rows if getattr(r, k) is None]
        if 0 < len(lacking) < len(rows):
            raise ValidationError(
                f"outcome `{k}` is missing in {len(lacking)} row(s), e.g. user {lacking[0]!r}"
            )
    metrics = {k: [getattr(r, k) for r in rows] for k in OUTCOME_FIELDS if getattr(rows[0], k) is not None}
    if not metrics:
        raise ValidationError(f"no outcome field ({', '.join(OUTCOME_FIELDS)}) is present in the rows")
    return metrics


def readout(
    arms: list[str],
    metrics: dict[str, np.ndarray],
    control: str,
    lift: float = 0.01,
) -> dict:
    """`arms` (one per user) and outcome arrays by name (0/1 rates, or `revenue`/`spend` as money)."""
    arms = np.asarray(arms)
    names = sorted(set(arms.tolist()))
    if control not in names:
        raise ValidationError(f"control arm {control!r} is not in the log; arms: {names}")
    small = [a for a in names if (arms == a).sum() < MIN_ARM]
    if small:
        raise ValidationError(f"arm(s) {small} have fewer than {MIN_ARM} users; too few to read")
    out = {"control": control, "arms": {}, "vs_control": {}}
    for arm in names:
        rows = arms == arm
        out["arms"][arm] = {"n": int(rows.sum())}
        for metric, values in metrics.items():
            x = np.asarray(values, dtype=float)[rows]
            mean = float(x.mean())
            if _is_rate(values):
                ci = wilson(x.sum(), len(x))
            else:
                half = Z95 * x.std(ddof=1) / math.sqrt(len(x))
                ci = (mean - half, mean + half)
            out["arms"][arm][metric] = {"mean": mean, "ci": [float(ci[0]), float(ci[1])]}
    ref = arms == control
    for arm in (a for a in names if a != control):
        rows = arms == arm
        out["vs_control"][arm] = {m: _difference(np.asarray(v, float), rows, ref) for m, v in metrics.items()}
    for metric, values in metrics.items():
        if _is_rate(values):
            base = float(np.asarray(values, float)[ref].mean())
            out.setdefault("sample_size_per_arm", {})[metric] = {
                "base": base,
                "lift": lift,
                "n": sample_size(base, lift) if 0 < base < 1 and 0 < base + lift < 1 else None,
            }
    return out


def _is_rate(values) -> bool:
    return bool(np.isin(np.asarray(values, float), (0.0, 1.0)).all())


def _difference(values: np.ndarray, rows: np.ndarray, ref: np.ndarray) -> dict:
    a, b = values[rows], values[ref]
    diff = a.mean() - b.mean()
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    if _is_rate(values):
        pooled = values[rows | ref].mean()
        se_test = math.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    else:
        se_test = se
    # No spread in either arm: a difference is certain, no difference is none at all.
    z = diff / se_test if se_test > 0 else (math.inf if diff else 0.0)
    return {
        "diff": float(diff),
        "ci": [float(diff - Z95 * se), float(diff + Z95 * se)],
        "relative": float(diff / b.mean()) if b.mean() else None,
        "p_value": _p_two_sided(z),
    }
