"""Preference pairs for the copywriter: reference copy (chosen) against flawed and own rejected copy.

python finetune/build_pairs.py --adapter runs/gold_lora/adapter --specs 240 --out runs/pairs
python finetune/build_pairs.py --adapter runs/gold_w2_lora/adapter --specs 480 --out runs/pairs_w2 \
    --extra finetune/data/written/train.jsonl --extra finetune/data/written/batch1/train.jsonl

The finetuned copywriter writes N candidates for each train spec (appended to OUT/generated.jsonl as
they come; a rerun resumes); every candidate the gate rejects becomes a rejected side, as do the spec's
labelled flawed messages; the spec's gate-passing reference messages are the chosen side. Train split only;
--extra adds specs of written copy (their held-out shops refused, as build_gold.py refuses them), sampled
together with copy_gold's.
--exclude leaves out the specs listed in files (one spec id a line, e.g. build_gold's held_out.txt);
--base-model names the LM an adapter trained on another base needs (e.g. runs/gemma3-270m).
"""

import argparse
import json
import random
from pathlib import Path

from promogen import PipelineConfig, PromoGen, __version__
from promogen.cli import run_script
from promogen.readers import id_lists
from promogen.train.gold import generate_candidates, preference_pairs, spec_users, train_specs
from promogen.types import Campaign


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data/copy_gold", help="copy_gold folder")
    parser.add_argument("--adapter", required=True, help="the SFT copywriter adapter that writes candidates")
    parser.add_argument("--specs", type=int, default=240, help="train specs drawn (seeded) for generation")
    parser.add_argument("--n", type=int, default=4, help="candidates per spec")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/pairs")
    parser.add_argument("--exclude", nargs="*", default=[], help="files of spec ids to leave out")
    parser.add_argument("--base-model", help="the adapter's base LM, if not the default")
    parser.add_argument(
        "--extra", action="append", default=[], help="more specs in copy_gold's format (repeatable)"
    )
    args = parser.parse_args()
    exclude = id_lists(args.exclude)
    try:
        specs = train_specs(args.data, "train", args.extra)
    except ValueError as exc:
        parser.error(str(exc))
    if exclude and not exclude & {s["spec_id"] for s in specs}:
        parser.error("--exclude names no train spec (it takes files of spec ids, one per line)")
    specs = [s for s in specs if s["spec_id"] not in exclude]
    random.Random(args.seed).shuffle(specs)
    specs = specs[: args.specs]
    # Unguarded sampling: the pairs show the model's own habits (the shipped pairs predate the guard).
    config = PipelineConfig(seed=args.seed, must_mention=False, gsm_sms=False)
    pg = PromoGen.load(adapter=args.adapter, approver="none", config=config, base_model=args.base_model)
    pairs = list(zip(spec_users(specs), [Campaign.from_dict(s["campaign"]) for s in specs], strict=True))
    generated = generate_candidates(pg, pairs, args.out, args.n, args.seed)
    rows = [json.loads(line) for line in generated.read_text(encoding="utf-8").splitlines()]
    prefs = preference_pairs(specs, rows)
    with (Path(args.out) / "pairs.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in prefs)
    n_cands = sum(len(r["candidates"]) for r in rows)
    summary = {
        "specs": len(rows),
        "candidates": n_cands,
        "first_try_compliance": round(
            sum(not c["violations"] for r in rows for c in r["candidates"]) / n_cands, 4
        ),
        "pairs": len(prefs),
        "own_rejected": sum(p["defect"].startswith("own:") for p in prefs),
    }
    record = {"promogen_version": __version__, "args": vars(args), **summary}
    (Path(args.out) / "config.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary))


if __name__ == "__main__":
    run_script(main)
