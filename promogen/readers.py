"""Input readers: users files (JSONL, CSV, Parquet) streamed in constant memory with bad rows set aside,
and the JSON Lines of other inputs (copies to check, delivery and plan logs, ratings) with one-line errors.

A user file can hold millions of rows from systems promogen does not control. Rows are read one at a
time (Parquet in record batches), every row is validated against the `UserHistory` contract, and a row
that fails yields its number and a reason instead of raising, so one bad row never stops a campaign.
Oversized input is cut to what the pipeline uses, with a note: the interest encoder reads only the most
recent events and the first characters of each text anyway. The other JSON Lines are read whole or
not at all (a log, ratings, copy_gold specs, a job's own output on resume): their first bad line stops
the command with an error naming the file and the line. Lists of ids to leave out (`--exclude`) are
whitespace-separated text.

CSV and Parquet files have a `user_id` column and an `events` column holding the event list (in CSV as
JSON text; in Parquet as JSON text or a list of structs), plus an optional `attributes` column. Rows of a
table already read elsewhere (a Ray Dataset's, for the Ray engine) pass the same checks as Parquet rows.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from .types import UserHistory, ValidationError, existing_file, read_text_file

MAX_EVENTS = 1000  # most recent events kept per user (the encoder uses at most 50)
MAX_TEXT_CHARS = 2000  # characters kept per event text (the encoder reads 200)
FORMATS = (".jsonl", ".json", ".csv", ".parquet")
COLUMNS = ("user_id", "events", "attributes")


def _pyarrow_parquet():
    """pyarrow is an extra: without it a Parquet file is refused with the command that adds it."""
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ValidationError("reading Parquet needs pyarrow: pip install 'promogen[parquet]'") from exc
    return pq


def json_objects(path: str | Path, file: str, row: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSONL `file` (e.g. "copies", "log") whose lines
    are each a `row` ("copy", "delivery"); a missing file, text that is not UTF-8, broken JSON or a line
    that is not an object is a one-line error naming the file and the line."""
    path = existing_file(path, file)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8").removeprefix("\ufeff") if number == 1 else raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(f"{path}: not UTF-8 text (line {number})") from exc
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"{path}: broken JSON: {exc.msg} (line {number})") from exc
            if not isinstance(value, dict):
                raise ValidationError(f"{path}: each line must be a JSON object (a {row}) (line {number})")
            yield number, value


def id_lists(paths: Iterable[str | Path]) -> set[str]:
    """The ids in files of ids (whitespace-separated, as `--exclude` takes them); a missing file is a one-line
    error."""
    return {i for path in paths for i in read_text_file(path, "--exclude").split()}


def check_users_file(path: str | Path) -> Path:
    """`path` if it is a users file promogen reads, else a one-line error naming it."""
    path = existing_file(path, "users")
    if path.suffix not in FORMATS:
        raise ValidationError(f"users file must be one of {', '.join(FORMATS)}; got {path.name}")
    return path


def count_rows(path: str | Path) -> int:
    """Rows in a user file without parsing them (for progress bars)."""
    path = check_users_file(path)
    if path.suffix == ".parquet":
        return _pyarrow_parquet().ParquetFile(path).metadata.num_rows
    with path.open("rb") as handle:
        rows = sum(1 for line in handle if line.strip())
    return rows - 1 if path.suffix == ".csv" and rows else rows


def _jsonl(path: Path) -> Iterator[tuple[int, object, str | None]]:
    with path.open("rb") as handle:
        if path.suffix == ".json" and handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            # Read line by line, a pretty-printed array would lose every user whose line has a comma.
            raise ValidationError(
                f"{path} holds a JSON array; users files are JSON Lines, one user object per line "
                f"(convert with: jq -c '.[]' {path.name} > users.jsonl)"
            )
        handle.seek(0)
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # the byte-order mark some editors write
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                # Mixed encodings happen in exported files; keep the row, mark the bytes we cannot read.
                text = raw.decode("utf-8", errors="replace")
            try:
                yield number, json.loads(text), None
            except json.JSONDecodeError as exc:
                yield number, None, f"broken JSON: {exc.msg} (line {number})"


def _events_from_text(record: dict, number: int) -> tuple[object, str | None]:
    events = record.get("events")
    if isinstance(events, str):
        try:
            record["events"] = json.loads(events)
        except json.JSONDecodeError as exc:
            return None, f"`events` column is not a JSON list: {exc.msg} (line {number})"
    if isinstance(record.get("attributes"), str):
        try:
            record["attributes"] = json.loads(record["attributes"]) if record["attributes"] else {}
        except json.JSONDecodeError as exc:
            return None, f"`attributes` column is not JSON: {exc.msg} (line {number})"
    return record, None


def _csv(path: Path) -> Iterator[tuple[int, object, str | None]]:
    csv.field_size_limit(2**30)  # one event list can be large; the row is cut to size after parsing
    # utf-8-sig: a spreadsheet's byte-order mark would otherwise become part of the first column's name.
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        check_columns(reader.fieldnames or [], f"{path}: CSV user files")
        for row in reader:
            number = reader.line_num
            record = {k: v for k, v in row.items() if k in COLUMNS and v != ""}
            yield number, *_events_from_text(record, number)


def _parquet(path: Path) -> Iterator[tuple[int, object, str | None]]:
    file = _pyarrow_parquet().ParquetFile(path)
    check_columns(file.schema_arrow.names, f"{path}: Parquet user files")
    columns = [c for c in COLUMNS if c in file.schema_arrow.names]
    batches = file.iter_batches(batch_size=1024, columns=columns)
    yield from _table(row for batch in batches for row in batch.to_pylist())


def check_columns(names, what: str) -> None:
    missing = [c for c in ("user_id", "events") if c not in names]
    if missing:
        raise ValidationError(f"{what} need columns user_id and events; missing {missing}")


def _table(rows: Iterable[dict]) -> Iterator[tuple[int, object, str | None]]:
    """Rows of a table (Parquet, a Ray Dataset), numbered from 1; nulls and other columns dropped."""
    for number, row in enumerate(rows, start=1):
        record = {k: v for k, v in row.items() if k in COLUMNS and v is not None}
        yield number, *_events_from_text(record, number)


def _cut(record: dict, notes: Counter) -> dict:
    events = record.get("events")
    if isinstance(events, list):
        if len(events) > MAX_EVENTS:
            record["events"] = events = events[-MAX_EVENTS:]
            notes[f"histories cut to the most recent {MAX_EVENTS} events"] += 1
        for event in events:
            if (
                isinstance(event, dict)
                and isinstance(event.get("text"), str)
                and len(event["text"]) > MAX_TEXT_CHARS
            ):
                event["text"] = event["text"][:MAX_TEXT_CHARS]
                notes[f"event texts cut to {MAX_TEXT_CHARS} characters"] += 1
    return record


def read_users(
    source: str | Path | Iterable[dict], notes: Counter | None = None
) -> Iterator[tuple[int, UserHistory | None, str | None]]:
    """Yield (row number, user, None) or (row number, None, reason) for each non-blank row.

    `source` is a user file or rows of a table already read (dicts with the Parquet columns, e.g. a
    Ray Dataset's `iter_rows()`). Row numbers are file lines for JSONL and CSV and 1-based rows for
    Parquet and tables. A repeated user_id is an error on its second appearance. `notes` counts rows
    that were cut to size.
    """
    rows = _table(source) if not isinstance(source, str | Path) else _file_rows(Path(source))
    notes = Counter() if notes is None else notes
    seen: set[str] = set()
    for number, record, reason in rows:
        if reason is not None:
            yield number, None, reason
            continue
        try:
            if isinstance(record, dict):
                record = _cut(record, notes)
            user = UserHistory.from_dict(record, line=number)
        except ValidationError as exc:
            yield number, None, str(exc)
            continue
        if user.user_id in seen:
            yield number, None, f"duplicate `user_id` {user.user_id!r} (line {number})"
            continue
        seen.add(user.user_id)
        yield number, user, None


def _file_rows(path: Path) -> Iterator[tuple[int, object, str | None]]:
    readers = {".jsonl": _jsonl, ".json": _jsonl, ".csv": _csv, ".parquet": _parquet}
    return readers[check_users_file(path).suffix](path)
