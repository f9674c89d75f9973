"""How often copy states each detail of its offer an approver checks: the minimum spend, the code and
the end date (`promogen.wording.offer_terms`; the decoding guard requires the first two).

The gate does not require an end date, because approvers' own good copy often leaves it out; this
measures how often each detail is there, apart from compliance, for delivered copy and for reference
copy alike.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..types import Campaign
from ..wording import offer_terms

KINDS = ("min_spend", "code", "end_date")


def stated(text: str, campaign: Campaign) -> dict[str, bool]:
    """Per detail the offer has: whether `text` states it."""
    return {kind: bool(re.search(regex, text)) for kind, (regex, _) in offer_terms(campaign.offer).items()}


def summarise(rows: list[dict[str, bool]]) -> dict:
    """Share of messages with every detail, and per detail the share of the messages whose offer has it."""
    out = {
        "messages": len(rows),
        "all_terms": round(sum(all(r.values()) for r in rows) / max(len(rows), 1), 4),
    }
    for kind in KINDS:
        having = [r[kind] for r in rows if kind in r]
        if having:
            out[kind] = {"messages": len(having), "stated": round(sum(having) / len(having), 4)}
    return out


def references(specs: list[dict]) -> dict:
    """copy_gold's good messages (`best` and `alt`) of `specs`."""
    rows = []
    for spec in specs:
        campaign = Campaign.from_dict(spec["campaign"])
        rows += [stated(spec[key], campaign) for key in ("best", "alt")]
    return summarise(rows)


def delivered(folder: str | Path, campaigns: dict[str, Campaign]) -> dict:
    """The model copy (not the fallback) in one variant's deliveries folder of the harness."""
    rows = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            delivery = json.loads(line)
            if delivery["chosen_by"] == "model":
                rows.append(stated(delivery["text"], campaigns[delivery["campaign_id"]]))
    return summarise(rows)
