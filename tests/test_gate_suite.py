"""The compliance gate against the adversarial table in gate_cases.py: one test per row.

An "ok" row must come back with no violation; a must-reject row must report its expected rule (other rules
may fire as well). The structural tests keep the table itself honest: known campaigns, categories and rule
ids, both kinds of row in every category, and enough rows.
"""

from __future__ import annotations

import functools
from collections import Counter

import pytest
from gate_cases import CAMPAIGNS, CASES, CATEGORIES, RULES

from promogen.checks import check_copy
from promogen.types import Campaign


@functools.cache
def campaign(name: str) -> Campaign:
    return Campaign.from_dict(CAMPAIGNS[name])


def rules_of(violations) -> list[str]:
    return [v.rule for v in violations]


def _row(row: tuple) -> tuple[str, str, str, str, str]:
    category, name, text, expected, *rest = row
    return category, name, text, expected, rest[0] if rest else ""


ROWS = [_row(r) for r in CASES]
IDS = [f"{category}-{i:03d}-{expected}" for i, (category, _, _, expected, _) in enumerate(ROWS)]


@pytest.mark.parametrize(("category", "name", "text", "expected", "context"), ROWS, ids=IDS)
def test_gate_case(category, name, text, expected, context):
    violations = check_copy(text, campaign(name), context=context)
    shown = [(v.rule, v.detail) for v in violations]
    if expected == "ok":
        assert not violations, f"[{category}] {name}: {text!r} (context {context!r}) was rejected: {shown}"
    else:
        assert expected in rules_of(violations), (
            f"[{category}] {name}: {text!r} (context {context!r}) should fire {expected!r}; got {shown}"
        )


def test_every_category_has_reject_and_ok_rows():
    kinds: dict[str, Counter] = {c: Counter() for c in CATEGORIES}
    for category, _, _, expected, _ in ROWS:
        kinds[category]["ok" if expected == "ok" else "reject"] += 1
    for category, counts in kinds.items():
        assert counts["ok"] > 0 and counts["reject"] > 0, f"{category}: {dict(counts)}"
        assert counts["ok"] + counts["reject"] >= 20, f"{category} has only {sum(counts.values())} rows"


def test_table_has_enough_rows():
    assert len(ROWS) >= 500, f"the suite must hold at least 500 cases, it has {len(ROWS)}"


def test_rows_are_well_formed():
    seen = set()
    for row in CASES:
        assert len(row) in (4, 5), row
        category, name, text, expected, context = _row(row)
        assert category in CATEGORIES, row
        assert name in CAMPAIGNS, row
        assert expected == "ok" or expected in RULES, row
        assert isinstance(text, str) and isinstance(context, str), row
        assert (name, text, context) not in seen, f"duplicate row {row}"
        seen.add((name, text, context))


@pytest.mark.parametrize("name", sorted(CAMPAIGNS))
def test_campaigns_are_valid(name):
    assert campaign(name).campaign_id == name
