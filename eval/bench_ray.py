"""Ray engine throughput with 1 and 2 workers (and the local engine) on the same simulated users.

python -m eval.bench_ray --users 32 --batch-size 8 --workers 1 2 --local --out reports/ray/throughput.json

Starts a local Ray cluster with the machine's cores; every worker loads the shipped models (`PromoGen.load`:
adapter, approver, ranking head) and takes one CPU. The projection for N nodes assumes nodes like this one
add up linearly; it is labelled as a projection in the JSON and in docs/throughput.md.
"""

import argparse
import sys
import tempfile
from datetime import date
from functools import partial
from pathlib import Path

import torch

from promogen import PipelineConfig, PromoGen, __version__
from promogen.cli import run_script
from promogen.demo import write_users
from promogen.evaluation.ray_throughput import projection, time_local, time_ray
from promogen.hardware import cpu_cores, describe
from promogen.provenance import emit_json
from promogen.ray_engine import connect
from promogen.simulate import demo_campaign


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=32, help="simulated users (seed 11)")
    parser.add_argument("--batch-size", type=int, default=8, help="users per block")
    parser.add_argument("--n-candidates", type=int, default=4)
    parser.add_argument("--campaign", default="run20")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--local", action="store_true", help="also time the local engine, 1 thread")
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()

    campaign = demo_campaign(args.campaign)
    folder = Path(tempfile.mkdtemp(prefix="bench_ray_"))
    users = write_users(folder / "users.jsonl", args.users, seed=11)
    load = partial(PromoGen.load, config=PipelineConfig(n_candidates=args.n_candidates))
    result = {
        "date": date.today().isoformat(),
        "machine": describe(),
        "promogen_version": __version__,
        "command": " ".join(["python -m eval.bench_ray", *sys.argv[1:]]),
        "users": args.users,
        "batch_size": args.batch_size,
        "n_candidates": args.n_candidates,
        "campaign": args.campaign,
    }
    connect()
    result["ray"] = [
        time_ray(load, campaign, users, w, args.batch_size, args.n_candidates) for w in args.workers
    ]
    if args.local:
        torch.set_num_threads(1)
        result["local_1_thread"] = time_local(
            load(), campaign, users, args.batch_size, args.n_candidates, folder / "out.jsonl"
        )
    best = max(result["ray"], key=lambda r: r["generation_users_per_min"])
    result["projection_users_per_hour"] = {
        "basis": f"{best['workers']} workers' generation rate per {cpu_cores()}-core node like this one",
        "nodes": projection(best["generation_users_per_min"], args.nodes),
    }
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
