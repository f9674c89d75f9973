"""Train the approver model on copy_gold, ship it, and report inner-split and dev AUC.

python finetune/train_approver.py --data ../shared/data/copy_gold --out promogen/weights/approver

Fitting reads train.jsonl only (epochs chosen on an inner split of the train campaigns); dev.jsonl is
scored once, by the saved and reloaded model, for reports/approver.json.
"""

import argparse
import datetime as dt
import json
import platform
import time
from pathlib import Path

import torch

from promogen import __version__
from promogen.approver import WEIGHTS_DIR, Approver, ApproverConfig
from promogen.cli import run_script
from promogen.encoder import InterestEncoder
from promogen.hardware import describe
from promogen.train.approver import MODEL_DEFECTS, evaluate, evaluate_gated, fit_approver, read_specs


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", default="../shared/data/copy_gold", help="folder with train.jsonl, dev.jsonl"
    )
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="where to write the approver")
    parser.add_argument("--report", default="reports/approver.json", help="where to write the report")
    parser.add_argument("--config", help="JSON with ApproverConfig fields (defaults otherwise)")
    parser.add_argument(
        "--labels",
        help="panel labels of the copywriter's own train candidates (finetune/label_candidates.py)",
    )
    parser.add_argument("--seed", type=int, help="override `seed`")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--no-progress", action="store_true", help="no per-step progress bar")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = ApproverConfig.load(args.config, seed=args.seed)
    data = Path(args.data)
    encoder = InterestEncoder.load()
    start = time.time()
    approver, summary = fit_approver(
        data / "train.jsonl", config, encoder, progress=not args.no_progress, labels=args.labels
    )
    train_s = time.time() - start
    out = approver.save(args.out)
    print(f"saved {out} ({dir_size(out) / 1e6:.1f} MB)")

    shipped = Approver.load(out)  # the dev figures are the shipped model's, after a save and reload
    dev_specs = read_specs(data / "dev.jsonl", encoder)
    dev = evaluate(shipped, dev_specs)
    texts = [t for s in dev_specs for t in s.good + [b for b, _ in s.bad]]
    tick = time.time()
    for s in dev_specs:
        shipped.score(s.campaign, [s.interests], s.good + [b for b, _ in s.bad])
    score_s = time.time() - tick

    report = {
        "promogen_version": __version__,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": str(data),
        "train_sha1": summary["train_sha1"],
        "weights": str(out),
        "shipped_bytes": dir_size(out),
        "config": config.to_dict(),
        "epochs_chosen": summary["epochs_chosen"],
        "trained_on": summary["trained_on"],
        "n_train_specs": summary["n_train_specs"],
        "n_train_messages": summary["n_train_messages"],
        "inner": {
            "campaigns": summary["inner_validation_campaigns"],
            "curve": summary["inner_curve"],
            **summary["inner_metrics"],
        },
        "labels": summary["labels"],
        "inner_own": summary["inner_own_metrics"],
        "dev": dev,
        "dev_gated": {
            "what": "as the pipeline uses it: the probability if the gate passes the copy, else 0",
            **evaluate_gated(shipped, dev_specs),
        },
        "model_defects": list(MODEL_DEFECTS),
        "train_wall_s": round(train_s, 1),
        "score_s_per_1000": round(score_s / len(texts) * 1000, 2),
        "score_note": "dev messages scored one spec (4 messages) per call, fp32, on the threads below",
        "machine": {**describe(), "platform": platform.platform(), "python": platform.python_version()},
    }
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"inner AUC {report['inner']['auc']:.4f}; dev AUC {dev['auc']:.4f} "
        f"(model-only defects mean {dev['auc_mean_model_defects']:.4f}); report {args.report}"
    )


if __name__ == "__main__":
    run_script(main)
