"""Build the copywriter's finetuning data from copy_gold reference copy (train split only).

python finetune/build_gold.py --data ../shared/data/copy_gold --out runs/gold

Writes OUT/sft.jsonl (one row per good message that passes the gate), OUT/pairs.jsonl (good vs flawed
messages of the same spec, for preference tuning) and OUT/config.json.
"""

import argparse
import json
from pathlib import Path

from promogen import __version__
from promogen.encoder import InterestEncoder
from promogen.train.gold import build_rows, read_specs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data/copy_gold", help="copy_gold folder")
    parser.add_argument("--split", default="train", help="never dev: dev is the reported split")
    parser.add_argument("--out", default="runs/gold")
    args = parser.parse_args()
    specs = read_specs(Path(args.data) / f"{args.split}.jsonl")
    rows, pairs, counts = build_rows(specs, InterestEncoder.load())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, items in (("sft.jsonl", rows), ("pairs.jsonl", pairs)):
        with (out / name).open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in items)
    record = {"promogen_version": __version__, "args": vars(args), **counts}
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
