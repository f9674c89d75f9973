"""Approved variants: the copy a person approved (or rejected) for a campaign on the review page.

Approval is the last human step before copy goes out, so a decision is only recorded here after the
text passed the gate again (`check_copy`): a non-compliant edit can never become an approved variant.
Decisions are appended to one JSONL file in the server's data folder, whatever the campaign id says.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from .checks import check_copy
from .types import Campaign, ValidationError, check_choice, check_str

DECISIONS = ("approved", "rejected")


class VariantStore:
    """Appends decisions to `path`; `list` returns a campaign's decisions, oldest first."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def record(
        self,
        campaign: Campaign,
        text: str,
        decision: str,
        user_id: str = "",
        interests: list[str] = (),
        cart: bool | list[str] | None = None,
    ) -> dict:
        check_str(text, "text")
        check_choice(decision, DECISIONS, "decision")
        violations = check_copy(text, campaign, list(interests), cart)
        if decision == "approved" and violations:
            raise ValidationError(
                f"`text` breaks {len(violations)} rule(s) and cannot be approved: {violations[0]}"
            )
        row = {
            "campaign_id": campaign.campaign_id,
            "campaign": campaign.to_dict(),  # the offer it was approved for: an id can be redefined
            "user_id": user_id,
            "text": text,
            "decision": decision,
            "cart": cart,  # what a cart claim was checked against (None: not checked)
            "violations": [v.to_dict() for v in violations],
            "at": time.time(),
        }
        with self._lock, self.path.open("a+b") as out:
            torn = False  # the last line a crash cut short: this one starts on a line of its own
            if out.seek(0, 2):
                out.seek(-1, 2)
                torn = out.read(1) != b"\n"
            out.write((b"\n" if torn else b"") + json.dumps(row, ensure_ascii=False).encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        return row

    def list(self, campaign_id: str) -> list[dict]:
        """A campaign's decisions, oldest first; a line a crash cut short is skipped."""
        if not self.path.is_file():
            return []
        rows = []
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return [r for r in rows if isinstance(r, dict) and r.get("campaign_id") == campaign_id]

    def approved(self, campaign_id: str) -> tuple[list[str], list[str]]:
        """(texts approved for the campaign as last defined, texts approved only under an earlier
        definition), each once, in order of first approval. A text's latest decision under a
        definition stands (approved, then rejected: not approved); a definition is the offer, the brand
        and the channel, so a change of tone keeps the approvals."""
        rows = self.list(campaign_id)
        if not rows:
            return [], []
        latest: dict[tuple[str, str], str] = {}  # (definition, text) -> its last decision
        for r in rows:
            latest[_definition(r), r["text"]] = r["decision"]
        now = _definition(rows[-1])
        current = [t for (d, t), decision in latest.items() if d == now and decision == "approved"]
        earlier = [
            t
            for (d, t), decision in latest.items()
            if d != now and decision == "approved" and t not in current
        ]
        return current, list(dict.fromkeys(earlier))


def _definition(row: dict) -> str:
    """What an approval holds for: the campaign's offer, brand and channel, as recorded with it."""
    campaign = row.get("campaign") or {}
    return json.dumps([campaign.get(k) for k in ("offer", "brand", "channel")], sort_keys=True)
