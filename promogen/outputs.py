"""Output files of long jobs: never written over one of their inputs, read back whole after a crash.

A batch job opens its output before it reads the users, and a plan is written after its users are
read: either one, pointed at its own input, would erase that input and report success. And a job
killed mid-write (or a full disk) leaves a half-written last line, which a resume must cut off rather
than choke on. Both rules live here for every writer (batch, plan, the finetuning candidate sheets).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .readers import json_objects
from .types import ValidationError

BLOCK = 1 << 16  # bytes read at a time when looking back for the last complete line


def check_apart(out: str | Path, **inputs: str | Path | None) -> None:
    """Refuse `out` when it is one of the named `inputs`: the same path by another spelling, a link to
    it, or (on a file system that ignores case) the same file under other capitals."""
    for name, path in inputs.items():
        if path is not None and _same_file(Path(out), Path(path)):
            raise ValidationError(
                f"the output {out} is also the {name} file: writing it would erase that input; "
                "write to another path"
            )


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def complete_rows(path: str | Path, file: str, row: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) for the complete lines of a JSONL output (none if it is not there yet); a
    half-written last line is cut off the file first, so appending after it starts on a fresh line.
    Streamed: a batch output of millions of lines is never held in memory. `file`, `row`: as
    `readers.json_objects` names them in its errors."""
    path = Path(path)
    if not path.is_file():
        return iter(())
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        end = _after_last_line_break(handle, size)
        if end < size:
            handle.truncate(end)
    return json_objects(path, file, row)


def _after_last_line_break(handle, size: int) -> int:
    """The offset just past the file's last b"\\n" (0 if it has none), read backwards a block at a time."""
    end = size
    while end > 0:
        start = max(0, end - BLOCK)
        handle.seek(start)
        cut = handle.read(end - start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        end = start
    return 0
