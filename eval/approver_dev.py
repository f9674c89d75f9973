"""An approver model's figures on copy_gold dev: alone, and gate-then-model as the pipeline uses it.

python -m eval.approver_dev --approver promogen/weights/approver --out reports/approver_dev.json
python -m eval.approver_dev --copywriter promogen/weights/adapter --out reports/approver_dev.json
python -m eval.approver_dev --specs finetune/data/written/heldout.jsonl --dtype float32 --out OUT.json

Good vs flawed AUC overall and per defect, for the model's probability and for "the probability if
the compliance gate passes the copy, else 0". finetune/train_approver.py reports the same for the
approver it trains; this scores any saved approver folder without training, in the precision the
pipeline scores in (`--dtype auto`: bfloat16 autocast where the CPU runs it natively) or the one
given; `--specs` scores another file of copy_gold's format. With --copywriter, also the approver
together with that copywriter's perplexity of each message
(`promogen.evaluation.selection.approver_with_perplexity`, standardised on train.jsonl; minutes).
"""

import argparse
import datetime as dt
import json
from pathlib import Path

from promogen import PipelineConfig, PromoGen, __version__
from promogen.approver import WEIGHTS_DIR, Approver
from promogen.cli import run_script
from promogen.evaluation.selection import approver_with_perplexity
from promogen.hardware import autocast, resolve_dtype
from promogen.provenance import code_version
from promogen.train.approver import evaluate, evaluate_gated, read_specs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--approver", default=str(WEIGHTS_DIR), help="a saved approver folder")
    parser.add_argument("--data", default="../shared/data/copy_gold", help="folder with dev.jsonl")
    parser.add_argument("--specs", help="the specs to score (default: DATA/dev.jsonl), copy_gold's format")
    parser.add_argument(
        "--dtype", default="auto", choices=("auto", "float32", "bfloat16"), help="the approver's precision"
    )
    parser.add_argument("--copywriter", help="an adapter folder: also mix in its perplexity of each message")
    parser.add_argument("--out", required=True, help="where to write the JSON report")
    args = parser.parse_args()
    # With a copywriter, its pipeline holds the approver and the encoder: each model is loaded once.
    config = PipelineConfig(scoring_dtype=args.dtype)
    pg = (
        PromoGen.load(adapter=args.copywriter, approver=args.approver, config=config)
        if args.copywriter
        else None
    )
    approver = pg.approver if pg else Approver.load(args.approver)
    dtype = resolve_dtype(args.dtype)
    path = Path(args.specs) if args.specs else Path(args.data) / "dev.jsonl"
    specs = read_specs(path, pg.encoder if pg else None)
    report = {
        "promogen_version": __version__,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "code": code_version(),
        "approver": args.approver,
        "data": str(path),
        "scoring_dtype": dtype,
    }
    with autocast(dtype):
        report["dev"], report["dev_gated"] = evaluate(approver, specs), evaluate_gated(approver, specs)
    if pg:
        train = read_specs(Path(args.data) / "train.jsonl", pg.encoder)
        report["copywriter"] = args.copywriter
        report["dev_with_perplexity"] = approver_with_perplexity(pg, train, specs)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    dev, gated = report["dev"]["auc"], report["dev_gated"]["auc"]
    print(f"{path.name}: AUC {dev:.4f} alone, {gated:.4f} gate-then-model")
    if pg:
        mix = report["dev_with_perplexity"]
        print(f"with its perplexity {mix['mixed']['auc']:.4f}, gate-then-mix {mix['gated']['auc']:.4f}")


if __name__ == "__main__":
    run_script(main)
