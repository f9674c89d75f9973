"""Throughput measurements: promogen's batch path against the loop a user would otherwise write.

The naive baseline calls a transformers `pipeline("text-generation")` once per user with the same model
(loaded as a user would: float32, the LoRA adapter unmerged), prompt, number of candidates, sampling
settings and new tokens. Both are timed on the same users in one process. Tokens/s are also put against
a measured roofline: the time this machine takes for the model's matmuls alone (every linear layer's
shape, at the batch's row count, in the dtype in use). A second measurement checks that reading a user
file runs in constant memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from ..types import Campaign, UserHistory


def matmul_roofline(model, rows: int, dtype: torch.dtype, seconds: float = 0.3) -> dict:
    """Tokens/s if a forward of `rows` tokens cost only its matmuls: each distinct linear shape of
    `model` (output layer included) timed in `dtype` at `rows` rows, weighted by how often it occurs."""
    shapes = Counter(tuple(m.weight.shape) for m in model.modules() if isinstance(m, torch.nn.Linear))
    total = flops = 0.0
    for (out, inp), count in shapes.items():
        weight, x = torch.randn(out, inp, dtype=dtype), torch.randn(rows, inp, dtype=dtype)
        torch.nn.functional.linear(x, weight)
        runs, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            torch.nn.functional.linear(x, weight)
            runs += 1
        total += count * (time.perf_counter() - start) / runs
        flops += count * 2 * rows * out * inp
    # Three significant figures, not a fixed number of decimals: a tiny test model's rate is far below 0.1.
    gflops = float(f"{flops / total / 1e9:.3g}")
    return {"tokens_per_s": round(rows / total, 1), "gflops": gflops, "rows": rows}


def time_promogen(pg, campaign: Campaign, users: list[UserHistory], n: int, batch_size: int = 16) -> dict:
    """The batch path: fixed user batches, all candidates of a batch in one call, scoring included.

    Where the wall time goes: `generate_s` in the copywriter, of which `prefill_s` reading the prompts
    (each once, and forking their KV caches; the rest is decoding); `encode_s` encoding the users'
    histories; `score_s` the gate and the scores of every candidate, of which `approve_s` the approver
    and `rank_s` the ranking head (the rest: the candidates' embeddings and the gate); what is left of
    the wall is building prompts and choosing. CPU timings: nothing waits for a GPU to finish."""
    from .. import decoding

    spent, calls = Counter(), Counter()

    def timing(function, key):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start
                calls[key] += 1

        return timed

    # Instance and module attributes, restored below: the classes' methods and the function are left alone.
    wrapped = [(pg.generator, "generate", "generate"), (pg.encoder, "encode_users", "encode")]
    wrapped += [(pg, "score", "score"), (pg, "approval", "approve")]
    wrapped += [(pg.ranker, "predict_ctr", "rank")] if pg.ranker else []
    for owner, name, key in wrapped:
        setattr(owner, name, timing(getattr(owner, name), key))
    prefill, decoding.prefill = decoding.prefill, timing(decoding.prefill, "prefill")
    tokens0, start = pg.generator.tokens_generated, time.perf_counter()
    deliveries = []
    try:
        for i in range(0, len(users), batch_size):
            deliveries += pg.generate(campaign, users[i : i + batch_size], n_candidates=n)
    finally:
        decoding.prefill = prefill
        for owner, name, _ in wrapped:
            delattr(owner, name)
    wall = time.perf_counter() - start
    rates = _rates(len(users), pg.generator.tokens_generated - tokens0, wall)
    keys = ("generate", "prefill", "encode", "score", "approve", "rank")
    times = {f"{key}_s": round(spent[key], 3) for key in keys if key != "rank" or pg.ranker}
    return {**rates, **times, "prefill_calls": calls["prefill"], "deliveries": deliveries}


def shared_prefix(tokenizer, prompts: list[str]) -> dict:
    """Mean prompt length in tokens, and how many leading tokens every prompt shares (the campaign's
    part, computable once per campaign if nothing per user came before it)."""
    ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    shared = next(
        (i for i, column in enumerate(zip(*ids, strict=False)) if len(set(column)) > 1), min(map(len, ids))
    )
    return {"prompt_tokens": round(float(np.mean([len(i) for i in ids])), 1), "shared_prefix_tokens": shared}


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


def batch_curve(
    pg, campaign: Campaign, user: UserHistory, sizes: tuple[int, ...] = (1, 16, 48)
) -> dict[int, float]:
    """Generated tokens/s of the copywriter's `generate` when `size` candidates of one user's prompt
    share a call (no guard, checks or scoring)."""
    generator, curve = pg.generator, {}
    vectors, phrases = pg.encoder.encode_users([user])
    prompts = pg.prompts(campaign, phrases)
    conditioning = vectors if generator.interest is not None else None
    for size in sizes:
        tokens0, start = generator.tokens_generated, time.perf_counter()
        generator.generate(prompts, n=size, seed=0, vectors=conditioning, shared=pg.shared(campaign, prompts))
        curve[size] = round((generator.tokens_generated - tokens0) / (time.perf_counter() - start), 1)
    return curve


def naive_model(pg):
    """The copywriter's model as a user would load it: float32, the LoRA adapter (if any) unmerged."""
    from transformers import AutoModelForCausalLM

    from ..conditioning import load_adapter
    from ..models import resolve_llm

    model = AutoModelForCausalLM.from_pretrained(resolve_llm(pg.generator.name), dtype=torch.float32)
    if pg.generator.adapter is None:
        return model.eval()
    return load_adapter(pg.generator.adapter, model, pg.generator.name)[0]


def time_naive(pg, model, campaign: Campaign, users: list[UserHistory], n: int) -> dict:
    """One `pipeline("text-generation")` call per user on `model`: generation only, no checks or scoring."""
    from transformers import pipeline

    gen = pg.generator
    cfg = gen.config
    pipe = pipeline("text-generation", model=model, tokenizer=gen.tokenizer, device="cpu")
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
            min_p=cfg.min_p or None,  # None: no warper at all, as promogen's own loop skips it
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


def compare_paths(
    pg, campaign: Campaign, users: list[UserHistory], n: int, curve: bool = False, repeat: int = 1
) -> dict:
    """promogen's batch path against the naive loop on the same users, with the roofline shares.

    The batch path is timed `repeat` times and its median run reported (the lower middle one for an
    even count; `walls_s` lists every run in order): on a shared machine one run of a few seconds moves
    with other jobs' load. The naive loop, 10x slower, is timed once. Copy quality is judged under the
    float32 base model whatever dtype promogen runs in."""
    from ..generator import Generator, GeneratorConfig
    from ..hardware import bf16_features, describe

    pg.generate(campaign, users[:1], n_candidates=1)  # warm-up: first-call allocations
    if repeat < 1:
        raise ValueError(f"`repeat` must be at least 1, got {repeat}")
    runs = [time_promogen(pg, campaign, users, n) for _ in range(repeat)]
    median = sorted(runs, key=lambda r: r["wall_s"])[(repeat - 1) // 2]
    ours = {**median, "walls_s": [r["wall_s"] for r in runs]}
    model = naive_model(pg)
    naive = time_naive(pg, model, campaign, users, n)
    # After the naive run: a Generator merges (a copy of) the LoRA weights and keeps the base model.
    judge = Generator(model, pg.generator.tokenizer, GeneratorConfig(dtype="float32"))
    ours["quality"] = copy_quality(ours.pop("deliveries"), judge)
    _, phrases = pg.encoder.encode_users(users)
    rows = min(pg.generator.config.batch_size, len(users) * n)
    roofline = {
        dtype: matmul_roofline(pg.generator.model, rows, getattr(torch, dtype))
        for dtype in dict.fromkeys(["float32", pg.generator.dtype])
    }
    ours_roof = roofline[pg.generator.dtype]["tokens_per_s"]
    return {
        "model": pg.generator.name,
        "adapter": pg.generator.adapter,
        # after_campaign: the campaign's shared text is read once per batch (prefix KV cache).
        "soft_prompt": pg.generator.soft_prompt,
        "dtype": pg.generator.dtype,
        "config_dtype": pg.generator.config.dtype,
        "scoring_dtype": pg.scoring_dtype,
        "cpu": {**describe(), "bf16_features": bf16_features()},
        "users": len(users),
        "n_candidates": n,
        "max_new_tokens": pg.config.generator.max_new_tokens,
        "promogen": ours,
        "naive": naive,
        "speedup_users_per_min": round(ours["users_per_min"] / naive["users_per_min"], 2),
        "speedup_tokens_per_s": round(ours["tokens_per_s"] / naive["tokens_per_s"], 2),
        "prompts": shared_prefix(pg.generator.tokenizer, pg.prompts(campaign, phrases)),
        "tokens_per_s_by_batch": batch_curve(pg, campaign, users[0]) if curve else None,
        "roofline": roofline,
        "params_m": round(sum(p.numel() for p in pg.generator.model.parameters()) / 1e6, 1),
        "roofline_tokens_per_s": ours_roof,
        "roofline_share": round(ours["tokens_per_s"] / ours_roof, 4),
        "naive_roofline_share": round(naive["tokens_per_s"] / roofline["float32"]["tokens_per_s"], 4),
    }


def time_int8(pg, campaign: Campaign, users: list[UserHistory], n: int) -> dict:
    """The batch path on the int8 dynamic-quantised base model; quality judged by the fp32 base model."""
    from ..generator import Generator, GeneratorConfig
    from ..pipeline import PipelineConfig, PromoGen

    config = PipelineConfig(n_candidates=n)
    config.generator.dtype = "int8"
    quant = PromoGen(Generator.load(config.generator), pg.encoder, config, pg.ranker)
    quant.generate(campaign, users[:1], n_candidates=1)
    result = time_promogen(quant, campaign, users, n)
    judge = Generator(naive_model(pg), pg.generator.tokenizer, GeneratorConfig(dtype="float32"))
    result["quality"] = copy_quality(result.pop("deliveries"), judge)
    return result


def reader_memory(sizes: list[int]) -> list[dict]:
    """Peak RSS of streaming a simulated user file of each size through the reader, in a fresh process."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [peak_rss_reading(write_simulated(Path(tmp) / f"users{n}.jsonl", n)) for n in sizes]
