"""Delivery planning against a simulator with a known truth: the planner learns, its IPS value is
unbiased, constraints hold for every policy, the A/B readout and the CLI loop work, bad input is refused."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from promogen import ValidationError
from promogen.abtest import readout, sample_size
from promogen.cli import cli, main
from promogen.ope import LoggedData, compare_ips, evaluate, evaluate_probs
from promogen.plan import PlanConfig, plan
from promogen.policy import PolicyConfig, action_probs
from promogen.reward import NONE, RewardConfig, RewardModel, learn
from promogen.simulate import demo_campaign, simulate_audience, simulate_outcomes
from promogen.types import Assignment, UserHistory

CAMPAIGNS = [demo_campaign(c) for c in ("run20", "shipfree", "ten_off")]
ACTIONS = [NONE] + [c.campaign_id for c in CAMPAIGNS]


def _probs(rows, actions=ACTIONS):
    return np.array([[r["probabilities"].get(a, 0.0) for a in actions] for r in rows])


@pytest.fixture(scope="module")
def learned():
    """A reward model fitted on one cold-start (randomised) round of 3,000 simulated users."""
    users, truth = simulate_audience(3000, CAMPAIGNS, seed=1)
    rows = simulate_outcomes(plan(None, CAMPAIGNS, users, PlanConfig()), truth, ACTIONS, seed=2)
    return learn([Assignment.from_dict(r) for r in rows], RewardConfig(ensemble=8))


@pytest.mark.parametrize("policy", ["greedy", "epsilon:0.1", "thompson"])
def test_planner_beats_random_targeting_on_fresh_users(learned, policy):
    users, truth = simulate_audience(2000, CAMPAIGNS, seed=5)
    probs = _probs(plan(learned, CAMPAIGNS, users, PlanConfig(budget=0.3, policy=policy)))
    sends = 1 - probs[:, 0]
    # Random targeting at the same number of sends: any allowed campaign, uniformly.
    ok = np.array([[True] + [c.channel in u.attributes["opt_in"] for c in CAMPAIGNS] for u in users])
    ok[[u.attributes["recent_sends"] >= 1 for u in users], 1:] = False
    reach = ok[:, 1:].any(axis=1)
    share = sends.sum() / reach.sum()
    random = np.where(reach[:, None], share * ok[:, 1:] / np.maximum(ok[:, 1:].sum(1, keepdims=True), 1), 0)
    value = (probs * truth).sum(axis=1).mean()
    random_value = ((1 - random.sum(1)) * truth[:, 0] + (random * truth[:, 1:]).sum(1)).mean()
    assert value > random_value + 0.01, f"{policy}: planner {value:.4f} vs random {random_value:.4f}"
    assert sends.sum() <= 0.3 * len(users) + 1e-6, f"{policy}: {sends.sum():.1f} sends over the budget"


def test_ips_of_the_planner_is_unbiased_against_the_simulator_truth(learned):
    errors, covered = [], 0
    for seed in range(15):
        users, truth = simulate_audience(1200, CAMPAIGNS, seed=100 + seed)
        log = simulate_outcomes(plan(None, CAMPAIGNS, users, PlanConfig(seed=seed)), truth, ACTIONS, seed)
        target = _probs(plan(learned, CAMPAIGNS, users, PlanConfig(budget=0.5, policy="epsilon:0.2")))
        data = LoggedData(
            np.zeros_like(truth),
            np.ones_like(truth, dtype=bool),
            np.array([ACTIONS.index(r["action"]) for r in log]),
            np.array([r["propensity"] for r in log]),
            np.array([r["visit"] for r in log], dtype=float),
        )
        ips = evaluate_probs(data, target, bootstrap=100, seed=seed)["ips"]
        true_value = (target * truth).sum(axis=1).mean()
        errors.append(ips["estimate"] - true_value)
        covered += ips["ci_low"] <= true_value <= ips["ci_high"]
    se = np.std(errors) / np.sqrt(len(errors))
    assert abs(np.mean(errors)) < 3 * se + 1e-3, f"IPS bias {np.mean(errors):.4f} (se {se:.4f})"
    assert covered >= 13, f"95% intervals covered the truth in only {covered} of 15 runs"


@pytest.mark.parametrize("policy", ["greedy", "epsilon:0.3", "thompson"])
@pytest.mark.parametrize("budget", [0.0, 0.25, 1.0])
def test_budget_frequency_cap_and_opt_in_hold_for_every_policy(learned, policy, budget):
    users, _ = simulate_audience(600, CAMPAIGNS, seed=9)
    rows = plan(learned, CAMPAIGNS, users, PlanConfig(budget=budget, policy=policy, seed=3))
    probs = _probs(rows)
    assert np.allclose(probs.sum(axis=1), 1), "each user's action probabilities sum to 1"
    assert sum(r["action"] != NONE for r in rows) <= int(budget * len(users)), "drawn sends within budget"
    channel = {c.campaign_id: c.channel for c in CAMPAIGNS}
    for user, row in zip(users, rows, strict=True):
        assert row["probabilities"][row["action"]] == pytest.approx(row["propensity"], abs=1e-6)
        for action, p in row["probabilities"].items():
            if action == NONE or p == 0:
                continue
            assert channel[action] in user.attributes["opt_in"], f"{user.user_id}: {action} not opted in"
            assert user.attributes["recent_sends"] < 1, f"{user.user_id}: over the frequency cap"


def test_cold_start_is_a_randomised_experiment_with_exact_propensities():
    users, _ = simulate_audience(4000, CAMPAIGNS, seed=4)
    rows = plan(None, CAMPAIGNS, users, PlanConfig(budget=0.5, seed=1))
    probs = _probs(rows)
    drawn = np.array([[r["action"] == a for a in ACTIONS] for r in rows])
    gap = np.abs(drawn.mean(axis=0) - probs.mean(axis=0))
    assert (gap < 0.02).all(), f"drawn shares must match the recorded probabilities: {gap}"
    assert drawn[:, 1:].sum() <= 2000, "the exploration round respects the budget exactly"


def test_evaluate_probs_matches_evaluate_and_paired_difference_of_a_policy_with_itself_is_zero():
    rng = np.random.default_rng(0)
    scores, eligible = rng.random((500, 3)), rng.random((500, 3)) > 0.2
    eligible[:, 0] = True
    data = LoggedData(scores, eligible, rng.integers(0, 3, 500), np.full(500, 1 / 3), rng.integers(0, 2, 500))
    policy = PolicyConfig.parse("epsilon:0.2")
    pi = action_probs(scores, eligible, policy)
    a, b = evaluate(data, policy, bootstrap=50), evaluate_probs(data, pi, bootstrap=50)
    assert a["ips"] == b["ips"] and a["dr"] == b["dr"], "same policy, same estimates"
    same = compare_ips(data, pi, pi, bootstrap=50)
    assert same == {"estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0}, f"paired self-difference: {same}"


def test_update_with_a_prior_moves_weights_less_than_a_fresh_fit(learned):
    users, truth = simulate_audience(300, CAMPAIGNS, seed=11)
    rows = simulate_outcomes(plan(None, CAMPAIGNS, users, PlanConfig(seed=2)), truth, ACTIONS, seed=3)
    logged = [Assignment.from_dict(r) for r in rows]
    fresh = RewardModel.fit(
        [r.features for r in logged],
        [r.action for r in logged],
        [r.visit for r in logged],
        RewardConfig(ensemble=0, l2=50.0),
        prior=None,
    )
    updated = learn(logged, RewardConfig(ensemble=0, l2=50.0), prior=learned)
    moved = np.abs(updated.weights - learned.weights).mean()
    fresh_gap = np.abs(fresh.weights - learned.weights).mean()
    assert moved < 0.5 * fresh_gap, (
        f"an update on 300 rows stays near the prior: {moved:.3f} vs {fresh_gap:.3f}"
    )
    only_none = [r for r in logged if r.action == NONE]
    kept = learn(only_none, RewardConfig(ensemble=0), prior=learned)
    assert np.array_equal(kept.weights[1:], learned.weights[1:]), (
        "actions absent from the new log keep the prior"
    )


def test_reward_model_round_trips_through_disk(learned, tmp_path):
    users, _ = simulate_audience(50, CAMPAIGNS, seed=12)
    from promogen.plan import user_features

    feats = [user_features(u) for u in users]
    loaded = RewardModel.load(learned.save(tmp_path / "m"))
    assert np.allclose(loaded.predict(feats), learned.predict(feats)), "same predictions after save/load"
    assert np.allclose(loaded.predict_members(feats), learned.predict_members(feats)), "same ensemble"


def test_a_difference_without_spread_is_certain_and_no_difference_is_not():
    out = readout(["none"] * 40 + ["a"] * 40, {"revenue": [0.0] * 40 + [5.0] * 40}, control="none")
    assert out["vs_control"]["a"]["revenue"]["p_value"] == 0.0, out["vs_control"]
    out = readout(["none"] * 40 + ["a"] * 40, {"revenue": [5.0] * 80}, control="none")
    assert out["vs_control"]["a"]["revenue"]["p_value"] == 1.0, out["vs_control"]


def _row(user, action, probabilities, visit=0):
    return Assignment(user, action, probabilities.get(action, 1.0), probabilities, visit=visit)


EVEN = {"none": 0.5, "run20": 0.5}


@pytest.mark.parametrize(
    ("rows", "kept", "note"),
    [
        ([_row("a", "none", {}), _row("b", "run20", {})], 2, "assumed"),
        (
            [_row("a", "none", EVEN), _row("b", "run20", EVEN), _row("c", "none", {"none": 1.0})],
            2,
            "1 left out",
        ),
    ],
)
def test_an_ab_readout_compares_only_users_who_could_land_in_every_arm(rows, kept, note):
    from promogen.abtest import randomised_rows

    used, said = randomised_rows(rows)
    assert len(used) == kept and note in said["randomised"], (used, said)


def test_an_ab_readout_refuses_a_log_whose_chances_differ_per_user():
    from promogen.abtest import randomised_rows

    rows = [_row("a", "none", EVEN), _row("b", "run20", {"none": 0.2, "run20": 0.8})]
    with pytest.raises(ValidationError, match=r"differ between users .* `promogen ope`"):
        randomised_rows(rows)


def test_a_rarely_logged_action_still_gets_every_bootstrap_member():
    features = [{"age": float(i % 7)} for i in range(40)]
    for seed in range(20):
        model = RewardModel.fit(features, ["none"] * 37 + ["run20"] * 3, [i % 2 for i in range(40)],
                                RewardConfig(seed=seed))  # fmt: skip
        assert model.members.shape[0] == 16, f"seed {seed}: every member fitted"


def test_nobody_is_contacted_when_every_logged_reward_is_zero():
    users, _ = simulate_audience(300, CAMPAIGNS, seed=3)
    rows = [{**r, "visit": 0} for r in plan(None, CAMPAIGNS, users, PlanConfig())]
    model = learn([Assignment.from_dict(r) for r in rows], RewardConfig(ensemble=0))
    actions = [r["action"] for r in plan(model, CAMPAIGNS, users, PlanConfig(budget=0.3))]
    assert set(actions) == {NONE}, "a float-noise uplift spends no budget"


def test_abtest_readout_finds_a_real_difference_and_sample_size_matches_the_textbook():
    rng = np.random.default_rng(0)
    arms = ["none"] * 20000 + ["mail"] * 20000
    visit = np.concatenate([rng.random(20000) < 0.10, rng.random(20000) < 0.15]).astype(float)
    revenue = visit * rng.gamma(2.0, 20.0, 40000)
    out = readout(arms, {"visit": visit, "revenue": revenue}, control="none", lift=0.01)
    diff = out["vs_control"]["mail"]["visit"]
    assert diff["ci"][0] < 0.05 < diff["ci"][1] and diff["p_value"] < 1e-10, f"difference: {diff}"
    assert out["arms"]["none"]["visit"]["ci"][0] < 0.10 < out["arms"]["none"]["visit"]["ci"][1]
    assert out["vs_control"]["mail"]["revenue"]["p_value"] < 1e-6, "revenue per user differs too"
    # 10% -> 11% at alpha 0.05 two-sided, power 0.8: 14,751 per arm (G*Power / statsmodels-style formula)
    assert abs(sample_size(0.10, 0.01) - 14751) <= 5, sample_size(0.10, 0.01)


BAD = [
    (lambda: PlanConfig(budget=1.5), ValidationError, r"`budget` must be in \[0.0, 1.0\]"),
    (
        lambda: PlanConfig(policy="softmax:1"),
        ValidationError,
        r"`policy` must be greedy, thompson or epsilon",
    ),
    (lambda: PlanConfig(policy="epsilon:2"), ValidationError, r"`epsilon` must be in"),
    (lambda: PlanConfig(frequency_cap=-1), ValidationError, r"`frequency_cap` must be in"),
    (lambda: RewardConfig(reward="likes"), ValidationError, r"`reward` must be one of"),
    (
        lambda: Assignment.from_dict({"user_id": "u", "action": "none", "propensity": 0}),
        ValidationError,
        r"`propensity` must be in \(0, 1\]",
    ),
    (
        lambda: Assignment.from_dict({"user_id": "u", "action": "none", "propensity": 1, "visit": 2}),
        ValidationError,
        r"`visit` must be 0 or 1",
    ),
    (
        lambda: learn(
            [Assignment.from_dict({"user_id": "u", "action": "none", "propensity": 1})], RewardConfig()
        ),
        ValidationError,
        r"lack the outcome `visit`",
    ),
    (
        lambda: RewardModel.fit([{}, {}], ["run20", "run20"], [0, 1]),
        ValidationError,
        r'needs rows with action "none"',
    ),
    (
        lambda: readout(["none"] * 40 + ["a"] * 5, {"visit": [0] * 45}, control="none"),
        ValidationError,
        r"fewer than 30 users",
    ),
    (lambda: readout(["a"] * 40, {"visit": [0] * 40}, control="none"), ValidationError, r"control arm"),
    (
        lambda: plan(None, [CAMPAIGNS[0], CAMPAIGNS[0]], [], PlanConfig()),
        ValidationError,
        r"campaign ids must be unique",
    ),
    # a NaN attribute would make every weight NaN; lists of words are no feature
    (
        lambda: UserHistory.from_dict({**USER, "attributes": {"age": float("nan")}}),
        ValidationError,
        r"`attributes.age` must be a finite number, got nan",
    ),
    (
        lambda: RewardModel.fit([{"tags": ["shoes"]}, {"tags": ["bags"]}], ["none", "run20"], [0, 1]),
        ValidationError,
        r"feature `tags`: lists must hold finite numbers, all of one length",
    ),
    (
        lambda: RewardModel.fit([{"vip": True}, {"vip": False}], ["none", "run20"], [0, 1]),
        ValidationError,
        r"feature `vip` must be finite numbers, strings or lists of numbers .*\(true/false: write 1/0\)",
    ),
    (
        lambda: RewardModel.fit(
            [{}, {}], ["none", "run20"], [0, 1], RewardConfig(reward="visit"), prior=_revenue_model()
        ),
        ValidationError,
        r"the model to update predicts `revenue`, not `visit`: update it with reward=revenue",
    ),
]


USER = {"user_id": "u", "events": [{"type": "view", "text": "running shoes"}]}


def _revenue_model():
    return RewardModel.fit(
        [{"x": 1.0}, {"x": 2.0}], ["none", "run20"], [0.0, 5.0], RewardConfig(reward="revenue")
    )


@pytest.mark.parametrize("call, error, pattern", BAD)
def test_bad_input_is_refused_with_a_message_naming_the_field(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_plan_refuses_campaigns_the_model_never_saw_and_bad_opt_in(learned):
    users, _ = simulate_audience(3, CAMPAIGNS, seed=1)
    with pytest.raises(ValidationError, match=r"campaign\(s\) \['bogo_socks'\] have no reward model"):
        plan(learned, [*CAMPAIGNS, demo_campaign("bogo_socks")], users, PlanConfig())
    users[0].attributes["opt_in"] = "push"
    with pytest.raises(ValidationError, match=r"`attributes.opt_in` must be a list"):
        plan(learned, CAMPAIGNS, users, PlanConfig())


def test_cli_closes_the_loop_plan_outcomes_learn_plan_abtest(tmp_path, monkeypatch):
    users, truth = simulate_audience(1200, CAMPAIGNS, seed=21)
    path = tmp_path / "users.jsonl"
    path.write_text("".join(json.dumps(u.to_dict()) + "\n" for u in users))
    runner = CliRunner()
    names = "run20,shipfree,ten_off"
    first = runner.invoke(
        cli, ["plan", "--campaigns", names, "--users", str(path), "--out", str(tmp_path / "p0.jsonl")]
    )
    assert first.exit_code == 0, first.output
    config = json.loads((tmp_path / "p0.config.json").read_text())
    assert config["config"] == "PlanConfig" and config["budget"] == 1.0, f"config saved beside: {config}"
    rows = [json.loads(x) for x in (tmp_path / "p0.jsonl").read_text().splitlines()]
    assert {r["policy"] for r in rows} == {"explore"}, "no model yet: the exploration round"
    log = tmp_path / "outcomes.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in simulate_outcomes(rows, truth, ACTIONS, seed=1)))
    learned = runner.invoke(
        cli, ["learn", "--log", str(log), "--out", str(tmp_path / "m"), "--ensemble", "4"]
    )
    assert learned.exit_code == 0, learned.output
    second = runner.invoke(
        cli,
        [
            "plan",
            "--campaigns",
            names,
            "--users",
            str(path),
            "--out",
            str(tmp_path / "p1.jsonl"),
            "--model",
            str(tmp_path / "m"),
            "--budget",
            "0.3",
            "--policy",
            "thompson",
        ],
    )
    assert second.exit_code == 0, second.output
    planned = [json.loads(x) for x in (tmp_path / "p1.jsonl").read_text().splitlines()]
    assert sum(r["action"] != NONE for r in planned) <= 360, "budget 0.3 of 1,200 users"
    ab = runner.invoke(cli, ["abtest", "--log", str(log)])
    assert ab.exit_code == 0, ab.output
    assert set(json.loads(ab.output)["vs_control"]) == set(ACTIONS[1:]), ab.output
    assert "promogen plan --campaigns" in runner.invoke(cli, ["plan", "--help"]).output, "runnable example"
    monkeypatch.setattr(
        "sys.argv",
        [
            "promogen",
            "plan",
            "--campaigns",
            names,
            "--users",
            str(path),
            "--out",
            str(tmp_path / "p2.jsonl"),
            "--budget",
            "2",
        ],
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2, "promogen's own errors exit 2 with one line"


def test_batch_with_a_plan_writes_each_user_their_campaign_and_nobody_else(fake_pg, copywriter, tmp_path):
    from promogen.batch import run_batch
    from promogen.plan import assigned_campaigns

    users = [
        {"user_id": f"u{i}", "events": [{"type": "view", "text": "trail running shoes"}]} for i in range(4)
    ]
    (tmp_path / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users))
    plan_rows = [("u0", "run20"), ("u1", NONE), ("u2", "shipfree"), ("u3", "run20")]
    (tmp_path / "plan.jsonl").write_text(
        "".join(json.dumps({"user_id": u, "action": a, "propensity": 1.0}) + "\n" for u, a in plan_rows)
    )
    assigned = assigned_campaigns(tmp_path / "plan.jsonl", CAMPAIGNS)
    copywriter.rule = copywriter.write_offer  # the offer of whichever campaign the prompt is for
    summary = run_batch(
        fake_pg,
        CAMPAIGNS[0],
        tmp_path / "users.jsonl",
        tmp_path / "out.jsonl",
        n_candidates=1,
        progress=False,
        assigned=assigned,
    )
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    got = [(r["user_id"], r["campaign_id"]) for r in out]
    assert got == [("u0", "run20"), ("u2", "shipfree"), ("u3", "run20")], (
        f"planned campaigns in file order: {got}"
    )
    codes = {"run20": "RUN20", "shipfree": "SHIPFREE"}
    for r in out:
        assert r["chosen_by"] == "model" and codes[r["campaign_id"]] in r["text"], (
            f"{r['user_id']} gets model copy for their planned campaign: {r['text']!r}"
        )
    assert any("1 users the plan sends nothing" in n for n in summary.notes), summary.notes
    recorded = json.loads((tmp_path / "out.config.json").read_text())["plan"]
    assert [c["campaign_id"] for c in recorded["campaigns"]] == ["run20", "shipfree"], recorded
    assert recorded["users"] == 3, f"the plan's users who get copy: {recorded}"
    other = {**assigned, "u3": CAMPAIGNS[1]}
    with pytest.raises(ValidationError, match=r"--resume with other settings .*\(plan\.sha1 differ\)"):
        run_batch(
            fake_pg,
            CAMPAIGNS[0],
            tmp_path / "users.jsonl",
            tmp_path / "out.jsonl",
            n_candidates=1,
            progress=False,
            resume=True,
            assigned=other,
        )
    with pytest.raises(ValidationError, match=r"the plan assigns campaign 'shipfree'"):
        assigned_campaigns(tmp_path / "plan.jsonl", CAMPAIGNS[:1])


@pytest.mark.parametrize(
    ("args", "saved"),
    [
        (["--set", "min_uplift=0.02", "--budget", "0.5"], {"min_uplift": 0.02, "budget": 0.5}),
        (["--set", "budget=0.2", "--budget", "0.4"], {"budget": 0.4}),
        (["--interests", "--seed", "3"], {"interests": True, "seed": 3}),
        (["--set", "policy=epsilon:0.2"], {"policy": "epsilon:0.2"}),
    ],
)
def test_plan_settings_go_through_the_one_override_syntax(tmp_path, args, saved):
    """`--set` for any PlanConfig field; the named options are shortcuts applied after it."""
    users, _ = simulate_audience(20, CAMPAIGNS, seed=3)
    path = tmp_path / "users.jsonl"
    path.write_text("".join(json.dumps(u.to_dict()) + "\n" for u in users))
    out = tmp_path / "plan.jsonl"
    result = CliRunner().invoke(
        cli, ["plan", "--campaigns", "run20,shipfree", "--users", str(path), "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "plan.config.json").read_text())
    assert {k: config[k] for k in saved} == saved, f"{args} saved as {config}"


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["plan", "--set", "budjet=0.3"], r"unknown setting `budjet`; allowed here: budget"),
        (["plan", "--set", "budget=lots"], r"`budget` must be float; got 'lots'"),
        (["plan", "--set", "policy=best"], r"policy"),
        (["learn", "--set", "reward=likes"], r"`reward` must be one of visit"),
        (["learn", "--set", "l2"], r"setting 'l2' must be KEY=VALUE"),
    ],
)
def test_bad_plan_and_learn_settings_name_the_setting(tmp_path, monkeypatch, capsys, args, pattern):
    users, _ = simulate_audience(5, CAMPAIGNS, seed=3)
    path = tmp_path / "in.jsonl"
    if args[0] == "plan":
        path.write_text("".join(json.dumps(u.to_dict()) + "\n" for u in users))
        files = ["--campaigns", "run20", "--users", str(path), "--out", str(tmp_path / "p.jsonl")]
    else:
        row = {"user_id": "u", "action": NONE, "propensity": 1.0, "visit": 0}
        path.write_text(json.dumps(row) + "\n")
        files = ["--log", str(path), "--out", str(tmp_path / "m")]
    monkeypatch.setattr("sys.argv", ["promogen", args[0], *files, *args[1:]])
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert re.search(pattern, err), err


def test_the_closed_loop_learns_regret_falls_after_the_exploration_round():
    from promogen.simulate import feedback_rounds

    rows = feedback_rounds(CAMPAIGNS, "greedy", rounds=4, users=800, budget=0.3, seed=1)
    regret = [r["regret"] for r in rows]
    assert regret[-1] < 0.5 * regret[0], (
        f"regret per round must fall well below the exploration round's: {regret}"
    )
    assert all(r["value"] <= r["oracle"] + 0.01 for r in rows), "no plan beats the oracle beyond noise"


HEADER = ",".join(
    "row_id recency history_segment history mens womens zip_code newbie channel treatment".split()
    + ["conversion", "visit", "spend"]
)


def _hillstrom_csv(path, n=1800, seed=0, rows=None):
    """A synthetic file in the Hillstrom layout: random arms, men's e-mail lifts visits of men's buyers."""
    rng = np.random.default_rng(seed)
    arms = ["No E-Mail", "Mens E-Mail", "Womens E-Mail"]
    lines = [HEADER]
    for i in range(n):
        mens, arm = int(rng.random() < 0.5), int(rng.integers(3))
        p = 0.1 + 0.15 * (arm == 1) * mens + 0.05 * (arm == 2) * (1 - mens)
        visit = int(rng.random() < p)
        lines.append(
            f"{i},{rng.integers(1, 13)},x,{rng.gamma(2, 100):.2f},{mens},{1 - mens},Urban,0,Web,"
            f"{arms[arm]},0,{visit},{visit * rng.gamma(2, 30):.2f}"
        )
    path.write_text("\n".join(rows or lines) + "\n")
    return path


def test_hillstrom_benchmark_reports_every_policy_and_finds_the_planted_uplift(tmp_path):
    from promogen.evaluation import hillstrom

    table = hillstrom.read(_hillstrom_csv(tmp_path / "h.csv"))
    train, test = hillstrom.split(table)
    result = hillstrom.benchmark(train, test, bootstrap=100)
    for name in ("no_email", "mens_all", "womens_all", "random_30", "planner_30", "planner_100"):
        row = result[name]
        assert row["visit_ci"][0] <= row["visit"] <= row["visit_ci"][1], f"{name}: {row}"
        assert set(row) == {"visit", "visit_ci", "spend", "spend_ci", "contacted"}, name
    assert result["planner_30"]["contacted"] <= 0.3 + 1e-9, "budget respected"
    assert result["planner_100"]["visit"] > result["mens_all"]["visit"], (
        "per-user choice beats one arm for all"
    )
    assert result["abtest"]["control"] == "none" and set(result["abtest"]["vs_control"]) == {"mens", "womens"}


@pytest.mark.parametrize(
    "lines, pattern",
    [
        (["row_id,recency,visit"], r"missing column\(s\)"),
        (
            [
                HEADER,
                "0,3,x,10.0,1,0,Urban,0,Web,Paper Mail,0,1,0.0",
            ],
            r"bad value 'Paper Mail' \(line 2\)",
        ),
        (
            [
                HEADER,
                "0,soon,x,10.0,1,0,Urban,0,Web,No E-Mail,0,1,0.0",
            ],
            r"bad value .*soon.* \(line 2\)",
        ),
    ],
)
def test_hillstrom_reader_refuses_bad_files_naming_the_line(tmp_path, lines, pattern):
    from promogen.evaluation import hillstrom

    with pytest.raises(ValidationError, match=pattern):
        hillstrom.read(_hillstrom_csv(tmp_path / "bad.csv", rows=lines))


def test_interest_vectors_become_reward_features(encoder):
    users, truth = simulate_audience(300, CAMPAIGNS, seed=31)
    vectors, _ = encoder.encode_users(users)
    rows = plan(None, CAMPAIGNS, users, PlanConfig(interests=True), vectors)
    assert len(rows[0]["features"]["interest"]) == vectors.shape[1], "the interest vector is logged per user"
    model = learn(
        [Assignment.from_dict(r) for r in simulate_outcomes(rows, truth, ACTIONS)], RewardConfig(ensemble=0)
    )
    assert model.featurizer.spec["vectors"] == {"interest": vectors.shape[1]}, model.featurizer.spec[
        "vectors"
    ]
    again = plan(model, CAMPAIGNS, users, PlanConfig(budget=0.2, interests=True), vectors)
    assert sum(r["action"] != NONE for r in again) <= 60, "budget holds with interest features"


def test_abtest_names_an_outcome_missing_from_some_rows(tmp_path):
    rows = [_row(f"u{i}", "none" if i % 2 else "run20", EVEN, visit=i % 3 == 0).to_dict() for i in range(80)]
    del rows[7]["visit"]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(cli, ["abtest", "--log", str(tmp_path / "log.jsonl")])
    assert isinstance(result.exception, ValidationError), result.output
    assert re.search(r"outcome `visit` is missing in 1 row\(s\), e.g. user 'u7'", str(result.exception))


def test_learn_updates_a_model_for_the_reward_it_predicts(tmp_path):
    users, truth = simulate_audience(400, CAMPAIGNS, seed=4)
    rows = simulate_outcomes(plan(None, CAMPAIGNS, users, PlanConfig()), truth, ACTIONS, seed=2)
    rows = [{**r, "revenue": 30.0 * r["visit"]} for r in rows]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    first = [
        "learn",
        "--log",
        str(tmp_path / "log.jsonl"),
        "--out",
        str(tmp_path / "m1"),
        "--reward",
        "revenue",
    ]
    assert runner.invoke(cli, [*first, "--ensemble", "0"]).exit_code == 0
    second = ["learn", "--log", str(tmp_path / "log.jsonl"), "--out", str(tmp_path / "m2"), "--model"]
    result = runner.invoke(cli, [*second, str(tmp_path / "m1"), "--ensemble", "0"])
    assert result.exit_code == 0, result.output
    assert RewardModel.load(tmp_path / "m2").config.reward == "revenue", "the update keeps the prior's reward"


def test_an_id_like_string_feature_keeps_only_its_commonest_values():
    from promogen.reward import MAX_CATEGORIES, Featurizer

    rows = [{"email": f"user{i}@example.com", "city": "Leeds" if i % 3 else "York"} for i in range(500)]
    spec = Featurizer.fit(rows).spec["categorical"]
    assert len(spec["email"]) == MAX_CATEGORIES and spec["city"] == ["Leeds", "York"], spec["city"]


@pytest.mark.parametrize("model", [None, "learned"])
def test_a_users_draw_does_not_depend_on_who_else_is_planned(learned, model):
    users, _ = simulate_audience(400, CAMPAIGNS, seed=8)
    config = PlanConfig(budget=1.0, policy="epsilon:0.5")
    reward = learned if model else None
    whole = {r["user_id"]: r["action"] for r in plan(reward, CAMPAIGNS, users, config)}
    later = {r["user_id"]: r["action"] for r in plan(reward, CAMPAIGNS, users[1:][::-1], config)}
    assert all(whole[u] == a for u, a in later.items()), "the same user, the same draw, wherever in the file"
    other = {
        r["user_id"]: r["action"]
        for r in plan(reward, CAMPAIGNS, users, PlanConfig(budget=1.0, policy="epsilon:0.5", seed=1))
    }
    assert sum(other[u] != whole[u] for u in whole) > 50, "another round's seed draws anew"
