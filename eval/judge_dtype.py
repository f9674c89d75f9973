"""Does the judge pick the same copy when the copywriter reads it in bfloat16?

python -m eval.judge_dtype --deliveries runs/judge/shipped --gold runs/heldout012.jsonl \
    --out reports/copy_quality/copy_judge5/dtype.json

The judge was fitted on hidden states the copywriter computed in float32, but `generator.dtype=auto`
runs the copywriter in bfloat16 where the CPU has native bfloat16 matmuls, and the judge reads the
states of the model the pipeline loaded. This scores every eligible candidate of a harness run's
deliveries (one shopper's candidates at a time, as the pipeline does) with the shipped judge twice, the
copywriter in float32 and in bfloat16, and counts the shoppers whose pick changes (`variety` off: the
judge's own choice) and how far the scores move. A host without native bfloat16 emulates it: the same
number format, slower, with its own summation order, so the JSON records the CPU it ran on.
"""

import argparse
from datetime import date

import numpy as np

from promogen import PipelineConfig, PromoGen
from promogen.cli import run_script
from promogen.config import override
from promogen.evaluation.copy_judge import judge_candidates
from promogen.evaluation.variety import read_deliveries
from promogen.hardware import describe
from promogen.provenance import emit_json, run_record
from promogen.train.gold import read_specs

DTYPES = ("float32", "bfloat16")


def _scores(dtype: str, shipped: dict, specs: list[dict]) -> tuple[dict, dict]:
    """The shipped judge's score of each eligible candidate, the copywriter loaded in `dtype`."""
    config = override(PipelineConfig(), [f"generator.dtype={dtype}", f"scoring_dtype={dtype}"])
    pg = PromoGen.load(config=config, approver="none")
    judge = pg.judge
    return judge_candidates(pg, judge.ridge, shipped, specs, judge.config.layer), run_record(pg)


def compare(a: dict, b: dict) -> dict:
    """Shoppers with an eligible candidate, how many of them both dtypes give the same pick, and the
    largest and mean absolute difference of a candidate's score."""
    same, shoppers, gaps = 0, 0, []
    for campaign_id, rows in a.items():
        for x, y in zip(rows, b[campaign_id], strict=True):
            keep = [i for i, s in enumerate(x) if s is not None]
            if not keep:
                continue
            shoppers += 1
            same += max(keep, key=lambda i: x[i]) == max(keep, key=lambda i: y[i])
            gaps.extend(abs(x[i] - y[i]) for i in keep)
    return {
        "shoppers": shoppers,
        "same_pick": same,
        "same_pick_share": round(same / shoppers, 4),
        "candidates": len(gaps),
        "max_abs_score_difference": round(float(np.max(gaps)), 4),
        "mean_abs_score_difference": round(float(np.mean(gaps)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", required=True, help="a harness run's deliveries folder")
    parser.add_argument("--gold", required=True, help="the specs that run was made for")
    parser.add_argument("--out", help="the JSON written (default: printed)")
    args = parser.parse_args()
    shipped, specs = read_deliveries(args.deliveries), read_specs(args.gold)
    scored = {dtype: _scores(dtype, shipped, specs) for dtype in DTYPES}
    result = {
        "date": date.today().isoformat(),
        "deliveries": args.deliveries,
        "cpu": describe(),
        "judge": scored["float32"][1]["models"]["judge"],
        "threads": scored["bfloat16"][1]["inference"].get("threads"),
        "float32_vs_bfloat16": compare(scored["float32"][0], scored["bfloat16"][0]),
    }
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
