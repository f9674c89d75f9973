"""Batch throughput against a naive per-user transformers pipeline, the roofline share, and reader memory.

python -m eval.bench_batch --users 16 --n-candidates 4 --out reports/bench_batch.json
python -m eval.bench_batch --memory-only --memory-users 10000 100000

Both paths use the same model (the base model unless --adapter is given), the same simulated users,
prompts, candidates and max new tokens. The memory check streams simulated user files of each size
through the reader in a fresh process and reports peak RSS.
"""

import argparse
import json
import os
import platform
import tempfile
from datetime import date
from pathlib import Path

from promogen import PipelineConfig, PromoGen, __version__
from promogen.evaluation.throughput import (
    batch_curve,
    copy_quality,
    matmul_flops,
    peak_rss_reading,
    time_naive,
    time_promogen,
    write_simulated,
)
from promogen.generator import Generator
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
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()

    result = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
        "promogen_version": __version__,
    }
    if not args.memory_only:
        pg = PromoGen.load(config=PipelineConfig(n_candidates=args.n_candidates), adapter=args.adapter)
        users = simulate_users(args.users, seed=11)
        campaign = demo_campaign(args.campaign)
        pg.generate(campaign, users[:1], n_candidates=1)  # warm-up: first-call allocations
        ours = time_promogen(pg, campaign, users, args.n_candidates)
        ours["quality"] = copy_quality(ours.pop("deliveries"), pg.generator)
        naive = time_naive(pg, campaign, users, args.n_candidates)
        if args.int8:
            config = PipelineConfig(n_candidates=args.n_candidates)
            config.generator.dtype = "int8"
            quant = PromoGen(Generator.load(config.generator), pg.encoder, config, pg.ranker)
            quant.generate(campaign, users[:1], n_candidates=1)
            int8 = time_promogen(quant, campaign, users, args.n_candidates)
            int8["quality"] = copy_quality(int8.pop("deliveries"), pg.generator)
            result["int8"] = int8
        _, phrases = pg.encoder.encode_users(users[:1])
        prompt = pg.prompts(campaign, phrases[:1])[0]
        curve = batch_curve(pg.generator, prompt) if args.curve else None
        flops = matmul_flops()
        params = sum(p.numel() for p in pg.generator.model.parameters())
        roofline = flops / (2 * params)
        result.update(
            model=pg.generator.name,
            adapter=pg.generator.adapter,
            users=args.users,
            n_candidates=args.n_candidates,
            max_new_tokens=pg.config.generator.max_new_tokens,
            promogen=ours,
            naive=naive,
            speedup_users_per_min=round(ours["users_per_min"] / naive["users_per_min"], 2),
            speedup_tokens_per_s=round(ours["tokens_per_s"] / naive["tokens_per_s"], 2),
            tokens_per_s_by_batch=curve,
            matmul_gflops=round(flops / 1e9, 1),
            params_m=round(params / 1e6, 1),
            roofline_tokens_per_s=round(roofline, 1),
            promogen_roofline_share=round(ours["tokens_per_s"] / roofline, 4),
            naive_roofline_share=round(naive["tokens_per_s"] / roofline, 4),
        )
    with tempfile.TemporaryDirectory() as tmp:
        result["reader_memory"] = [
            peak_rss_reading(write_simulated(Path(tmp) / f"users{n}.jsonl", n)) for n in args.memory_users
        ]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
