"""Fit the judge (`promogen.judge`) on panel-rated candidates of the shipped copywriter, and ship it.

python finetune/train_judge.py --labels reports/copy_quality/own_round3/labels \
    reports/copy_quality/own_round4/labels reports/copy_quality/copy_judge5/labels \
    --layer 25 --alpha 100 --out promogen/weights/judge

Each labelling round's folder (`finetune/label_candidates.py`) holds the specs it generated for
(generated.jsonl: campaign, interests, interest vector) and the panel's joined ratings (labelled.jsonl).
Layer and alpha are those `python -m eval.copy_judge cv` chose by cross-validation over whole campaigns.
The copywriter reads the copy in float32 on every host, as it did for the cross-validation; the judge
fits only the copywriter that wrote the rated candidates (the shipped one), whose weights' sha1 it
records. Train shops only.
"""

import argparse
import datetime as dt

import numpy as np

from promogen import PipelineConfig, PromoGen, __version__
from promogen.cli import run_script
from promogen.conditioning import SHIPPED_ADAPTER
from promogen.config import override
from promogen.evaluation.copy_judge import labelled_features
from promogen.judge import WEIGHTS_DIR, Judge, JudgeConfig, Ridge
from promogen.provenance import code_version, dir_sha1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labels", nargs="+", required=True, help="labelling rounds' folders (train specs)")
    parser.add_argument("--layer", type=int, default=JudgeConfig.layer, help="the hidden layer read")
    parser.add_argument("--alpha", type=float, default=JudgeConfig.alpha, help="the ridge penalty")
    parser.add_argument(
        "--logprob-share", type=float, default=JudgeConfig.logprob_share, help="the log-probability's share"
    )
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="the folder the judge is written to")
    args = parser.parse_args()
    config = JudgeConfig(layer=args.layer, alpha=args.alpha, logprob_share=args.logprob_share)
    pipeline = override(PipelineConfig(), ["generator.dtype=float32", "scoring_dtype=float32"])
    pg = PromoGen.load(config=pipeline, approver="none")
    rows, x = labelled_features(pg, args.labels, (config.layer,))
    send = np.array([r["send"] for r in rows], dtype=np.float64)
    meta = {
        "labels": args.labels,
        "candidates": len(rows),
        "specs": len({r["spec_id"] for r in rows}),
        "copywriter": {"adapter": str(SHIPPED_ADAPTER.name), "sha1": dir_sha1(SHIPPED_ADAPTER)},
        "date": dt.date.today().isoformat(),
        "promogen_version": __version__,
        "code": code_version(),
    }
    ridge = Ridge.fit(x[:, 0], send, config.alpha, config.logprob_share)
    out = Judge(ridge, config, meta).save(args.out)
    print(f"judge fitted on {len(rows)} rated candidates of {meta['specs']} specs, written to {out}")


if __name__ == "__main__":
    run_script(main)
