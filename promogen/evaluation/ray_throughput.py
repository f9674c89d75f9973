"""Throughput of the Ray engine with 1, 2, ... workers on the same simulated users, and the local engine's.

The users-per-hour projection for a cluster (docs/throughput.md) rests on what one Ray worker writes and
how workers on one machine scale, so both are measured through the engine's own path
(`ray_engine.generate`, one `PromoGen.load` per worker). Each run reports its wall time from the driver's
validation pass to the last line (model loading in the workers included) and its generation time (the
seconds workers spent in blocks, summed, over the workers), with the machine's load average before and
after: the cores are shared."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..batch import run_batch
from ..ray_engine import generate
from ..types import Campaign


def _load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def time_ray(load, campaign: Campaign, users: Path, workers: int, batch_size: int, n: int) -> dict:
    """One Ray run over `users`: wall and generation rates, tokens, and the share the model wrote."""
    before, start = _load_average(), time.perf_counter()
    rows = generate(
        users, campaign, load, workers=workers, batch_size=batch_size, n_candidates=n, errors=os.devnull
    ).take_all()
    wall = time.perf_counter() - start
    blocks = {r["block"]: (r["block_s"], r["block_tokens"]) for r in rows}
    busy = sum(seconds for seconds, _ in blocks.values())
    by_model = sum(json.loads(r["delivery"])["chosen_by"] == "model" for r in rows)
    return {
        "workers": workers,
        "users": len(rows),
        "blocks": len(blocks),
        "wall_s": round(wall, 2),
        "users_per_min": round(60 * len(rows) / wall, 2),
        "generation_s_per_worker": round(busy / workers, 2),
        "generation_users_per_min": round(60 * len(rows) / (busy / workers), 2),
        "tokens": sum(tokens for _, tokens in blocks.values()),
        "model_share": round(by_model / len(rows), 4),
        "load_average_before": before,
        "load_average_after": _load_average(),
    }


def time_local(pg, campaign: Campaign, users: Path, batch_size: int, n: int, out: Path) -> dict:
    """The local engine in this process on the same users and batches, for the Ray engine's overhead."""
    before = _load_average()
    summary = run_batch(pg, campaign, users, out, n_candidates=n, batch_size=batch_size, progress=False)
    return {
        "users": summary.users,
        "wall_s": round(summary.wall_s, 2),
        "users_per_min": round(60 * summary.users / summary.wall_s, 2),
        "tokens": summary.tokens,
        "model_share": round(summary.by_model / summary.users, 4),
        "load_average_before": before,
        "load_average_after": _load_average(),
    }


def projection(per_node_users_per_min: float, nodes: list[int]) -> dict[str, float]:
    """Users per hour for N nodes like this one, if nodes add up linearly (a projection, not measured)."""
    return {str(n): round(60 * per_node_users_per_min * n) for n in nodes}
