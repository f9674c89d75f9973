"""Batch jobs for the server: a campaign and an uploaded users file, run by `run_batch`, kept on disk.

A job must survive a server restart the way `promogen batch --resume` survives a kill: everything about
it lives in its own folder under the jobs folder (campaign, users file, output, errors, state), and on
start the store queues again every job that was queued or running, which `run_batch(resume=True)` then
finishes without losing or duplicating a line. Job ids are generated here and checked against their
pattern before any path is built from them, so no request can reach outside the jobs folder.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import BinaryIO

from .batch import complete_lines, errors_path, run_batch
from .microbatch import MicroBatcher
from .readers import FORMATS, count_rows
from .types import Campaign, ValidationError

JOB_ID = re.compile(r"[0-9a-f]{32}")
CHUNK = 1 << 20
SHOWN_ERRORS = 20  # bad-row reasons returned by `status`; the errors file has them all


class JobNotFound(KeyError):
    """No job with that id (answered with 404)."""


class JobCancelled(Exception):
    """Raised between batches of a job that was cancelled; what it wrote so far stays."""


class _Solo:
    """What `run_batch` sees as its PromoGen: each batch goes through the shared worker, never merged;
    a cancelled job stops before its next batch."""

    def __init__(self, batcher: MicroBatcher, cancelled: threading.Event):
        self.batcher = batcher
        self.cancelled = cancelled
        self.generator = batcher.pg.generator
        # run_batch records the pipeline's settings and models beside its output (OUT.config.json).
        self.config, self.ranker, self.approver = batcher.pg.config, batcher.pg.ranker, batcher.pg.approver
        self.judge = batcher.pg.judge

    def generate(self, campaign, users, **kwargs):
        if self.cancelled.is_set():
            raise JobCancelled
        return self.batcher.submit(campaign, users, solo=True, **kwargs).result()


class JobStore:
    """Jobs in `folder`, run one at a time by a worker thread through the shared `batcher`."""

    def __init__(self, folder: str | Path, batcher: MicroBatcher, batch_size: int = 16):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.batcher = batcher
        self.batch_size = batch_size
        self._queue: queue.Queue[str] = queue.Queue()
        self._cancel: dict[str, threading.Event] = {}  # per job: set by `cancel`, read between batches
        self._lock = threading.Lock()
        unfinished = [m for m in map(self._meta, self._ids()) if m["state"] in ("queued", "running")]
        for meta in sorted(unfinished, key=lambda m: m["created"]):
            self._queue.put(meta["id"])
        self._worker = threading.Thread(target=self._run, name="promogen-jobs", daemon=True)
        self._worker.start()

    def _ids(self) -> list[str]:
        """Jobs with a state file: a folder without one is an upload that never became a job (a kill
        or a refused file mid-upload) and is not listed, so it can never stop the server starting."""
        return [
            p.name for p in self.folder.iterdir() if JOB_ID.fullmatch(p.name) and (p / "job.json").is_file()
        ]

    def _dir(self, job_id: str) -> Path:
        if not JOB_ID.fullmatch(job_id) or not (self.folder / job_id / "job.json").is_file():
            raise JobNotFound(f"no job {job_id!r}")
        return self.folder / job_id

    def _meta(self, job_id: str) -> dict:
        return json.loads((self._dir(job_id) / "job.json").read_text(encoding="utf-8"))

    def _save(self, folder: Path, meta: dict) -> None:
        tmp = folder / "job.json.tmp"
        tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(tmp, folder / "job.json")  # atomic: a kill never leaves half a state file

    def create(
        self,
        campaign: Campaign,
        upload: BinaryIO,
        filename: str,
        n_candidates: int | None = None,
        seed: int | None = None,
    ) -> dict:
        """Store the upload (the server bounds its size) and queue the job; returns its status."""
        suffix = Path(filename or "").suffix.lower()
        if suffix not in FORMATS:
            raise ValidationError(f"`users` file must be one of {', '.join(FORMATS)}; got {filename!r}")
        job_id = uuid.uuid4().hex
        folder = self.folder / job_id
        folder.mkdir()
        users = folder / f"users{suffix}"
        with users.open("wb") as out:
            while chunk := upload.read(CHUNK):
                out.write(chunk)
        try:
            total = count_rows(users)
        except Exception as exc:  # an unreadable upload is the client's error, not the server's
            shutil.rmtree(folder)
            raise ValidationError(f"cannot read the `users` file {filename!r}: {exc}") from exc
        (folder / "campaign.json").write_text(json.dumps(campaign.to_dict()), encoding="utf-8")
        self.batcher.pg.config.save(folder / "pipeline_config.json")  # the settings behind out.jsonl
        meta = {
            "id": job_id,
            "state": "queued",
            "users_file": users.name,
            "total": total,
            "n_candidates": n_candidates,
            "batch_size": self.batch_size,  # kept: a resume after a restart must batch the same way
            "seed": seed,
            "created": time.time(),
            "summary": None,
            "error": None,
        }
        self._save(folder, meta)
        self._queue.put(job_id)
        return self.status(job_id)

    def out_path(self, job_id: str, errors: bool = False) -> Path:
        out = self._dir(job_id) / "out.jsonl"
        return errors_path(out) if errors else out

    def status(self, job_id: str) -> dict:
        """State, users done out of total (written + bad rows), and the bad-row reasons so far."""
        meta = self._meta(job_id)
        errors_file = self.out_path(job_id, errors=True)
        reasons = []
        if errors_file.is_file():
            with errors_file.open(encoding="utf-8") as handle:
                reasons = [json.loads(line) for _, line in zip(range(SHOWN_ERRORS), handle, strict=False)]
        written, errors = complete_lines(self.out_path(job_id)), complete_lines(errors_file)
        return {
            "id": job_id,
            "state": meta["state"],
            "users_done": written + errors,
            "users_total": meta["total"],
            "written": written,
            "errors": errors,
            "error_rows": reasons,
            "summary": meta["summary"],
            "error": meta["error"],
        }

    def _run(self) -> None:
        while True:
            self._execute(self._queue.get())

    def cancel(self, job_id: str) -> dict:
        """Stop a queued job before it starts, a running one before its next batch; a finished job is
        left as it is. What a running job wrote so far stays in its result."""
        with self._lock:
            meta = self._meta(job_id)
            if job_id in self._cancel:  # running: it stops before its next batch
                self._cancel[job_id].set()
            elif meta["state"] in ("queued", "running"):  # not started (or waiting to resume after a restart)
                self._save(self._dir(job_id), {**meta, "state": "cancelled"})
        return self.status(job_id)

    def _execute(self, job_id: str) -> None:
        folder = self._dir(job_id)
        with self._lock:
            meta = self._meta(job_id)
            if meta["state"] == "cancelled":
                return
            cancelled = self._cancel[job_id] = threading.Event()
            self._save(folder, {**meta, "state": "running"})
        try:
            self._finish(job_id, folder, meta, cancelled)
        finally:
            with self._lock:  # only a running job holds an Event: a long-lived server keeps none per job
                del self._cancel[job_id]

    def _finish(self, job_id: str, folder: Path, meta: dict, cancelled: threading.Event) -> None:
        """Run a started job to its end state: done, cancelled or failed."""
        try:
            campaign = Campaign.from_dict(json.loads((folder / "campaign.json").read_text(encoding="utf-8")))
            summary = run_batch(
                _Solo(self.batcher, cancelled),
                campaign,
                folder / meta["users_file"],
                folder / "out.jsonl",
                n_candidates=meta["n_candidates"],
                seed=meta["seed"],
                batch_size=meta.get("batch_size", self.batch_size),
                progress=False,
                resume=True,  # a job started before a restart continues where it stopped
            )
        except JobCancelled:
            self._save(folder, {**meta, "state": "cancelled"})
            return
        except Exception as exc:  # the job fails, the server goes on; the reason is in its status
            self._save(folder, {**meta, "state": "failed", "error": f"{type(exc).__name__}: {exc}"})
            return
        # The total was counted in lines before the run; a CSV's quoted multi-line fields make that more
        # than its rows, so a finished job's total is what it read.
        done = complete_lines(folder / "out.jsonl") + complete_lines(errors_path(folder / "out.jsonl"))
        self._save(folder, {**meta, "state": "done", "total": done, "summary": summary.line()})
