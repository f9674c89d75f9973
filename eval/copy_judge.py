"""A judge of the copywriter's candidates fitted on panel ratings: cross-validated, then a re-pick.

python -m eval.copy_judge cv --labels reports/copy_quality/own_round3/labels \
    reports/copy_quality/own_round4/labels --layers 15 30 --alphas 100 1000 10000 \
    --out reports/copy_quality/copy_judge/cv.json
python -m eval.copy_judge repick --labels reports/copy_quality/own_round3/labels \
    reports/copy_quality/own_round4/labels --layer 30 --alpha 100 \
    --deliveries runs/judge/shipped --gold runs/heldout012.jsonl \
    --write runs/judge/judge --out reports/copy_quality/copy_judge/repick.json

`cv` judges each (layer, alpha) by the candidates' out-of-fold predictions (whole campaigns held out)
against the copywriter's perplexity on the same ratings: AUC of send as is vs flawed, within-spec pair
accuracy and the share rated 4-5 of the pick among 4 random candidates (`promogen.evaluation.selection`).
`repick` fits one judge on every rated candidate and, for each shopper of a harness run, delivers the
eligible candidate it rates highest (less `--variety` times the share of its word pairs already given out
to the campaign's earlier shoppers); the new deliveries folder goes to `eval.panel sheet` beside the run's
own. `sweep` does the same for several --variety values and writes only what each does to variety: choose
the value on a train run, as `eval.variety` does for the pipeline's. Labels are train specs only; the
copywriter is the shipped one (the one that wrote them) unless --adapter says otherwise; it runs in
float32 on every host. See `promogen.evaluation.copy_judge`.
"""

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np

from promogen import PipelineConfig, PromoGen
from promogen.cli import run_script
from promogen.config import override
from promogen.evaluation.copy_judge import (
    cross_validate,
    judge_candidates,
    labelled_features,
    repick,
)
from promogen.evaluation.selection import judge
from promogen.evaluation.variety import diversity, read_deliveries
from promogen.judge import Ridge
from promogen.provenance import emit_json
from promogen.train.gold import read_specs


def cv(args, pg) -> dict:
    result = {"labels": args.labels, "folds": args.folds, "logprob_share": args.logprob_share, "runs": {}}
    rows, every = labelled_features(pg, args.labels, tuple(args.layers))  # one forward pass per candidate
    for j, layer in enumerate(args.layers):
        x = every[:, j]
        for alpha in args.alphas:
            predicted = cross_validate(rows, x, alpha, folds=args.folds, logprob_share=args.logprob_share)
            # The last feature is the copy's mean log-probability: the shipped pick's own score.
            scored = [
                {**r, "perplexity": float(np.exp(-f[-1])), "judge": float(p)}
                for r, f, p in zip(rows, x, predicted, strict=True)
            ]
            result["runs"][f"layer {layer}, alpha {alpha:g}"] = judge(scored, n=args.n)
    return result


def _judged(args, pg):
    """The judge fitted on every rated candidate, a harness run's deliveries, and its scores of them."""
    rows, x = labelled_features(pg, args.labels, (args.layer,))
    x = x[:, 0]
    send = np.array([r["send"] for r in rows], dtype=np.float64)
    fitted = Ridge.fit(x, send, args.alpha, args.logprob_share)
    shipped, specs = read_deliveries(args.deliveries), read_specs(args.gold)
    scores = judge_candidates(pg, fitted, shipped, specs, args.layer)
    head = {"labels": args.labels, "candidates_fitted": len(rows), "layer": args.layer, "alpha": args.alpha}
    head["logprob_share"] = args.logprob_share
    return head | {"deliveries": args.deliveries}, shipped, specs, scores


def _variety(shipped: dict, picked: dict, specs: list[dict]) -> dict:
    """How many shoppers the re-pick moved, and both picks' distinct-2 and opening frames."""
    brands = {s["campaign"]["campaign_id"]: s["campaign"]["brand"] for s in specs}
    moved = sum(a.text != b.text for c in shipped for a, b in zip(shipped[c], picked[c], strict=True))
    texts = {name: {c: [d.text for d in rows] for c, rows in runs.items()} for name, runs in
             (("shipped", shipped), ("judge", picked))}  # fmt: skip
    return {
        "shoppers": sum(len(r) for r in shipped.values()),
        "moved": moved,
        "diversity": {name: diversity(t, brands) for name, t in texts.items()},
    }


def write_repick(args, pg) -> dict:
    head, shipped, specs, scores = _judged(args, pg)
    picked = repick(shipped, scores, args.variety)
    out = Path(args.write)
    out.mkdir(parents=True, exist_ok=True)
    for campaign_id, deliveries in picked.items():
        lines = (json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in deliveries)
        (out / f"{campaign_id}.jsonl").write_text("".join(lines), encoding="utf-8")
    return head | {"variety": args.variety, "written": str(out)} | _variety(shipped, picked, specs)


def sweep(args, pg) -> dict:
    head, shipped, specs, scores = _judged(args, pg)
    values = {f"{v:g}": _variety(shipped, repick(shipped, scores, v), specs) for v in args.variety}
    return head | {"variety": values}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("cv", "repick", "sweep"):
        p = sub.add_parser(name)
        p.add_argument("--labels", nargs="+", required=True, help="labelling rounds' folders (train specs)")
        p.add_argument("--adapter", help="the copywriter that wrote the candidates (default: shipped)")
        p.add_argument("--out", required=True, help="the JSON written")
        p.add_argument("--logprob-share", type=float, default=0.0, help="see promogen.judge.JudgeConfig")
    c = sub.choices["cv"]
    c.add_argument("--layers", nargs="+", type=int, default=[15], help="hidden layers tried")
    c.add_argument("--alphas", nargs="+", type=float, default=[100.0], help="ridge penalties tried")
    c.add_argument("--folds", type=int, default=5)
    c.add_argument("--n", type=int, default=4, help="candidates a pick is made among")
    for name in ("repick", "sweep"):
        r = sub.choices[name]
        r.add_argument("--layer", type=int, required=True)
        r.add_argument("--alpha", type=float, required=True)
        r.add_argument("--deliveries", required=True, help="a harness run's deliveries folder")
        r.add_argument("--gold", required=True, help="the specs that run was made for")
    sub.choices["repick"].add_argument("--variety", type=float, default=0.0, help="the penalty on repeats")
    sub.choices["repick"].add_argument("--write", required=True, help="the folder the re-picks go to")
    sub.choices["sweep"].add_argument("--variety", type=float, nargs="+", required=True, help="values tried")
    args = parser.parse_args()
    # float32, so that a host with native bfloat16 and one without fit the same judge.
    config = override(PipelineConfig(), ["generator.dtype=float32", "scoring_dtype=float32"])
    pg = PromoGen.load(adapter=args.adapter, config=config)
    result = {"date": date.today().isoformat(), "adapter": args.adapter or "shipped"}
    result |= {"cv": cv, "repick": write_repick, "sweep": sweep}[args.command](args, pg)
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
