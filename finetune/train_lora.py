"""Train the LoRA + interest adapter: SFT on finetune/build_gold.py rows, or DPO on build_pairs.py pairs.

python finetune/train_lora.py --config finetune/configs/gold.yaml
python finetune/train_lora.py --config finetune/configs/written.yaml --set lr=0.0002 --out runs/lr2
torchrun --nproc_per_node 2 finetune/train_lora.py --config finetune/configs/gold.yaml   # several processes
accelerate launch finetune/train_lora.py --config finetune/configs/gold.yaml             # e.g. on a GPU

A killed run continues from its newest checkpoint when started again with the same --out.
`make adapter` runs the whole recipe and ships the result into promogen/weights/adapter/.
"""

import argparse
import json

from promogen.cli import run_script
from promogen.config import override
from promogen.train.lora import TrainConfig, train
from promogen.types import ValidationError, read_structured_file


def read_fields(path: str) -> dict:
    """The TrainConfig fields of a YAML (.yaml/.yml; else JSON) file; a missing file, a parse error or a file
    that is not a mapping is a one-line error (the fields themselves are checked by TrainConfig)."""
    fields = read_structured_file(path, "training config")
    if not isinstance(fields, dict):
        what = (
            "is empty" if fields is None else f"must be a mapping of TrainConfig fields, not {fields!r:.40}"
        )
        raise ValidationError(f"training config {path} {what}")
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", help="YAML with TrainConfig fields")
    parser.add_argument("--data", nargs="+", help="override `data` (one or more SFT JSONL files)")
    parser.add_argument("--out", help="override `out`")
    parser.add_argument("--steps", type=int, help="override `steps`")
    parser.add_argument("--seed", type=int, help="override `seed` (e.g. a second run, to see training noise)")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any TrainConfig field, repeatable, as promogen's --set (lists in JSON; the flags above win): "
        "--set lr=0.0002 --set adapter.lora_r=8",
    )
    args = parser.parse_args()
    fields = read_fields(args.config) if args.config else {}
    config = override(TrainConfig.from_dict(fields), args.settings)
    flags = {k: v for k, v in vars(args).items() if k in ("data", "out", "steps", "seed") and v is not None}
    result = train(TrainConfig.from_dict({**config.to_dict(), **flags}))
    if result.main:  # with several processes, one summary line (two would interleave on stdout)
        print(json.dumps({"adapter": str(result.adapter), **result.summary}))


if __name__ == "__main__":
    run_script(main)
