"""The demo: simulated users, a demo campaign, a batch run, and a table a person can read."""

from __future__ import annotations

import json
from pathlib import Path

from .batch import BatchSummary, run_batch
from .pipeline import PromoGen
from .simulate import demo_campaign, simulate_users


def write_users(path: str | Path, n: int, seed: int = 0) -> Path:
    """Simulate `n` users and write them as JSONL (the batch command's input format)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for user in simulate_users(n, seed):
            handle.write(json.dumps(user.to_dict()) + "\n")
    return path


def run_demo(
    pg: PromoGen, out_dir: str | Path, n_users: int = 24, campaign: str = "run20", seed: int = 0
) -> tuple[list[dict], BatchSummary]:
    out_dir = Path(out_dir)
    users = write_users(out_dir / "demo_users.jsonl", n_users, seed)
    summary = run_batch(pg, demo_campaign(campaign), users, out_dir / f"demo_{campaign}.jsonl", seed=seed)
    with open(summary.out, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return rows, summary


def table(rows: list[dict], width: int = 150) -> str:
    """user | top interests | by | delivered copy, one line per user."""
    lines = [f"{'user':<14} {'top interests':<40} {'by':<8} copy", "-" * (66 + 50)]
    for r in rows:
        interests = "; ".join(r["interests"][:2])[:40]
        lines.append(f"{r['user_id']:<14} {interests:<40} {r['chosen_by']:<8} {r['text'][:width]}")
    return "\n".join(lines)
