"""Build finetuning data by best-of-N self-distillation on real Amazon histories.

python finetune/build_sft.py --amazon ../shared/data/amazon/Office_Products --prompts 200 --n 8 --out runs/sft
python finetune/build_sft.py --adapter runs/lora/adapter --exclude runs/sft/users.txt --seed 1 --out runs/sft2

The second form is a further round: the finetuned copywriter writes the candidates for new users.

Writes OUT/generated.jsonl (every candidate with its scores; a rerun resumes), OUT/sft.jsonl (best
compliant candidate per prompt), OUT/pairs.jsonl (best vs worst), OUT/users.txt (users used: evaluation
excludes them) and OUT/config.json.
"""

import argparse
import json
import time
from pathlib import Path

from promogen import PipelineConfig, PromoGen, __version__
from promogen.public_data import amazon_split
from promogen.sft import assign, generate_candidates, load_campaigns, select_targets

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--amazon", default="../shared/data/amazon/Office_Products", help="Amazon domain folder"
    )
    parser.add_argument("--split", default="valid", help="CSV whose users give the histories")
    parser.add_argument("--campaigns", default=str(HERE / "configs" / "sft_campaigns.yaml"))
    parser.add_argument("--prompts", type=int, default=200, help="(user, campaign) prompts to generate for")
    parser.add_argument("--n", type=int, default=8, help="candidates per prompt (the N of best-of-N)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--adapter",
        default="none",
        help="copywriter adapter: none (base + worked example) or a folder (next round)",
    )
    parser.add_argument("--exclude", nargs="*", default=[], help="users.txt files of earlier rounds to skip")
    parser.add_argument("--out", default="runs/sft")
    args = parser.parse_args()

    start = time.time()
    users, *_ = amazon_split(args.amazon, args.split)
    used = {u for path in args.exclude for u in Path(path).read_text().split()}
    users = [u for u in users if u.user_id not in used]
    pairs = assign(users, load_campaigns(args.campaigns), args.prompts, args.seed)
    pg = PromoGen.load(config=PipelineConfig(seed=args.seed), adapter=args.adapter)
    generated = generate_candidates(pg, pairs, args.out, args.n, args.seed)
    summary = select_targets(generated, args.out, pg.config.max_perplexity)
    summary.update(wall_s=round(time.time() - start, 1), tokens=pg.generator.tokens_generated)
    record = {"promogen_version": __version__, "args": vars(args), "pipeline": pg.config.to_dict(), **summary}
    (Path(args.out) / "config.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
