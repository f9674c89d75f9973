"""Reward models for delivery planning: per action, the expected outcome (a visit, a conversion, revenue)
of a user given that action, learned from logged sends and their outcomes.

One model per action (a T-learner): "send nothing" is an action like any campaign, so the predicted
uplift of a campaign is its prediction minus the "none" prediction. Each model is an L2-regularised
logistic regression (0/1 outcomes) or ridge regression (revenue) on a small feature vector, fitted by
Newton steps in numpy: no extra dependency, CPU-cheap, and the weights save as plain arrays. Rows are
not weighted by 1/propensity: a regression whose features carry what the logging policy looked at
stays consistent on the users it favoured less, and in the simulated send -> learn loop
(`eval/plan_regret.py`) weighting made the fits noisier and the regret of epsilon-greedy and Thompson
larger, not smaller (propensities still matter where the value of a policy is estimated: promogen/ope.py).
A bootstrap ensemble of the same models is the posterior that Thompson sampling
draws from. `fit(..., prior=old_model)` updates a model: the penalty pulls the weights towards the old
ones instead of towards zero, so a small new log refines rather than replaces what was learned.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Config, option
from .types import ValidationError, is_number

BINARY = ("visit", "click", "conversion")
REWARDS = (*BINARY, "revenue")
NONE = "none"


@dataclass
class RewardConfig(Config):
    reward: str = option("visit", "outcome the models predict: visit | click | conversion | revenue")
    l2: float = option(1.0, "L2 penalty per weight, in units of rows (larger: flatter models)")
    ensemble: int = option(16, "bootstrap members for Thompson sampling (0: the point model only)")
    newton_steps: int = option(25, "Newton iterations for the logistic models")
    seed: int = option(0, "bootstrap seed")

    def __post_init__(self) -> None:
        self._choice("reward", REWARDS)
        self._range("l2", 1e-6)
        self._range("ensemble", 0, 256)
        self._range("newton_steps", 1, 200)


MAX_CATEGORIES = 50  # columns per string feature: its commonest values; the rest read as unseen


class Featurizer:
    """Feature dicts -> standardised vectors. Numbers become log1p (when never negative: counts and money
    are skewed) then z-scores; strings become one-hot columns of the values seen in training; lists of
    numbers (the interest vector) are used as they are."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec

    @classmethod
    def fit(cls, rows: list[dict]) -> Featurizer:
        numeric, categorical, vectors = {}, {}, {}
        for key in sorted({k for row in rows for k in row}):
            values = [row[key] for row in rows if row.get(key) is not None]
            if all(isinstance(v, str) for v in values):
                # One column per value: an id-like attribute (an e-mail, a date) would make the matrix
                # as wide as the log is long, so only the commonest values get a column.
                counts = Counter(values)
                categorical[key] = sorted(v for v, _ in counts.most_common(MAX_CATEGORIES))
            elif all(isinstance(v, list) for v in values):
                if not all(is_number(x) for v in values for x in v) or len({len(v) for v in values}) > 1:
                    raise ValidationError(
                        f"feature `{key}`: lists must hold finite numbers, all of one length"
                    )
                vectors[key] = len(values[0])
            elif all(is_number(v) for v in values):
                x = np.array(values, dtype=float)
                log = bool(x.min() >= 0)
                x = np.log1p(x) if log else x
                numeric[key] = {"log": log, "mean": float(x.mean()), "std": float(x.std() or 1.0)}
            else:
                raise ValidationError(
                    f"feature `{key}` must be finite numbers, strings or lists of numbers in every row "
                    "(true/false: write 1/0)"
                )
        return cls({"numeric": numeric, "categorical": categorical, "vectors": vectors})

    @property
    def width(self) -> int:
        spec = self.spec
        return (
            len(spec["numeric"]) + sum(map(len, spec["categorical"].values())) + sum(spec["vectors"].values())
        )

    def transform(self, rows: list[dict]) -> np.ndarray:
        """Missing numbers become the training mean (0), unseen categories all-zero columns."""
        out = np.zeros((len(rows), self.width))
        for i, row in enumerate(rows):
            col = 0
            for key, s in self.spec["numeric"].items():
                value = row.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    x = np.log1p(max(value, 0.0)) if s["log"] else value
                    out[i, col] = (x - s["mean"]) / s["std"]
                col += 1
            for key, values in self.spec["categorical"].items():
                if row.get(key) in values:
                    out[i, col + values.index(row[key])] = 1.0
                col += len(values)
            for key, dim in self.spec["vectors"].items():
                value = row.get(key)
                if isinstance(value, list) and len(value) == dim:
                    out[i, col : col + dim] = value
                col += dim
        return out


def _fit_linear(x, y, w, l2, binary, steps, prior):
    """Weighted L2-penalised logistic (binary) or ridge regression; weights[-1] is the intercept,
    which is not penalised. The penalty is towards `prior` (zeros for a fresh fit)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.full(x1.shape[1], l2)
    penalty[-1] = 0.0
    beta = prior.copy()
    for _ in range(steps if binary else 1):
        p = 1 / (1 + np.exp(-x1 @ beta)) if binary else x1 @ beta
        curvature = w * p * (1 - p) if binary else w
        grad = x1.T @ (w * (p - y)) + penalty * (beta - prior)
        hess = (x1 * curvature[:, None]).T @ x1 + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta = beta - step
        if np.abs(step).max() < 1e-8:
            break
    return beta


class RewardModel:
    """Per-action linear reward models plus bootstrap members; `predict` gives (n, actions)."""

    def __init__(self, actions, featurizer, weights, members, config: RewardConfig) -> None:
        self.actions = list(actions)
        self.featurizer = featurizer
        self.weights = weights  # (actions, width + 1)
        self.members = members  # (ensemble, actions, width + 1)
        self.config = config

    @classmethod
    def fit(
        cls,
        features: list[dict],
        actions: list[str],
        rewards,
        config: RewardConfig | None = None,
        prior: RewardModel | None = None,
    ) -> RewardModel:
        config = config or RewardConfig()
        if prior is not None and prior.config.reward != config.reward:
            raise ValidationError(
                f"the model to update predicts `{prior.config.reward}`, not `{config.reward}`: "
                f"update it with reward={prior.config.reward}, or fit a new model"
            )
        rewards = np.asarray(rewards, float)
        if not len(features) == len(actions) == len(rewards):
            raise ValidationError("features, actions and rewards must be as long as each other")
        binary = config.reward in BINARY
        if binary and not np.isin(rewards, (0, 1)).all():
            raise ValidationError(f"reward `{config.reward}` must be 0 or 1 in every row")
        names = list(prior.actions) if prior else sorted(set(actions) - {NONE})
        names = [NONE, *[a for a in names if a != NONE]]
        if NONE not in actions:
            raise ValidationError('the log needs rows with action "none" (no send) to learn uplift')
        featurizer = prior.featurizer if prior else Featurizer.fit(features)
        x = featurizer.transform(features)
        index = np.array([names.index(a) if a in names else -1 for a in actions])
        if (index < 0).any():
            raise ValidationError(
                f"action {actions[int(np.argmax(index < 0))]!r} is not in the model {names}"
            )
        rng = np.random.default_rng(config.seed)
        # Each member resamples every action's rows among themselves: a plain bootstrap of the whole log
        # can leave a rarely logged action with no rows at all.
        by_action = [np.flatnonzero(index == a) for a in range(len(names))]
        draws = [np.arange(len(x))] + [
            np.concatenate([rng.choice(rows, len(rows)) for rows in by_action if len(rows)])
            for _ in range(config.ensemble)
        ]
        fits = np.zeros((len(draws), len(names), x.shape[1] + 1))
        for d, rows in enumerate(draws):
            for a in range(len(names)):
                keep = rows[index[rows] == a]
                start = prior.weights[a] if prior else np.zeros(x.shape[1] + 1)
                if not len(keep) and prior is not None:
                    fits[d, a] = start  # nothing new about this action: the update keeps what was known
                    continue
                if not len(keep):
                    raise ValidationError(f"no logged rows for action {names[a]!r}; cannot learn its reward")
                fits[d, a] = _fit_linear(
                    x[keep], rewards[keep], np.ones(len(keep)), config.l2, binary, config.newton_steps, start
                )
        return cls(names, featurizer, fits[0], fits[1:], config)

    def _apply(self, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
        z = x @ weights[..., :-1].swapaxes(-1, -2) + weights[..., -1][..., None, :]
        return 1 / (1 + np.exp(-z)) if self.config.reward in BINARY else z

    def predict(self, features: list[dict]) -> np.ndarray:
        """Expected reward of every action for every user, shape (n, actions)."""
        return self._apply(self.featurizer.transform(features), self.weights)

    def predict_members(self, features: list[dict]) -> np.ndarray:
        """The bootstrap members' predictions, shape (ensemble, n, actions)."""
        if not len(self.members):
            raise ValidationError("this reward model has no ensemble (fitted with ensemble=0); use greedy")
        return self._apply(self.featurizer.transform(features)[None], self.members)

    def save(self, directory: str | Path) -> Path:
        from . import __version__

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / "reward.npz", weights=self.weights, members=self.members)
        meta = {"actions": self.actions, "featurizer": self.featurizer.spec, "promogen_version": __version__}
        (directory / "reward.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        self.config.save(directory / "reward_config.json")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> RewardModel:
        directory = Path(directory)
        if not (directory / "reward.json").is_file():
            raise ValidationError(
                f"no reward model in {directory} (expected reward.json; run `promogen learn`)"
            )
        meta = json.loads((directory / "reward.json").read_text(encoding="utf-8"))
        config = RewardConfig.from_dict(json.loads((directory / "reward_config.json").read_text()))
        arrays = np.load(directory / "reward.npz")
        return cls(
            meta["actions"], Featurizer(meta["featurizer"]), arrays["weights"], arrays["members"], config
        )


def learn(rows: list, config: RewardConfig, prior: RewardModel | None = None) -> RewardModel:
    """Fit (or, with `prior`, update) reward models from logged `Assignment` rows with outcomes."""
    missing = [r.user_id for r in rows if getattr(r, config.reward) is None]
    if missing:
        raise ValidationError(
            f"{len(missing)} logged row(s) lack the outcome `{config.reward}`, e.g. user {missing[0]!r}"
        )
    return RewardModel.fit(
        [r.features for r in rows],
        [r.action for r in rows],
        [getattr(r, config.reward) for r in rows],
        config,
        prior,
    )
