"""A blind approval panel on dev copy: build an unlabelled rating sheet, then summarise the ratings.

python -m eval.panel sheet --deliveries reports/copy_quality/deliveries/dpo \
    --gold ../shared/data/copy_gold/dev.jsonl --per-campaign 4 --out runs/panel
python -m eval.panel summary --panel runs/panel --ratings runs/panel/rater1.jsonl runs/panel/rater2.jsonl \
    --out reports/copy_quality/panel.json

The sheet mixes, per sampled shopper, promogen's delivered copy, the campaign's template line and the
reference message, shuffled with ids that do not say which is which (`sheet.jsonl`, rows as in
copy_ratings/RATER_BRIEF.md); the key stays in `key.json`. Raters follow RATER_BRIEF.md. The summary
gives per source the mean send score, the share "send as is" (>= 4), relevance and the flag shares.
"""

import argparse
import json
import random
from pathlib import Path

from promogen.prompts import fallback_copy
from promogen.train.gold import campaign_words, read_specs
from promogen.types import Campaign

FLAGS = ("ungrammatical", "incoherent", "offer_misstated", "invented_content", "repetitive_template",
         "generic", "creepy", "off_tone", "too_long")  # fmt: skip


def sheet(args) -> None:
    specs = {s["spec_id"]: s for s in read_specs(args.gold)}
    rows, key = [], {}
    rng = random.Random(args.seed)
    for path in sorted(Path(args.deliveries).glob("*.jsonl")):
        deliveries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for d in rng.sample(deliveries, min(args.per_campaign, len(deliveries))):
            spec = specs[d["user_id"]]
            campaign = Campaign.from_dict(spec["campaign"])
            history = [e["text"] for e in spec["history"]]
            copies = {
                f"promogen_{d['chosen_by']}": d["text"],
                "promogen_template": fallback_copy(campaign),
                "reference_best": spec["best"],
            }
            for source, text in copies.items():
                rows.append(
                    {"campaign": campaign_words(campaign), "user_recent_history": history, "copy": text}
                )
                key[str(len(rows))] = {"source": source, "spec_id": spec["spec_id"]}
    order = list(range(len(rows)))
    rng.shuffle(order)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shown, mapping = [], {}
    for new_id, old in enumerate(order, start=1):
        shown.append({"id": f"r{new_id:03d}", **rows[old]})
        mapping[f"r{new_id:03d}"] = key[str(old + 1)]
    (out / "sheet.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in shown), encoding="utf-8"
    )
    (out / "key.json").write_text(json.dumps(mapping, indent=1) + "\n", encoding="utf-8")
    print(f"{len(shown)} rows in {out / 'sheet.jsonl'}")


def summary(args) -> None:
    key = json.loads((Path(args.panel) / "key.json").read_text(encoding="utf-8"))
    per: dict[str, list[dict]] = {}
    for path in args.ratings:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                per.setdefault(key[r["id"]]["source"], []).append(r)
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
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(table, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sheet", help="build the unlabelled rating sheet and its key")
    s.add_argument(
        "--deliveries", required=True, help="a harness deliveries folder of one variant (gold dev)"
    )
    s.add_argument("--gold", required=True, help="the copy_gold split the deliveries were made for")
    s.add_argument("--per-campaign", type=int, default=4, help="shoppers sampled per campaign")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True)
    m = sub.add_parser("summary", help="per-source figures from the raters' files")
    m.add_argument("--panel", required=True, help="the folder `sheet` wrote (for key.json)")
    m.add_argument("--ratings", nargs="+", required=True)
    m.add_argument("--out", required=True)
    args = parser.parse_args()
    (sheet if args.command == "sheet" else summary)(args)


if __name__ == "__main__":
    main()
