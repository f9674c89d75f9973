"""What the `variety` penalty does to delivered copy: distinct-2, opening frames, and its price.

python -m eval.variety --deliveries runs/train_full/deliveries/shipped \
    --gold ../shared/data/copy_gold/train.jsonl --values 0 0.25 0.5 1 2 \
    --out reports/copy_quality/variety_train.json

Replays the pipeline's pick over the candidates a harness run (or, with --batch-size, a batch job such
as `promogen demo`) already wrote (no generation), once per value, next to the same diversity figures of
the reference messages (`best`) of the same specs when --gold is given (then also the opening-frame
share after each campaign's brand). `--set KEY=VALUE` applies a pipeline setting to every value's
replay (e.g. `--set rank_by=perplexity --set relevance=0.5`). See
`promogen.evaluation.variety`. Choose on a train harness run; a dev run is for reporting.
"""

import argparse
import shlex
import sys
from datetime import date

from promogen.cli import run_script
from promogen.evaluation.variety import diversity, read_deliveries, sweep
from promogen.provenance import emit_json
from promogen.train.gold import read_specs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--deliveries", required=True, help="a harness variant's deliveries folder, or a batch output file"
    )
    parser.add_argument("--gold", help="the copy_gold split the run used (for the reference messages)")
    parser.add_argument(
        "--batch-size", type=int, help="replay batches of this many users (a batch job's; default: one call)"
    )
    parser.add_argument("--values", type=float, nargs="+", required=True, help="variety values to replay")
    parser.add_argument("--out", help="save the JSON here too")
    parser.add_argument("--write", help="folder for each value's deliveries (<folder>/<value>/*.jsonl)")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        help="pipeline setting KEY=VALUE for each value",
    )
    args = parser.parse_args()
    result = {
        "command": "python -m eval.variety " + shlex.join(sys.argv[1:]),
        "date": date.today().isoformat(),
    }
    runs = read_deliveries(args.deliveries)
    brands = None
    if args.gold:
        shoppers = {d.user_id for rows in runs.values() for d in rows}
        references: dict[str, list[str]] = {}
        brands = {}
        for spec in read_specs(args.gold):
            if spec["spec_id"] in shoppers:
                references.setdefault(spec["campaign"]["campaign_id"], []).append(spec["best"])
                brands[spec["campaign"]["campaign_id"]] = spec["campaign"]["brand"]
        result["reference"] = diversity(references, brands)
    result["settings"] = args.settings
    result["variety"] = sweep(runs, args.values, args.write, args.batch_size, args.settings, brands)
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
