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
