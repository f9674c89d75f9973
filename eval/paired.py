"""Two harness runs on the same shoppers, compared shopper by shopper on one metric of the delivered copy.

python -m eval.paired --metric approval --a runs/h29_w3_bf16/report.json \
    --b reports/copy_quality/batch3/w3_lora/report.json --out runs/paired.json

A harness report gives each metric as a mean over campaigns; two adapters' means can differ by which
shoppers happened to draw good copy. Pairing the delivered copy of the same shopper and resampling
shoppers gives the difference an interval (it covers the shoppers drawn, not a second training run).
A report is `PATH` when it holds one variant, else `PATH:VARIANT`.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from promogen.cli import run_script
from promogen.evaluation.stats import mean_interval
from promogen.types import ValidationError, is_number, read_structured_file


def per_shopper(report: str, metric: str) -> dict[tuple[str, str], tuple[float, str]]:
    """(campaign, user) -> (`metric`, text) of the copy delivered to that shopper, from one variant."""
    path, variant = (report, "") if Path(report).is_file() or ":" not in report else report.rsplit(":", 1)
    data = read_structured_file(path, "harness report")
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise ValidationError(f"{path} is not a harness report (it has no `results`)")
    if not variant:
        if len(results) != 1:
            raise ValidationError(f"{path} holds variants {sorted(results)}: name one as {path}:VARIANT")
        variant = next(iter(results))
    if variant not in results:
        raise ValidationError(f"{path} has no variant {variant!r} (it has {sorted(results)})")
    values = {}
    for campaign, run in results[variant].items():
        for copy in run["copies"]:
            value = copy.get(metric)
            # NaN: the run could not measure it (no approver, no reference copy), not a score to pair.
            if not is_number(value):
                raise ValidationError(
                    f"{path}: {campaign}/{copy['user_id']}'s copy has no measured metric {metric!r} "
                    f"(it has {value!r})"
                )
            values[(campaign, copy["user_id"])] = float(value), copy["text"]
    return values


def compare(a: str, b: str, metric: str, seed: int = 0, without: str = "") -> dict:
    """Mean of `metric` over the shoppers of both runs, a minus b, with a bootstrap 95% interval; with
    `without`, leaving out the shoppers whose copy in either run holds that text (any case)."""
    va, vb = per_shopper(a, metric), per_shopper(b, metric)
    if set(va) != set(vb):
        raise ValidationError(
            f"the runs were not on the same shoppers ({len(set(va) ^ set(vb))} appear in one only)"
        )
    keys = [
        k for k in sorted(va) if not without or not any(without.lower() in v[k][1].lower() for v in (va, vb))
    ]
    if not keys:
        raise ValidationError(f"every shopper's copy holds {without!r}: nothing is left to compare")
    diff = np.array([va[k][0] - vb[k][0] for k in keys])
    low, high = mean_interval(diff, seed)
    # Six decimals, so that a page printing three rounds once (4 decimals then 3 can move the last digit).
    return {
        "a": a,
        "b": b,
        "metric": metric,
        "shoppers": len(keys),
        "without": without,
        "left_out": len(va) - len(keys),
        "mean_a": round(float(np.mean([va[k][0] for k in keys])), 6),
        "mean_b": round(float(np.mean([vb[k][0] for k in keys])), 6),
        "difference": round(float(diff.mean()), 6),
        "interval_95": [round(low, 6), round(high, 6)],
        "a_higher": int((diff > 0).sum()),
        "b_higher": int((diff < 0).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--a", required=True, help="harness report.json (PATH or PATH:VARIANT)")
    parser.add_argument("--b", required=True, help="the report it is compared against")
    parser.add_argument("--metric", default="approval", help="a metric each delivered copy carries")
    parser.add_argument("--seed", type=int, default=0, help="the bootstrap's seed")
    parser.add_argument(
        "--without",
        default="",
        help="leave out shoppers whose copy in either run holds this text (e.g. to see whether a phrase "
        "that the approver model marks down carries the difference)",
    )
    parser.add_argument("--out", help="also write the comparison here as JSON")
    args = parser.parse_args()
    result = compare(args.a, args.b, args.metric, args.seed, args.without)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    run_script(main)
