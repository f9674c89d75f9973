"""Seeded campaigns for shops copy_gold does not have: the skeletons that extra reference copy is written for.

copy_gold's 960 train messages come from 12 brands, and the copywriter's hooks stop making sense on
campaigns unlike them ("Ready to unwake?"). More reference copy needs more campaigns first: this module
draws them, for 44 other shops (24, then 20 more for batch 3), with the offer kinds, values, channels
and tones in about the proportions copy_gold has, so that writers (people or briefed LLM sessions,
`finetune/write_campaigns.py`) only add the shoppers and the messages. Codes, dates and values are
drawn here, never written by hand, so the offers are exact by construction and the gate can check
every message written for them.

A seed is a batch. Batch 0 (`finetune/data/written/`, 48 campaigns) was drawn when every gift had a
minimum spend (commit 72de4b8 draws it again); batch 1 (`finetune/data/written/batch1/`, 24 campaigns,
gift-heavy) was drawn by the rule below to make up for that; batch 3 (`finetune/data/written/batch3/`,
40 campaigns) is drawn for MORE_SHOPS, 20 more kinds of shop.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

from ..checks import check_copy
from ..types import Campaign
from ..wording import opening

# Each shop: its name, what it sells (for the writers) and the product lines an offer can be scoped to.
SHOPS = (
    (
        "Northpeak Cycles",
        "bikes, cycling clothing and bike parts",
        ("cycling jerseys", "bike lights", "helmets"),
    ),
    (
        "Fern & Fable Books",
        "books, notebooks and reading accessories",
        ("hardbacks", "children's books", "book lights"),
    ),
    ("Tidewater Swim", "swimwear, goggles and pool kit", ("swimsuits", "goggles", "beach towels")),
    ("Crumb & Crust", "baking tools and ingredients", ("baking tins", "flour", "cake decorating")),
    ("Harbour Tackle", "fishing rods, reels and bait", ("reels", "fishing line", "tackle boxes")),
    (
        "Loom Knitting Co",
        "yarn, needles and knitting patterns",
        ("yarn", "knitting needles", "pattern books"),
    ),
    ("Brightside Toys", "toys, puzzles and games for children", ("puzzles", "building sets", "plush toys")),
    ("Solstice Yoga", "yoga mats, blocks and activewear", ("yoga mats", "leggings", "meditation cushions")),
    (
        "Ironbark Tools",
        "hand tools, power tools and workshop gear",
        ("power drills", "tool storage", "work gloves"),
    ),
    (
        "Canvas Corner",
        "art supplies: paints, brushes, canvases",
        ("acrylic paints", "sketchbooks", "brushes"),
    ),
    ("Lenscraft", "cameras, lenses and photo accessories", ("tripods", "camera bags", "memory cards")),
    (
        "Harmony Music",
        "instruments, strings and music accessories",
        ("guitar strings", "ukuleles", "headphones"),
    ),
    ("Gilded Hour", "watches and jewellery", ("watch straps", "earrings", "necklaces")),
    (
        "Clearview Optics",
        "glasses, sunglasses and lens care",
        ("sunglasses", "reading glasses", "lens cleaners"),
    ),
    ("Nest & Nook", "bedding, cushions and home textiles", ("duvet covers", "cushions", "throws")),
    ("Fairway Golf", "golf clubs, balls and golf clothing", ("golf balls", "golf gloves", "putters")),
    (
        "Confetti Party",
        "party decorations, tableware and costumes",
        ("balloons", "costumes", "party tableware"),
    ),
    (
        "Deepblue Aquatics",
        "aquariums, fish food and tank care",
        ("fish food", "aquarium filters", "tank decor"),
    ),
    ("Summit Climbing", "climbing shoes, chalk and harnesses", ("climbing shoes", "chalk bags", "harnesses")),
    ("Playfield Games", "board games, card games and puzzles", ("board games", "card games", "dice sets")),
    ("Hearth Candle Co", "candles, diffusers and home fragrance", ("candles", "reed diffusers", "wax melts")),
    ("Velvet Vine Florist", "flowers, bouquets and house plants", ("bouquets", "house plants", "vases")),
    ("Stitch Lab", "sewing machines, fabric and haberdashery", ("fabric", "sewing kits", "thread")),
    (
        "Roam Pet Travel",
        "pet carriers, travel bowls and pet car seats",
        ("pet carriers", "travel bowls", "car seat covers"),
    ),
)

# Batch 3's shops (2026-12-02): 20 more kinds of shop, none like copy_gold's 12 brands, the held-out shops
# below or the demo's running gear. A list of its own, so that SHOPS still draws batches 0-2 as they were.
MORE_SHOPS = (
    ("Saltline Surf Co", "surfboards, wetsuits and surf accessories", ("wetsuits", "surf wax", "board bags")),
    ("Mane Street Hair", "hair care and styling tools", ("hair dryers", "shampoo", "hair brushes")),
    (
        "Olive Grove Pantry",
        "olive oil, pasta, sauces and spices",
        ("olive oil", "dried pasta", "spice blends"),
    ),
    (
        "Pixel Forge Gaming",
        "video game accessories and gaming gear",
        ("controllers", "gaming headsets", "gaming chairs"),
    ),
    ("Cobble & Lace Shoes", "leather shoes, boots and shoe care", ("ankle boots", "loafers", "shoe care")),
    (
        "Bridle & Bit Equestrian",
        "horse riding clothing and stable supplies",
        ("riding boots", "saddle pads", "grooming kits"),
    ),
    ("Oakline Furniture", "furniture for home and study", ("desk chairs", "bookshelves", "side tables")),
    ("Glowhaus Lighting", "lamps, light bulbs and string lights", ("floor lamps", "string lights", "bulbs")),
    (
        "Driftwood Bath",
        "towels, bath products and bathroom storage",
        ("bath towels", "bath salts", "shower caddies"),
    ),
    (
        "Railyard Models",
        "model trains, model kits and hobby supplies",
        ("model trains", "model kits", "hobby glue"),
    ),
    ("Blush Box Beauty", "make-up and make-up tools", ("lipsticks", "make-up brushes", "eyeshadow palettes")),
    ("Harlow Tailoring", "suits, shirts and menswear accessories", ("suits", "ties", "dress shirts")),
    ("Groove Records", "vinyl records and turntables", ("vinyl records", "turntables", "record sleeves")),
    (
        "Sparkle Clean Supplies",
        "cleaning products and household tools",
        ("mops", "cleaning sprays", "microfibre cloths"),
    ),
    ("Roadready Auto", "car accessories and car care", ("car mats", "dash cams", "car cleaning kits")),
    ("Pointe Dancewear", "dance shoes and dancewear", ("ballet shoes", "leotards", "dance bags")),
    (
        "Feather & Field",
        "bird feeders, bird food and binoculars",
        ("bird feeders", "bird seed", "binoculars"),
    ),
    ("Baseline Racquets", "tennis and badminton gear", ("tennis rackets", "tennis balls", "grip tape")),
    ("Sockwise", "socks, slippers and tights", ("socks", "slippers", "tights")),
    (
        "Daily Dose Vitamins",
        "vitamins and everyday supplements",
        ("multivitamins", "protein powder", "fish oil"),
    ),
)

CHANNEL_ORDER = ("push", "sms", "email_subject", "banner")
# copy_gold train's mix per 48 campaigns (its 480 specs: percent_off 200, free_shipping 100, amount_off 90,
# bogo 50, gift 40), dealt out shuffled.
KINDS = ("percent_off",) * 20 + ("free_shipping",) * 10 + ("amount_off",) * 9 + ("bogo",) * 5 + ("gift",) * 4
TONES = (None, None, "playful", "warm", "warm", "friendly", "friendly", "professional", "upbeat")
GIFTS = ("a free tote bag", "a free mystery gift", "a free sample set", "a free water bottle")
CURRENCIES = ("USD", "USD", "GBP", "EUR")
BANNED = ("act now", "free money", "guaranteed", "risk-free", "best ever")
FIRST_DAY = date(2027, 1, 1)


def _code(rng: random.Random, value: float | None) -> str:
    letters = "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 6)))
    tail = str(int(value)) if value and rng.random() < 0.5 else str(rng.randint(10, 99))
    return letters + (tail if rng.random() < 0.7 else "")


def _offer(rng: random.Random, kind: str, lines: tuple[str, ...]) -> dict:
    offer: dict = {"kind": kind}
    if kind == "percent_off":
        offer["value"] = rng.choice((10, 15, 20, 25, 30, 40))
    elif kind == "amount_off":
        offer["value"] = rng.choice((5, 10, 15, 20, 25))
    if kind == "amount_off":
        offer["currency"] = rng.choice(CURRENCIES)
    # Half the offers that can have a minimum spend get one. (Batch 0 gave every gift one: copy_gold gives
    # 30 of 40, and a copywriter trained on both invented minimums for gifts without.)
    if kind in ("gift", "amount_off", "free_shipping") and rng.random() < 0.5:
        offer["currency"] = offer.get("currency") or rng.choice(CURRENCIES)
        offer["min_spend"] = rng.choice((25, 30, 40, 50, 60, 75))
    if kind == "gift":
        offer["applies_to"] = rng.choice(GIFTS)
    elif kind == "bogo" or (kind in ("percent_off", "amount_off") and rng.random() < 0.4):
        offer["applies_to"] = rng.choice(lines)
    offer["code"] = _code(rng, offer.get("value"))
    if rng.random() < 0.5:
        offer["expires"] = (FIRST_DAY + timedelta(days=rng.randint(0, 180))).isoformat()
    return offer


def sample_campaigns(seed: int = 0, kinds: tuple[str, ...] | None = None, shops: tuple = SHOPS) -> list[dict]:
    """One campaign per offer kind in `kinds` (default: copy_gold's mix for two campaigns a shop),
    `shops` (rows of SHOPS) in turn, as campaign dicts (ids w{seed}00, w{seed}01, ...: a seed is a
    batch) with the shop's description under "about"; kinds are shuffled and channels rotate so each
    shop gets different ones."""
    if kinds is not None and not 0 < len(kinds) <= 100:
        raise ValueError(f"kinds: 1 to 100 campaigns a batch (ids are w{seed}00-w{seed}99), not {len(kinds)}")
    rng = random.Random(seed)
    kinds = list(kinds or [KINDS[i % len(KINDS)] for i in range(2 * len(shops))])
    rng.shuffle(kinds)
    campaigns = []
    for number, kind in enumerate(kinds):
        brand, about, lines = shops[number % len(shops)]
        campaign = {
            "campaign_id": f"w{seed * 100 + number:03d}",
            "brand": brand,
            "offer": _offer(rng, kind, lines),
            "channel": CHANNEL_ORDER[(number + number // len(shops)) % len(CHANNEL_ORDER)],
        }
        tone = rng.choice(TONES)
        if tone:
            campaign["tone"] = tone
        if rng.random() < 0.3:
            campaign["banned_phrases"] = rng.sample(BANNED, 2)
        Campaign.from_dict(campaign)  # every drawn campaign must meet the data contract
        campaigns.append({**campaign, "about": about})
    return campaigns


# Shops whose campaigns are never trained on: the split that decides whether the written copy helps
# (neither the shipped copywriter nor one trained on the written copy has seen these shops).
HELD_OUT_SHOPS = ("Hearth Candle Co", "Velvet Vine Florist", "Stitch Lab", "Roam Pet Travel")
EVENT_TYPES = ("view", "search", "cart", "purchase")
# The brief's email subjects are shorter than the gate's 90: a copywriter that learned from subjects near
# the limit ran past it (batch 0's median 76 characters, copy_gold's 67).
SUBJECT_CHARS = 75


def writer_campaigns(campaigns: list[dict], writers: int) -> list[list[dict]]:
    """The campaigns dealt to `writers` writers in turn, so each writer gets several shops."""
    return [campaigns[k::writers] for k in range(writers)]


def spec_problems(row: dict, campaigns: dict[str, dict]) -> list[str]:
    """What is wrong with one written row (`WRITER_BRIEF.md`'s format), as lines; empty when it is sound.
    The messages are checked by the compliance gate with the history's texts as what they may quote, and
    as if the cart were empty: the copywriter's prompt does not say what is in it, so none may be claimed."""
    campaign = campaigns.get(row.get("campaign_id"))
    if campaign is None:
        return [f"unknown campaign_id {row.get('campaign_id')!r}"]
    history = row.get("history")
    if not isinstance(history, list) or not 2 <= len(history) <= 6:
        return ["`history` must be a list of 2-6 events"]  # as WRITER_BRIEF.md asks
    if any(not isinstance(e, dict) or e.get("type") not in EVENT_TYPES or not e.get("text") for e in history):
        return [f"each history event needs `type` (one of {', '.join(EVENT_TYPES)}) and `text`"]
    contract = Campaign.from_dict({k: v for k, v in campaign.items() if k != "about"})
    context = [e["text"] for e in history]
    found = []
    for key in ("best", "alt"):
        text = row.get(key)
        if not isinstance(text, str) or not text.strip():
            found.append(f"`{key}` is missing")
            continue
        found += [
            f"{key}: {v.rule}: {v.detail}: {text}" for v in check_copy(text, contract, context, cart=False)
        ]
        if contract.channel == "email_subject" and len(text) > SUBJECT_CHARS:
            found.append(
                f"{key}: email subjects are at most {SUBJECT_CHARS} characters, not {len(text)}: {text}"
            )
    return found


# Openers the brief bans since batch 3: "Ready to ..." is the shipped copywriter's habit (14 of its 24
# demo lines open "Ready"), which reference copy should not teach again.
STOCK_OPENERS = ("ready to",)


def brief_problems(rows: list[dict], campaigns: dict[str, dict]) -> list[str]:
    """What the brief asks beyond the gate, across a writer's rows, as lines: every SMS names its brand
    (the sender); no message opens with a stock opener; no two messages of a campaign open with the same
    three words, a leading brand name set aside (`evaluator.opening`, the harness's own frame)."""
    found, seen = [], {}
    for number, row in enumerate(rows, 1):
        campaign = campaigns.get(row.get("campaign_id"))
        if campaign is None:
            continue  # spec_problems names it
        for key in ("best", "alt"):
            text = row.get(key)
            if not isinstance(text, str):
                continue
            where = f"line {number}: {key}"
            if campaign["channel"] == "sms" and campaign["brand"].lower() not in text.lower():
                sender = campaign["brand"]
                found.append(f"{where}: an SMS must name its sender, {sender}; this one does not: {text}")
            frame = opening(text, campaign["brand"])
            if frame.startswith(STOCK_OPENERS):
                found.append(f"{where}: a stock opener ({frame!r}): {text}")
            earlier = seen.setdefault((campaign["campaign_id"], frame), where)
            if earlier != where:
                found.append(f"{where}: opens with {frame!r}, as {earlier} does: {text}")
    return found


def as_spec(row: dict, campaign: dict) -> dict:
    """A written row as a copy_gold spec (no flawed messages: `bad` is empty)."""
    spec_id = f"{row['campaign_id']}-u{int(row['shopper']):02d}"
    contract = {k: v for k, v in campaign.items() if k != "about"}
    return {
        "spec_id": spec_id,
        "campaign": contract,
        "history": row["history"],
        "best": row["best"],
        "alt": row["alt"],
        "bad": [],
    }
