"""Benchmarks on public data; prints one JSON object (and writes it, with the command, to --out).

python -m eval.benchmarks upworthy --data ../shared/data/upworthy/upworthy_dev.parquet --split heldout \
    --out reports/benchmarks/upworthy.json
python -m eval.benchmarks mind --data ../shared/data/mind/valid.json --split heldout \
    --out reports/benchmarks/mind.json
python -m eval.benchmarks amazon --data ../shared/data/amazon/Office_Products \
    --out reports/benchmarks/amazon.json
"""

import argparse
import json
import os
import platform
import shlex
import sys
import time
from datetime import date
from pathlib import Path

from promogen import __version__
from promogen.encoder import EncoderConfig, InterestEncoder
from promogen.evaluation import suites
from promogen.models import home
from promogen.ranker import Ranker


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("suite", choices=["upworthy", "mind", "amazon"])
    parser.add_argument("--data", required=True, help="the suite's file (amazon: a folder with test.csv)")
    parser.add_argument("--ranker", default=None, help="ranker folder (default: the shipped one)")
    parser.add_argument("--encoder", default=None, help="sentence-transformer dir (default: bundled MiniLM)")
    parser.add_argument(
        "--split",
        default=None,
        help="upworthy/mind: all|heldout|train (default all); amazon: csv name (default test)",
    )
    parser.add_argument("--cache", default=str(home() / "cache"), help="embedding cache folder ('' = none)")
    parser.add_argument("--out", help="also write the result, the command, date and machine here (JSON)")
    args = parser.parse_args()
    config = EncoderConfig(model=args.encoder) if args.encoder else EncoderConfig()
    encoder = InterestEncoder.load(config)
    cache = args.cache or None
    start = time.time()
    if args.suite == "amazon":
        result = suites.amazon(args.data, encoder, split=args.split or "test", cache=cache)
    else:
        suite = getattr(suites, args.suite)
        result = suite(args.data, Ranker.load(args.ranker), encoder, split=args.split or "all", cache=cache)
    result["wall_s"] = round(time.time() - start, 1)
    print(json.dumps(result))
    if args.out:
        record = {
            "command": "python -m eval.benchmarks " + shlex.join(sys.argv[1:]),
            "date": date.today().isoformat(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
            "promogen_version": __version__,
            "result": result,
        }
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
