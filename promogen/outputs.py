"""Output files of long jobs: never written over one of their inputs, read back whole after a crash.

A batch job opens its output before it reads the users, and a plan is written after its users are
read: either one, pointed at its own input, would erase that input and report success. And a job
killed mid-write (or a full disk) leaves a half-written last line, which a resume must cut off rather
than choke on. Both rules live here for every writer (batch, plan, the finetuning candidate sheets).
"""

from __future__ import annotations

import json
from pathlib import Path

from .types import ValidationError


def check_apart(out: str | Path, **inputs: str | Path | None) -> None:
    """Refuse `out` when it is one of the named `inputs` (the same file by another spelling too)."""
    target = Path(out).resolve()
    for name, path in inputs.items():
        if path is not None and Path(path).resolve() == target:
            raise ValidationError(
                f"the output {out} is also the {name} file: writing it would erase that input; "
                "write to another path"
            )


def complete_rows(path: str | Path) -> list[dict]:
    """The JSON objects on the complete lines of `path` ([] if there is none); a half-written last line
    is cut off the file first, so appending after it starts on a fresh line."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open("rb+") as handle:
        data = handle.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            handle.truncate(end)
    return [json.loads(line) for line in data[:end].splitlines() if line.strip()]
