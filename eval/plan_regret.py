"""Regret of the delivery planner over rounds of plan -> send -> outcome -> learn on simulated users with a
known truth; writes a JSON and a PNG.

python -m eval.plan_regret --out reports/plan/regret.json --rounds 8 --users 2000 --budget 0.3
"""

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from promogen import __version__  # noqa: E402
from promogen.cli import run_script
from promogen.hardware import describe  # noqa: E402
from promogen.simulate import demo_campaign, feedback_rounds  # noqa: E402

POLICIES = ("greedy", "epsilon:0.1", "thompson")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", required=True, help="JSON path; the PNG goes beside it")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--users", type=int, default=2000, help="fresh simulated users per round")
    parser.add_argument("--budget", type=float, default=0.3)
    parser.add_argument("--campaigns", default="run20,shipfree,ten_off")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    campaigns = [demo_campaign(n) for n in args.campaigns.split(",")]
    start = time.time()
    curves = {
        p: feedback_rounds(campaigns, p, args.rounds, args.users, args.budget, args.seed) for p in POLICIES
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": "python -m eval.plan_regret " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": describe(),
        "promogen_version": __version__,
        "wall_s": round(time.time() - start, 1),
        "curves": curves,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for policy, rows in curves.items():
        ax.plot([r["round"] for r in rows], [r["regret"] for r in rows], marker="o", ms=3, label=policy)
    ax.set_xlabel("round (0: exploration, no model yet)")
    ax.set_ylabel("regret: oracle - plan, visits per user")
    ax.set_title(f"Simulated closed loop, budget {args.budget:.0%}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=110)
    print(json.dumps(payload))


if __name__ == "__main__":
    run_script(main)
