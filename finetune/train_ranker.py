"""Train the ranking head and write it where `PromoGen.load()` finds it.

python finetune/train_ranker.py --data ../shared/data --out promogen/weights/ranker
"""

import argparse
from pathlib import Path

from promogen.encoder import InterestEncoder
from promogen.models import home
from promogen.ranker import WEIGHTS_DIR, RankerConfig
from promogen.train.ranker import train_ranker


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data", help="folder with upworthy/ and mind/")
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="where to write ranker.npz and its config")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", default=str(home() / "cache"), help="embedding cache folder")
    args = parser.parse_args()
    data = Path(args.data)
    ranker = train_ranker(
        data / "upworthy" / "upworthy_dev.parquet",
        data / "mind" / "valid.json",
        InterestEncoder.load(),
        RankerConfig(seed=args.seed),
        cache=args.cache,
    )
    print(f"saved {ranker.save(args.out)}")


if __name__ == "__main__":
    main()
