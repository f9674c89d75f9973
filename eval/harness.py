"""Evaluate campaigns on real or simulated users for several variants and write a readable report.

python -m eval.harness --campaign run20 --users ../shared/data/amazon/Office_Products/test.csv \
    --n-users 50 --out reports/harness --variant base=adapter=none --variant n8=adapter=none,n_candidates=8

--users takes a promogen users JSONL or an Amazon CSV (valid.csv / test.csv next to items.json: each
history title becomes a purchase event). --exclude drops users (or copy_gold specs) listed in a file
(e.g. those the adapter was trained on). A variant is NAME=key=value,...: `adapter` or any pipeline
setting as `promogen --set` takes it (n_candidates=8, generator.temperature=0.5, policy=softmax:0.1).
Writes OUT/report.md, OUT/report.json (with each variant's full pipeline config), OUT/*.png and the
deliveries of every variant under OUT/deliveries/. A killed run continues where it stopped when started
again with the same arguments and --resume.
"""

import argparse
import shlex
import sys
from pathlib import Path

from promogen import PipelineConfig, PromoGen
from promogen.cli import run_script
from promogen.evaluation.harness import (
    Group,
    Harness,
    gold_groups,
    parse_variant,
    sample_users,
)
from promogen.evaluation.report import write_examples, write_report
from promogen.provenance import code_version
from promogen.readers import id_lists, read_users
from promogen.simulate import load_campaign
from promogen.train.gold import read_specs
from promogen.train.public_data import amazon_split


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--campaign", action="append", default=[], help="campaign file or demo name; repeat")
    parser.add_argument("--users", help="users JSONL, or an Amazon valid.csv / test.csv")
    parser.add_argument(
        "--gold",
        help="a copy_gold split (e.g. dev.jsonl): its campaigns, shoppers and reference copy instead",
    )
    parser.add_argument("--n-users", type=int, default=50, help="users drawn (seeded) from the file")
    parser.add_argument(
        "--exclude", nargs="*", default=[], help="files with one user_id (or spec_id) per line to leave out"
    )
    parser.add_argument("--variant", action="append", default=[], help="NAME=key=value,...; repeat")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--examples", type=int, default=3, help="delivered copies quoted per campaign in report.md"
    )
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="after a killed run into the same --out: keep the campaigns it finished (same variant "
        "settings, seed and users) and generate the rest",
    )
    args = parser.parse_args()

    variants = [parse_variant(v) for v in args.variant] or [("default", {})]
    exclude = id_lists(args.exclude)
    if args.gold:
        specs = read_specs(args.gold)
        if exclude and not exclude & {s["spec_id"] for s in specs}:
            parser.error("--exclude names no spec of --gold (it takes files of ids, one per line)")
        groups = gold_groups([s for s in specs if s["spec_id"] not in exclude])
        described = f"{sum(len(g.users) for g in groups)} shoppers of {len(groups)} campaigns in {args.gold}"
    else:
        if not args.campaign or not args.users:
            parser.error("give --campaign and --users, or --gold")
        path = Path(args.users)
        if path.suffix == ".csv":
            users, *_ = amazon_split(path.parent, path.stem)
        else:
            users = [u for _, u, _ in read_users(path) if u is not None]
        if exclude and not exclude & {u.user_id for u in users}:
            parser.error("--exclude names no user of --users (it takes files of ids, one per line)")
        users = sample_users(users, args.n_users, args.seed, exclude)
        groups = [Group(load_campaign(c), users) for c in args.campaign]
        described = f"{len(users)} from {args.users}" + (
            f", excluding {len(exclude)} in {' '.join(args.exclude)}" if exclude else ""
        )
    pg = PromoGen.load(config=PipelineConfig(seed=args.seed))
    harness = Harness(pg, args.out, seed=args.seed, resume=args.resume)
    code = code_version()  # what generates, not what the tree holds when the report is written
    results = harness.run(groups, variants)
    meta = {
        "code": code,
        "command": "python -m eval.harness " + shlex.join(sys.argv[1:]),
        "users": described,
        "seed": args.seed,
        "variants": dict(variants),
        "configs": harness.configs,
        **({"kept_from_a_killed_run": harness.kept} if harness.kept else {}),
    }
    print(f"wrote {write_report(results, meta, args.out, examples=args.examples)}")
    if args.gold:  # invented campaigns and shoppers: every delivered copy can be shown
        print(f"wrote {write_examples(results, groups, args.out)}")
    harness.forget()


if __name__ == "__main__":
    run_script(main)
