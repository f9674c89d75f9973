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

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Config, option
from .outputs import check_apart
from .policy import PolicyConfig, action_probs
from .readers import json_objects
from .reward import NONE, RewardModel
from .types import Campaign, UserHistory, ValidationError

CONSTRAINT_KEYS = ("opt_in", "recent_sends")


@dataclass
class PlanConfig(Config):
    budget: float = option(1.0, "share of users who may be contacted, in [0, 1]")
    policy: str = option("greedy", "greedy | thompson | epsilon:E (exploration share E in [0, 1])")
    frequency_cap: int = option(1, "users with this many `recent_sends` or more get no send")
    min_uplift: float = option(
        1e-6,
        "contact a user only when the predicted uplift exceeds this (reward units per user; the default "
        "keeps float noise, as when every logged reward is 0, from spending the budget)",
    )
    interests: bool = option(False, "add the MiniLM interest vector of the history to the features")
    seed: int = option(
        0,
        "seed of the policy's draws; each user's draw reads the seed and the user id, so give each round "
        "its own seed (its number) for draws independent of the last round's",
    )

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


def user_uniforms(seed: int, user_ids: list[str], purpose: str) -> np.ndarray:
    """One uniform number in [0, 1) per user from (seed, purpose, user id): a user's draw does not depend
    on where in the file the user is or who else is planned with them."""
    digests = (hashlib.blake2b(f"{seed}|{purpose}|{u}".encode(), digest_size=8).digest() for u in user_ids)
    return np.array([int.from_bytes(d, "big") / 2**64 for d in digests])


def draw(probs: np.ndarray, uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One action per user from its probabilities and its uniform number: (indices, propensities)."""
    cum = probs.cumsum(axis=1)
    # The first column whose running sum passes the draw always has a probability above 0, even when
    # rounding leaves the total a hair under 1.
    chosen = (cum > uniforms[:, None] * cum[:, -1:]).argmax(axis=1)
    return chosen, probs[np.arange(len(probs)), chosen]


def explore(
    ok: np.ndarray, budget: float, seed: int, user_ids: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cold start, with no reward model yet: a seeded random share `budget` of the users who may get a
    campaign is contacted (exactly that many, so the budget holds), each with an allowed action drawn
    uniformly ("none" included). Returns (chosen, propensity, probabilities), the probabilities being
    the exact marginals over both draws, so the round is a randomised experiment the next fit and
    `promogen ope` can use."""
    n = len(ok)
    reachable = np.flatnonzero(ok[:, 1:].any(axis=1))
    k = min(int(np.floor(budget * n + 1e-9)), len(reachable))
    # The k reachable users whose numbers are lowest: a uniformly random set of k, chosen per user.
    rank = user_uniforms(seed, user_ids, "contact")[reachable]
    contacted = reachable[np.argsort(rank, kind="stable")[:k]]
    share = np.zeros(n)
    share[reachable] = k / max(len(reachable), 1)
    uniform = ok / ok.sum(axis=1, keepdims=True)
    probs = share[:, None] * uniform
    probs[:, 0] += 1 - share
    chosen = np.zeros(n, dtype=int)
    pick = user_uniforms(seed, user_ids, "action")
    for i in contacted:
        options = np.flatnonzero(ok[i])
        chosen[i] = options[int(pick[i] * len(options))]
    return chosen, probs[np.arange(n), chosen], probs


def read_assignments(path: str | Path) -> list:
    """A plan or outcome log (JSONL of `Assignment` rows), validated; errors name the line."""
    from .types import Assignment

    rows = [Assignment.from_dict(data, line=number) for number, data in json_objects(path, "log", "plan row")]
    if not rows:
        raise ValidationError(f"{path}: the log holds no rows")
    return rows


def plan(
    model: RewardModel | None,
    campaigns: list[Campaign],
    users: list[UserHistory],
    config: PlanConfig,
    interest_vectors: np.ndarray | None = None,
) -> list[dict]:
    """One assignment row per user (see `Assignment` in promogen/types.py), in input order; with no
    reward model yet, the cold-start exploration round (`explore`)."""
    from . import __version__
    from .types import Assignment

    by_id = {c.campaign_id: c for c in campaigns}
    if NONE in by_id or len(by_id) != len(campaigns):
        raise ValidationError(
            f'campaign ids must be unique and not "{NONE}"; got {[c.campaign_id for c in campaigns]}'
        )
    if model is not None:
        unknown = sorted(set(by_id) - set(model.actions))
        if unknown:
            raise ValidationError(
                f"campaign(s) {unknown} have no reward model; learn from a log that has them"
            )
        actions = [a for a in model.actions if a == NONE or a in by_id]
        columns = [model.actions.index(a) for a in actions]
    else:
        actions = [NONE, *by_id]
    features = [user_features(u) for u in users]
    if interest_vectors is not None:
        features = [
            {**f, "interest": [round(float(v), 5) for v in vec]}
            for f, vec in zip(features, interest_vectors, strict=True)
        ]
    ok = allowed(users, actions, by_id, config.frequency_cap)
    if model is None:
        q = np.zeros(ok.shape)
        chosen, propensity, probs = explore(ok, config.budget, config.seed, [u.user_id for u in users])
    else:
        q = model.predict(features)[:, columns]
        members = model.predict_members(features)[..., columns] if config.policy == "thompson" else None
        probs = assign(q, ok, config, members)
        chosen, propensity = draw(probs, user_uniforms(config.seed, [u.user_id for u in users], "draw"))
    return [
        Assignment(
            user_id=user.user_id,
            action=actions[chosen[i]],
            propensity=float(f"{propensity[i]:.6g}"),  # never rounded to 0
            probabilities={a: round(float(p), 6) for a, p in zip(actions, probs[i], strict=True)},
            predicted={a: round(float(v), 6) for a, v in zip(actions, q[i], strict=True)},
            features=features[i],
            policy=config.policy if model is not None else "explore",
            seed=config.seed,
            promogen_version=__version__,
        ).to_dict()
        for i, user in enumerate(users)
    ]


def write_plan(
    campaigns: list[Campaign], users_path: str | Path, out: str | Path, config: PlanConfig, model_dir=None
) -> dict[str, int]:
    """Plan for a users file; writes OUT (JSONL) and OUT's config beside it; returns sends per action."""
    from collections import Counter

    from .readers import read_users

    check_apart(out, users=users_path)
    users, bad = [], []
    for number, user, reason in read_users(users_path):
        if user is None:
            bad.append(f"row {number}: {reason}")
        else:
            users.append(user)
    if bad:
        raise ValidationError(f"{len(bad)} bad user row(s) in {users_path}; first: {bad[0]}")
    if not users:
        raise ValidationError(f"{users_path}: no users")
    model = RewardModel.load(model_dir) if model_dir else None
    vectors = None
    if config.interests:
        from .encoder import InterestEncoder

        vectors, _ = InterestEncoder.load().encode_users(users)
    rows = plan(model, campaigns, users, config, vectors)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    config.save(out.with_suffix(".config.json"))
    return dict(Counter(r["action"] for r in rows))


def assigned_campaigns(plan_path: str | Path, campaigns: list[Campaign]) -> dict[str, Campaign]:
    """user_id -> campaign for the users a plan file sends something; every planned campaign must be
    among `campaigns` (the copy needs the whole campaign, the plan holds only its id)."""
    by_id = {c.campaign_id: c for c in campaigns}
    out = {}
    for row in read_assignments(plan_path):
        if row.action == NONE:
            continue
        if row.action not in by_id:
            raise ValidationError(
                f"the plan assigns campaign {row.action!r} (user {row.user_id}) but --campaign lacks it; "
                f"given: {sorted(by_id)}"
            )
        out[row.user_id] = by_id[row.action]
    return out
