"""Batch delivery: one message per user for a whole user file, streamed, with bad lines set aside.

A user file can be large and messy. Users are read lazily, a malformed line is written to
`OUT.errors.jsonl` with its line number and reason while the run goes on, results are appended and
flushed after every batch, and a summary says what happened.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .pipeline import PromoGen
from .types import Campaign, UserHistory, ValidationError


@dataclass
class BatchSummary:
    users: int = 0
    by_model: int = 0
    fallbacks: int = 0
    errors: int = 0
    wall_s: float = 0.0
    tokens: int = 0
    out: str = ""
    errors_file: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s else 0.0

    def line(self) -> str:
        return (
            f"{self.users} users: {self.by_model} by model, {self.fallbacks} fallback, {self.errors} errors; "
            f"{self.wall_s:.1f} s, {self.tokens_per_s:.1f} generated tokens/s -> {self.out}"
        )


def errors_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(f"{out.name.removesuffix('.jsonl')}.errors.jsonl")


def read_users(path: str | Path) -> Iterator[tuple[int, UserHistory | None, str | None]]:
    """Yield (line number, user, None) or (line number, None, reason) for each non-blank line."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"users file not found: {path}")
    seen: set[str] = set()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, None, f"broken JSON: {exc.msg} (line {number})"
                continue
            try:
                user = UserHistory.from_dict(data, line=number)
            except ValidationError as exc:
                yield number, None, str(exc)
                continue
            if user.user_id in seen:
                yield number, None, f"duplicate `user_id` {user.user_id!r} (line {number})"
                continue
            seen.add(user.user_id)
            yield number, user, None


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


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
) -> BatchSummary:
    """Write one JSON line per valid user to `out_path`; malformed lines go to the errors file."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    summary = BatchSummary(out=str(out_path), errors_file=str(errors_path(out_path)))
    total = _count_lines(Path(users_path)) if progress else None
    if limit is not None and total is not None:
        total = min(total, limit)
    start, tokens0 = time.time(), pg.generator.tokens_generated
    bar = tqdm(total=total, unit="user", disable=not progress, dynamic_ncols=True)
    pending: list[UserHistory] = []
    with (
        out_path.open("w", encoding="utf-8") as out,
        errors_path(out_path).open("w", encoding="utf-8") as err,
    ):

        def flush() -> None:
            for delivery in pg.generate(campaign, pending, n_candidates=n_candidates, seed=seed):
                out.write(json.dumps(delivery.to_dict(), ensure_ascii=False) + "\n")
                summary.by_model += delivery.chosen_by == "model"
                summary.fallbacks += delivery.chosen_by == "fallback"
            out.flush()
            summary.users += len(pending)
            bar.update(len(pending))
            pending.clear()

        for seen, (number, user, reason) in enumerate(read_users(users_path), start=1):
            if limit is not None and seen > limit:
                break
            if user is None:
                err.write(json.dumps({"line": number, "reason": reason}) + "\n")
                err.flush()
                summary.errors += 1
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
    return summary
