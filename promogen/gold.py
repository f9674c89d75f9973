"""Finetuning data from reference copy: `copy_gold` specs become SFT rows and preference pairs.

A spec is a campaign, one shopper's history, two messages an approver would send as is and two flawed
ones with a labelled defect. The shopper side is built exactly as at run time (the interest encoder's
vector and phrases from the history), so the copywriter learns from the prompt it will be given. A
reference message that the compliance gate rejects (an SMS with an emoji that no longer fits one
segment, say) is not used as a target: the model must learn what can be delivered.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from .checks import check_copy
from .types import Campaign, Offer, UserHistory, ValidationError
from .wording import money, offer_key


def read_specs(path: str | Path) -> list[dict]:
    """The specs of one copy_gold split (train.jsonl or dev.jsonl), checked against the contract."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"copy_gold split not found: {path}")
    specs = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                spec = json.loads(line)
                for key in ("spec_id", "campaign", "history", "best", "alt", "bad"):
                    if key not in spec:
                        raise ValidationError(f"{path}: `{key}` is missing (line {number})")
                specs.append(spec)
    return specs


def spec_users(specs: list[dict]) -> list[UserHistory]:
    return [UserHistory.from_dict({"user_id": s["spec_id"], "events": s["history"]}) for s in specs]


def build_rows(specs: list[dict], encoder) -> tuple[list[dict], list[dict], dict]:
    """(SFT rows, preference pairs, counts): one row per gate-passing good message; pairs pair each
    good message with each flawed message of its spec."""
    vectors, interests = encoder.encode_users(spec_users(specs))
    rows, pairs, dropped = [], [], 0
    for spec, vector, phrases in zip(specs, vectors, interests, strict=True):
        campaign = Campaign.from_dict(spec["campaign"])
        base = {
            "user_id": spec["spec_id"],
            "campaign": campaign.to_dict(),
            "interests": phrases,
            "vector": [round(float(x), 5) for x in vector],
        }
        for good in (spec["best"], spec["alt"]):
            if check_copy(good, campaign, phrases):
                dropped += 1
                continue
            rows.append({**base, "target": good})
            pairs += [
                {**base, "chosen": good, "rejected": b["text"], "defect": b["defect"]} for b in spec["bad"]
            ]
    return (
        rows,
        pairs,
        {"specs": len(specs), "targets": len(rows), "dropped_by_gate": dropped, "pairs": len(pairs)},
    )


def preference_pairs(specs: list[dict], generated: list[dict]) -> list[dict]:
    """Preference pairs for one spec each: the reference messages that pass the gate are chosen, the
    spec's labelled flawed messages and the copywriter's own rejected candidates (`generated` rows of
    `sft.generate_candidates`, keyed by spec id) are rejected."""
    own = {row["user_id"]: row for row in generated}
    pairs = []
    for spec in specs:
        row = own.get(spec["spec_id"])
        if row is None:
            continue
        campaign = Campaign.from_dict(spec["campaign"])
        chosen = [t for t in (spec["best"], spec["alt"]) if not check_copy(t, campaign, row["interests"])]
        rejected = [(b["text"], b["defect"]) for b in spec["bad"]]
        rejected += [
            (c["text"], "own:" + c["violations"][0]["rule"]) for c in row["candidates"] if c["violations"]
        ]
        base = {k: row[k] for k in ("user_id", "campaign", "interests", "vector")}
        pairs += [
            {**base, "chosen": chosen[i % len(chosen)], "rejected": text, "defect": defect}
            for i, (text, defect) in enumerate(rejected)
            if chosen
        ]
    return pairs


_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def respell(spec: dict, rng: random.Random) -> dict | None:
    """The spec with new offer details (code, value, minimum spend) written into its good messages.

    The copywriter must copy an offer's details from the prompt, not recall them: with 48 train
    campaigns it can memorise each one's code and amounts. A respelled spec keeps the shopper and the
    wording and changes the numbers; messages that the gate rejects after the change (a value written
    in words, say) are dropped, and so is the spec when none is left. Flawed messages are dropped too: a
    changed value can turn a labelled defect into a correct statement.
    """
    campaign = json.loads(json.dumps(spec["campaign"]))
    offer = campaign["offer"]
    swaps = []  # (old, new) text replacements, longest first so "$60" is not hit by "$6"
    if offer.get("code"):
        new = "".join(rng.choice(_LETTERS) for _ in range(rng.randint(3, 6))) + str(rng.randint(5, 99))
        swaps.append((offer["code"], new))
        offer["code"] = new
    if offer["kind"] in ("percent_off", "amount_off"):
        choices = (10, 15, 20, 25, 30, 40) if offer["kind"] == "percent_off" else (5, 10, 15, 20, 25)
        off = Offer.from_dict(spec["campaign"]["offer"])
        offer["value"] = rng.choice([v for v in choices if v != offer["value"]])
        swaps.append((offer_key(off), offer_key(Offer.from_dict(offer))))
    if offer.get("min_spend"):
        old = money(offer["min_spend"], offer.get("currency"))
        offer["min_spend"] = rng.choice([v for v in (25, 30, 40, 50, 60, 75, 100) if v != offer["min_spend"]])
        swaps.append((old, money(offer["min_spend"], offer.get("currency"))))
    swaps.sort(key=lambda s: -len(s[0]))
    campaign["campaign_id"] = f"{campaign['campaign_id']}~{offer.get('code', '')}"
    parsed = Campaign.from_dict(campaign)
    good = []
    for text in (spec["best"], spec["alt"]):
        for old, new in swaps:
            text = text.replace(old, new)
        if not check_copy(text, parsed):
            good.append(text)
    if not good:
        return None
    return {
        **spec,
        "spec_id": f"{spec['spec_id']}~{offer.get('code', '')}",
        "campaign": campaign,
        "best": good[0],
        "alt": good[-1],
        "bad": [],
    }
