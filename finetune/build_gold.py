"""Build the copywriter's finetuning data from copy_gold reference copy (train split only).

python finetune/build_gold.py --data ../shared/data/copy_gold --out runs/gold

--extra FILE (repeatable) adds specs in copy_gold's format from elsewhere, such as the written copy of
`finetune/write_campaigns.py collect` (its train.jsonl; never its heldout.jsonl).

--hold-out-every N keeps every Nth train campaign out (OUT/held_out.txt lists its spec ids, OUT/trained.txt
the others': pass them to `eval.harness --exclude`), for comparisons on train campaigns no model saw.

Writes OUT/sft.jsonl (one row per good message that passes the gate), OUT/pairs.jsonl (good vs flawed
messages of the same spec, for preference tuning) and OUT/config.json.
"""

import argparse
import json
from pathlib import Path

from promogen import __version__
from promogen.cli import run_script
from promogen.encoder import InterestEncoder
from promogen.train.gold import build_rows, train_specs


def hold_out(specs: list[dict], every: int, out: Path) -> list[dict]:
    """The specs of all but every `every`th campaign; both id lists written to OUT."""
    campaigns = sorted({s["campaign"]["campaign_id"] for s in specs})
    kept = set(campaigns[every - 1 :: every])
    held = [s["spec_id"] for s in specs if s["campaign"]["campaign_id"] in kept]
    (out / "held_out.txt").write_text("\n".join(held) + "\n", encoding="utf-8")
    trained = [s for s in specs if s["campaign"]["campaign_id"] not in kept]
    (out / "trained.txt").write_text("\n".join(s["spec_id"] for s in trained) + "\n", encoding="utf-8")
    print(f"held out {len(kept)} of {len(campaigns)} campaigns ({len(held)} specs): {' '.join(sorted(kept))}")
    return trained


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data/copy_gold", help="copy_gold folder")
    parser.add_argument("--split", default="train", help="never dev: dev is the reported split")
    parser.add_argument("--out", default="runs/gold")
    parser.add_argument(
        "--hold-out-every", type=int, default=0, help="leave out every Nth campaign (sorted ids; 0: none)"
    )
    parser.add_argument(
        "--extra", action="append", default=[], help="more specs in copy_gold's format (repeatable)"
    )
    args = parser.parse_args()
    if args.hold_out_every < 0:
        parser.error("--hold-out-every must be 0 (none) or a positive N")
    if Path(args.split).stem == "dev":
        parser.error("--split dev: dev is the reported split and is never trained on")
    try:
        specs = train_specs(args.data, args.split, args.extra)
    except ValueError as exc:
        parser.error(str(exc))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.hold_out_every:
        specs = hold_out(specs, args.hold_out_every, out)
    rows, pairs, counts = build_rows(specs, InterestEncoder.load())
    for name, items in (("sft.jsonl", rows), ("pairs.jsonl", pairs)):
        with (out / name).open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in items)
    record = {"promogen_version": __version__, "args": vars(args), **counts}
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(counts))


if __name__ == "__main__":
    run_script(main)
