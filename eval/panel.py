"""A blind approval panel on dev copy: build an unlabelled rating sheet, then summarise the ratings.

python -m eval.panel sheet --deliveries reports/copy_quality/deliveries/dpo \
    --gold ../shared/data/copy_gold/dev.jsonl --per-campaign 4 --out runs/panel
python -m eval.panel summary --panel runs/panel --ratings runs/panel/rater1.jsonl runs/panel/rater2.jsonl \
    --out reports/copy_quality/panel.json
python -m eval.panel sheet --deliveries OUT/deliveries/A OUT/deliveries/B --users users.jsonl \
    --campaign eval/campaigns/tight_tents.json --per-campaign 16 --out runs/panel_tight

The sheet mixes, per sampled shopper, promogen's delivered copy (from each variant's folder given; a copy
two variants share is rated once, for both), the campaign's template line and the reference message
(copy_gold only: campaign files with a users file have none), shuffled with ids that do not say which is
which (`sheet.jsonl`, rows as in the raters' brief, ../shared/data/copy_ratings/RATER_BRIEF.md, which
they follow); the key stays in `key.json`. The summary gives per source the mean send score, the share
"send as is" (>= 4), relevance and the flag shares.
"""

import argparse
import json
import random
from pathlib import Path

import numpy as np

from promogen.cli import run_script
from promogen.evaluation.stats import mean_interval
from promogen.prompts import fallback_copy
from promogen.readers import read_users
from promogen.simulate import load_campaign
from promogen.train.gold import FLAGS, rating_row, read_ratings, read_specs
from promogen.types import Campaign


def read_deliveries(path: Path) -> dict[str, dict]:
    """One harness deliveries file, by user id."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {d["user_id"]: d for d in rows}


def shopper_specs(args) -> dict[str, dict]:
    """Shopper -> the spec a rating row reads: copy_gold's, by spec id (with its reference message), or
    one campaign file and one user of a users file, by "campaign id/user id" (no reference)."""
    if args.gold:
        return {s["spec_id"]: s for s in read_specs(args.gold)}
    users = [user for _, user, _ in read_users(args.users) if user is not None]
    return {
        f"{c.campaign_id}/{u.user_id}": {
            "campaign": c.to_dict(),
            "history": [{"text": e.text} for e in u.events],
        }
        for c in map(load_campaign, args.campaign)
        for u in users
    }


def sheet(args) -> None:
    if bool(args.gold) == bool(args.users or args.campaign) or bool(args.users) != bool(args.campaign):
        raise SystemExit("give --gold, or --users with --campaign (not both)")
    taken = [
        Path(d).name
        for d in args.deliveries
        if Path(d).name == "template" or Path(d).name.endswith(("_model", "_fallback"))
    ]
    if taken:
        raise SystemExit(f"rename the deliveries folder {taken[0]!r}: its name would read as another source")
    names = [Path(d).name for d in args.deliveries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # a source is named by its folder: two folders of one name would pool into one source
        raise SystemExit(
            f"two deliveries folders are named {twice[0]!r}: rename one (e.g. copy it to runs/x/B)"
        )
    specs = shopper_specs(args)
    folders = [Path(d) for d in args.deliveries]
    rows, key = [], {}
    rng = random.Random(args.seed)
    for path in sorted(folders[0].glob("*.jsonl")):
        per_folder = [read_deliveries(folder / path.name) for folder in folders]
        pool = sorted(per_folder[0])
        if args.differing:  # only shoppers the variants' copies differ for: where a comparison is decided
            pool = [u for u in pool if len({d[u]["text"] for d in per_folder}) > 1]
        for user_id in rng.sample(pool, min(args.per_campaign, len(pool))):
            shopper = user_id if args.gold else f"{path.stem}/{user_id}"
            spec = specs[shopper]
            copies: dict[str, list[str]] = {}  # copy -> its sources: each distinct copy is rated once
            for folder, deliveries in zip(folders, per_folder, strict=True):
                d = deliveries[user_id]
                name = "promogen" if len(folders) == 1 else f"promogen_{folder.name}"
                # Per how it was chosen (model or fallback), and as the variant's delivered copy.
                copies.setdefault(d["text"], []).extend([f"{name}_{d['chosen_by']}", name])
            copies.setdefault(fallback_copy(Campaign.from_dict(spec["campaign"])), []).append(
                "promogen_template"
            )
            if "best" in spec:
                copies.setdefault(spec["best"], []).append("reference_best")
            for text, sources in copies.items():
                rows.append(rating_row(spec, text, ""))
                key[str(len(rows))] = {"sources": sources, "spec_id": shopper}
    order = list(range(len(rows)))
    rng.shuffle(order)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shown, mapping = [], {}
    for new_id, old in enumerate(order, start=1):
        shown.append({**rows[old], "id": f"r{new_id:03d}"})
        mapping[f"r{new_id:03d}"] = key[str(old + 1)]
    (out / "sheet.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in shown), encoding="utf-8"
    )
    (out / "key.json").write_text(json.dumps(mapping, indent=1) + "\n", encoding="utf-8")
    print(f"{len(shown)} rows in {out / 'sheet.jsonl'}")


def summary(args) -> None:
    key = json.loads((Path(args.panel) / "key.json").read_text(encoding="utf-8"))
    per: dict[str, list[dict]] = {}
    by_shopper: dict[tuple[str, str], list[float]] = {}  # (source, spec id) -> send scores
    for r in read_ratings(args.ratings, key):
        entry = key[r["id"]]
        for source in entry.get("sources", [entry.get("source")]):
            per.setdefault(source, []).append(r)
            by_shopper.setdefault((source, entry["spec_id"]), []).append(r["send"])
    table = {}
    for source, ratings in sorted(per.items()):
        n = len(ratings)
        table[source] = {
            "n": n,
            "mean_send": round(sum(r["send"] for r in ratings) / n, 2),
            "send_as_is": round(sum(r["send"] >= 4 for r in ratings) / n, 3),
            "relevance": round(sum(r["relevance"] for r in ratings) / n, 2),
            **{f: round(sum(f in r.get("flags", []) for r in ratings) / n, 3) for f in FLAGS},
        }
    result = {"ratings": [str(p) for p in args.ratings], "by_source": table}
    if args.paired:
        result["paired"] = paired_difference(by_shopper, *args.paired, seed=args.seed)
        print(json.dumps(result["paired"]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(table, indent=2))


def paired_difference(by_shopper: dict, a: str, b: str, seed: int = 0, draws: int = 10_000) -> dict:
    """Mean send of source `a` minus `b` over the shoppers both were rated for (each shopper's mean over
    raters), with a bootstrap 95% interval that resamples shoppers."""
    shoppers = sorted({s for src, s in by_shopper if src == a} & {s for src, s in by_shopper if src == b})
    if not shoppers:
        raise SystemExit(f"no shopper has ratings for both {a!r} and {b!r}")
    diff = np.array([np.mean(by_shopper[(a, s)]) - np.mean(by_shopper[(b, s)]) for s in shoppers])
    low, high = mean_interval(diff, seed, draws)
    return {"a": a, "b": b, "shoppers": len(shoppers), "mean_send_difference": round(float(diff.mean()), 3),
            "interval_95": [round(float(low), 3), round(float(high), 3)]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser(
        "sheet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="build the unlabelled rating sheet and its key",
        epilog="example: python -m eval.panel sheet --deliveries reports/copy_quality/deliveries/shipped "
        "--gold ../shared/data/copy_gold/dev.jsonl --per-campaign 4 --out runs/panel",
    )
    s.add_argument(
        "--deliveries",
        nargs="+",
        required=True,
        help="harness deliveries folders, one per variant: the same shoppers from each",
    )
    s.add_argument(
        "--gold", help="the copy_gold split the deliveries were made for (with its reference copy)"
    )
    s.add_argument("--users", help="or: the users file the deliveries were made for, with --campaign")
    s.add_argument("--campaign", nargs="+", help="with --users: the campaign files of the deliveries")
    s.add_argument("--per-campaign", type=int, default=4, help="shoppers sampled per campaign")
    s.add_argument(
        "--differing", action="store_true", help="sample only shoppers whose copy differs between variants"
    )
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True)
    m = sub.add_parser(
        "summary",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="per-source figures from the raters' files",
        epilog="example: python -m eval.panel summary --panel runs/panel --ratings runs/panel/rater1.jsonl "
        "runs/panel/rater2.jsonl --out runs/panel/panel.json",
    )
    m.add_argument("--panel", required=True, help="the folder `sheet` wrote (for key.json)")
    m.add_argument("--ratings", nargs="+", required=True)
    m.add_argument(
        "--paired", nargs=2, metavar=("A", "B"), help="also: mean send of source A minus B, per shopper"
    )
    m.add_argument("--seed", type=int, default=0, help="bootstrap seed for --paired")
    m.add_argument("--out", required=True)
    args = parser.parse_args()
    (sheet if args.command == "sheet" else summary)(args)


if __name__ == "__main__":
    run_script(main)
