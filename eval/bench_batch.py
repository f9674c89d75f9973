"""Batch throughput against a naive per-user transformers pipeline, the roofline share, and reader memory.

python -m eval.bench_batch --users 16 --n-candidates 4 --out reports/bench_batch.json
python -m eval.bench_batch --users 16 --n-candidates 4 --adapter promogen/weights/adapter --repeat 5
python -m eval.bench_batch --memory-only --memory-users 10000 100000
python -m eval.bench_batch --users 16 --n-candidates 4 --adapter promogen/weights/adapter \
    --set must_mention=false --set gsm_sms=false --out reports/bench_batch_unguarded.json

Both paths use the same model (the base model unless --adapter is given), the same simulated users,
prompts, candidates, sampling settings and max new tokens. promogen runs in its configured dtype
(`--set generator.dtype=auto` picks bfloat16 where the CPU has native bf16 matmuls); the naive loop
loads the model as a user would, float32 with the LoRA adapter unmerged. The JSON records the dtype, the
CPU features found and each path's share of a roofline measured on the model's own matmul shapes. The
memory check streams simulated user files of each size through the reader in a fresh process and
reports peak RSS.
"""

import argparse
import os
from datetime import date, datetime, timezone

from promogen import PipelineConfig, PromoGen, __version__
from promogen.cli import run_script
from promogen.config import override
from promogen.evaluation.throughput import compare_paths, reader_memory, time_int8
from promogen.hardware import describe
from promogen.provenance import code_version, emit_json
from promogen.simulate import demo_campaign, simulate_users


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=16, help="simulated users timed on both paths")
    parser.add_argument("--n-candidates", type=int, default=4)
    parser.add_argument("--campaign", default="run20")
    parser.add_argument("--adapter", default="none", help="adapter folder, or none for the base model")
    parser.add_argument("--memory-users", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--memory-only", action="store_true", help="only the reader memory check")
    parser.add_argument("--curve", action="store_true", help="also time plain generate at batch 1, 16 and 48")
    parser.add_argument("--int8", action="store_true", help="also time the int8 dynamic-quantised base model")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the batch path; median reported")
    parser.add_argument(
        "--set", dest="settings", action="append", default=[], help="pipeline setting KEY=VALUE; repeat"
    )
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    result = {
        "date": date.today().isoformat(),
        "machine": describe(),
        "promogen_version": __version__,
        "code": code_version(),
        # Other jobs on a shared machine move every timing: the 1/5/15-minute load around the run.
        "load_average": {"start": os.getloadavg(), "start_utc": datetime.now(timezone.utc).strftime("%H:%M")},
    }
    if not args.memory_only:
        config = override(PipelineConfig(n_candidates=args.n_candidates), args.settings)
        result["settings"] = args.settings
        pg = PromoGen.load(config=config, adapter=args.adapter)
        users = simulate_users(args.users, seed=11)
        campaign = demo_campaign(args.campaign)
        comparison = compare_paths(
            pg, campaign, users, args.n_candidates, curve=args.curve, repeat=args.repeat
        )
        if args.int8:
            result["int8"] = time_int8(pg, campaign, users, args.n_candidates)
        result.update(comparison)
    result["reader_memory"] = reader_memory(args.memory_users)
    result["load_average"]["end"] = os.getloadavg()
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
