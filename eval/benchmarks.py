"""Benchmarks on public data; prints one JSON object.

python -m eval.benchmarks upworthy --data ../shared/data/upworthy/upworthy_dev.parquet --split heldout
python -m eval.benchmarks mind --data ../shared/data/mind/valid.json --split heldout
python -m eval.benchmarks amazon --data ../shared/data/amazon/Office_Products
python -m eval.benchmarks hillstrom --train TRAIN.csv --data TEST.csv
python -m eval.benchmarks hillstrom --data ../shared/data/hillstrom/hillstrom_dev.csv --inner-split \
    --out reports/plan/hillstrom_inner.json
"""

import argparse
import json
import os
import sys
import time

from promogen import benchmarks, hillstrom
from promogen.encoder import EncoderConfig, InterestEncoder
from promogen.hardware import describe
from promogen.models import home
from promogen.ranker import Ranker


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("suite", choices=["upworthy", "mind", "amazon", "hillstrom"])
    parser.add_argument("--data", required=True, help="the suite's file (amazon: a folder with test.csv)")
    parser.add_argument("--ranker", default=None, help="ranker folder (default: the shipped one)")
    parser.add_argument("--encoder", default=None, help="sentence-transformer dir (default: bundled MiniLM)")
    parser.add_argument(
        "--split",
        default=None,
        help="upworthy/mind: all|heldout|train (default all); amazon: csv name (default test)",
    )
    parser.add_argument("--cache", default=str(home() / "cache"), help="embedding cache folder ('' = none)")
    parser.add_argument("--train", help="hillstrom: the file the planner is fitted on")
    parser.add_argument(
        "--inner-split",
        action="store_true",
        help="hillstrom: fit on sha1('in'+row_id) %% 4 != 0 of --data, score on the rest",
    )
    parser.add_argument("--out", help="hillstrom: also write the JSON here and the uplift curve beside it")
    args = parser.parse_args()
    if args.suite == "hillstrom":
        run_hillstrom(args)
        return
    config = EncoderConfig(model=args.encoder) if args.encoder else EncoderConfig()
    encoder = InterestEncoder.load(config)
    cache = args.cache or None
    start = time.time()
    if args.suite == "amazon":
        result = benchmarks.amazon(args.data, encoder, split=args.split or "test", cache=cache)
    else:
        suite = getattr(benchmarks, args.suite)
        result = suite(args.data, Ranker.load(args.ranker), encoder, split=args.split or "all", cache=cache)
    result["wall_s"] = round(time.time() - start, 1)
    print(json.dumps(result))


def run_hillstrom(args) -> None:
    start = time.time()
    table = hillstrom.read(args.data)
    if args.inner_split == bool(args.train):
        raise SystemExit("hillstrom: give exactly one of --train or --inner-split")
    train, test = hillstrom.split(table) if args.inner_split else (hillstrom.read(args.train), table)
    result = hillstrom.benchmark(train, test)
    if args.inner_split:
        result["abtest_whole_file"] = hillstrom.ab_readout(table)
    result["wall_s"] = round(time.time() - start, 1)
    if args.out:
        provenance = {
            "command": "python -m eval.benchmarks " + " ".join(sys.argv[1:]),
            "data": args.data,
            "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "machine": {**describe(), "cpu_cores": os.cpu_count()},
        }
        hillstrom.write_report(result, args.out, provenance)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
