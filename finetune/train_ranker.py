"""Train the ranking head, write it where `PromoGen.load()` finds it, and report it against the baselines.

python finetune/train_ranker.py --data ../shared/data --config finetune/configs/ranker.json \
    --out promogen/weights/ranker --report reports/ranker.json

The report scores the saved-and-reloaded head and the frozen-MiniLM linear baselines on the inner
held-out split (20% of Upworthy tests / MIND users by sha1), with bootstrap 95% intervals of the
differences, the load time, the weights' size and the cost of `predict_ctr` per 1,000 candidates.
"""

import argparse
import json
import shlex
import sys
import time
from datetime import date
from pathlib import Path

import torch

from promogen import __version__
from promogen.cli import run_script
from promogen.encoder import InterestEncoder
from promogen.evaluation import ranker_report
from promogen.hardware import describe
from promogen.models import home
from promogen.ranker import WEIGHTS_DIR, Ranker, RankerConfig
from promogen.train.public_data import upworthy_arms
from promogen.train.ranker import train_ranker


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data", help="folder with upworthy/ and mind/")
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="where to write the ranker")
    parser.add_argument("--report", default="reports/ranker.json", help="where to write the comparison")
    parser.add_argument("--config", help="JSON with RankerConfig fields (defaults otherwise)")
    parser.add_argument("--seed", type=int, help="override `seed`")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--cache", default=str(home() / "cache"), help="embedding and state cache folder")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = Path(args.data)
    upworthy, mind = data / "upworthy" / "upworthy_dev.parquet", data / "mind" / "valid.json"
    config = RankerConfig.load(args.config, seed=args.seed)
    encoder = InterestEncoder.load()
    start = time.time()
    trained = train_ranker(upworthy, mind, encoder, config, cache=args.cache)
    train_s = time.time() - start
    out = trained.save(args.out)
    tick = time.perf_counter()
    ranker = Ranker.load(out)  # every figure below is the shipped (saved, reloaded) head's
    load_s = time.perf_counter() - tick
    report = {
        "command": "python finetune/train_ranker.py " + shlex.join(sys.argv[1:]),
        "date": date.today().isoformat(),
        "machine": describe(),
        "promogen_version": __version__,
        "config": ranker.config.to_dict(),
        "split": "inner held-out: 20% of Upworthy tests / MIND users by sha1 (never fitted or tuned on)",
        "train_wall_s": round(train_s, 1),
        "weights_bytes": sum(p.stat().st_size for p in Path(out).iterdir() if p.is_file()),
        "load_s": round(load_s, 2),
        "cost_per_1000": ranker_report.cost(
            ranker, upworthy_arms(upworthy).headline.tolist()[:1000], encoder.dim
        ),
        "upworthy": ranker_report.upworthy(upworthy, ranker, encoder, args.cache),
        "mind": ranker_report.mind(mind, ranker, encoder, args.cache),
        "training": ranker.meta,
    }
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(report, indent=2, default=float) + "\n")
    print(json.dumps({k: report[k] for k in ("upworthy", "mind", "load_s", "cost_per_1000")}, default=float))


if __name__ == "__main__":
    run_script(main)
