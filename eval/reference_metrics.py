"""Diversity of copy_gold's own reference messages next to promogen's delivered copy, the same way.

python -m eval.reference_metrics --gold ../shared/data/copy_gold/dev.jsonl \
    --deliveries reports/copy_quality/deliveries/shipped --out reports/copy_quality/reference.json
python -m eval.reference_metrics --gold ../shared/data/copy_gold/dev.jsonl \
    --examples reports/copy_quality/examples.md --out reports/copy_quality/reference_from_page.json

On one reference message per shopper (`best`) and on the delivered copy: distinct-2 and the share opening
with the most common first three words, per campaign (then the mean) and over all messages at once, and
per campaign the share after a leading brand name: an SMS opens with its sender's name, which the
reference copy does too, so the plain share counts a convention as a repeated frame.
"""

import argparse
import json
from pathlib import Path

from promogen.cli import run_script
from promogen.evaluation.report import read_examples
from promogen.evaluation.variety import diversity
from promogen.train.gold import read_specs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gold", required=True)
    parser.add_argument("--deliveries", help="a harness deliveries folder (one JSONL per campaign)")
    parser.add_argument("--examples", help="or a harness examples.md page (every delivered copy)")
    parser.add_argument("--variant", default="shipped", help="the variant of --examples to read")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    references: dict[str, list[str]] = {}
    brands: dict[str, str] = {}
    for spec in read_specs(args.gold):
        references.setdefault(spec["campaign"]["campaign_id"], []).append(spec["best"])
        brands[spec["campaign"]["campaign_id"]] = spec["campaign"]["brand"]
    result = {"gold": args.gold, "reference": diversity(references, brands)}
    if args.deliveries and args.examples:
        parser.error("give --deliveries or --examples, not both")
    if args.examples:
        pages = read_examples(args.examples)
        if args.variant not in pages:
            parser.error(f"{args.examples} has no variant {args.variant!r} (it has {sorted(pages)})")
        result["delivered"] = diversity(pages[args.variant], brands)
        result["examples"] = args.examples
    if args.deliveries:
        result["delivered"] = diversity(
            {
                path.stem: [
                    json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()
                ]
                for path in sorted(Path(args.deliveries).glob("*.jsonl"))
            },
            brands,
        )
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    run_script(main)
