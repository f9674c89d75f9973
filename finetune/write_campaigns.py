"""Extra reference copy for shops copy_gold lacks: writer sheets, their check, and the collected specs.

    python finetune/write_campaigns.py sheets --out runs/written --writers 8
    # a later batch: another seed (campaign ids w100...) and its own mix of offer kinds
    python finetune/write_campaigns.py sheets --seed 1 --out runs/written1 --writers 8 \
        --kinds gift=8,percent_off=6,free_shipping=4,amount_off=4,bogo=2
    # batch 3: 20 more kinds of shop (promogen.train.campaigns.MORE_SHOPS)
    python finetune/write_campaigns.py sheets --seed 3 --shops more --out runs/written3 --writers 8 \
        --kinds percent_off=14,free_shipping=8,amount_off=8,bogo=5,gift=5
    # each writer follows finetune/WRITER_BRIEF.md and writes runs/written/writerK/specs.jsonl, then:
    python finetune/write_campaigns.py check --sheet runs/written/writer0
    python finetune/write_campaigns.py collect --out runs/written

`collect` writes OUT/train.jsonl (copy_gold's spec format, `bad` empty: pass it to build_gold.py --extra)
and OUT/heldout.jsonl (the shops in promogen.train.campaigns.HELD_OUT_SHOPS, never trained on), keeping
each written row whose history is sound; the gate's verdict on each message is left to build_gold.py,
which drops the messages it rejects, as it does for copy_gold's.
"""

import argparse
import collections
import json
import sys
from pathlib import Path

from promogen import __version__
from promogen.cli import run_script
from promogen.train.campaigns import (
    HELD_OUT_SHOPS,
    MORE_SHOPS,
    SHOPS,
    as_spec,
    brief_problems,
    sample_campaigns,
    spec_problems,
    writer_campaigns,
)
from promogen.train.gold import read_jsonl
from promogen.types import OFFER_KINDS


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def parse_kinds(text: str) -> tuple[str, ...] | None:
    """`gift=8,bogo=2` as a tuple of offer kinds (each as often as its count); empty: the default mix."""
    kinds = []
    for part in filter(None, text.split(",")):
        kind, _, count = part.partition("=")
        if kind not in OFFER_KINDS or not count.isdigit() or int(count) < 1:
            raise argparse.ArgumentTypeError(
                f"{part!r}: write KIND=COUNT (COUNT >= 1), KIND one of {', '.join(OFFER_KINDS)}"
            )
        kinds += [kind] * int(count)
    if len(kinds) > 100:
        raise argparse.ArgumentTypeError(f"{len(kinds)} campaigns: a batch holds at most 100 (its ids)")
    return tuple(kinds) or None


def parse_shops(text: str) -> tuple:
    """`Stitch Lab,Hearth Candle Co` as their rows of SHOPS or MORE_SHOPS; `held-out` for HELD_OUT_SHOPS;
    `more` for MORE_SHOPS (batch 3's); empty: SHOPS."""
    if text == "more":
        return MORE_SHOPS
    names = HELD_OUT_SHOPS if text == "held-out" else [n.strip() for n in text.split(",") if n.strip()]
    rows = {row[0]: row for row in SHOPS + MORE_SHOPS}
    unknown = [n for n in names if n not in rows]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown shop(s) {', '.join(unknown)}: see promogen.train.campaigns.SHOPS and MORE_SHOPS"
        )
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError("a shop is named twice: name each once")
    return tuple(rows[n] for n in names) or SHOPS


def sheets(args) -> None:
    campaigns = sample_campaigns(args.seed, args.kinds, args.shops)
    for k, mine in enumerate(writer_campaigns(campaigns, args.writers)):
        write_jsonl(Path(args.out) / f"writer{k}" / "campaigns.jsonl", mine)
    # How the batch was drawn, for `collect` to keep beside the specs.
    drawn = {"seed": args.seed, "writers": args.writers, "shops": [s[0] for s in args.shops]}
    drawn["kinds"] = dict(collections.Counter(c["offer"]["kind"] for c in campaigns))
    (Path(args.out) / "sheets.json").write_text(json.dumps(drawn, indent=2) + "\n", encoding="utf-8")
    print(f"{args.writers} sheets in {args.out}; brief: finetune/WRITER_BRIEF.md")


def check(args) -> None:
    sheet = Path(args.sheet)
    if not (sheet / "specs.jsonl").is_file():
        sys.exit(f"{sheet}: no specs.jsonl yet (write it as finetune/WRITER_BRIEF.md says)")
    campaigns = {c["campaign_id"]: c for c in read_jsonl(sheet / "campaigns.jsonl")}
    rows = read_jsonl(sheet / "specs.jsonl")
    problems = [f"line {i}: {p}" for i, row in enumerate(rows, 1) for p in spec_problems(row, campaigns)]
    problems += brief_problems(rows, campaigns)
    for problem in problems:
        print(problem)
    for cid in campaigns:
        shoppers = sum(r.get("campaign_id") == cid for r in rows)
        if shoppers != 10:
            print(f"{cid}: {shoppers} shoppers (10 asked)")
    print(f"{len(rows)} rows, {len(problems)} problems")
    sys.exit(1 if problems else 0)


def collect(args) -> None:
    out = Path(args.out)
    campaigns = {
        c["campaign_id"]: c for path in out.glob("writer*/campaigns.jsonl") for c in read_jsonl(path)
    }
    kept, dropped = {"train": [], "heldout": []}, 0
    for path in sorted(out.glob("writer*/specs.jsonl")):
        for row in read_jsonl(path):
            problems = spec_problems(row, campaigns)
            if problems and not all(p.startswith(("best:", "alt:")) for p in problems):
                dropped += 1
                continue
            campaign = campaigns[row["campaign_id"]]
            kept["heldout" if campaign["brand"] in HELD_OUT_SHOPS else "train"].append(as_spec(row, campaign))
    for split, specs in kept.items():
        write_jsonl(out / f"{split}.jsonl", sorted(specs, key=lambda s: s["spec_id"]))
    counts = {split: len(specs) for split, specs in kept.items()} | {"dropped_rows": dropped}
    drawn = out / "sheets.json"
    sheets = json.loads(drawn.read_text(encoding="utf-8")) if drawn.is_file() else None
    record = {"promogen_version": __version__, "args": vars(args) | {"func": args.func.__name__}, **counts}
    record["sheets"] = sheets
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(counts))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(required=True)
    one = commands.add_parser(
        "sheets",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="one campaigns.jsonl per writer",
        epilog="example: python finetune/write_campaigns.py sheets --seed 3 --shops more --out runs/written3 "
        "--writers 8 --kinds percent_off=14,free_shipping=8,amount_off=8,bogo=5,gift=5",
    )
    one.add_argument("--out", default="runs/written")
    one.add_argument("--writers", type=int, default=8)
    one.add_argument("--seed", type=int, default=0, help="the batch: campaigns' seed and ids (w{seed}00...)")
    one.add_argument(
        "--kinds",
        type=parse_kinds,
        default=None,
        help="offer kinds to draw, KIND=COUNT,... (default: copy_gold's mix)",
    )
    one.add_argument(
        "--shops",
        type=parse_shops,
        default=SHOPS,
        help="NAME,NAME,..., held-out or more (default: SHOPS, batches 0-2's)",
    )
    one.set_defaults(func=sheets)
    one = commands.add_parser(
        "check",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="a writer's specs.jsonl against the brief and the gate",
        epilog="example: python finetune/write_campaigns.py check --sheet runs/written3/writer0",
    )
    one.add_argument("--sheet", required=True, help="a writer's folder")
    one.set_defaults(func=check)
    one = commands.add_parser(
        "collect",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="all writers' rows as train.jsonl and heldout.jsonl",
        epilog="example: python finetune/write_campaigns.py collect --out runs/written3",
    )
    one.add_argument("--out", default="runs/written")
    one.set_defaults(func=collect)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    run_script(main)
