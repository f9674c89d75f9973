"""Delivery policies over compliant candidates, with the probability of each choice (the propensity).

Recording the probability with which the delivered copy was chosen is what later lets off-policy
evaluation estimate, from logged deliveries alone, how another policy would have done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import Config, option
from .types import ValidationError

KINDS = ("greedy", "softmax", "epsilon", "uniform")


@dataclass
class PolicyConfig(Config):
    kind: str = option("greedy", "greedy | softmax | epsilon | uniform over compliant candidates")
    temperature: float = option(1.0, "softmax temperature, in units of the score (lower is greedier)")
    epsilon: float = option(
        0.1, "epsilon-greedy: probability mass spread uniformly over compliant candidates"
    )

    def __post_init__(self) -> None:
        self._choice("kind", KINDS)
        self._range("temperature", 1e-6)
        self._range("epsilon", 0.0, 1.0)

    @classmethod
    def parse(cls, spec: str) -> PolicyConfig:
        """'greedy', 'uniform', 'softmax:T' or 'epsilon:E'."""
        kind, _, arg = spec.partition(":")
        if kind not in KINDS or (kind in ("softmax", "epsilon")) != bool(arg):
            raise ValidationError(f"`policy` must be greedy, uniform, softmax:T or epsilon:E; got {spec!r}")
        try:
            value = float(arg) if arg else None
            if value is not None and not math.isfinite(value):
                raise ValueError(arg)
        except ValueError as exc:
            raise ValidationError(f"`policy` parameter must be a number; got {arg!r}") from exc
        if kind == "softmax":
            return cls(kind=kind, temperature=value)
        if kind == "epsilon":
            return cls(kind=kind, epsilon=value)
        return cls(kind=kind)


def action_probs(scores: np.ndarray, eligible: np.ndarray, policy: PolicyConfig) -> np.ndarray:
    """Choice probabilities, shape (n, k): zero for ineligible candidates, rows without any eligible are zero.

    Greedy breaks ties towards the lower index, so it is deterministic.
    """
    scores = np.where(eligible, np.asarray(scores, dtype=float), -np.inf)
    any_ok = eligible.any(axis=1, keepdims=True)
    count = np.maximum(eligible.sum(axis=1, keepdims=True), 1)
    uniform = eligible / count
    greedy = np.zeros_like(uniform)
    rows = np.flatnonzero(any_ok[:, 0])
    greedy[rows, np.argmax(scores[rows], axis=1)] = 1.0
    if policy.kind == "uniform":
        return uniform
    if policy.kind == "greedy":
        return greedy
    if policy.kind == "epsilon":
        return (1 - policy.epsilon) * greedy + policy.epsilon * uniform
    z = scores / policy.temperature
    z = np.exp(z - np.where(any_ok, z.max(axis=1, keepdims=True), 0.0))
    z = np.where(eligible, z, 0.0)
    return z / np.maximum(z.sum(axis=1, keepdims=True), 1e-300)


def choose(
    scores: np.ndarray, eligible: np.ndarray, policy: PolicyConfig, rng: np.random.Generator
) -> tuple[int | None, float]:
    """Sample one candidate for one user: (index or None when nothing is eligible, its probability)."""
    probs = action_probs(np.asarray(scores)[None], np.asarray(eligible, dtype=bool)[None], policy)[0]
    if probs.sum() == 0:
        return None, 1.0
    index = int(rng.choice(len(probs), p=probs / probs.sum()))
    return index, float(probs[index])
