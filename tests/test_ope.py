"""Off-policy estimators against a simulator whose true policy value is known."""

import json

import numpy as np
import pytest

from promogen import ValidationError
from promogen.ope import LoggedData, evaluate, read_log
from promogen.policy import PolicyConfig, action_probs, choose


# A simulator with known true click rates, to check the estimators against the truth.
def simulate_log(
    n: int,
    seed: int = 0,
    k: int = 4,
    logging: PolicyConfig | None = None,
    noise: float = 0.02,
    p_noncompliant: float = 0.2,
) -> tuple[LoggedData, np.ndarray, float]:
    """A delivery log with known true click rates: (log, true CTR of every candidate, fallback CTR)."""
    rng = np.random.default_rng(seed)
    logging = logging or PolicyConfig(kind="softmax", temperature=0.05)
    true = np.clip(rng.beta(2, 20, size=(n, k)), 0.001, 0.999)
    scores = np.clip(true + rng.normal(0, noise, size=(n, k)), 0.0, 1.0)
    eligible = rng.random((n, k)) > p_noncompliant
    probs = action_probs(scores, eligible, logging)
    chosen = np.full(n, -1)
    propensity = np.ones(n)
    rows = np.flatnonzero(eligible.any(axis=1))
    cum = probs[rows].cumsum(axis=1)
    picks = np.minimum((rng.random(len(rows))[:, None] > cum).sum(axis=1), k - 1)
    chosen[rows], propensity[rows] = picks, probs[rows, picks]
    fallback_ctr = 0.03
    ctr = np.where(chosen >= 0, true[np.arange(n), np.maximum(chosen, 0)], fallback_ctr)
    click = (rng.random(n) < ctr).astype(float)
    return (
        LoggedData(scores, eligible, chosen, propensity, click),
        np.where(eligible, true, 0.0),
        fallback_ctr,
    )


def true_value(data: LoggedData, true: np.ndarray, fallback_ctr: float, policy: PolicyConfig) -> float:
    """The target policy's expected click rate on the logged users, from the simulator's true CTRs."""
    pi = action_probs(data.scores, data.eligible, policy)
    none = ~data.eligible.any(axis=1)
    return float(np.where(none, fallback_ctr, (pi * true).sum(axis=1)).mean())


TARGETS = ["greedy", "epsilon:0.2", "softmax:0.02", "uniform"]


@pytest.mark.parametrize("spec", TARGETS)
def test_every_estimator_within_10_percent_at_20k_rows(spec):
    policy = PolicyConfig.parse(spec)
    data, true, fallback = simulate_log(20_000, seed=3)
    truth = true_value(data, true, fallback, policy)
    result = evaluate(data, policy, bootstrap=0)
    for name in ("ips", "snips", "dm", "dr"):
        err = abs(result[name]["estimate"] - truth) / truth
        assert err < 0.10, f"{spec} {name}: {result[name]['estimate']:.4f} vs truth {truth:.4f} ({err:.1%})"


def test_intervals_cover_the_truth_and_ips_is_unbiased():
    policy = PolicyConfig.parse("epsilon:0.2")
    covered = {"snips": 0, "dr": 0}
    ips_errors = []
    for seed in range(50):
        data, true, fallback = simulate_log(4_000, seed=100 + seed)
        truth = true_value(data, true, fallback, policy)
        result = evaluate(data, policy, bootstrap=200, seed=seed)
        for name in covered:
            covered[name] += result[name]["ci_low"] <= truth <= result[name]["ci_high"]
        ips_errors.append(result["ips"]["estimate"] - truth)
    assert all(c >= 45 for c in covered.values()), (
        f"95% intervals must cover the truth in >= 90% of 50: {covered}"
    )
    se = np.std(ips_errors) / np.sqrt(len(ips_errors))
    assert abs(np.mean(ips_errors)) < 3 * se, f"IPS bias {np.mean(ips_errors):.5f} vs standard error {se:.5f}"


def test_policies_give_valid_probabilities_and_greedy_is_deterministic():
    scores = np.array([[0.1, 0.3, 0.2], [0.5, 0.5, 0.1], [0.1, 0.2, 0.3]])
    eligible = np.array([[True, True, False], [True, True, True], [False, False, False]])
    for spec in TARGETS:
        probs = action_probs(scores, eligible, PolicyConfig.parse(spec))
        assert np.allclose(probs[:2].sum(axis=1), 1) and probs[2].sum() == 0, f"{spec}: {probs}"
        assert (probs[~eligible] == 0).all(), f"{spec} must never choose a non-compliant candidate"
    greedy = action_probs(scores, eligible, PolicyConfig.parse("greedy"))
    assert greedy[0].tolist() == [0, 1, 0] and greedy[1].tolist() == [1, 0, 0], "argmax, ties to lower index"
    index, p = choose(scores[0], eligible[0], PolicyConfig.parse("epsilon:0.2"), np.random.default_rng(0))
    assert index in (0, 1) and p == pytest.approx(0.9 if index == 1 else 0.1), (index, p)


def _row(**changes):
    row = {
        "user_id": "u",
        "campaign_id": "c",
        "chosen": 0,
        "propensity": 0.5,
        "click": 1,
        "candidates": [
            {"text": "a", "scores": {"predicted_ctr": 0.1}, "eligible": True},
            {"text": "b", "scores": {"predicted_ctr": 0.2}, "eligible": True},
        ],
    }
    row.update(changes)
    return {k: v for k, v in row.items() if v != "DROP"}


@pytest.mark.parametrize(
    ("row", "pattern"),
    [
        (_row(propensity=0), r"`propensity` must be in \(0, 1\]; got 0 \(line 2\)"),
        (_row(propensity=1.5), r"`propensity` must be in \(0, 1\]; got 1.5 \(line 2\)"),
        (_row(chosen=2), r"`chosen` must be null or an index below 2; got 2 \(line 2\)"),
        (_row(click="DROP"), r"`click` is missing \(line 2\)"),
        (_row(click=3), r"`click` must be 0 or 1; got 3 \(line 2\)"),
        (
            _row(candidates=[{"text": "a", "scores": {"predicted_ctr": 0.1}}]),
            r"every candidate needs `eligible`.*\(line 2\)",
        ),
        (_row(candidates=[{"text": "a", "scores": {}}]), r"numeric `scores.predicted_ctr` \(line 2\)"),
        (
            _row(candidates=[{"text": "a", "scores": {"predicted_ctr": float("nan")}, "eligible": True}]),
            r"finite numeric `scores.predicted_ctr` \(line 2\)",
        ),
        (_row(chosen=None), r"`chosen` is null while a candidate is eligible \(line 2\)"),
        (
            _row(chosen=0, candidates=[{"text": "a", "scores": {"predicted_ctr": 0.1}, "eligible": False}]),
            r"`chosen` 0 is a candidate that was not eligible \(line 2\)",
        ),
    ],
)
def test_bad_logs_are_rejected_with_field_and_line(row, pattern, tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(_row()) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(ValidationError, match=pattern):
        read_log(path)


@pytest.mark.parametrize("spec", ["softmax", "epsilon:x", "best", "greedy:1"])
def test_bad_policy_specs(spec):
    with pytest.raises(ValidationError, match="`policy`"):
        PolicyConfig.parse(spec)


def write_log(data: LoggedData, path) -> None:
    """The simulated log as the JSONL deliveries `promogen ope` reads."""
    lines = []
    for i in range(len(data.click)):
        cands = [
            {
                "text": str(k),
                "scores": {"predicted_ctr": float(data.scores[i, k])},
                "eligible": bool(data.eligible[i, k]),
            }
            for k in range(data.scores.shape[1])
        ]
        chosen = None if data.chosen[i] < 0 else int(data.chosen[i])
        row = {"user_id": str(i), "campaign_id": "c", "candidates": cands, "chosen": chosen,
               "propensity": float(data.propensity[i]), "click": int(data.click[i])}  # fmt: skip
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines))


def test_ope_command_prints_all_estimators(tmp_path):
    from click.testing import CliRunner

    from promogen.cli import cli

    data, _, _ = simulate_log(300, seed=1)
    write_log(data, tmp_path / "log.jsonl")
    result = CliRunner().invoke(
        cli, ["ope", "--log", str(tmp_path / "log.jsonl"), "--policy", "epsilon:0.1", "--bootstrap", "20"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    direct = evaluate(data, PolicyConfig.parse("epsilon:0.1"), bootstrap=0)
    assert out["n"] == 300 and out["logged_ctr"] == pytest.approx(data.click.mean())
    assert out["unsupported_mass"] == 0 and "warning" not in result.output, (
        "softmax logging covers every choice"
    )
    for name in ("ips", "snips", "dm", "dr"):
        assert out[name]["ci_low"] <= out[name]["estimate"] <= out[name]["ci_high"], out[name]
        assert out[name]["estimate"] == pytest.approx(direct[name]["estimate"]), "the file round-trips"


def test_a_greedy_log_reports_the_choices_it_never_tried(tmp_path):
    from click.testing import CliRunner

    from promogen.cli import cli

    data, true, fallback = simulate_log(5_000, seed=4, logging=PolicyConfig(kind="greedy"))
    same = evaluate(data, PolicyConfig(kind="greedy"), bootstrap=0)
    assert same["unsupported_mass"] == 0, "the logging policy itself is fully supported"
    other = PolicyConfig.parse("uniform")
    result = evaluate(data, other, bootstrap=0)
    truth = true_value(data, true, fallback, other)
    assert result["unsupported_mass"] > 0.5, f"uniform mostly picks what greedy never did: {result}"
    assert result["ips"]["estimate"] < 0.8 * truth, "the bias the report warns about is real"
    assert result["dm"]["estimate"] == pytest.approx(truth, rel=0.1), "the reward model still speaks"
    write_log(data, tmp_path / "log.jsonl")
    cli_result = CliRunner().invoke(cli, ["ope", "--log", str(tmp_path / "log.jsonl"), "--policy", "uniform"])
    assert cli_result.exit_code == 0, cli_result.output
    assert "IPS, SNIPS and DR are biased" in cli_result.stderr, cli_result.stderr


def test_logged_eligibility_is_the_set_ope_uses_so_a_compliant_copy_over_a_floor_does_not_bias_it(tmp_path):
    """Every candidate here is compliant (no violations), but some were over a floor and not eligible:
    reading eligibility from the violations would give the target policy actions it never had."""
    uniform = PolicyConfig.parse("uniform")
    data, true, fallback = simulate_log(20_000, seed=7, logging=uniform, p_noncompliant=0.4)
    rows = []
    for i in range(len(data.click)):
        cands = [
            {"text": str(k), "scores": {"predicted_ctr": float(data.scores[i, k])}, "violations": []}
            | {"eligible": bool(data.eligible[i, k])}
            for k in range(data.scores.shape[1])
        ]
        chosen = None if data.chosen[i] < 0 else int(data.chosen[i])
        rows.append({"candidates": cands, "chosen": chosen, "propensity": float(data.propensity[i])})
        rows[-1]["click"] = int(data.click[i])
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    logged = read_log(path)
    assert (logged.eligible == data.eligible).all(), "ope reads the logged eligible flags, not the violations"
    truth = true_value(data, true, fallback, uniform)
    result = evaluate(logged, uniform, bootstrap=0)
    for name in ("ips", "dr"):
        err = abs(result[name]["estimate"] - truth) / truth
        assert err < 0.05, f"{name}: {result[name]['estimate']:.4f} vs truth {truth:.4f} ({err:.1%})"
