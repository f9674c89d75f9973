"""Delivery planning: which campaign (or none) each user gets, under a contact budget, a frequency cap and
channel opt-in, with the probability of the assignment recorded so off-policy evaluation applies.

The reward model (promogen/reward.py) predicts each action's outcome per user; the predicted uplift of
a user is their best allowed campaign's prediction minus the "none" prediction. The budget goes to the
users with the largest positive uplift; everyone else is left alone. Among the actions a contacted user
may get, the policy picks: greedy, epsilon:E (E spread evenly over the allowed actions, "none"
included) or thompson (the best action under one bootstrap member of the reward model, drawn per user;
its propensity is the share of members that pick it, exact, not sampled). Uncontacted users get "none"
with probability 1, so sends never exceed the budget whatever the policy draws.

Constraints come from each user's `attributes`: `opt_in` (channels the user accepts; absent means all),
`recent_sends` (sends in the current cap window; absent means 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Config, option
from .policy import PolicyConfig, action_probs
from .reward import NONE, RewardModel
from .types import Campaign, UserHistory, ValidationError

CONSTRAINT_KEYS = ("opt_in", "recent_sends")


@dataclass
class PlanConfig(Config):
    budget: float = option(1.0, "share of users who may be contacted, in [0, 1]")
    policy: str = option("greedy", "greedy | thompson | epsilon:E (exploration share E in [0, 1])")
    frequency_cap: int = option(1, "users with this many `recent_sends` or more get no send")
    min_uplift: float = option(0.0, "contact a user only when the predicted uplift exceeds this")
    interests: bool = option(False, "add the MiniLM interest vector of the history to the features")
    seed: int = option(0, "seed of the policy's draws")

    def __post_init__(self) -> None:
        self._range("budget", 0.0, 1.0)
        self._range("frequency_cap", 0)
        self._range("min_uplift")
        self._range("seed", 0)
        self.selection()

    def selection(self) -> PolicyConfig | None:
        """The copy policy that picks among allowed actions; None for thompson."""
        if self.policy == "thompson":
            return None
        if not (self.policy == "greedy" or self.policy.startswith("epsilon:")):
            raise ValidationError(f"`policy` must be greedy, thompson or epsilon:E; got {self.policy!r}")
        return PolicyConfig.parse(self.policy)


def user_features(user: UserHistory) -> dict:
    """Tabular attributes (constraints excluded) plus recency / frequency / monetary from the events:
    purchases, money spent on them, events since the last purchase (ts formats differ between shops,
    the order does not), and the number of events."""
    purchases = [i for i, e in enumerate(user.events) if e.type == "purchase"]
    features = {
        k: v
        for k, v in user.attributes.items()
        if k not in CONSTRAINT_KEYS and isinstance(v, (int, float, str)) and not isinstance(v, bool)
    }
    features.update(
        n_events=len(user.events),
        n_purchases=len(purchases),
        monetary=float(sum(user.events[i].price or 0.0 for i in purchases)),
        events_since_purchase=len(user.events) - 1 - purchases[-1] if purchases else len(user.events),
    )
    return features


def allowed(users: list[UserHistory], actions: list[str], campaigns: dict[str, Campaign], cap: int):
    """(n, actions) mask of what each user may get: "none" always; a campaign only if its channel is in
    the user's opt-in list (when given) and the user is under the frequency cap."""
    mask = np.zeros((len(users), len(actions)), dtype=bool)
    mask[:, actions.index(NONE)] = True
    for i, user in enumerate(users):
        opt_in = user.attributes.get("opt_in")
        if opt_in is not None and not isinstance(opt_in, list):
            raise ValidationError(f"user {user.user_id}: `attributes.opt_in` must be a list of channels")
        sends = user.attributes.get("recent_sends", 0)
        if isinstance(sends, bool) or not isinstance(sends, int) or sends < 0:
            raise ValidationError(f"user {user.user_id}: `attributes.recent_sends` must be a count >= 0")
        if sends >= cap:
            continue
        for j, action in enumerate(actions):
            if action != NONE and (opt_in is None or campaigns[action].channel in opt_in):
                mask[i, j] = True
    return mask


def assign(
    q: np.ndarray, ok: np.ndarray, config: PlanConfig, members: np.ndarray | None = None
) -> np.ndarray:
    """Assignment probabilities (n, actions) from predicted rewards `q` (action 0 is "none"), the allowed
    mask and the budget; `members` (ensemble, n, actions) are needed for thompson."""
    n = len(q)
    sends = np.where(ok[:, 1:], q[:, 1:], -np.inf)
    uplift = sends.max(axis=1, initial=-np.inf) - q[:, 0]
    order = np.argsort(-uplift, kind="stable")[: int(np.floor(config.budget * n + 1e-9))]
    contact = np.zeros(n, dtype=bool)
    contact[order] = uplift[order] > config.min_uplift
    ok = ok & (contact[:, None] | (np.arange(q.shape[1]) == 0))
    selection = config.selection()
    if selection is not None:
        return action_probs(q, ok, selection)
    if members is None:
        raise ValidationError("thompson needs a reward model with an ensemble")
    picks = np.where(ok[None], members, -np.inf).argmax(axis=2)  # (ensemble, n)
    probs = np.stack([(picks == a).mean(axis=0) for a in range(q.shape[1])], axis=1)
    return probs


def draw(probs: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One action per user from its probabilities: (indices, propensities)."""
    rng = np.random.default_rng(seed)
    cum = probs.cumsum(axis=1)
    chosen = np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)
    return chosen, probs[np.arange(len(probs)), chosen]


def plan(
    model: RewardModel,
    campaigns: list[Campaign],
    users: list[UserHistory],
    config: PlanConfig,
    interest_vectors: np.ndarray | None = None,
) -> list[dict]:
    """One assignment row per user (see `Assignment` in promogen/types.py), in input order."""
    from . import __version__
    from .types import Assignment

    by_id = {c.campaign_id: c for c in campaigns}
    unknown = sorted(set(by_id) - set(model.actions))
    if unknown:
        raise ValidationError(f"campaign(s) {unknown} have no reward model; learn from a log that has them")
    actions = [a for a in model.actions if a == NONE or a in by_id]
    columns = [model.actions.index(a) for a in actions]
    features = [user_features(u) for u in users]
    if interest_vectors is not None:
        features = [{**f, "interest": [round(float(v), 5) for v in vec]} for f, vec in zip(features, interest_vectors, strict=True)]
    q = model.predict(features)[:, columns]
    members = model.predict_members(features)[..., columns] if config.policy == "thompson" else None
    probs = assign(q, allowed(users, actions, by_id, config.frequency_cap), config, members)
    chosen, propensity = draw(probs, config.seed)
    return [
        Assignment(
            user_id=user.user_id,
            action=actions[chosen[i]],
            propensity=round(float(propensity[i]), 6),
            probabilities={a: round(float(p), 6) for a, p in zip(actions, probs[i], strict=True)},
            predicted={a: round(float(v), 6) for a, v in zip(actions, q[i], strict=True)},
            features=features[i],
            policy=config.policy,
            seed=config.seed,
            promogen_version=__version__,
        ).to_dict()
        for i, user in enumerate(users)
    ]
