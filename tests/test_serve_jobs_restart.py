"""A job survives its server: killed (SIGKILL) mid-way, the next server resumes it, none lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import torch
from conftest import canned_pg
from fastapi.testclient import TestClient

from promogen import run_batch
from promogen.server import ServeConfig, create_app
from promogen.simulate import demo_campaign, simulate_users

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def lines(path: Path) -> list[dict]:
    """The complete lines of a file a job may still be writing: a last line without its newline is
    half-written, and is read on a later poll."""
    complete = path.read_text().split("\n")[:-1] if path.is_file() else []
    return [json.loads(x) for x in complete if x.strip()]


def test_killed_job_resumes_on_restart(encoder, tmp_path):
    users = tmp_path / "users.jsonl"
    shoppers = simulate_users(40, seed=3)
    users.write_text("".join(json.dumps(u.to_dict()) + "\n" for u in shoppers))
    campaign = demo_campaign("run20").to_dict()
    data, port = tmp_path / "data", free_port()
    # The restarted server below is this process: the same torch thread count, which a resume requires.
    env = {**os.environ, "PYTHONPATH": str(HERE.parent), "OMP_NUM_THREADS": str(torch.get_num_threads())}
    server = subprocess.Popen(
        [sys.executable, str(HERE / "fake_server.py"), str(data), str(port), "0.4"], env=env
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def up():
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, 90, "the server subprocess to start")
        with users.open("rb") as handle:
            files = {"users": ("users.jsonl", handle, "application/x-ndjson")}
            job = httpx.post(f"{url}/v1/jobs", data={"campaign": json.dumps(campaign)}, files=files).json()
        out = data / "jobs" / job["id"] / "out.jsonl"
        wait_for(lambda: len(lines(out)) >= 8, 60, "the first batch to be written")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    before = lines(out)
    assert 8 <= len(before) < 40, f"killed mid-way: {len(before)} of 40 written"
    state = json.loads((out.parent / "job.json").read_text())["state"]
    assert state == "running", f"a killed job is left running on disk, got {state}"

    # A new server on the same data folder picks the job up and finishes it.
    pg = canned_pg(encoder)
    client = TestClient(create_app(pg, ServeConfig(data_dir=str(data), job_batch_size=8), token=""))
    status = wait_for(
        lambda: (s := client.get(f"/v1/jobs/{job['id']}").json())["state"] == "done" and s, 60, "the job"
    )
    assert (status["users_done"], status["users_total"], status["errors"]) == (40, 40, 0), status
    after = [json.loads(x) for x in client.get(f"/v1/jobs/{job['id']}/result").text.splitlines()]
    ids = [r["user_id"] for r in after]
    assert ids == [u.user_id for u in shoppers], "every user exactly once, in file order"
    assert after[: len(before)] == before, "lines written before the kill are kept as they were"
    assert sum(pg.generator.calls) < 40, f"the restart generated only what was missing: {pg.generator.calls}"
    # The same file as an uninterrupted run of `promogen batch`.
    reference = tmp_path / "reference.jsonl"
    run_batch(canned_pg(encoder), demo_campaign("run20"), users, reference, batch_size=8, progress=False)
    assert [(r["user_id"], r["text"]) for r in after] == [
        (r["user_id"], r["text"]) for r in lines(reference)
    ], "resumed job output matches an uninterrupted batch run"
