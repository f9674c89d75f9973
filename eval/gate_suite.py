"""Run the compliance gate over the adversarial table (tests/gate_cases.py) and report per category.

python -m eval.gate_suite [--out reports/gate_suite.json] [--misses 50]

For each category: the must-reject rows and the share caught (a row counts as caught only when its expected
rule fires), the good rows and the share accepted (no violation at all); then both shares overall and the
misses (text, expected, got). Targets: >= 98% of must-reject rows caught, >= 95% of good rows accepted; the
exit status is 1 when either is missed. A campaign the gate's types refuse, or a gate error, is a miss.
"""

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from promogen.checks import check_copy
from promogen.cli import run_script
from promogen.types import Campaign, UserHistory

CASES_FILE = Path(__file__).resolve().parent.parent / "tests" / "gate_cases.py"
TARGET_REJECT, TARGET_ACCEPT = 0.98, 0.95


def load_cases(path: Path = CASES_FILE):
    spec = importlib.util.spec_from_file_location("gate_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rules_of(violations) -> list[str]:
    return [v.rule for v in violations]


def run_holdout(path: Path) -> dict:
    """The gate on eval/gate_holdout.py, rows (campaign, text, ok|reject) written blind to the gate."""
    module = load_cases(path)
    campaigns = {name: Campaign.from_dict(data) for name, data in module.CAMPAIGNS.items()}
    counts = {"ok": 0, "accepted": 0, "reject": 0, "rejected": 0}
    misses = []
    for name, text, expected in module.CASES:
        found = rules_of(check_copy(text, campaigns[name]))
        good = expected == "ok"
        right = not found if good else bool(found)
        counts["ok" if good else "reject"] += 1
        counts["accepted" if good else "rejected"] += right
        if not right:
            misses.append({"campaign": name, "text": text, "expected": expected, "got": found})
    return {
        "file": str(path),
        **counts,
        "accept_share": round(counts["accepted"] / counts["ok"], 4),
        "reject_share": round(counts["rejected"] / counts["reject"], 4),
        "misses": misses,
    }


def run_gold(path: Path) -> dict:
    """The gate on reference copy it was never tuned on: good messages accepted, flawed ones rejected
    per labelled defect (the shopper's history is the context numbers may be quoted from, its carted
    items what a cart claim may name)."""
    from promogen.train.gold import read_specs

    good = accepted = 0
    defects: dict[str, dict] = {}
    rules: dict[str, int] = {}
    for spec in read_specs(path):
        campaign = Campaign.from_dict(spec["campaign"])
        context = " ; ".join(e["text"] for e in spec["history"])
        cart = UserHistory.from_dict({"user_id": spec["spec_id"], "events": spec["history"]}).cart_items()
        for text in (spec["best"], spec["alt"]):
            found = rules_of(check_copy(text, campaign, context, cart))
            good += 1
            accepted += not found
            for rule in set(found):
                rules[rule] = rules.get(rule, 0) + 1
        for bad in spec["bad"]:
            d = defects.setdefault(bad["defect"], {"n": 0, "rejected": 0})
            d["n"] += 1
            d["rejected"] += bool(check_copy(bad["text"], campaign, context, cart))
    for d in defects.values():
        d["share"] = round(d["rejected"] / d["n"], 4)
    return {
        "file": str(path),
        "good": good,
        "good_accepted_share": round(accepted / good, 4),
        "rules_firing_on_good": dict(sorted(rules.items())),
        "flawed_rejected_by_defect": dict(sorted(defects.items())),
    }


def run(module) -> dict:
    campaigns, errors = {}, {}
    for name, data in module.CAMPAIGNS.items():
        try:
            campaigns[name] = Campaign.from_dict(data)
        except Exception as exc:  # a campaign the types refuse makes every row of it a miss
            errors[name] = f"campaign error: {exc}"
    stats = {c: {"reject": 0, "caught": 0, "ok": 0, "accepted": 0} for c in module.CATEGORIES}
    misses = []
    for category, name, text, expected, *rest in module.CASES:
        context = rest[0] if rest else ""
        if name in errors:
            got = [errors[name]]
        else:
            try:
                got = rules_of(check_copy(text, campaigns[name], context=context))
            except Exception as exc:  # a crash is a miss, not the end of the run
                got = [f"error: {type(exc).__name__}: {exc}"]
        good = expected == "ok"
        passed = not got if good else expected in got
        s = stats[category]
        s["ok" if good else "reject"] += 1
        s["accepted" if good else "caught"] += passed
        if not passed:
            misses.append(
                {"category": category, "campaign": name, "text": text, "expected": expected, "got": got}
            )
    for s in stats.values():
        s["reject_share"] = s["caught"] / s["reject"] if s["reject"] else None
        s["accept_share"] = s["accepted"] / s["ok"] if s["ok"] else None
    total = {k: sum(s[k] for s in stats.values()) for k in ("reject", "caught", "ok", "accepted")}
    overall = {
        **total,
        "reject_share": total["caught"] / total["reject"],
        "accept_share": total["accepted"] / total["ok"],
    }
    overall["targets_met"] = (
        overall["reject_share"] >= TARGET_REJECT and overall["accept_share"] >= TARGET_ACCEPT
    )
    return {
        "cases": len(module.CASES),
        "targets": {"reject_share": TARGET_REJECT, "accept_share": TARGET_ACCEPT},
        "overall": overall,
        "categories": stats,
        "misses": misses,
    }


def print_report(report: dict, max_misses: int) -> None:
    print(f"{'category':<16}{'reject':>7}{'caught':>9}{'ok':>6}{'accepted':>10}")
    for category, s in report["categories"].items():
        print(
            f"{category:<16}{s['reject']:>7}{_pct(s['reject_share']):>9}{s['ok']:>6}{_pct(s['accept_share']):>10}"
        )
    o, t = report["overall"], report["targets"]
    print(
        f"{'overall':<16}{o['reject']:>7}{_pct(o['reject_share']):>9}{o['ok']:>6}{_pct(o['accept_share']):>10}"
    )
    verdict = "met" if o["targets_met"] else "NOT met"
    print(f"targets: must-reject caught >= {_pct(t['reject_share'])}, ", end="")
    print(f"good accepted >= {_pct(t['accept_share'])}: {verdict}")
    misses = report["misses"]
    if misses:
        shown = "" if len(misses) <= max_misses else f" (first {max_misses}; all are in the JSON)"
        print(f"\n{len(misses)} misses{shown}:")
    for m in misses[:max_misses]:
        print(f"  [{m['category']}] {m['campaign']}: {m['text']!r}")
        print(f"      expected {m['expected']}, got {m['got']}")


def _pct(share) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="reports/gate_suite.json", help="JSON report path ('' to skip)")
    parser.add_argument("--cases", default=str(CASES_FILE), help="the case table (a gate_cases.py)")
    parser.add_argument("--misses", type=int, default=50, help="misses printed (all are written)")
    parser.add_argument(
        "--gold", help="also run the gate on a copy_gold split, e.g. ../shared/data/copy_gold/dev.jsonl"
    )
    parser.add_argument("--holdout", help="also run the blind holdout table, e.g. eval/gate_holdout.py")
    args = parser.parse_args()
    report = run(load_cases(Path(args.cases)))
    print_report(report, args.misses)
    if args.holdout:
        report["holdout"] = run_holdout(Path(args.holdout))
        print(json.dumps({k: v for k, v in report["holdout"].items() if k != "misses"}, indent=2))
    if args.gold:
        report["gold"] = run_gold(Path(args.gold))
        print(json.dumps(report["gold"], indent=2))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwritten: {out}")
    sys.exit(0 if report["overall"]["targets_met"] else 1)


if __name__ == "__main__":
    run_script(main)
