"""Batch delivery: one message per user for a whole user file, streamed, resumable and shardable.

A campaign reaches every user through this module, so it must never lose or duplicate a message.
Users stream from the file (`readers.py`); bad rows go to `OUT.errors.jsonl` with their number and
reason. Users are grouped into fixed batches in file order and every batch is generated with the same
seed, so a batch's copy does not depend on what ran before it: after a kill (even SIGKILL), `resume`
drops a half-written last line, skips users already written, regenerates the batch it stopped in and
writes only the missing lines, which ends with exactly the file an uninterrupted run writes.
`OUT.config.json` records the pipeline config, every model with a hash of its files and the promogen
version; a resume with other settings or weights is refused. With a delivery plan (`promogen plan`) each
user gets copy for their own planned campaign and users the plan sends nothing get no line.

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

from .hardware import cpu_cores
from .outputs import check_apart, complete_rows
from .pipeline import PromoGen
from .provenance import differences, run_record, write_record
from .readers import check_users_file, count_rows, read_users
from .types import Campaign, Delivery, UserHistory, ValidationError


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
    """Values of `key` in the complete lines of `path` (a half-written last line is cut off first)."""
    return {row[key] for _, row in complete_rows(path, "output", "line")}


def complete_lines(path: Path) -> int:
    """Lines of an output file that were written whole (0 if there is none yet)."""
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.endswith(b"\n"))


def config_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(f"{out.name.removesuffix('.jsonl')}.config.json")


def batch_record(
    pg: PromoGen,
    campaign: Campaign,
    users_path,
    n_candidates,
    seed,
    batch_size,
    assigned: dict[str, Campaign] | None = None,
) -> dict:
    """What `OUT.config.json` holds: the pipeline config, models with hashes, version and the run's inputs
    (with a delivery plan: its campaigns and a hash of who gets which, so a resume under another plan is
    refused)."""
    record = {
        **run_record(pg),
        "campaign": campaign.to_dict(),
        "users": str(users_path),
        # A resume must read the rows the lines already written came from: an edited file is refused.
        "users_sha1": _file_sha1(users_path),
        "n_candidates": pg.config.n_candidates if n_candidates is None else n_candidates,
        "seed": pg.config.seed if seed is None else seed,
        "batch_size": batch_size,
    }
    if assigned is not None:
        chosen = {c.campaign_id: c for c in assigned.values()}
        pairs = "".join(f"{u}\t{c.campaign_id}\n" for u, c in sorted(assigned.items()))
        record["plan"] = {
            "campaigns": [chosen[k].to_dict() for k in sorted(chosen)],
            "users": len(assigned),
            "sha1": hashlib.sha1(pairs.encode()).hexdigest(),
        }
    return record


def _file_sha1(path) -> str | None:
    """The file's SHA-1, streamed; None for what is not a file (a table already read elsewhere)."""
    if not isinstance(path, (str, Path)) or not Path(path).is_file():
        return None
    digest = hashlib.sha1()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_resumable(path: Path, record: dict) -> None:
    """A resumed run must write with the settings, weights and threads of the lines already written."""
    if not path.is_file():
        return
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path} cannot be read ({exc.msg}): write to a new OUT") from exc
    # A record from before `users_sha1` existed did not fingerprint the file: not known, let be.
    before.setdefault("users_sha1", record.get("users_sha1"))
    # A record from before `scoring_dtype` existed scored in float32: resumable with that setting.
    before.get("pipeline", {}).setdefault("scoring_dtype", "float32")
    before.get("inference", {}).setdefault("scoring_dtype", "float32")
    changed = [key.removesuffix(".") for key in differences(before, record)]
    threads = before.get("inference", {}).get("threads")
    if threads is None and "inference.threads" in changed:
        changed.remove("inference.threads")  # a record from before threads were kept: not known, let be
    if changed:
        how = "--cpus-per-worker " if record.get("engine") == "ray" else "OMP_NUM_THREADS="
        hint = (
            f"; in bfloat16 the copy depends on the torch thread count: resume with {how}{threads}"
            if "inference.threads" in changed
            else ""
        )
        raise ValidationError(
            f"--resume with other settings than {path} records ({', '.join(changed)} differ{hint}); "
            "rerun them as recorded, or write to a new OUT"
        )


class _Batches:
    """Collects valid users into fixed batches, writes each batch's missing lines and counts them.

    With `assigned` (a delivery plan: user_id -> campaign) each user gets copy for their own campaign."""

    def __init__(
        self,
        pg: PromoGen,
        campaign: Campaign,
        out,
        done: set,
        summary: BatchSummary,
        bar,
        assigned: dict[str, Campaign] | None = None,
        **gen,
    ):
        self.pg, self.campaign, self.out, self.done = pg, campaign, out, done
        self.summary, self.bar, self.assigned, self.gen = summary, bar, assigned, gen
        self.pending: list[UserHistory] = []

    def add(self, user: UserHistory, batch_size: int) -> None:
        self.pending.append(user)
        if len(self.pending) >= batch_size:
            self.flush()

    def flush(self) -> None:
        todo = [u for u in self.pending if u.user_id not in self.done]
        if todo:
            # The whole batch is generated even when part of it was written before a kill: the
            # batch, not the user, is the unit of sampling, so this reproduces the missing lines.
            for delivery in self._generate():
                if delivery.user_id in self.done:
                    continue
                self.out.write(delivery_line(delivery) + "\n")
                self.summary.by_model += delivery.chosen_by == "model"
                self.summary.fallbacks += delivery.chosen_by == "fallback"
            self.out.flush()
            os.fsync(self.out.fileno())
        self.summary.users += len(todo)
        self.summary.skipped += len(self.pending) - len(todo)
        self.bar.update(len(self.pending))
        self.pending = []

    def _generate(self):
        """Deliveries for the batch in its order: one campaign for all, or each user's planned campaign."""
        if self.assigned is None:
            return self.pg.generate(self.campaign, self.pending, **self.gen)
        by_user = {}
        for chosen in {id(self.assigned[u.user_id]): self.assigned[u.user_id] for u in self.pending}.values():
            group = [u for u in self.pending if self.assigned[u.user_id] is chosen]
            for delivery in self.pg.generate(chosen, group, **self.gen):
                by_user[delivery.user_id] = delivery
        return [by_user[u.user_id] for u in self.pending]


def delivery_line(delivery: Delivery) -> str:
    """A delivery as the one JSON line every engine writes for it."""
    return json.dumps(delivery.to_dict(), ensure_ascii=False)


def bad_row(err, number: int, reason: str, summary: BatchSummary, max_errors: int | None, written=()) -> None:
    """Count a bad row and write it to the errors file `err` (unless a resumed run `written` it);
    past `max_errors` bad rows the run stops."""
    summary.errors += 1
    if number not in written:
        err.write(json.dumps({"line": number, "reason": reason}, ensure_ascii=False) + "\n")
        err.flush()
    if max_errors is not None and summary.errors > max_errors:
        raise TooManyErrors(
            f"more than {max_errors} bad rows (the last: {reason}); see {err.name}. "
            "Raise --max-errors and rerun with --resume, or fix the file and write to a new OUT (a resume "
            "refuses an edited users file)"
        )


def shard_rows(users, notes: Counter, limit: int | None, shard: tuple[int, int] = (0, 1)):
    """(row number, user, reason) of this shard, up to `limit` rows of `users` (a file or table rows,
    see `read_users`).

    Bad rows belong to no user's shard: only the first process yields them.
    """
    rank, shards = shard
    for seen, (number, user, reason) in enumerate(read_users(users, notes), start=1):
        if limit is not None and seen > limit:
            return
        if shards > 1 and (rank != 0 if user is None else shard_of(user.user_id, shards) != rank):
            continue
        yield number, user, reason


def _progress(users_path, limit: int | None, shard: tuple[int, int], progress: bool):
    total = count_rows(users_path) if progress else None
    if limit is not None and total is not None:
        total = min(total, limit)
    rank, shards = shard
    if total is not None and shards > 1:
        total = total // shards
    desc = f"shard {rank}" if shards > 1 else None
    return tqdm(total=total, unit="user", disable=not progress, dynamic_ncols=True, desc=desc)


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
    """Write one JSON line per valid user to `out_path` (this shard's users only when sharded), and the
    run's pipeline config, models and hashes to `OUT.config.json`.

    With `assigned` (a delivery plan: user_id -> campaign, see `promogen.plan.assigned_campaigns`) each
    user gets copy for their own campaign and users the plan sends nothing are left out (counted in
    the notes)."""
    check_apart(out_path, users=check_users_file(users_path))
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    record = batch_record(pg, campaign, users_path, n_candidates, seed, batch_size, assigned)
    if resume:
        check_resumable(config_path(out_path), record)
    write_record(config_path(out_path), record)
    summary = BatchSummary(out=str(out_path), errors_file=str(errors_path(out_path)))
    done = _written(out_path, "user_id") if resume else set()
    errors_done = _written(errors_path(out_path), "line") if resume else set()
    start, tokens0 = time.time(), pg.generator.tokens_generated
    bar = _progress(users_path, limit, shard, progress)
    notes: Counter = Counter()
    mode = "a" if resume else "w"
    with (
        out_path.open(mode, encoding="utf-8") as out,
        errors_path(out_path).open(mode, encoding="utf-8") as err,
    ):
        batches = _Batches(
            pg, campaign, out, done, summary, bar, assigned, n_candidates=n_candidates, seed=seed
        )
        for number, user, reason in shard_rows(users_path, notes, limit, shard):
            if user is not None and assigned is not None and user.user_id not in assigned:
                notes["users the plan sends nothing (left out)"] += 1
                bar.update(1)
                continue
            if user is not None:
                batches.add(user, batch_size)
                continue
            bar.update(1)
            bad_row(err, number, reason, summary, max_errors, errors_done)
        batches.flush()
    bar.close()
    summary.wall_s = time.time() - start
    summary.tokens = pg.generator.tokens_generated - tokens0
    summary.notes = [f"{count} {what}" for what, count in sorted(notes.items())]
    return summary


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
    for side in (errors_path, config_path):  # the first shard's errors and config stand for the run
        files = [side(p) for p in parts]
        if files[0].is_file():
            files[0].replace(side(out_path))
        for extra in files[1:]:
            extra.unlink(missing_ok=True)
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
    check_apart(out_path, users=check_users_file(users_path))  # before minutes of model loading
    import torch
    from accelerate import PartialState

    rank, shards = world()
    if shards == 1:
        return run_batch(load(), campaign, users_path, out_path, **kwargs)
    if (
        kwargs.get("resume")
        and Path(out_path).is_file()
        and not any(shard_path(out_path, r, shards).is_file() for r in range(shards))
    ):
        # The merge removes the shards: a resume now would find none written and start again.
        raise ValidationError(
            f"{out_path} is already merged from its shards and complete; write to a new OUT"
        )
    state = PartialState(cpu=not torch.cuda.is_available())
    torch.set_num_threads(max(1, cpu_cores() // shards))
    summary = run_batch(
        load(), campaign, users_path, shard_path(out_path, rank, shards), shard=(rank, shards), **kwargs
    )
    state.wait_for_everyone()
    if state.is_main_process:
        merged = merge_shards(users_path, out_path, shards)
        summary.notes.append(f"merged {shards} shards: {merged} lines in {out_path}")
        summary.out = str(out_path)
    state.wait_for_everyone()
    state.destroy_process_group()  # as `train.lora.train` does: nothing left for interpreter exit to abort
    return summary
