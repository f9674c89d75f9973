"""Compare copywriter adapters on copy_gold specs by first-try compliance: used to pick the shipped one.

python -m eval.compare_adapters --data ../shared/data/copy_gold/train.jsonl \
    --exclude runs/pairs/generated.jsonl --out reports/copy_quality/selection.json \
    runs/gold_lora/adapter runs/gold_dpo/adapter

The shipped adapter was chosen on 96 train specs (seeded draw) outside those finetune/build_pairs.py
generated preference pairs for, never on dev. Per adapter: the share of candidates the gate accepts
(4 per shopper, seed 0), fallbacks, distinct-2 of the delivered copy and the rules that fired.
"""

import argparse
import json
import random
import time
from pathlib import Path

from tqdm import tqdm

from promogen import PipelineConfig, PromoGen
from promogen.cli import run_script
from promogen.evaluation.evaluator import distinct_n
from promogen.evaluation.harness import gold_groups
from promogen.pipeline import check_model_folder
from promogen.train.gold import read_specs, specs_in


def measure(adapter: str, specs: list[dict]) -> dict:
    # Unguarded, as the selection was measured: it compares what the adapters write on their own.
    config = PipelineConfig(n_candidates=4, must_mention=False, gsm_sms=False)
    pg = PromoGen.load(adapter=adapter, approver="none", config=config)
    start, total, passed, fallbacks, texts, rules = time.time(), 0, 0, 0, [], {}
    for group in tqdm(gold_groups(specs), desc=adapter, unit="campaign", dynamic_ncols=True):
        for d in pg.generate(group.campaign, group.users, seed=0):
            for c in d.candidates:
                total, passed = total + 1, passed + c.compliant
                for v in c.violations:
                    rules[v.rule] = rules.get(v.rule, 0) + 1
            fallbacks += d.chosen_by == "fallback"
            texts.append(d.text)
    return {
        "first_try_compliance": round(passed / total, 4),
        "fallbacks": fallbacks,
        "shoppers": len(texts),
        "distinct_2": round(distinct_n(texts, 2), 3),
        "rules": dict(sorted(rules.items())),
        "wall_s": round(time.time() - start),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("adapters", nargs="+")
    parser.add_argument("--data", required=True, help="a copy_gold train.jsonl")
    parser.add_argument("--exclude", help="a generated.jsonl of build_pairs: its specs are left out")
    parser.add_argument("--n", type=int, default=96, help="specs drawn")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    for adapter in args.adapters:  # refused now, not after the adapters before it have run for minutes
        check_model_folder(adapter, "adapter")
    used = specs_in([args.exclude] if args.exclude else [])
    specs = [s for s in read_specs(args.data) if s["spec_id"] not in used]
    random.Random(args.seed).shuffle(specs)
    specs = sorted(specs[: args.n], key=lambda s: s["spec_id"])
    result = {"data": args.data, "excluded": len(used), "specs": len(specs)}
    result["adapters"] = {a: measure(a, specs) for a in args.adapters}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    run_script(main)
