"""The planner proven on a randomised experiment: the Hillstrom (MineThatData, 2008) e-mail test.

Customers were assigned at random (1/3 each) to a men's e-mail, a women's e-mail or none, so every
targeting policy's value (visits and spend per customer) follows from the file by IPS with the known
propensity, without bias. `benchmark` fits the planner's reward models on one table and scores, on
another, the fixed policies, random targeting at a budget and the planner at budgets, each with a 95%
bootstrap interval, plus the paired difference planner vs random at the same budget.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

from ..abtest import readout
from ..ope import LoggedData, compare_ips, evaluate_probs
from ..plan import PlanConfig, assign
from ..reward import NONE, RewardConfig, RewardModel
from ..types import ValidationError, existing_file

ARMS = {"No E-Mail": NONE, "Mens E-Mail": "mens", "Womens E-Mail": "womens"}
ACTIONS = [NONE, "mens", "womens"]
COLUMNS = ("row_id", "recency", "history", "mens", "womens", "zip_code", "newbie", "channel", "treatment")
OUTCOMES = ("visit", "conversion", "spend")
BUDGETS = (0.1, 0.3)


def read(path: str | Path) -> dict:
    """The CSV as {row_id, features (dicts), action (index into ACTIONS), visit, conversion, spend}."""
    path = existing_file(path, "Hillstrom")
    rows = {"row_id": [], "features": [], "action": [], **{k: [] for k in OUTCOMES}}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (*COLUMNS, *OUTCOMES) if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{path}: missing column(s) {missing}")
        for number, row in enumerate(reader, start=2):
            try:
                rows["action"].append(ACTIONS.index(ARMS[row["treatment"]]))
                rows["features"].append(
                    {
                        "recency": float(row["recency"]),
                        "history": float(row["history"]),
                        "mens": float(row["mens"]),
                        "womens": float(row["womens"]),
                        "newbie": float(row["newbie"]),
                        "zip_code": row["zip_code"],
                        "channel": row["channel"],
                    }
                )
                rows["row_id"].append(int(row["row_id"]))
                for key in OUTCOMES:
                    rows[key].append(float(row[key]))
            except (KeyError, ValueError) as exc:
                raise ValidationError(f"{path}: bad value {exc} (line {number})") from exc
    if not rows["row_id"]:
        raise ValidationError(f"{path}: no rows")
    return {k: v if k == "features" else np.array(v) for k, v in rows.items()}


def split(table: dict, salt: str = "in", parts: int = 4) -> tuple[dict, dict]:
    """(train, test) by a stable hash of row_id: test is sha1(salt + row_id) % parts == 0."""
    test = np.array(
        [int(hashlib.sha1(f"{salt}{r}".encode()).hexdigest(), 16) % parts == 0 for r in table["row_id"]]
    )

    def take(mask):
        return {
            k: [f for f, m in zip(v, mask, strict=True) if m] if k == "features" else v[mask]
            for k, v in table.items()
        }

    return take(~test), take(test)


def fit(table: dict, config: RewardConfig | None = None) -> RewardModel:
    actions = [ACTIONS[a] for a in table["action"]]
    return RewardModel.fit(table["features"], actions, table["visit"], config)


def _fixed(n: int, probs: dict[str, float]) -> np.ndarray:
    pi = np.zeros((n, len(ACTIONS)))
    for action, p in probs.items():
        pi[:, ACTIONS.index(action)] = p
    return pi


def benchmark(
    train: dict, test: dict, config: RewardConfig | None = None, bootstrap: int = 1000, seed: int = 0
) -> dict:
    """IPS values per policy on `test` of a planner fitted on `train` (see the module docstring)."""
    model = fit(train, config or RewardConfig())
    if model.actions != ACTIONS:
        raise ValidationError(f"expected actions {ACTIONS}, the model has {model.actions}")
    q = model.predict(test["features"])
    n = len(q)
    ok = np.ones_like(q, dtype=bool)
    arm_means = {a: train["visit"][train["action"] == i].mean() for i, a in enumerate(ACTIONS) if a != NONE}
    best = max(arm_means, key=arm_means.get)
    policies = {
        "no_email": _fixed(n, {NONE: 1.0}),
        "mens_all": _fixed(n, {"mens": 1.0}),
        "womens_all": _fixed(n, {"womens": 1.0}),
    }
    for budget in (*BUDGETS, 1.0):
        tag = int(round(budget * 100))
        if budget < 1:
            policies[f"random_{tag}"] = _fixed(n, {NONE: 1 - budget, best: budget})
        policies[f"planner_{tag}"] = assign(q, ok, PlanConfig(budget=budget))
    logs = {
        key: LoggedData(q, ok, test["action"], np.full(n, 1 / 3), test[key]) for key in ("visit", "spend")
    }
    config = config or RewardConfig()
    result = {
        "n_train": len(train["action"]),
        "n_test": n,
        "random_arm": best,
        "reward_config": config.to_dict(),
    }
    for name, pi in policies.items():
        row = {}
        for key, data in logs.items():
            ips = evaluate_probs(data, pi, bootstrap=bootstrap, seed=seed)["ips"]
            row[key], row[f"{key}_ci"] = ips["estimate"], [ips["ci_low"], ips["ci_high"]]
        row["contacted"] = float(pi[:, 1:].sum(axis=1).mean())
        result[name] = row
    for budget in BUDGETS:
        tag = int(round(budget * 100))
        diff = compare_ips(
            logs["visit"], policies[f"planner_{tag}"], policies[f"random_{tag}"], bootstrap, seed
        )
        result[f"diff_planner_{tag}_vs_random_{tag}"] = {
            "visit": diff["estimate"],
            "visit_ci": [diff["ci_low"], diff["ci_high"]],
        }
    diff = compare_ips(logs["visit"], policies["planner_100"], policies[f"{best}_all"], bootstrap, seed)
    result[f"diff_planner_100_vs_{best}_all"] = {
        "visit": diff["estimate"],
        "visit_ci": [diff["ci_low"], diff["ci_high"]],
    }
    result["uplift_curve"] = uplift_curve(logs["visit"], q, best)
    result["uplift_by_decile"] = uplift_by_decile(test, q)
    result["abtest"] = ab_readout(test)
    return result


def ab_readout(table: dict) -> dict:
    """The experiment read as an A/B test: visit rate and spend per customer per arm, vs no e-mail."""
    arms = [ACTIONS[a] for a in table["action"]]
    return readout(arms, {"visit": table["visit"], "spend": table["spend"]}, control=NONE)


def uplift_curve(data: LoggedData, q: np.ndarray, best: str, steps: int = 20) -> dict:
    """IPS visits per customer against the share contacted, planner vs random (the Qini-style curve)."""
    shares = [i / steps for i in range(steps + 1)]
    ok = np.ones_like(q, dtype=bool)
    planner = [
        evaluate_probs(data, assign(q, ok, PlanConfig(budget=s)), bootstrap=0)["ips"]["estimate"]
        for s in shares
    ]
    random = [
        evaluate_probs(data, _fixed(len(q), {NONE: 1 - s, best: s}), bootstrap=0)["ips"]["estimate"]
        for s in shares
    ]
    return {"share": shares, "planner": planner, "random": random}


def plot_uplift(result: dict, path: str | Path) -> Path:
    """The uplift curve of a `benchmark` result as a PNG: planner vs random against the share contacted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    curve = result["uplift_curve"]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(curve["share"], curve["planner"], marker="o", ms=3, label="planner (T-learner uplift)")
    ax.plot(curve["share"], curve["random"], ls="--", label=f"random ({result['random_arm']} e-mail)")
    ax.set_xlabel("share of customers contacted")
    ax.set_ylabel("visits per customer (IPS)")
    ax.set_title("Hillstrom: uplift curve on the test split")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def uplift_by_decile(test: dict, q: np.ndarray) -> dict:
    """Per e-mail: observed visit uplift (arm mean minus no-e-mail mean) in each decile of the predicted
    uplift, top decile first; a flat profile means there is little to target."""
    out = {}
    for a in range(1, len(ACTIONS)):
        rank = np.argsort(np.argsort(-(q[:, a] - q[:, 0]), kind="stable"), kind="stable")
        decile = rank * 10 // len(q)
        out[ACTIONS[a]] = [
            float(
                test["visit"][(decile == d) & (test["action"] == a)].mean()
                - test["visit"][(decile == d) & (test["action"] == 0)].mean()
            )
            for d in range(10)
        ]
    return out
