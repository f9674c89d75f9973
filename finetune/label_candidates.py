"""An approval panel's labels for a copywriter's own candidates (the shipped one by default) on train specs.

python finetune/label_candidates.py sheet --data ../shared/data/copy_gold --specs 120 --n 6 --out runs/labels
python finetune/label_candidates.py sheet --adapter runs/gemma_w_dpo/adapter --base-model runs/gemma3-270m \
    --specs 120 --n 6 --out runs/labels_gemma   # an adapter on another base LM
    (raters follow ../shared/data/copy_ratings/RATER_BRIEF.md on runs/labels/sheet.jsonl, writing
    ratings files)
python finetune/label_candidates.py collect --out runs/labels --ratings runs/labels/rater*/ratings.jsonl
python finetune/label_candidates.py pairs --data ../shared/data/copy_gold --out runs/labels

The reference copy in copy_gold teaches the approver model what a flawed message looks like, but its
flaws were written by hand; the copywriter's own failures (a hook that makes no sense for the shop, an
invented cart) look different. `sheet` has the shipped pipeline write N candidates for train specs
(appended to OUT/generated.jsonl as they come; a rerun resumes) and puts every distinct gate-passing
candidate on an unlabelled sheet; `collect` joins the ratings into OUT/labelled.jsonl (spec id, copy,
send score, flags), which finetune/train_approver.py --labels reads; `pairs` turns them into preference
pairs for the copywriter (OUT/pairs.jsonl, finetune/configs/gold_dpo_own.yaml). Train split only.
"""

import argparse
import json
import random
from pathlib import Path

from promogen import PipelineConfig, PromoGen
from promogen.cli import run_script
from promogen.train.gold import (
    generate_candidates,
    labelled_pairs,
    rating_row,
    read_jsonl,
    read_ratings,
    read_specs,
    spec_users,
    specs_in,
)
from promogen.types import Campaign


def sheet(args) -> None:
    used = specs_in(args.exclude)
    specs = [s for s in read_specs(Path(args.data) / "train.jsonl") if s["spec_id"] not in used]
    random.Random(args.seed).shuffle(specs)
    specs = specs[: args.specs]
    config = PipelineConfig(seed=args.seed)
    pg = PromoGen.load(adapter=args.adapter, approver="none", config=config, base_model=args.base_model)
    pairs = list(zip(spec_users(specs), [Campaign.from_dict(s["campaign"]) for s in specs], strict=True))
    generated = generate_candidates(pg, pairs, args.out, args.n, args.seed)
    by_id = {s["spec_id"]: s for s in specs}
    rows, key = [], {}
    for line in generated.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts = {c["text"] for c in row["candidates"] if not c["violations"]}
        for text in sorted(texts):
            rows.append((row["user_id"], text))
    random.Random(args.seed).shuffle(rows)
    out = Path(args.out)
    with (out / "sheet.jsonl").open("w", encoding="utf-8") as handle:
        for number, (spec_id, text) in enumerate(rows, start=1):
            row_id = f"c{number:04d}"
            key[row_id] = {"spec_id": spec_id, "copy": text}
            handle.write(json.dumps(rating_row(by_id[spec_id], text, row_id), ensure_ascii=False) + "\n")
    (out / "key.json").write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    print(f"{len(rows)} distinct gate-passing candidates of {len(specs)} specs in {out / 'sheet.jsonl'}")


def collect(args) -> None:
    out = Path(args.out)
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    labelled: dict[str, list[dict]] = {}
    for rating in read_ratings(args.ratings, key):  # all checked before labelled.jsonl is touched
        labelled.setdefault(rating["id"], []).append(rating)
    with (out / "labelled.jsonl").open("w", encoding="utf-8") as handle:
        for row_id, ratings in sorted(labelled.items()):
            send = sum(r["send"] for r in ratings) / len(ratings)
            flags = sorted({f for r in ratings for f in r.get("flags", [])})
            handle.write(json.dumps({**key[row_id], "send": send, "flags": flags}, ensure_ascii=False) + "\n")
    print(f"{len(labelled)} of {len(key)} candidates labelled in {out / 'labelled.jsonl'}")


def pairs(args) -> None:
    out = Path(args.out)
    specs = read_specs(Path(args.data) / "train.jsonl")
    made = labelled_pairs(specs, read_jsonl(out / "generated.jsonl"), read_jsonl(out / "labelled.jsonl"))
    with (out / "pairs.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in made)
    print(f"{len(made)} preference pairs in {out / 'pairs.jsonl'}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser(
        "sheet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="generate candidates for train specs and build the rating sheet",
        epilog="example: python finetune/label_candidates.py sheet --data ../shared/data/copy_gold "
        "--specs 120 --n 6 --out runs/labels",
    )
    s.add_argument(
        "--data", default="../shared/data/copy_gold", help="copy_gold folder (train.jsonl is read)"
    )
    s.add_argument("--adapter", help="the copywriter adapter that writes the candidates (default: shipped)")
    s.add_argument("--base-model", help="the adapter's base LM, if not the default (e.g. runs/gemma3-270m)")
    s.add_argument("--specs", type=int, default=120, help="train specs drawn (seeded)")
    s.add_argument("--n", type=int, default=6, help="candidates per spec")
    s.add_argument(
        "--exclude", nargs="*", default=[], help="generated.jsonl of earlier rounds: their specs are left out"
    )
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--out", default="runs/labels")
    c = sub.add_parser(
        "collect",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="join the raters' files into OUT/labelled.jsonl",
        epilog="example: python finetune/label_candidates.py collect --out runs/labels "
        "--ratings runs/labels/rater1.jsonl runs/labels/rater2.jsonl",
    )
    c.add_argument("--out", default="runs/labels", help="the folder `sheet` wrote")
    c.add_argument("--ratings", nargs="+", required=True)
    p = sub.add_parser(
        "pairs",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="preference pairs from OUT/labelled.jsonl for the copywriter",
        epilog="example: python finetune/label_candidates.py pairs --data ../shared/data/copy_gold "
        "--out runs/labels",
    )
    p.add_argument(
        "--data", default="../shared/data/copy_gold", help="copy_gold folder (train.jsonl is read)"
    )
    p.add_argument("--out", default="runs/labels", help="the folder `sheet` and `collect` wrote")
    args = parser.parse_args()
    {"sheet": sheet, "collect": collect, "pairs": pairs}[args.command](args)


if __name__ == "__main__":
    run_script(main)
