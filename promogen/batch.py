"""Batch delivery: one message per user for a whole user file, streamed, resumable and shardable.

A campaign reaches every user through this module, so it must never lose or duplicate a message.
Users stream from the file (`readers.py`); bad rows go to `OUT.errors.jsonl` with their number and
reason. Users are grouped into fixed batches in file order and every batch is generated with the same
seed, so a batch's copy does not depend on what ran before it: after a kill (even SIGKILL), `resume`
drops a half-written last line, skips users already written, regenerates the batch it stopped in and
writes only the missing lines, which ends with exactly the file an uninterrupted run writes.

Several processes (`torchrun --nproc_per_node N -m promogen batch ...`) each take the users whose
stable hash falls in their shard, write `OUT.shard-R-of-N.jsonl`, and the first process merges the shards
back into file order once all are done.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .pipeline import PromoGen
from .readers import count_rows, read_users
from .types import Campaign, UserHistory, ValidationError


@dataclass
class BatchSummary:
    users: int = 0
    by_model: int = 0
    fallbacks: int = 0
    errors: int = 0
    skipped: int = 0
    wall_s: float = 0.0
    tokens: int = 0
    out: str = ""
    errors_file: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s else 0.0

    def line(self) -> str:
        resumed = f", {self.skipped} already written" if self.skipped else ""
        notes = "".join(f"; note: {n}" for n in self.notes)
        return (
            f"{self.users} users: {self.by_model} by model, {self.fallbacks} fallback, {self.errors} errors"
            f"{resumed}; {self.wall_s:.1f} s, {self.tokens_per_s:.1f} generated tokens/s -> {self.out}{notes}"
        )


class TooManyErrors(ValidationError):
    """More bad rows than `max_errors`: the run stops; what was written stays valid and resumable."""


def errors_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(f"{out.name.removesuffix('.jsonl')}.errors.jsonl")


def shard_of(user_id: str, shards: int) -> int:
    """Stable across processes, machines and Python versions (unlike `hash`)."""
    return int.from_bytes(hashlib.sha1(user_id.encode()).digest()[:8], "big") % shards


def shard_path(out: str | Path, rank: int, shards: int) -> Path:
    out = Path(out)
    return out.with_name(f"{out.name.removesuffix('.jsonl')}.shard-{rank}-of-{shards}.jsonl")


def _written(path: Path, key: str) -> set:
    """Values of `key` in the complete lines of `path`; a half-written last line is cut off first."""
    if not path.is_file():
        return set()
    with path.open("rb+") as handle:
        data = handle.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            handle.truncate(end)
    return {json.loads(line)[key] for line in data[:end].splitlines() if line.strip()}


def run_batch(
    pg: PromoGen,
    campaign: Campaign,
    users_path: str | Path,
    out_path: str | Path,
    n_candidates: int | None = None,
    seed: int | None = None,
    limit: int | None = None,
    batch_size: int = 16,
    progress: bool = True,
    resume: bool = False,
    max_errors: int | None = None,
    shard: tuple[int, int] = (0, 1),
    assigned: dict[str, Campaign] | None = None,
) -> BatchSummary:
    """Write one JSON line per valid user to `out_path` (this shard's users only when sharded).

    With `assigned` (a delivery plan: user_id -> campaign, see `promogen.plan.assigned_campaigns`) each
    user gets copy for their own campaign and users the plan sends nothing are left out."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    rank, shards = shard
    summary = BatchSummary(out=str(out_path), errors_file=str(errors_path(out_path)))
    done = _written(out_path, "user_id") if resume else set()
    errors_done = _written(errors_path(out_path), "line") if resume else set()
    total = count_rows(users_path) if progress else None
    if limit is not None and total is not None:
        total = min(total, limit)
    if total is not None and shards > 1:
        total = total // shards
    start, tokens0 = time.time(), pg.generator.tokens_generated
    bar = tqdm(
        total=total,
        unit="user",
        disable=not progress,
        dynamic_ncols=True,
        desc=f"shard {rank}" if shards > 1 else None,
    )
    notes: Counter = Counter()
    pending: list[UserHistory] = []
    mode = "a" if resume else "w"
    with (
        out_path.open(mode, encoding="utf-8") as out,
        errors_path(out_path).open(mode, encoding="utf-8") as err,
    ):

        def flush() -> None:
            todo = [u for u in pending if u.user_id not in done]
            if todo:
                # The whole batch is generated even when part of it was written before a kill: the
                # batch, not the user, is the unit of sampling, so this reproduces the missing lines.
                for delivery in _generate(pg, campaign, assigned, pending, n_candidates, seed):
                    if delivery.user_id in done:
                        continue
                    out.write(json.dumps(delivery.to_dict(), ensure_ascii=False) + "\n")
                    summary.by_model += delivery.chosen_by == "model"
                    summary.fallbacks += delivery.chosen_by == "fallback"
                out.flush()
                os.fsync(out.fileno())
            summary.users += len(todo)
            summary.skipped += len(pending) - len(todo)
            bar.update(len(pending))
            pending.clear()

        for seen, (number, user, reason) in enumerate(read_users(users_path, notes), start=1):
            if limit is not None and seen > limit:
                break
            if user is not None and shards > 1 and shard_of(user.user_id, shards) != rank:
                continue
            if user is None:
                if shards > 1 and rank != 0:
                    continue  # bad rows belong to no user's shard; the first process reports them
                summary.errors += 1
                if number not in errors_done:
                    err.write(json.dumps({"line": number, "reason": reason}, ensure_ascii=False) + "\n")
                    err.flush()
                bar.update(1)
                if max_errors is not None and summary.errors > max_errors:
                    raise TooManyErrors(
                        f"more than {max_errors} bad rows (the last: {reason}); see {errors_path(out_path)}. "
                        "Fix the file or raise --max-errors, then rerun with --resume"
                    )
                continue
            if assigned is not None and user.user_id not in assigned:
                notes["users the plan sends nothing (left out)"] += 1
                bar.update(1)
                continue
            pending.append(user)
            if len(pending) >= batch_size:
                flush()
        if pending:
            flush()
    bar.close()
    summary.wall_s = time.time() - start
    summary.tokens = pg.generator.tokens_generated - tokens0
    summary.notes = [f"{count} {what}" for what, count in sorted(notes.items())]
    return summary


def _generate(pg, campaign, assigned, users, n_candidates, seed):
    """Deliveries for a batch in its order: one campaign for all, or each user's planned campaign."""
    if assigned is None:
        return pg.generate(campaign, users, n_candidates=n_candidates, seed=seed)
    by_user = {}
    for chosen in {id(assigned[u.user_id]): assigned[u.user_id] for u in users}.values():
        group = [u for u in users if assigned[u.user_id] is chosen]
        for delivery in pg.generate(chosen, group, n_candidates=n_candidates, seed=seed):
            by_user[delivery.user_id] = delivery
    return [by_user[u.user_id] for u in users]


def merge_shards(users_path: str | Path, out_path: str | Path, shards: int) -> int:
    """Merge `OUT.shard-R-of-N.jsonl` into OUT in user-file order, streaming; returns the lines written.

    Each shard is in file order, so walking the user file and taking the next line of the user's shard
    restores the original order without holding any shard in memory.
    """
    out_path = Path(out_path)
    parts = [shard_path(out_path, r, shards) for r in range(shards)]
    handles = [p.open(encoding="utf-8") for p in parts]
    heads = [h.readline() for h in handles]
    written = 0
    try:
        with out_path.open("w", encoding="utf-8") as out:
            for _, user, _ in read_users(users_path):
                if user is None:
                    continue
                r = shard_of(user.user_id, shards)
                if heads[r] and json.loads(heads[r])["user_id"] == user.user_id:
                    out.write(heads[r])
                    heads[r] = handles[r].readline()
                    written += 1
        left = [str(p) for p, head in zip(parts, heads, strict=True) if head]
        if left:
            raise ValidationError(f"shards hold users not in the users file (or out of order): {left}")
    finally:
        for h in handles:
            h.close()
    for p in parts:
        p.unlink()
    errors = [errors_path(p) for p in parts]
    if errors[0].is_file():
        errors[0].replace(errors_path(out_path))
    for e in errors[1:]:
        e.unlink(missing_ok=True)
    return written


def world() -> tuple[int, int]:
    """(rank, processes) as set by torchrun or accelerate launch; (0, 1) for a plain run."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def run_batch_sharded(
    load, campaign: Campaign, users_path: str | Path, out_path: str | Path, **kwargs
) -> BatchSummary:
    """Run this process's shard under torchrun/accelerate, then let the first process merge the shards.

    `load()` builds the PromoGen after the CPU threads are split between the processes.
    """
    import torch
    from accelerate import PartialState

    rank, shards = world()
    if shards == 1:
        return run_batch(load(), campaign, users_path, out_path, **kwargs)
    state = PartialState(cpu=not torch.cuda.is_available())
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // shards))
    summary = run_batch(
        load(), campaign, users_path, shard_path(out_path, rank, shards), shard=(rank, shards), **kwargs
    )
    state.wait_for_everyone()
    if state.is_main_process:
        merged = merge_shards(users_path, out_path, shards)
        summary.notes.append(f"merged {shards} shards: {merged} lines in {out_path}")
        summary.out = str(out_path)
    state.wait_for_everyone()
    return summary
