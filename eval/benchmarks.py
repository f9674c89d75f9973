"""Benchmarks on public data; prints one JSON object (and writes it, with the command, to --out).

python -m eval.benchmarks upworthy --data ../shared/data/upworthy/upworthy_dev.parquet --split inner \
    --out reports/benchmarks/upworthy.json
python -m eval.benchmarks mind --data ../shared/data/mind/valid.json --split inner \
    --out reports/benchmarks/mind.json
python -m eval.benchmarks upworthy --data HELD_BACK.parquet --split heldout \
    --exclude ../shared/data/upworthy/upworthy_dev.parquet   # a file kept back from training, whole
python -m eval.benchmarks amazon --data ../shared/data/amazon/Office_Products \
    --out reports/benchmarks/amazon.json
python -m eval.benchmarks hillstrom --train TRAIN.csv --data TEST.csv
python -m eval.benchmarks hillstrom --data ../shared/data/hillstrom/hillstrom_dev.csv --inner-split \
    --out reports/plan/hillstrom_inner.json
"""

import argparse
import json
import shlex
import sys
import time
from datetime import date
from pathlib import Path

from promogen import __version__
from promogen.cli import run_script
from promogen.encoder import EncoderConfig, InterestEncoder
from promogen.evaluation import hillstrom, suites
from promogen.hardware import describe
from promogen.models import home
from promogen.ranker import Ranker
from promogen.types import ValidationError


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
        help="upworthy/mind: all|heldout|inner|train (default all). heldout: the whole --data is a held-out "
        "file (scored with the shipped weights); inner: the stable-hash 20%% of a file training also read; "
        "amazon: csv name (default test)",
    )
    parser.add_argument(
        "--exclude",
        help="upworthy with --split heldout: the training file; arms whose headline it holds are dropped",
    )
    parser.add_argument("--cache", default=str(home() / "cache"), help="embedding cache folder ('' = none)")
    parser.add_argument("--train", help="hillstrom: the file the planner is fitted on")
    parser.add_argument(
        "--inner-split",
        action="store_true",
        help="hillstrom: fit on sha1('in'+row_id) %% 4 != 0 of --data, score on the rest",
    )
    parser.add_argument(
        "--out",
        help="also write the result, the command, date and machine here (JSON; hillstrom: the uplift curve "
        "beside it as PNG)",
    )
    args = parser.parse_args()
    for name in ("data", "train", "exclude"):  # before any model loads, in one line
        if getattr(args, name) and not Path(getattr(args, name)).exists():
            raise ValidationError(f"--{name} not found: {getattr(args, name)}")  # a file, or amazon's folder
    start = time.time()
    result = run_hillstrom(args) if args.suite == "hillstrom" else run_ranking(args)
    result["wall_s"] = round(time.time() - start, 1)
    print(json.dumps(result))
    if args.out:
        write(args.out, result)
        if args.suite == "hillstrom":
            hillstrom.plot_uplift(result, Path(args.out).with_suffix(".png"))


def run_ranking(args) -> dict:
    config = EncoderConfig(model=args.encoder) if args.encoder else EncoderConfig()
    encoder = InterestEncoder.load(config)
    cache = args.cache or None
    if args.suite == "amazon":
        return suites.amazon(args.data, encoder, split=args.split or "test", cache=cache)
    ranker, split = Ranker.load(args.ranker), args.split or "all"
    if args.suite == "upworthy":
        return suites.upworthy(args.data, ranker, encoder, split=split, cache=cache, exclude=args.exclude)
    return suites.mind(args.data, ranker, encoder, split=split, cache=cache)


def run_hillstrom(args) -> dict:
    if args.inner_split == bool(args.train):
        raise SystemExit("hillstrom: give exactly one of --train or --inner-split")
    table = hillstrom.read(args.data)
    train, test = hillstrom.split(table) if args.inner_split else (hillstrom.read(args.train), table)
    result = hillstrom.benchmark(train, test)
    if args.inner_split:
        result["abtest_whole_file"] = hillstrom.ab_readout(table)
    return result


def write(out: str, result: dict) -> None:
    record = {
        "command": "python -m eval.benchmarks " + shlex.join(sys.argv[1:]),
        "date": date.today().isoformat(),
        "machine": describe(),
        "promogen_version": __version__,
        "result": result,
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    run_script(main)
