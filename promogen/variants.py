"""Approved variants: the copy a person approved (or rejected) for a campaign on the review page.

Approval is the last human step before copy goes out, so a decision is only recorded here after the
text passed the gate again (`check_copy`): a non-compliant edit can never become an approved variant.
Decisions are appended to one JSONL file in the server's data folder, whatever the campaign id says.
"""

from __future__ import annotations

import json
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
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return row

    def list(self, campaign_id: str) -> list[dict]:
        if not self.path.is_file():
            return []
        with self.path.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return [r for r in rows if r["campaign_id"] == campaign_id]
