"""Load check of `promogen serve` on localhost: concurrent requests (micro-batched) against sequential ones.

python -m eval.serve_load --requests 50 --users 4 --n-candidates 2 --out reports/serve/load.json

Starts the server in this process (real models, a temporary data folder) on a free localhost port, then
sends the same `--requests` POST /v1/generate requests of `--users` distinct simulated shoppers twice:
all at once, then one after another. It checks that every request succeeds and that every shopper
comes back exactly once, in its own request, and reports throughput, p50/p95 latency and how many
batched generate calls the model worker made. Every request and the whole run have a time limit.
"""

import argparse
import asyncio
import socket
import tempfile
import threading
import time
from datetime import date

import httpx
import numpy as np
import uvicorn
from tqdm import tqdm

from promogen import PipelineConfig, PromoGen, __version__
from promogen.cli import run_script
from promogen.hardware import describe
from promogen.provenance import emit_json
from promogen.server import ServeConfig, create_app
from promogen.simulate import demo_campaign, simulate_users


def start(pg: PromoGen, data_dir: str, max_batch_users: int) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(pg, ServeConfig(data_dir=data_dir, max_batch_users=max_batch_users), token="")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


async def timed(client: httpx.AsyncClient, url: str, body: dict, bar: tqdm) -> tuple[float, list[str]]:
    start = time.perf_counter()
    response = await client.post(f"{url}/v1/generate", json=body)
    response.raise_for_status()
    bar.update(1)
    return time.perf_counter() - start, [d["user_id"] for d in response.json()["deliveries"]]


async def phase(url: str, bodies: list[dict], concurrent: bool, timeout: float) -> dict:
    """Send `bodies` all at once or one by one; check that each shopper comes back once, in its request."""
    desc = "concurrent requests" if concurrent else "one request at a time"
    async with httpx.AsyncClient(timeout=timeout) as client:
        calls0 = (await client.get(f"{url}/healthz")).json()["batched_generate_calls"]
        start = time.perf_counter()
        with tqdm(total=len(bodies), desc=desc, unit="request", dynamic_ncols=True) as bar:
            if concurrent:
                results = await asyncio.gather(*(timed(client, url, b, bar) for b in bodies))
            else:
                results = [await timed(client, url, b, bar) for b in bodies]
        wall = time.perf_counter() - start
        calls = (await client.get(f"{url}/healthz")).json()["batched_generate_calls"] - calls0
    sent = [[u["user_id"] for u in b["users"]] for b in bodies]
    returned = [ids for _, ids in results]
    flat = [i for ids in returned for i in ids]
    latencies = np.array([t for t, _ in results])
    users = sum(len(s) for s in sent)
    return {
        "requests": len(bodies),
        "all_succeeded": len(results) == len(bodies),
        "each_request_got_its_own_users": returned == sent,
        "users_lost": users - len(set(flat)),
        "users_duplicated": len(flat) - len(set(flat)),
        "wall_s": round(wall, 2),
        "users_per_s": round(users / wall, 3),
        "latency_p50_s": round(float(np.percentile(latencies, 50)), 2),
        "latency_p95_s": round(float(np.percentile(latencies, 95)), 2),
        "batched_generate_calls": calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--users", type=int, default=4, help="shoppers per request")
    parser.add_argument("--n-candidates", type=int, default=2)
    parser.add_argument("--campaign", default="run20")
    parser.add_argument(
        "--max-batch-users", type=int, default=16, help="users the model worker merges into one generate"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per phase")
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()

    pg = PromoGen.load(config=PipelineConfig(n_candidates=args.n_candidates))
    campaign = demo_campaign(args.campaign).to_dict()
    shoppers = [u.to_dict() for u in simulate_users(args.requests * args.users, seed=21)]
    bodies = [
        {"campaign": campaign, "users": shoppers[i * args.users : (i + 1) * args.users], "seed": 0}
        for i in range(args.requests)
    ]
    with tempfile.TemporaryDirectory() as data:
        url, server = start(pg, data, args.max_batch_users)
        warm = {**bodies[0], "users": bodies[0]["users"][:1]}
        httpx.post(f"{url}/v1/generate", json=warm, timeout=args.timeout).raise_for_status()
        run = lambda concurrent: asyncio.run(  # noqa: E731
            asyncio.wait_for(phase(url, bodies, concurrent, args.timeout), args.timeout)
        )
        concurrent, sequential = run(True), run(False)
        server.should_exit = True
    result = {
        "command": "python -m eval.serve_load "
        + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k not in ("out", "timeout")
        ),
        "date": date.today().isoformat(),
        "machine": describe(),
        "promogen_version": __version__,
        "model": pg.generator.name,
        "adapter": pg.generator.adapter,
        "max_new_tokens": pg.config.generator.max_new_tokens,
        "concurrent": concurrent,
        "sequential": sequential,
        "throughput_gain": round(concurrent["users_per_s"] / sequential["users_per_s"], 2),
    }
    result["micro_batching_wins"] = result["throughput_gain"] > 1.0
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
