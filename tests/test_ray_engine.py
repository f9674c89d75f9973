"""The Ray engine on a local Ray cluster the tests start: the local engine's lines, bad rows and config,
a worker killed mid-run, a run stopped midway and resumed, Ray Datasets as input, Ray missing."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from conftest import FakeCopywriter

from promogen.batch import config_path, errors_path, run_batch
from promogen.checks import check_copy
from promogen.cli import main
from promogen.demo import write_users
from promogen.ray_engine import blocks_dir, generate, run_ray_batch
from promogen.simulate import demo_campaign
from promogen.types import Delivery, ValidationError

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = demo_campaign("run20")
BAD = ["{broken", json.dumps({"user_id": "x", "events": "shoes"})]


@pytest.fixture(scope="module")
def cluster():
    """A 2-CPU Ray cluster whose workers import promogen and these tests (for the loaders below)."""
    import ray

    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests"), *filter(None, [before])])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()
    os.environ.pop("PYTHONPATH") if before is None else os.environ.update(PYTHONPATH=before)


class ScriptedCopywriter(FakeCopywriter):
    """Writes the offer for the shopper's interest; with `kill`, the first call on the machine (a marker
    file says whether it happened) SIGKILLs its own worker; with `fail_on`, that call raises."""

    def __init__(self, kill: str | None = None, fail_on: int | None = None, delay: float = 0.0):
        super().__init__(rule=FakeCopywriter.write_offer, delay=delay)
        self.kill, self.fail_on = kill, fail_on

    def generate(self, prompts, n, seed, **guard):
        if self.kill and not os.path.exists(self.kill):
            Path(self.kill).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        if self.fail_on is not None and len(self.history) + 1 == self.fail_on:
            raise RuntimeError(f"copywriter failed on call {self.fail_on}")
        return super().generate(prompts, n, seed, **guard)


def offer_pg(kill: str | None = None, fail_on: int | None = None, delay: float = 0.0):
    """The pipeline with the real encoder and ranking head around `ScriptedCopywriter` (each worker's)."""
    from promogen import GeneratorConfig, InterestEncoder, PipelineConfig, PromoGen, Ranker

    copywriter = ScriptedCopywriter(kill, fail_on, delay)
    config = PipelineConfig(  # float32 scorers: a worker's one thread scores as the test's process
        generator=GeneratorConfig(model=copywriter.name), n_candidates=2, scoring_dtype="float32"
    )
    return PromoGen(copywriter, InterestEncoder.load(), config, Ranker.load())


def tiny_pg_load(model_dir: str):
    """conftest's `tiny_pg`, built in a worker: the tiny random Llama really samples."""
    from conftest import tiny_config

    from promogen import Generator, InterestEncoder, PromoGen, Ranker

    config = tiny_config(model_dir)
    return PromoGen(Generator.load(config.generator), InterestEncoder.load(), config, Ranker.load())


@contextlib.contextmanager
def one_thread():
    """torch on one thread, as each Ray worker here (`cpus_per_worker` 1), then as before."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def users_with_bad_rows(path: Path, n: int) -> Path:
    """`n` simulated users with two bad rows and a duplicate among them."""
    lines = write_users(path, n, seed=5).read_text().splitlines()
    lines[3:3] = BAD
    lines.insert(7, lines[0])
    path.write_text("\n".join(lines) + "\n")
    return path


def test_ray_writes_the_local_engines_lines_errors_and_config(cluster, tiny_pg, tiny_model_dir, tmp_path):
    """Same users, seed, batches and threads: the tiny model's sampled copy is byte-identical, bad rows too.

    The local run uses the workers' one thread: on some CPUs (AMX) the interest vectors' last bits move
    with the thread count, and a draw at a boundary could follow (docs/throughput.md, "Batch on a Ray
    cluster")."""
    users = users_with_bad_rows(tmp_path / "u.jsonl", 9)
    local, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    with one_thread():
        run_batch(tiny_pg, CAMPAIGN, users, local, n_candidates=2, batch_size=4, progress=False)
    summary = run_ray_batch(
        partial(tiny_pg_load, tiny_model_dir),
        CAMPAIGN,
        users,
        ray_out,
        workers=2,
        n_candidates=2,
        batch_size=4,
    )
    assert ray_out.read_bytes() == local.read_bytes(), "the Ray engine writes the local engine's lines"
    assert errors_path(ray_out).read_text() == errors_path(local).read_text(), "the same bad rows and reasons"
    assert (summary.users, summary.errors, summary.skipped) == (9, 3, 0), summary
    assert summary.tokens > 0 and summary.by_model + summary.fallbacks == 9, summary
    record = json.loads(config_path(ray_out).read_text())
    assert record["engine"] == "ray" and record["batch_size"] == 4, record
    assert "threads" not in record["inference"], "float32 copy does not move with the thread count: not kept"
    assert not blocks_dir(ray_out).exists(), "finished blocks are removed once OUT is whole"
    for line in ray_out.read_text().splitlines():
        delivery = Delivery.from_dict(json.loads(line))
        assert check_copy(delivery.text, CAMPAIGN, delivery.interests) == [], f"delivered: {delivery.text!r}"
    other = tmp_path / "local3.jsonl"
    with one_thread():
        run_batch(tiny_pg, CAMPAIGN, users, other, n_candidates=2, batch_size=3, progress=False)
    copy = lambda path: [  # noqa: E731
        [c["text"] for c in json.loads(line)["candidates"]] for line in path.read_text().splitlines()
    ]
    # Per-row seeded draws: batches of 3 give every user the copy batches of 4 gave (scores such as
    # perplexity are batched too, so their last digits may differ).
    assert copy(other) == copy(local), "a user's copy does not depend on who shares the batch"


def test_a_killed_worker_is_retried_and_each_user_written_once(cluster, fake_pg, copywriter, tmp_path):
    users = write_users(tmp_path / "u.jsonl", 10, seed=6)
    marker, out = tmp_path / "killed", tmp_path / "ray.jsonl"
    summary = run_ray_batch(
        partial(offer_pg, kill=str(marker)), CAMPAIGN, users, out, workers=2, n_candidates=2, batch_size=3
    )
    assert marker.is_file(), "a worker killed itself mid-run"
    copywriter.rule = copywriter.write_offer
    run_batch(
        fake_pg, CAMPAIGN, users, tmp_path / "local.jsonl", n_candidates=2, batch_size=3, progress=False
    )
    ids = [json.loads(x)["user_id"] for x in out.read_text().splitlines()]
    want = [json.loads(x)["user_id"] for x in users.read_text().splitlines()]
    assert ids == want, f"each user exactly once, in file order: {ids}"
    assert out.read_text() == (tmp_path / "local.jsonl").read_text(), "the retried block's copy is the same"
    assert (summary.users, summary.by_model) == (10, 10), summary


def test_a_run_stopped_midway_resumes_from_its_finished_blocks(cluster, fake_pg, copywriter, tmp_path):
    users = write_users(tmp_path / "u.jsonl", 8, seed=7)
    out = tmp_path / "ray.jsonl"
    run = partial(
        run_ray_batch, campaign=CAMPAIGN, users_path=users, out_path=out, n_candidates=2, batch_size=2
    )
    with pytest.raises(Exception, match="copywriter failed on call 3"):
        run(partial(offer_pg, fail_on=3))
    done = sorted(p.name[:12] for p in blocks_dir(out).glob("block-*.jsonl"))
    assert done == ["block-000000", "block-000001"] and not out.exists(), done
    summary = run(offer_pg, resume=True)
    assert (summary.users, summary.skipped) == (4, 4), f"two blocks read back, two generated: {summary}"
    copywriter.rule = copywriter.write_offer
    run_batch(
        fake_pg, CAMPAIGN, users, tmp_path / "local.jsonl", n_candidates=2, batch_size=2, progress=False
    )
    assert out.read_text() == (tmp_path / "local.jsonl").read_text(), "the resumed file is the whole run's"
    again = run(offer_pg, resume=True)
    assert again.users == 0 and "nothing to resume" in again.line(), again.line()


def test_a_resume_with_a_larger_limit_writes_the_users_a_complete_run_left_out(cluster, tmp_path):
    users, out = write_users(tmp_path / "u.jsonl", 5, seed=4), tmp_path / "ray.jsonl"
    run = partial(run_ray_batch, offer_pg, CAMPAIGN, users, out, n_candidates=2, batch_size=2)
    assert run(limit=2).users == 2
    more = run(resume=True)
    ids = [json.loads(x)["user_id"] for x in out.read_text().splitlines()]
    assert ids == [json.loads(x)["user_id"] for x in users.read_text().splitlines()], (
        f"every user once, in file order: {more.line()}"
    )


def test_kept_blocks_are_read_back_only_for_the_users_and_campaign_they_were_made_for(cluster, tmp_path):
    users, folder = write_users(tmp_path / "u.jsonl", 3, seed=8), tmp_path / "blocks"
    text = lambda rows: [json.loads(r["delivery"])["text"] for r in rows]  # noqa: E731
    run20 = generate(users, CAMPAIGN, offer_pg, batch_size=2, blocks_folder=folder).take_all()
    shipfree = generate(users, demo_campaign("shipfree"), offer_pg, batch_size=2, blocks_folder=folder)
    assert all("RUN20" in t for t in text(run20)), text(run20)
    assert not any("RUN20" in t for t in text(shipfree.take_all())), (
        "another campaign's blocks are not reused"
    )
    shorter = generate(users, CAMPAIGN, offer_pg, batch_size=2, limit=1, blocks_folder=folder).take_all()
    wider = generate(users, CAMPAIGN, offer_pg, batch_size=2, blocks_folder=folder).take_all()
    assert [r["user_id"] for r in wider] == [r["user_id"] for r in run20], (
        "a block kept from a run with --limit 1 does not stand in for the whole block"
    )
    assert len(shorter) == 1 and text(wider) == text(run20), "the same users and campaign read back alike"


@pytest.mark.slow
def test_a_killed_driver_leaves_its_finished_blocks_to_resume(cluster, fake_pg, copywriter, tmp_path):
    """A driver attached to the running cluster is SIGKILLed after its first block; --resume here."""
    users = write_users(tmp_path / "u.jsonl", 8, seed=9)
    out, log = tmp_path / "ray.jsonl", tmp_path / "driver.log"
    script = (
        "from functools import partial; import test_ray_engine as t; "
        "from promogen.ray_engine import run_ray_batch; "
        f"run_ray_batch(partial(t.offer_pg, delay=1.0), t.CAMPAIGN, {str(users)!r}, {str(out)!r}, "
        f"address={cluster.get_runtime_context().gcs_address!r}, n_candidates=2, batch_size=2)"
    )
    with log.open("w") as sink:
        driver = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=sink, stderr=sink)
    deadline = time.time() + 120
    while (
        not list(blocks_dir(out).glob("block-*.jsonl")) and driver.poll() is None and time.time() < deadline
    ):
        time.sleep(0.1)
    driver.kill()
    driver.wait()
    written = len(list(blocks_dir(out).glob("block-*.jsonl")))
    assert 1 <= written < 4 and not out.exists(), (
        f"{written} blocks at the kill; driver: {log.read_text()[-2000:]}"
    )
    summary = run_ray_batch(offer_pg, CAMPAIGN, users, out, n_candidates=2, batch_size=2, resume=True)
    assert summary.skipped >= 2 * written and summary.users + summary.skipped == 8, summary
    copywriter.rule = copywriter.write_offer
    local = tmp_path / "local.jsonl"
    run_batch(fake_pg, CAMPAIGN, users, local, n_candidates=2, batch_size=2, progress=False)
    assert out.read_text() == local.read_text(), "the resumed file is the whole run's"


def test_ray_datasets_of_users_go_through_the_same_row_checks(cluster, tmp_path):
    from promogen.readers import read_users

    rows = [json.loads(x) for x in write_users(tmp_path / "u.jsonl", 5, seed=8).read_text().splitlines()]
    rows = [{**r, "events": json.dumps(r["events"])} for r in rows]  # as a Parquet column of JSON text
    rows[2:2] = [{"user_id": "x", "events": "[not json"}, {**rows[0]}]
    ds = cluster.data.from_items(rows)
    errors = tmp_path / "errors.jsonl"
    out = generate(ds, CAMPAIGN, offer_pg, batch_size=2, errors=errors).take_all()
    assert [r["user_id"] for r in out] == [rows[i]["user_id"] for i in (0, 1, 4, 5, 6)], "valid, in order"
    want = [{"line": n, "reason": why} for n, user, why in read_users(rows) if user is None]
    assert [json.loads(x) for x in errors.read_text().splitlines()] == want and len(want) == 2, want
    assert all(Delivery.from_dict(json.loads(r["delivery"])).chosen_by == "model" for r in out), out
    with pytest.raises(ValidationError, match=r"row 3\); pass errors=PATH"):
        generate(ds, CAMPAIGN, offer_pg)
    with pytest.raises(ValidationError, match=r"need columns user_id and events; missing \['events'\]"):
        generate(cluster.data.from_items([{"user_id": "a"}]), CAMPAIGN, offer_pg)


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ValidationError, match=re.escape("pip install 'promogen[ray]'")):
        run_ray_batch(offer_pg, CAMPAIGN, "u.jsonl", "o.jsonl")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--workers", "2"], "--ray-address, --workers and --cpus-per-worker need --engine ray"),
        (["--engine", "ray", "--plan", "p.jsonl"], "--engine ray takes no --plan"),
    ],
)
def test_cli_ray_options_are_checked_in_one_line(args, error, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    base = ["promogen", "batch", "--campaign", "run20", "--users", "u.jsonl", "--out", "o.jsonl"]
    monkeypatch.setattr("sys.argv", [*base, *args])
    with pytest.raises(SystemExit) as stop:
        main()
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and err.startswith(f"error: {error}") and "\n" not in err, err


@pytest.mark.parametrize("option", ["--batch-size", "--workers", "--cpus-per-worker"])
def test_counts_under_one_are_refused_before_any_work(option, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    base = ["promogen", "batch", "--campaign", "run20", "--users", "u.jsonl", "--out", "o.jsonl"]
    monkeypatch.setattr("sys.argv", [*base, "--engine", "ray", option, "0"])
    with pytest.raises(SystemExit) as stop:
        main()
    err = capsys.readouterr().err
    assert stop.value.code == 2 and f"Invalid value for '{option}': 0 is not in the range x>=1" in err, err
    assert not (tmp_path / "o.jsonl").exists(), "nothing was written"
