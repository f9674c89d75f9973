"""How often copy states each offer detail an approver checks: minimum spend, code, end date.

python -m eval.offer_terms --gold ../shared/data/copy_gold --variant shipped --variant unguarded \
    --deliveries reports/copy_quality/deliveries --out reports/copy_quality/offer_terms.json

For copy_gold's good messages (train and dev) and for each named variant's delivered model copy on the
dev campaigns (the harness's deliveries folder). See `promogen.evaluation.offer_terms`.
"""

import argparse
import json
import shlex
import sys
from pathlib import Path

from promogen.cli import run_script
from promogen.evaluation.offer_terms import delivered, references
from promogen.train.gold import read_specs
from promogen.types import Campaign


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gold", required=True, help="the copy_gold folder (train.jsonl, dev.jsonl)")
    parser.add_argument("--deliveries", required=True, help="the harness's deliveries folder (dev)")
    parser.add_argument("--variant", action="append", required=True, help="a variant's name; repeat")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    train, dev = (read_specs(Path(args.gold) / f"{split}.jsonl") for split in ("train", "dev"))
    campaigns = {s["campaign"]["campaign_id"]: Campaign.from_dict(s["campaign"]) for s in dev}
    result = {
        "command": "python -m eval.offer_terms " + shlex.join(sys.argv[1:]),
        "reference_train": references(train),
        "reference_dev": references(dev),
        **{name: delivered(Path(args.deliveries) / name, campaigns) for name in args.variant},
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    run_script(main)
