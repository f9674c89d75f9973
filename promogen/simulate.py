"""A seeded simulator of shop users, so the demo and the tests never need real customer data.

Each simulated user has latent interests (a Dirichlet draw over the hand-written catalogue's categories)
that drive their events: what they view, search, cart and buy. The latent favourite category is kept in
`attributes` so that evaluations can check whether copy followed the user's real interests.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .types import Campaign, Event, UnknownCampaignError, UserHistory

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
EVENT_MIX = {"view": 0.55, "search": 0.2, "cart": 0.15, "purchase": 0.1}


@lru_cache(maxsize=1)
def catalogue() -> dict:
    """The demo shop's hand-written catalogue: items with id, title, category, price; search queries."""
    return json.loads((DEMO_DIR / "catalogue.json").read_text(encoding="utf-8"))


def demo_campaign(name: str = "run20") -> Campaign:
    """A shipped demo campaign by name (run20, shipfree, ten_off, bogo_socks)."""
    path = DEMO_DIR / "campaigns" / f"{name}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in (DEMO_DIR / "campaigns").glob("*.yaml"))
        raise UnknownCampaignError(f"no demo campaign {name!r}; available: {', '.join(names)}")
    return Campaign.from_file(path)


def load_campaign(value: str) -> Campaign:
    """A campaign file (YAML/JSON) or the name of a shipped demo campaign, refused here (at load time)
    if no safe template line can carry its offer within the channel's limits."""
    from .prompts import fallback_copy

    campaign = (
        Campaign.from_file(value) if Path(value).suffix or Path(value).exists() else demo_campaign(value)
    )
    fallback_copy(campaign)
    return campaign


def simulate_users(
    n: int, seed: int = 0, concentration: float = 0.3, min_events: int = 4, max_events: int = 14
) -> list[UserHistory]:
    """`n` users whose events follow their latent category preferences; same seed, same users."""
    rng = np.random.default_rng(seed)
    cat = catalogue()
    categories = sorted(cat["searches"])
    by_category = {c: [i for i in cat["items"] if i["category"] == c] for c in categories}
    kinds, probs = list(EVENT_MIX), list(EVENT_MIX.values())
    users = []
    for u in range(n):
        prefs = rng.dirichlet([concentration] * len(categories))
        events = []
        for step in range(int(rng.integers(min_events, max_events + 1))):
            category = categories[rng.choice(len(categories), p=prefs)]
            kind = kinds[rng.choice(len(kinds), p=probs)]
            if kind == "search":
                queries = cat["searches"][category]
                events.append(
                    Event("search", queries[rng.integers(len(queries))], ts=step, category=category)
                )
            else:
                item = by_category[category][rng.integers(len(by_category[category]))]
                events.append(Event(kind, item["title"], ts=step, category=category, price=item["price"]))
        users.append(
            UserHistory(
                user_id=f"sim-{seed}-{u:05d}",
                events=events,
                attributes={"favourite_category": categories[int(np.argmax(prefs))], "locale": "en"},
            )
        )
    return users


def simulate_audience(
    n: int, campaigns: list[Campaign], seed: int = 0, opt_in_rate: float = 0.7, world: int = 0
) -> tuple[list[UserHistory], np.ndarray]:
    """Users for delivery planning with a known truth: (users, true visit probability per action, shape
    (n, 1 + campaigns), column 0 = no send). A campaign's effect on the logit depends on the user's
    favourite category (a seeded effect per campaign and category, some negative), and the base rate on
    how much they bought, so a planner can learn both from `attributes` and the events. Users also get
    an `opt_in` channel list (each campaign channel with probability `opt_in_rate`) and `recent_sends`.
    The effects are drawn from `world`, the users from `seed`: audiences with different seeds share one
    truth, so a model learned on one is judged on another."""
    users = simulate_users(n, seed=seed)
    categories = sorted(catalogue()["searches"])
    effect = np.random.default_rng(world).normal(0.2, 1.0, size=(len(campaigns), len(categories)))
    rng = np.random.default_rng(seed + 7919)
    channels = sorted({c.channel for c in campaigns})
    truth = np.zeros((n, 1 + len(campaigns)))
    for i, user in enumerate(users):
        purchases = sum(e.type == "purchase" for e in user.events)
        base = -2.0 + 0.25 * purchases
        column = categories.index(user.attributes["favourite_category"])
        truth[i] = base + np.concatenate([[0.0], effect[:, column]])
        user.attributes["opt_in"] = [ch for ch in channels if rng.random() < opt_in_rate]
        user.attributes["recent_sends"] = int(rng.poisson(0.3))
    return users, 1 / (1 + np.exp(-truth))


def simulate_outcomes(rows: list[dict], truth: np.ndarray, actions: list[str], seed: int = 0) -> list[dict]:
    """Plan rows (in the users' order) with a `visit` drawn from the true probability of their action."""
    rng = np.random.default_rng(seed)
    draws = rng.random(len(rows))
    return [
        {**row, "visit": int(draws[i] < truth[i, actions.index(row["action"])])} for i, row in enumerate(rows)
    ]


def feedback_rounds(
    campaigns: list[Campaign],
    policy: str,
    rounds: int = 6,
    users: int = 1000,
    budget: float = 0.3,
    seed: int = 0,
) -> list[dict]:
    """The closed loop on simulated users: each round plans for a fresh audience (round 0 with no model:
    the exploration round), draws outcomes from the truth, and refits the reward models on every round
    logged so far. Per round: the plan's true value, the oracle's (the true rewards at the same budget)
    and the regret between them."""
    from .plan import PlanConfig, allowed, assign, plan
    from .reward import NONE, RewardConfig, learn
    from .types import Assignment

    actions = [NONE] + [c.campaign_id for c in campaigns]
    by_id = {c.campaign_id: c for c in campaigns}
    model, log, out = None, [], []
    for r in range(rounds):
        audience, truth = simulate_audience(users, campaigns, seed=seed * 1000 + r)
        config = PlanConfig(budget=budget, policy=policy, seed=r)
        rows = plan(model, campaigns, audience, config)
        probs = np.array([[row["probabilities"].get(a, 0.0) for a in actions] for row in rows])
        ok = allowed(audience, actions, by_id, config.frequency_cap)
        oracle = float((assign(truth, ok, PlanConfig(budget=budget)) * truth).sum(axis=1).mean())
        value = float((probs * truth).sum(axis=1).mean())
        out.append({"round": r, "value": value, "oracle": oracle, "regret": oracle - value})
        log += [Assignment.from_dict(x) for x in simulate_outcomes(rows, truth, actions, seed=r)]
        model = learn(log, RewardConfig(ensemble=16 if policy == "thompson" else 0, seed=r))
    return out
