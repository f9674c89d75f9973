"""Which score picks the candidate the panel would send: the copywriter's perplexity, the approver's, or
another model's view of the same candidates (the copywriter given the campaign alone, its base model)?

python -m eval.selection --labels runs/labels3 --adapter promogen/weights/adapter \
    --labels runs/labels --adapter runs/gold_dpo/adapter --out reports/copy_quality/selection_signal.json

Each --labels folder is a `finetune/label_candidates.py` round (generated.jsonl, labelled.jsonl: train
specs only) and is scored with the --adapter in the same position, the copywriter that wrote those
candidates; the base model is that adapter's base before finetuning. Prints and saves one JSON object
(see `promogen.evaluation.selection`).
"""

import argparse
from datetime import date
from pathlib import Path

from promogen import PromoGen
from promogen.cli import run_script
from promogen.evaluation.selection import judge, score_candidates
from promogen.provenance import emit_json
from promogen.train.gold import read_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labels", action="append", required=True, help="a labelling round's folder")
    parser.add_argument("--adapter", action="append", required=True, help="the adapter that wrote it")
    parser.add_argument("--n", type=int, default=4, help="candidates the pipeline picks among")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if len(args.labels) != len(args.adapter):
        parser.error("give one --adapter per --labels folder")
    result = {"date": date.today().isoformat(), "rounds": {}}
    for folder, adapter in zip(args.labels, args.adapter, strict=True):
        pg = PromoGen.load(adapter=adapter)
        folder = Path(folder)
        scored = score_candidates(
            pg,
            read_jsonl(folder / "generated.jsonl"),
            read_jsonl(folder / "labelled.jsonl"),
        )
        result["rounds"][str(folder)] = {"adapter": adapter, **judge(scored, n=args.n)}
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
