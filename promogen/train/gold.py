"""Finetuning data from reference copy: `copy_gold` specs become SFT rows and preference pairs.

A spec is a campaign, one shopper's history, two messages an approver would send as is and two flawed
ones with a labelled defect. The shopper side is built exactly as at run time (the interest encoder's
vector and phrases from the history), so the copywriter learns from the prompt it will be given. A
reference message that the compliance gate rejects (an SMS with an emoji that no longer fits one
segment, say) is not used as a target: the model must learn what can be delivered. The preference
pairs also take the copywriter's own candidates that the gate rejects (`generate_candidates`, which
appends as it goes so that a rerun resumes).
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from ..checks import check_copy
from ..outputs import complete_rows
from ..readers import json_objects
from ..types import Campaign, UserHistory, ValidationError, check_type
from ..wording import money, offer_key
from .campaigns import HELD_OUT_SHOPS

# The defects copy_gold labels its flawed messages with.
DEFECTS = (
    "scope_misstated",
    "wrong_value",
    "code_altered",
    "missing_min_spend",
    "invented_urgency",
    "invented_claim",
    "ungrammatical",
    "incoherent",
    "repetitive",
    "irrelevant",
    "creepy",
    "off_tone",
)


def read_jsonl(path: str | Path) -> list[dict]:
    """The rows of a JSONL file written by one of these steps (blank lines skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def specs_in(paths: list[str | Path]) -> set[str]:
    """The spec ids a generated.jsonl (build_pairs, label_candidates) already used: later rounds skip them."""
    return {row["user_id"] for path in paths for _, row in json_objects(path, "--exclude", "candidate")}


def read_specs(path: str | Path) -> list[dict]:
    """The specs of one copy_gold split (train.jsonl or dev.jsonl), checked against the contract."""
    specs = []
    for number, spec in json_objects(path, "copy_gold split", "spec"):
        try:
            _check_spec(spec, number)
        except ValidationError as exc:
            raise ValidationError(f"{path}: {exc}") from exc
        specs.append(spec)
    return specs


def _check_spec(spec: dict, number: int) -> None:
    """The keys every spec has, a known defect and a text for each flawed message, a sound history."""
    for key in ("spec_id", "campaign", "history", "best", "alt", "bad"):
        if key not in spec:
            raise ValidationError(f"`{key}` is missing (line {number})")
    for i, bad in enumerate(check_type(spec["bad"], list, "bad", number)):
        if (
            not isinstance(bad, dict)
            or bad.get("defect") not in DEFECTS
            or not isinstance(bad.get("text"), str)
        ):
            raise ValidationError(f"`bad[{i}]` needs a text and a known defect (line {number})")
    UserHistory.from_dict({"user_id": spec["spec_id"], "events": spec["history"]}, number)


def train_specs(data: str | Path, split: str, extra: list[str]) -> list[dict]:
    """copy_gold's `split` plus the specs of the `extra` files (written copy); ValueError naming one
    spec if any is of a shop held out from all training (promogen.train.campaigns.HELD_OUT_SHOPS)."""
    specs = read_specs(Path(data) / f"{split}.jsonl")
    specs += [spec for path in extra for spec in read_specs(path)]
    held = sorted({s["spec_id"] for s in specs if s["campaign"]["brand"] in HELD_OUT_SHOPS})
    if held:
        raise ValueError(
            f"the data holds {len(held)} specs of held-out shops (e.g. {held[0]}): never train on them"
        )
    return specs


def spec_users(specs: list[dict]) -> list[UserHistory]:
    return [UserHistory.from_dict({"user_id": s["spec_id"], "events": s["history"]}) for s in specs]


def build_rows(specs: list[dict], encoder) -> tuple[list[dict], list[dict], dict]:
    """(SFT rows, preference pairs, counts): one row per good message that passes the gate (cart claims
    fail it: see _references); pairs pair each good message with each flawed message of its spec."""
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
            if check_copy(good, campaign, phrases, cart=False):  # see _references
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
    `generate_candidates`, keyed by spec id) are rejected."""
    own = {row["user_id"]: row for row in generated}
    pairs = []
    for spec in specs:
        row = own.get(spec["spec_id"])
        if row is None:
            continue
        rejected = [(b["text"], b["defect"]) for b in spec["bad"]]
        rejected += [
            (c["text"], "own:" + c["violations"][0]["rule"]) for c in row["candidates"] if c["violations"]
        ]
        pairs += _pairs(row, _references(spec, row), rejected)
    return pairs


def _references(spec: dict, row: dict) -> list[str]:
    """The spec's reference messages that pass the gate for the shopper of `row`, as if the cart were
    empty: the prompt does not say what is in it, so a copywriter taught "still in your cart" says it
    to anyone (three of 80 held-out shoppers were told of a cart they did not have)."""
    campaign = Campaign.from_dict(spec["campaign"])
    return [
        t for t in (spec["best"], spec["alt"]) if not check_copy(t, campaign, row["interests"], cart=False)
    ]


def _pairs(row: dict, chosen: list[str], rejected: list[tuple[str, str]]) -> list[dict]:
    """One pair per rejected (text, defect), the chosen messages taken in turn; none without a chosen one."""
    base = {k: row[k] for k in ("user_id", "campaign", "interests", "vector")}
    return [
        {**base, "chosen": chosen[i % len(chosen)], "rejected": text, "defect": defect}
        for i, (text, defect) in enumerate(rejected)
        if chosen
    ]


def generate_candidates(
    pg, pairs: list[tuple[UserHistory, Campaign]], out_dir: str | Path, n: int, seed: int, chunk: int = 6
) -> Path:
    """Append one line per (user, campaign) with all candidates and scores; skip lines already written."""
    path = Path(out_dir) / "generated.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["user_id"], r["campaign"]["campaign_id"]) for _, r in complete_rows(path, "sheet", "row")}
    todo = [(u, c) for u, c in pairs if (u.user_id, c.campaign_id) not in done]
    by_campaign: dict[str, list] = {}
    for user, campaign in todo:
        by_campaign.setdefault(campaign.campaign_id, []).append((user, campaign))
    bar = tqdm(total=len(pairs), initial=len(pairs) - len(todo), unit="prompt", dynamic_ncols=True)
    with path.open("a", encoding="utf-8") as out:
        for group in by_campaign.values():
            campaign = group[0][1]
            for start in range(0, len(group), chunk):
                users = [u for u, _ in group[start : start + chunk]]
                encoded = pg.encoder.encode_users(users)
                deliveries = pg.generate(campaign, users, n_candidates=n, seed=seed, encoded=encoded)
                for user, vector, d in zip(users, encoded[0], deliveries, strict=True):
                    row = {
                        "user_id": user.user_id,
                        "campaign": campaign.to_dict(),
                        "interests": d.interests,
                        "vector": [round(float(x), 5) for x in vector],
                        "candidates": [c.to_dict() for c in d.candidates],
                    }
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                bar.update(len(users))
    bar.close()
    return path


def sort_labels(labelled: list[dict]) -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
    """Per spec id, the panel-rated own candidates as (good, flawed): rated 4 or 5 ("send as is") with
    no flag is good, rated 2 or below is flawed (`own:<first flag>`); a 3 ("needs a light edit") is
    left out, as the panel itself is split on those."""
    by_spec: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
    for row in labelled:
        good, bad = by_spec.setdefault(row["spec_id"], ([], []))
        if row["send"] >= 4 and not row["flags"]:
            good.append(row["copy"])
        elif row["send"] <= 2:
            bad.append((row["copy"], "own:" + (row["flags"] or ["rejected"])[0]))
    return by_spec


def labelled_pairs(specs: list[dict], generated: list[dict], labelled: list[dict]) -> list[dict]:
    """Preference pairs from a panel's ratings of the copywriter's own candidates (one spec each): a
    good candidate (`sort_labels`) is chosen over a flawed one; where a spec has
    a rejected candidate but no chosen one, its gate-passing reference messages are chosen instead.
    `generated` rows (of `generate_candidates`) give the shopper's phrases and vector."""
    own = {row["user_id"]: row for row in generated}
    by_spec = sort_labels(labelled)
    pairs = []
    for spec in specs:
        good, bad = by_spec.get(spec["spec_id"], ([], []))
        row = own.get(spec["spec_id"])
        if not bad or row is None:
            continue
        pairs += _pairs(row, good or _references(spec, row), bad)
    return pairs


def campaign_words(campaign: Campaign) -> dict:
    """The campaign as a rater sees it (copy_ratings/RATER_BRIEF.md): brand, channel, offer, tone. The
    offer is worded field by field as the owners' rating sheets word it ("$15 off; on/of: safety gear;
    minimum spend $75; code SAVE15; expires 2026-12-31"), not as the prompt does ("on orders over $75"):
    a rater reads "$75+" against "over $75" as widening the offer, against "minimum spend $75" as exact."""
    offer = campaign.offer
    value = {
        "gift": "a free gift",
        "percent_off": f"{offer_key(offer)} off",
        "amount_off": f"{offer_key(offer)} off",
    }
    value = value.get(offer.kind, offer_key(offer))
    parts = [value, f"on/of: {offer.applies_to}" if offer.applies_to else ""]
    parts.append(f"minimum spend {money(offer.min_spend, offer.currency)}" if offer.min_spend else "")
    parts += [f"code {offer.code}" if offer.code else "", f"expires {offer.expires}" if offer.expires else ""]
    words = "; ".join(p for p in parts if p)
    return {"brand": campaign.brand, "channel": campaign.channel, "offer": words, "tone": campaign.tone}


# The flags a rater may give (copy_ratings/RATER_BRIEF.md), in the order reports list them.
FLAGS = ("ungrammatical", "incoherent", "offer_misstated", "invented_content", "repetitive_template",
         "generic", "creepy", "off_tone", "too_long")  # fmt: skip


def read_ratings(paths: list, key: dict) -> list[dict]:
    """Every rating in the raters' files (copy_ratings/RATER_BRIEF.md: id, send 1-5, relevance 1-5,
    flags), checked before anything is written from them; each error names file and line."""
    ratings = []
    for path in paths:
        seen: set[str] = set()
        for number, row in json_objects(path, "ratings", "rating"):
            try:
                _check_rating(row, key, seen)
            except ValidationError as exc:
                raise ValidationError(f"{path}: {exc} (line {number})") from exc
            seen.add(row["id"])
            ratings.append(row)
    return ratings


def _check_rating(row: dict, key: dict, seen: set[str]) -> None:
    """An id on the sheet (the `key`) and not yet rated in this file (a rater appends in chunks: a chunk
    written twice would count twice), whole-number scores 1-5, flags from the brief's list."""
    row_id = row.get("id")
    if not isinstance(row_id, str) or row_id not in key:
        raise ValidationError(f"id {row_id!r} is not on the sheet")
    if row_id in seen:
        raise ValidationError(f"id {row_id!r} is rated twice in this file")
    for name in ("send", "relevance"):
        if type(row.get(name)) is not int or not 1 <= row[name] <= 5:
            raise ValidationError(f"`{name}` must be a whole number 1-5, got {row.get(name)!r}")
    flags = row.get("flags", [])
    if not isinstance(flags, list) or not set(flags) <= set(FLAGS):
        raise ValidationError(f"`flags` must be a list of {', '.join(FLAGS)}; got {flags!r}")


def rating_row(spec: dict, copy: str, row_id: str) -> dict:
    """One unlabelled row of a rating sheet: the campaign, the shopper's history and the copy."""
    campaign = Campaign.from_dict(spec["campaign"])
    history = [e["text"] for e in spec["history"]]
    return {"id": row_id, "campaign": campaign_words(campaign), "user_recent_history": history, "copy": copy}
