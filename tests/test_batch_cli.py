"""The batch command writes one line per valid user and sets bad lines aside; the CLI fails in one line."""

import importlib.util
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from click.testing import CliRunner

from promogen.batch import errors_path, run_batch
from promogen.cli import cli, main
from promogen.demo import write_users
from promogen.simulate import demo_campaign, load_campaign, simulate_users
from promogen.types import Delivery, UnknownCampaignError, ValidationError

GOOD = {"user_id": "ok", "events": [{"type": "view", "text": "trail running shoes"}]}


def test_bad_lines_go_to_errors_file_with_line_and_reason(tiny_pg, tmp_path):
    lines = [
        json.dumps(GOOD),
        "{broken",
        json.dumps({"events": []}),
        "",
        json.dumps({"user_id": "x", "events": "shoes"}),
        json.dumps(GOOD),
        json.dumps({"user_id": "y", "events": [{"type": "like", "text": "a"}]}),
        json.dumps({**GOOD, "user_id": "ok2"}),
    ]
    users = tmp_path / "users.jsonl"
    users.write_text("\n".join(lines) + "\n")
    summary = run_batch(
        tiny_pg, demo_campaign("run20"), users, tmp_path / "out.jsonl", n_candidates=1, progress=False
    )
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    errors = [json.loads(x) for x in errors_path(tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["user_id"] for r in out] == ["ok", "ok2"], "valid users in order, duplicate dropped"
    assert [e["line"] for e in errors] == [2, 3, 5, 6, 7], f"line numbers of bad lines: {errors}"
    reasons = " | ".join(e["reason"] for e in errors)
    for needle in (
        "broken JSON",
        "`user.user_id` is missing",
        "`events` must be a list, got str",
        "duplicate `user_id` 'ok'",
        "`events[0].type` must be one of",
    ):
        assert needle in reasons, f"{needle!r} not in {reasons}"
    assert (summary.users, summary.errors) == (2, 5), summary


def test_limit_and_batch_boundaries(tiny_pg, tmp_path):
    users = write_users(tmp_path / "u.jsonl", 7, seed=2)
    summary = run_batch(
        tiny_pg,
        demo_campaign("run20"),
        users,
        tmp_path / "o.jsonl",
        n_candidates=1,
        limit=5,
        batch_size=2,
        progress=False,
    )
    ids = [json.loads(x)["user_id"] for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert ids == [u.user_id for u in simulate_users(7, seed=2)][:5], "first 5 users, exactly once each"
    assert summary.by_model + summary.fallbacks == 5, summary


def test_batch_writes_the_model_copy_each_user_gets(fake_pg, copywriter, tmp_path):
    users = write_users(tmp_path / "u.jsonl", 7, seed=3)
    # The first user's candidates both break the offer; everyone else gets the offer for their interests.
    copywriter.enqueue("50% off with SAVE50", "RUN20 now")
    copywriter.rule = copywriter.write_offer
    summary = run_batch(
        fake_pg,
        demo_campaign("run20"),
        users,
        tmp_path / "o.jsonl",
        n_candidates=2,
        batch_size=3,
        progress=False,
    )
    lines = [Delivery.from_dict(json.loads(x)) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [d.chosen_by for d in lines] == ["fallback"] + ["model"] * 6, [d.text for d in lines]
    for d in lines[1:]:
        want = f"Made for your {d.interests[0]}: 20% off running gear with code RUN20."
        assert d.text == want and d.candidates[d.chosen].eligible, (
            f"{d.user_id}: the model's copy, {d.text!r}"
        )
    assert (summary.users, summary.by_model, summary.fallbacks) == (7, 6, 1), summary
    assert summary.tokens == copywriter.tokens_generated > 0, "the summary counts the copywriter's tokens"
    assert [len(r.prompts) for r in copywriter.history] == [3, 3, 1], "users go to the copywriter in batches"


def test_cli_batch_on_a_local_model_dir(tiny_model_dir, tmp_path):
    runner = CliRunner()
    users = write_users(tmp_path / "u.jsonl", 4)
    result = runner.invoke(
        cli,
        [
            "batch",
            "--campaign",
            "run20",
            "--users",
            str(users),
            "--out",
            str(tmp_path / "o.jsonl"),
            "--n-candidates",
            "1",
            "--base-model",
            tiny_model_dir,
        ],
    )
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 4, "one line per user"


def test_cli_batch_with_a_plan_writes_copy_for_the_planned_users_only(tiny_model_dir, tmp_path):
    users = write_users(tmp_path / "u.jsonl", 4)
    ids = [json.loads(x)["user_id"] for x in users.read_text().splitlines()]
    actions = ["run20", "none", "shipfree", "none"]
    (tmp_path / "plan.jsonl").write_text(
        "".join(
            json.dumps({"user_id": u, "action": a, "propensity": 1.0}) + "\n"
            for u, a in zip(ids, actions, strict=True)
        )
    )
    out = tmp_path / "o.jsonl"
    base = ["batch", "--plan", str(tmp_path / "plan.jsonl"), "--users", str(users), "--out", str(out)]
    base += ["--n-candidates", "1", "--base-model", tiny_model_dir, "--campaign"]
    result = CliRunner().invoke(cli, [*base, "run20,shipfree"])
    assert result.exit_code == 0, result.output
    got = [(r["user_id"], r["campaign_id"]) for r in map(json.loads, out.read_text().splitlines())]
    assert got == [(ids[0], "run20"), (ids[2], "shipfree")], f"planned users only, their campaigns: {got}"
    assert "2 users the plan sends nothing (left out)" in result.output, result.output
    missing = CliRunner().invoke(cli, [*base, "run20"])
    assert missing.exit_code != 0 and "--campaign lacks it" in str(missing.exception), missing.output


def test_batch_writes_its_config_with_model_hashes_and_refuses_a_changed_resume(tiny_model_dir, tmp_path):
    users = write_users(tmp_path / "u.jsonl", 2)
    out = tmp_path / "o.jsonl"
    base = ["batch", "--campaign", "run20", "--users", str(users), "--out", str(out), "--n-candidates", "1"]
    base += ["--base-model", tiny_model_dir]
    result = CliRunner().invoke(cli, [*base, "--set", "generator.temperature=0.5"])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "o.config.json").read_text())
    assert record["pipeline"]["generator"]["temperature"] == 0.5, "--set reaches the pipeline config"
    assert record["pipeline"]["n_candidates"] == 1 and record["n_candidates"] == 1, record
    assert record["models"]["generator"]["path"] == tiny_model_dir, record["models"]
    assert re.fullmatch(r"[0-9a-f]{40}", record["models"]["generator"]["sha1"]), "weights hashed"
    assert re.fullmatch(r"[0-9a-f]{40}", record["models"]["ranker"]["sha1"]), "ranker folder hashed"
    assert record["promogen_version"] and record["campaign"]["campaign_id"] == "run20", record
    from promogen.hardware import bf16_features, resolve_dtype

    dtype = resolve_dtype("auto")
    threads = {"threads": torch.get_num_threads()} if dtype == "bfloat16" else {}
    inference = {"dtype": dtype, "scoring_dtype": dtype, "cpu_bf16_features": bf16_features(), **threads}
    assert record["inference"] == inference, (
        "the dtypes `auto` resolved to (copywriter, scorers), the CPU features why (bf16: threads)"
    )
    again = CliRunner().invoke(cli, [*base, "--set", "generator.temperature=0.9", "--resume"])
    assert again.exit_code != 0 and "(pipeline.generator.temperature differ)" in str(again.exception), (
        again.output
    )
    assert re.fullmatch(r"[0-9a-f]{40}", record["users_sha1"]), "the users file is fingerprinted"
    users.write_text(users.read_text().replace("sim-0-00001", "sim-0-99999"))
    edited = CliRunner().invoke(cli, [*base, "--set", "generator.temperature=0.5", "--resume"])
    assert "(users_sha1 differ)" in str(edited.exception), f"an edited users file: {edited.output}"
    (tmp_path / "o.config.json").write_text('{"pipeline": {"gen')  # killed while writing it
    broken = CliRunner().invoke(cli, [*base, "--set", "generator.temperature=0.5", "--resume"])
    assert isinstance(broken.exception, ValidationError) and "cannot be read" in str(broken.exception), (
        broken.output
    )


def test_a_sharded_resume_of_a_merged_output_is_refused(fake_pg, tmp_path, monkeypatch):
    from promogen import batch

    out, users = tmp_path / "o.jsonl", tmp_path / "u.jsonl"
    out.write_text("{}\n")  # merged: no shard files are left
    write_users(users, 2)
    monkeypatch.setattr(batch, "world", lambda: (0, 2))
    with pytest.raises(ValidationError, match=r"already merged from its shards and complete"):
        batch.run_batch_sharded(lambda: fake_pg, demo_campaign("run20"), users, out, resume=True)


@pytest.mark.parametrize(("dtype", "refused"), [("bfloat16", True), ("float32", False)])
def test_a_resume_with_another_thread_count_is_refused_in_bfloat16_only(
    tiny_model_dir, tmp_path, dtype, refused
):
    users = write_users(tmp_path / "u.jsonl", 2)
    base = ["batch", "--campaign", "run20", "--users", str(users), "--out", str(tmp_path / "o.jsonl")]
    base += ["--n-candidates", "1", "--base-model", tiny_model_dir, "--set", f"generator.dtype={dtype}"]
    base += ["--set", f"scoring_dtype={dtype}"]
    assert CliRunner().invoke(cli, base).exit_code == 0, "the first run"
    threads = torch.get_num_threads()
    torch.set_num_threads(threads + 1)
    try:
        other = CliRunner().invoke(cli, [*base, "--resume"])
    finally:
        torch.set_num_threads(threads)
    assert (other.exit_code != 0) is refused, (
        f"{dtype}: bfloat16 copy moves with the thread count: {other.output}"
    )
    if refused:
        hint = (
            "(inference.threads differ; in bfloat16 the copy depends on the torch thread count: resume with "
        )
        assert hint + f"OMP_NUM_THREADS={threads})" in str(other.exception), other.exception
    record = tmp_path / "o.config.json"
    old = json.loads(record.read_text())
    old["inference"].pop("threads", None)  # a record written before threads were kept
    record.write_text(json.dumps(old))
    assert CliRunner().invoke(cli, [*base, "--resume"]).exit_code == 0, (
        "an older record's threads are not known"
    )
    old["pipeline"].pop("scoring_dtype"), old["inference"].pop("scoring_dtype")  # before the setting existed
    record.write_text(json.dumps(old))
    resumed = CliRunner().invoke(cli, [*base, "--resume"])
    assert (resumed.exit_code == 0) is (dtype == "float32"), (
        f"a record without scoring_dtype scored in float32: {resumed.output}"
    )


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (
            ["batch", "--campaign", "nope", "--users", "u.jsonl", "--out", "o.jsonl"],
            r"error: no demo campaign 'nope'; available: bogo_socks",
        ),
        (
            ["batch", "--campaign", "missing.yaml", "--users", "u.jsonl", "--out", "o.jsonl"],
            r"error: campaign file not found: missing.yaml",
        ),
        (
            ["generate", "--campaign", "run20", "--user", "nouser.json"],
            r"error: user file not found: nouser.json",
        ),
        (
            ["batch", "--campaign", "run20", "--users", "u.jsonl", "--out", "o.jsonl", "--set", "heat=2"],
            r"error: unknown setting `heat`; allowed here: encoder, generator",
        ),
        (
            ["batch", "--campaign", "run20", "--users", "u.jsonl", "--out", "o.jsonl", "--set", "seed"],
            r"error: setting 'seed' must be KEY=VALUE",
        ),
        (  # refused before the models load (their "loading models ..." line would come first)
            ["demo", "--campaign", "nope"],
            r"error: no demo campaign 'nope'; available: bogo_socks",
        ),
        (
            ["demo", "--set", "generator.temperature=hot"],
            r"error: `generator.temperature` must be float; got 'hot'",
        ),
        (
            ["generate", "--campaign", "run20", "--user", "u.json", "--set", "policy=best"],
            r"error: `policy` must be greedy, uniform, softmax:T or epsilon:E",
        ),
        (
            ["ope", "--log", "missing.jsonl"],
            r"error: log file not found: missing.jsonl",
        ),
        (  # a line that is JSON but not a delivery object used to raise a TypeError
            ["ope", "--log", "five.jsonl"],
            r"error: five.jsonl: each line must be a JSON object \(a delivery\) \(line 1\)$",
        ),
        (
            ["generate", "--campaign", "run20", "--user", "latin1.jsonl"],
            r"error: latin1.jsonl: not UTF-8 text \(byte 30\)$",
        ),
        (
            ["check", "--campaign", "latin1.jsonl", "--text", "hi"],
            r"error: latin1.jsonl: not UTF-8 text \(byte 30\)$",
        ),
        (
            ["check", "--campaign", "run20", "--copies", "latin1.jsonl"],
            r"error: latin1.jsonl: not UTF-8 text \(line 2\)$",
        ),
        (  # the output opened first would have emptied the users file, and the run reported success
            ["batch", "--campaign", "run20", "--users", "u.json", "--out", "./u.json"],
            r"error: the output ./u.json is also the users file: writing it would erase that input",
        ),
        (
            ["batch", "--plan", "p.jsonl", "--campaign", "run20", "--users", "u.json", "--out", "p.jsonl"],
            r"error: the output p.jsonl is also the plan file",
        ),
        (  # refused before the models load: the default model is not pulled in the tests' home
            ["batch", "--campaign", "run20", "--users", "missing.jsonl", "--out", "o.jsonl"],
            r"error: users file not found: missing.jsonl$",
        ),
        (
            ["plan", "--campaigns", "run20", "--users", "u.json", "--out", "u.json"],
            r"error: the output u.json is also the users file",
        ),
    ],
)
def test_cli_errors_are_one_line_not_a_traceback(args, pattern, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROMOGEN_HOME", str(tmp_path / "home"))
    (tmp_path / "u.json").write_text(json.dumps(GOOD))
    (tmp_path / "five.jsonl").write_text("5\n")
    (tmp_path / "latin1.jsonl").write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')
    monkeypatch.setattr("sys.argv", ["promogen", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and re.match(pattern, err) and "\n" not in err, (
        f"exit {stop.value.code}: {err!r}"
    )


def test_unknown_campaign_has_its_own_error_class():
    with pytest.raises(UnknownCampaignError, match="no demo campaign 'nope'"):
        load_campaign("nope")
    assert issubclass(UnknownCampaignError, ValidationError), "the CLI reports it as promogen's own error"


@pytest.mark.parametrize("error", [KeyError("perplexity"), TypeError("bug"), FileNotFoundError("x")])
def test_other_errors_keep_their_traceback(error, monkeypatch):
    """Only promogen's own errors become one line; a bug must surface with its traceback."""

    def broken(_):
        raise error

    monkeypatch.setattr("promogen.cli.load_campaign", broken)
    monkeypatch.setattr("sys.argv", ["promogen", "check", "--campaign", "run20", "--text", "hi"])
    with pytest.raises(type(error)):
        main()


def test_missing_default_model_says_how_to_pull(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PROMOGEN_HOME", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["promogen", "demo", "--out-dir", str(tmp_path / "d")])
    with pytest.raises(SystemExit):
        main()
    assert "run `promogen models pull`" in capsys.readouterr().err, "the message says what to do"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["batch"],
        ["generate"],
        ["demo"],
        ["simulate"],
        ["models"],
        ["models", "pull"],
        ["ope"],
        ["plan"],
        ["learn"],
        ["abtest"],
    ],
)
def test_help_shows_a_runnable_example(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "promogen " in result.output, (
        result.output
    )


@pytest.mark.parametrize("command", ["learn", "abtest", "ope"])
def test_help_says_how_the_log_it_reads_is_made(command):
    output = " ".join(CliRunner().invoke(cli, [command, "--help"]).output.split())
    made_by = "`promogen batch` wrote" if command == "ope" else "`promogen plan` wrote"
    assert made_by in output, f"{command} --help names the command whose output the log extends: {output}"


BATCH = ["batch", "--campaign", "run20", "--users", "u.jsonl", "--out", "o.jsonl"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["simulate", "--n", "-3", "--out", "s.jsonl"], "--n"),  # wrote "-3 users" and an empty file
        (["ope", "--log", "log.jsonl", "--bootstrap", "0"], "--bootstrap"),  # intervals of width 0
        ([*BATCH, "--limit", "-1"], "--limit"),  # ended the run with 0 users
        ([*BATCH, "--max-errors", "-1"], "--max-errors"),
    ],
)  # fmt: skip
def test_counts_out_of_range_are_refused_as_usage_errors(args, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output, result.output
    assert not (tmp_path / "s.jsonl").exists(), "nothing written"


@pytest.mark.parametrize("block", [1 << 16, 4])  # the default, and blocks shorter than a line
def test_a_half_written_last_line_is_cut_off_and_the_rest_read(block, tmp_path, monkeypatch):
    from promogen import outputs

    monkeypatch.setattr(outputs, "BLOCK", block)
    path = tmp_path / "generated.jsonl"
    path.write_text('{"user_id": "a"}\n{"user_id": "b"}\n{"user_id": "c", "cand')
    rows = [row for _, row in outputs.complete_rows(path, "sheet", "row")]
    assert rows == [{"user_id": "a"}, {"user_id": "b"}], f"the whole lines only: {rows}"
    assert path.read_text().endswith('"b"}\n'), "the tail is cut, so an append starts on a fresh line"
    path.write_text('{"user_id": "c", "cand')
    assert list(outputs.complete_rows(path, "sheet", "row")) == [] and path.read_text() == "", (
        "a file that is one half-written line is emptied"
    )
    assert list(outputs.complete_rows(tmp_path / "none.jsonl", "sheet", "row")) == [], "no file yet"


def test_a_broken_line_before_the_last_is_a_one_line_error(tmp_path):
    from promogen.outputs import complete_rows

    path = tmp_path / "out.jsonl"
    path.write_text('{"user_id": "a"}\n{"user_id": \n{"user_id": "c"}\n')
    with pytest.raises(ValidationError, match=r"out.jsonl: broken JSON: .* \(line 2\)"):
        list(complete_rows(path, "output", "line"))


def test_a_candidate_sheet_resumes_after_a_half_written_line(fake_pg, copywriter, tmp_path):
    from promogen.train.gold import generate_candidates

    copywriter.rule = copywriter.write_offer
    campaign, users = demo_campaign("run20"), simulate_users(3, seed=2)
    path = generate_candidates(fake_pg, [(u, campaign) for u in users[:2]], tmp_path, n=2, seed=0)
    whole = path.read_text(encoding="utf-8")
    path.write_text(whole + whole.splitlines()[0][:40], encoding="utf-8")  # killed mid-write
    generate_candidates(fake_pg, [(u, campaign) for u in users], tmp_path, n=2, seed=0)
    ids = [json.loads(line)["user_id"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert ids == [u.user_id for u in users], f"the two done kept, the third added once: {ids}"


def test_an_output_under_another_name_for_its_input_is_refused(tmp_path):
    from promogen.outputs import check_apart

    (tmp_path / "sub").mkdir()
    users = tmp_path / "users.jsonl"
    with pytest.raises(ValidationError, match="is also the users file"):
        check_apart(tmp_path / "sub" / ".." / "users.jsonl", users=users, plan=None)
    users.write_text("{}\n")
    (tmp_path / "hard.jsonl").hardlink_to(users)
    with pytest.raises(ValidationError, match="is also the users file"):
        check_apart(tmp_path / "hard.jsonl", users=users)
    check_apart(tmp_path / "out.jsonl", users=users, plan=None)  # apart: no error


def test_scripts_report_promogens_own_errors_in_one_line_and_keep_other_tracebacks(monkeypatch, capsys):
    from promogen.cli import run_script

    def refuses():
        raise ValidationError("copy_gold split not found: nowhere/train.jsonl")

    monkeypatch.setattr("sys.argv", ["eval/reference_metrics.py"])
    with pytest.raises(SystemExit) as stop:
        run_script(refuses)
    err = capsys.readouterr().err
    assert stop.value.code == 2, "a usage error's exit status"
    assert err == "reference_metrics.py: error: copy_gold split not found: nowhere/train.jsonl\n", err

    def bug():
        raise KeyError("perplexity")

    with pytest.raises(KeyError):
        run_script(bug)


def _script_main(path: str):
    """The `main` of an eval/ or finetune/ script, loaded from its file as `python path` runs it."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, Path(__file__).parents[1] / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.mark.parametrize(
    ("script", "argv", "pattern"),
    [
        (
            "finetune/train_lora.py",
            ["--config", "{tmp}/none.yaml"],
            r"training config file not found: .*none\.yaml",
        ),
        (
            "finetune/train_lora.py",
            ["--config", "{tmp}/broken.yaml"],
            r"cannot parse training config file .*broken\.yaml \(line 2\): expected ','",
        ),
        (
            "finetune/train_lora.py",
            ["--config", "{tmp}/list.yaml"],
            r"list\.yaml must be a mapping of TrainConfig fields, not \[1\]",
        ),
        (
            "finetune/train_lora.py",
            ["--config", "{tmp}/empty.yaml"],
            r"training config .*empty\.yaml is empty",
        ),
        (
            "eval/compare_adapters.py",
            ["none", "--data", "{tmp}/list.yaml", "--exclude", "{tmp}/none.jsonl", "--out", "{tmp}/o.json"],
            r"--exclude file not found: .*none\.jsonl",
        ),
        (
            "eval/harness.py",
            ["--exclude", "{tmp}/none.txt", "--out", "{tmp}/o"],
            r"--exclude file not found: .*none\.txt",
        ),
        ("eval/benchmarks.py", ["mind", "--data", "{tmp}/none.json"], r"--data not found: .*none\.json$"),
        ("finetune/train_lora.py", ["--set", "adapter.rank=8"], r"unknown setting `adapter\.rank`"),
        ("finetune/train_lora.py", ["--set", "lr=fast"], r"`lr` must be float; got 'fast'"),
        ("finetune/train_lora.py", ["--set", "lr=2"], r"`lr` must be in \[0\.0, 1\.0\]; got 2\.0"),
        (
            "eval/benchmarks.py",
            ["hillstrom", "--data", "{tmp}/list.yaml", "--train", "{tmp}/no.csv"],
            r"--train not found: .*no\.csv$",
        ),
    ],
)
def test_scripts_name_a_missing_or_broken_input_in_one_line(
    script, argv, pattern, tmp_path, monkeypatch, capsys
):
    from promogen.cli import run_script

    (tmp_path / "broken.yaml").write_text("steps: [1\n")
    (tmp_path / "list.yaml").write_text("- 1\n")
    (tmp_path / "empty.yaml").write_text("")
    argv = [a.format(tmp=tmp_path) for a in argv]
    monkeypatch.setattr("sys.argv", [script, *argv])
    with pytest.raises(SystemExit) as stop:
        run_script(_script_main(script))
    err = capsys.readouterr().err
    assert stop.value.code == 2, f"{script}: a usage error's exit status, got {stop.value.code}"
    assert len(err.strip().splitlines()) == 1 and re.search(pattern, err), (
        f"{script}: one line naming it: {err}"
    )


def test_train_lora_flags_override_the_config_file(tmp_path, monkeypatch, capsys):
    main = _script_main("finetune/train_lora.py")
    seen = []
    monkeypatch.setitem(
        main.__globals__, "train", lambda config: seen.append(config) or SimpleNamespace(main=False)
    )
    (tmp_path / "c.yaml").write_text("data: [a.jsonl]\nout: runs/a\nsteps: 300\nseed: 0\nlr: 0.0004\n")
    monkeypatch.setattr("sys.argv", ["train_lora.py", "--config", str(tmp_path / "c.yaml"), "--seed", "1"])
    main()
    monkeypatch.setattr(
        "sys.argv", ["train_lora.py", "--config", str(tmp_path / "c.yaml"), "--steps", "5", "--out", "o"]
    )
    main()
    assert [(c.seed, c.steps, c.out) for c in seen] == [(1, 300, "runs/a"), (0, 5, "o")], (
        f"each flag given replaces its field, the others keep the file's: {seen}"
    )
    assert all(c.lr == 0.0004 and c.data == ["a.jsonl"] for c in seen), (
        f"the file's other fields stay: {seen}"
    )
    settings = ["--set", "lr=0.0002", "--set", "adapter.lora_r=8", "--set", "adapter.lora_alpha=16"]
    monkeypatch.setattr("sys.argv", ["train_lora.py", "--config", str(tmp_path / "c.yaml"), *settings])
    main()
    last = seen[-1]
    assert (last.lr, last.adapter.lora_r, last.adapter.lora_alpha, last.steps) == (0.0002, 8, 16, 300), (
        f"--set replaces any field, nested ones by their dotted path, and keeps the file's others: {last}"
    )
    monkeypatch.setattr("sys.argv", ["train_lora.py", "--steps", "200", "--set", "steps=300", "--out", "o"])
    main()
    assert seen[-1].steps == 200, f"a flag wins over --set, as in promogen's CLI: {seen[-1].steps}"
    (tmp_path / "d.yaml").write_text("data: [a.jsonl]\ninit_adapter: runs/sft/adapter\n")
    monkeypatch.setattr(
        "sys.argv", ["train_lora.py", "--config", str(tmp_path / "d.yaml"), "--set", "init_adapter="]
    )
    main()
    assert seen[-1].init_adapter is None, (
        f"an empty --set clears the start adapter: {seen[-1].init_adapter!r}"
    )


def _documented(script: str) -> list[list[str]]:
    """The arguments of every `python SCRIPT ...` command the README, docs/ and the Makefile give: inline
    ones (between backticks, wrapped over lines) and those of code blocks and recipes (a line each, with
    backslash continuations)."""
    root, commands = Path(__file__).parents[1], []
    for path in [root / "README.md", *sorted((root / "docs").glob("*.md")), root / "Makefile"]:
        text = path.read_text().replace("\\\n", " ")
        blocks = [text] if path.name == "Makefile" else text.split("```")
        for i, block in enumerate(blocks):
            lines = block.splitlines() if path.name == "Makefile" or i % 2 else block.split("`")[1::2]
            for line in lines:
                words = " ".join(line.split())
                commands += [
                    found.split()
                    for found in re.findall(rf"python {re.escape(script)} (.*?)(?= python |$)", words)
                ]
    return commands


def test_every_documented_training_command_makes_a_valid_config(monkeypatch):
    # A recipe's run is a config file in finetune/configs with flags; a flag the script does not take, a
    # setting TrainConfig lacks or a config file that is gone fails here, not an hour into a run.
    main, seen = _script_main("finetune/train_lora.py"), []
    monkeypatch.setitem(
        main.__globals__, "train", lambda config: seen.append(config) or SimpleNamespace(main=False)
    )
    monkeypatch.chdir(Path(__file__).parents[1])
    commands = _documented("finetune/train_lora.py")
    files = [Path("README.md"), *sorted(Path("docs").glob("*.md")), Path("Makefile")]
    written = sum(" ".join(p.read_text().split()).count("python finetune/train_lora.py ") for p in files)
    assert len(commands) == written > 20, f"every training command found: {len(commands)} of {written}"
    for args in commands:
        monkeypatch.setattr("sys.argv", ["train_lora.py", *args])
        try:
            main()
        except (SystemExit, ValidationError) as exc:
            raise AssertionError(f"documented `train_lora.py {' '.join(args)}` fails: {exc}") from exc
    assert len(seen) == len(commands), "each command reached training with its config"
    used = {args[args.index("--config") + 1] for args in commands if "--config" in args}
    files = {str(p) for p in Path("finetune/configs").glob("*.yaml")}
    assert files <= used, f"every training config is one a documented command uses: {sorted(files - used)}"


@pytest.mark.parametrize(
    ("script", "command"),
    [
        ("eval/panel.py", "sheet"),
        ("eval/panel.py", "summary"),
        ("finetune/label_candidates.py", "sheet"),
        ("finetune/label_candidates.py", "collect"),
        ("finetune/label_candidates.py", "pairs"),
        ("finetune/write_campaigns.py", "sheets"),
        ("finetune/write_campaigns.py", "check"),
        ("finetune/write_campaigns.py", "collect"),
    ],
)
def test_each_subcommands_help_ends_with_a_runnable_example(script, command, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", [script, command, "--help"])
    with pytest.raises(SystemExit):
        _script_main(script)()
    shown = capsys.readouterr().out.strip()
    last = shown.splitlines()[-1]
    runs = f"python -m eval.{Path(script).stem}" if script.startswith("eval/") else f"python {script}"
    assert last.startswith(f"example: {runs}") and f" {command} " in last, f"{script} {command}: {last}"
    listed = shown.rpartition("example:")[0]
    unknown = [f for f in re.findall(r"(?<=\s)--[a-z][a-z-]*", last) if f not in listed]
    assert not unknown, f"{script} {command}: the example uses options its help does not list: {unknown}"
