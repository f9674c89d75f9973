"""Every candidate the pipeline writes for seeded simulated users of the demo campaigns, to compare commits.

A change meant to be faster, not different (the decode loop, the KV cache, top-k) must leave the copy as
it was for the same seed and dtype. Run this on both commits and compare:

python -m eval.copy_snapshot --out reports/copy_snapshot/new.jsonl
python -m eval.copy_snapshot --out old.jsonl            # on the other commit, e.g. a git worktree
python -m eval.copy_snapshot --compare old.jsonl reports/copy_snapshot/new.jsonl

Two thread counts or dtypes the same way: `--threads 1` against `--threads 2`, or
`--set generator.dtype=float32`.

One JSON line per (adapter, campaign, user): every candidate written for the user, in order, and the
copy delivered. The users are simulated (seed 11), not customer data. `--compare` prints, per adapter
and campaign, how many candidates differ, the first few pairs that do, and how many deliveries differ
(a change to scoring alone, such as `--set scoring_dtype=float32`, can change only those).
"""

import argparse
import json
from pathlib import Path

import torch

from promogen import PipelineConfig, PromoGen
from promogen.cli import run_script
from promogen.config import override
from promogen.provenance import emit_json
from promogen.simulate import demo_campaign, simulate_users

CAMPAIGNS = ("run20", "shipfree", "ten_off", "bogo_socks")


def snapshot(adapters: list[str], users: int, n: int, settings: list[str] | None = None) -> list[dict]:
    """One row per (adapter, campaign, user): every candidate written for the user, in order, seed 0."""
    rows = []
    config = override(PipelineConfig(n_candidates=n), settings or [])
    for adapter in adapters:
        pg = PromoGen.load(config=config, adapter=adapter)
        shoppers = simulate_users(users, seed=11)
        for name in CAMPAIGNS:
            for delivery in pg.generate(demo_campaign(name), shoppers, n_candidates=n, seed=0):
                texts = [c.text for c in delivery.candidates]
                row = {"adapter": adapter, "campaign": name, "user": delivery.user_id}
                rows.append({**row, "candidates": texts, "delivered": delivery.text})
    return rows


def compare(old: list[dict], new: list[dict], shown: int = 3) -> dict:
    """Per adapter/campaign: candidates compared and how many differ, with a few differing pairs, and
    deliveries compared and how many differ (snapshots written before deliveries were kept: none)."""
    before = {(r["adapter"], r["campaign"], r["user"]): r["candidates"] for r in old}
    after = {(r["adapter"], r["campaign"], r["user"]): r["candidates"] for r in new}
    delivered = {(r["adapter"], r["campaign"], r["user"]): r.get("delivered") for r in old}
    if before.keys() != after.keys() or any(len(before[k]) != len(after[k]) for k in after):
        differ = sorted(before.keys() ^ after.keys()) or [k for k in after if len(before[k]) != len(after[k])]
        raise SystemExit(
            f"the snapshots hold different shoppers or candidate counts (e.g. {differ[0]}): "
            "run both with the same settings"
        )
    result: dict = {}
    for r in new:
        key = (r["adapter"], r["campaign"], r["user"])
        entry = result.setdefault(
            f"{r['adapter']} / {r['campaign']}",
            {"candidates": 0, "differ": 0, "pairs": [], "deliveries": 0, "deliveries_differ": 0},
        )
        if delivered[key] is not None and r.get("delivered") is not None:
            entry["deliveries"] += 1
            entry["deliveries_differ"] += delivered[key] != r["delivered"]
        for a, b in zip(before[key], r["candidates"], strict=True):
            entry["candidates"] += 1
            if a != b:
                entry["differ"] += 1
                if len(entry["pairs"]) < shown:
                    entry["pairs"].append({"old": a, "new": b})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--adapter", action="append", help="adapter folder or none; repeat (default: both)")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--n-candidates", type=int, default=4)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    parser.add_argument(
        "--set", dest="settings", action="append", default=[], help="pipeline setting KEY=VALUE; repeat"
    )
    parser.add_argument("--out", help="write the snapshot here (JSONL)")
    parser.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="compare two snapshots instead")
    parser.add_argument("--result", help="with --compare, also write the comparison here (JSON)")
    args = parser.parse_args()
    if args.compare:
        old, new = ([json.loads(line) for line in Path(p).read_text().splitlines()] for p in args.compare)
        emit_json({"old": args.compare[0], "new": args.compare[1], **compare(old, new)}, args.result)
        return
    if not args.out:
        parser.error("give --out to write a snapshot, or --compare OLD NEW")
    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be at least 1")
        torch.set_num_threads(args.threads)
    adapters = args.adapter or ["promogen/weights/adapter", "none"]
    rows = snapshot(adapters, args.users, args.n_candidates, args.settings)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} shoppers' candidates written to {args.out}")


if __name__ == "__main__":
    run_script(main)
