"""Throughput measurements: promogen's batch path against the loop a user would otherwise write.

The naive baseline calls a transformers `pipeline("text-generation")` once per user with the same model,
prompt, number of candidates and new tokens. Both are timed on the same users in one process. Tokens/s
are also put against this machine's roofline: measured fp32 matmul FLOP/s over the ~2 x parameters FLOPs
one generated token costs. A second measurement checks that reading a user file runs in constant memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ..types import Campaign, UserHistory


def matmul_flops(size: int = 1024, seconds: float = 2.0) -> float:
    """Sustained fp32 FLOP/s of a square matmul on all threads torch uses here."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        torch.mm(a, b)
        runs += 1
    return 2 * size**3 * runs / (time.perf_counter() - start)


def time_promogen(pg, campaign: Campaign, users: list[UserHistory], n: int, batch_size: int = 16) -> dict:
    """The batch path: fixed user batches, all candidates of a batch in one call, scoring included."""
    tokens0, start = pg.generator.tokens_generated, time.perf_counter()
    deliveries = []
    for i in range(0, len(users), batch_size):
        deliveries += pg.generate(campaign, users[i : i + batch_size], n_candidates=n)
    wall = time.perf_counter() - start
    return {**_rates(len(users), pg.generator.tokens_generated - tokens0, wall), "deliveries": deliveries}


def copy_quality(deliveries, judge) -> dict:
    """First-try compliance and median perplexity of all candidates under the `judge` generator (fp32)."""
    texts = [c.text or " " for d in deliveries for c in d.candidates]
    ok = [c.compliant for d in deliveries for c in d.candidates]
    return {
        "first_try_compliance": round(sum(ok) / max(len(ok), 1), 4),
        "median_perplexity": round(float(np.median(judge.perplexity(texts, base=True))), 2),
        "fallback_rate": round(
            sum(d.chosen_by == "fallback" for d in deliveries) / max(len(deliveries), 1), 4
        ),
    }


def batch_curve(generator, prompt: str, sizes: tuple[int, ...] = (1, 16, 48)) -> dict[int, float]:
    """Generated tokens/s of plain `generate` when `size` copies of one prompt share a call."""
    curve = {}
    for size in sizes:
        tokens0, start = generator.tokens_generated, time.perf_counter()
        generator.generate([prompt], n=size, seed=0)
        curve[size] = round((generator.tokens_generated - tokens0) / (time.perf_counter() - start), 1)
    return curve


def time_naive(pg, campaign: Campaign, users: list[UserHistory], n: int) -> dict:
    """One `pipeline("text-generation")` call per user: generation only, no checks or scoring."""
    from transformers import pipeline

    gen = pg.generator
    cfg = gen.config
    pipe = pipeline("text-generation", model=gen.model, tokenizer=gen.tokenizer, device="cpu")
    _, phrases = pg.encoder.encode_users(users)
    prompts = pg.prompts(campaign, phrases)
    tokens, start = 0, time.perf_counter()
    torch.manual_seed(0)
    for prompt in prompts:
        outputs = pipe(
            prompt,
            num_return_sequences=n,
            max_new_tokens=cfg.max_new_tokens,
            do_sample=True,
            temperature=cfg.temperature,
            top_p=cfg.top_p,
            top_k=cfg.top_k,
            repetition_penalty=cfg.repetition_penalty,
            return_full_text=False,
            pad_token_id=gen.tokenizer.pad_token_id,
        )
        tokens += sum(
            len(gen.tokenizer(o["generated_text"], add_special_tokens=False)["input_ids"]) for o in outputs
        )
    return _rates(len(users), tokens, time.perf_counter() - start)


def _rates(users: int, tokens: int, wall: float) -> dict:
    return {
        "users": users,
        "tokens": tokens,
        "wall_s": round(wall, 2),
        "users_per_min": round(60 * users / wall, 2),
        "tokens_per_s": round(tokens / wall, 2),
    }


def peak_rss_reading(users_path: str | Path) -> dict:
    """Stream a user file through `read_users` in a fresh process; report its peak RSS in MB."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    code = (
        "import re, sys\n"
        "from promogen.readers import read_users\n"
        "ok = sum(u is not None for _, u, _ in read_users(sys.argv[1]))\n"
        "status = open('/proc/self/status').read()\n"
        "print(ok, re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(users_path)], capture_output=True, text=True, check=True
    )
    users, rss_kb = out.stdout.split()
    return {"users": int(users), "peak_rss_mb": round(int(rss_kb) / 1024, 1)}


def write_simulated(path: str | Path, n: int, seed: int = 0) -> Path:
    """`n` simulated users written in JSONL, CSV or Parquet according to the suffix."""
    from ..simulate import simulate_users

    path = Path(path)
    users = []
    for start in range(0, n, 10_000):
        users += [u.to_dict() for u in simulate_users(min(10_000, n - start), seed=seed + start)]
        for i, u in enumerate(users[start:], start=start):
            u["user_id"] = f"u{i:08d}"
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(
            {"user_id": [u["user_id"] for u in users], "events": [json.dumps(u["events"]) for u in users]}
        )
        pq.write_table(table, path, row_group_size=4096)
    elif path.suffix == ".csv":
        import csv

        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["user_id", "events"])
            writer.writerows([u["user_id"], json.dumps(u["events"])] for u in users)
    else:
        path.write_text("".join(json.dumps(u) + "\n" for u in users), encoding="utf-8")
    return path


def compare_paths(pg, campaign: Campaign, users: list[UserHistory], n: int, curve: bool = False) -> dict:
    """promogen's batch path against the naive loop on the same users, with the roofline shares."""
    pg.generate(campaign, users[:1], n_candidates=1)  # warm-up: first-call allocations
    ours = time_promogen(pg, campaign, users, n)
    ours["quality"] = copy_quality(ours.pop("deliveries"), pg.generator)
    naive = time_naive(pg, campaign, users, n)
    _, phrases = pg.encoder.encode_users(users[:1])
    flops = matmul_flops()
    params = sum(p.numel() for p in pg.generator.model.parameters())
    roofline = flops / (2 * params)
    return {
        "model": pg.generator.name,
        "adapter": pg.generator.adapter,
        "users": len(users),
        "n_candidates": n,
        "max_new_tokens": pg.config.generator.max_new_tokens,
        "promogen": ours,
        "naive": naive,
        "speedup_users_per_min": round(ours["users_per_min"] / naive["users_per_min"], 2),
        "speedup_tokens_per_s": round(ours["tokens_per_s"] / naive["tokens_per_s"], 2),
        "tokens_per_s_by_batch": batch_curve(pg.generator, pg.prompts(campaign, phrases)[0])
        if curve
        else None,
        "matmul_gflops": round(flops / 1e9, 1),
        "params_m": round(params / 1e6, 1),
        "roofline_tokens_per_s": round(roofline, 1),
        "promogen_roofline_share": round(ours["tokens_per_s"] / roofline, 4),
        "naive_roofline_share": round(naive["tokens_per_s"] / roofline, 4),
    }


def time_int8(pg, campaign: Campaign, users: list[UserHistory], n: int) -> dict:
    """The batch path on the int8 dynamic-quantised base model; quality judged by `pg`'s fp32 model."""
    from ..generator import Generator
    from ..pipeline import PipelineConfig, PromoGen

    config = PipelineConfig(n_candidates=n)
    config.generator.dtype = "int8"
    quant = PromoGen(Generator.load(config.generator), pg.encoder, config, pg.ranker)
    quant.generate(campaign, users[:1], n_candidates=1)
    result = time_promogen(quant, campaign, users, n)
    result["quality"] = copy_quality(result.pop("deliveries"), pg.generator)
    return result


def reader_memory(sizes: list[int]) -> list[dict]:
    """Peak RSS of streaming a simulated user file of each size through the reader, in a fresh process."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [peak_rss_reading(write_simulated(Path(tmp) / f"users{n}.jsonl", n)) for n in sizes]
