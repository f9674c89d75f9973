"""Two more ways to raise MIND's personal-affinity AUC (issue 14), judged on the validation users only.

The shipped affinity head (cosine plus a low-rank bilinear term on the pooled interest vector) learns
from the fitting users' labelled rows, which are few (1,325 rows of 370 readers). Each idea below is
scored against that recipe on the same validation users, which also choose each run's epoch as in
training, so the best of several variants is an optimistic figure; the inner held-out users are never
read, so nothing here touches the figures in reports/ranker.json.

- self-supervision: every click of every fitting user, left out in turn, is a positive for the user's
  other clicks pooled as the history (the same title clicked twice is left out with it), against a
  random title of the fitting rows; trained on for exactly 1, 2 or 4 epochs (none chosen), then on the
  labelled rows as shipped;
- candidate features: the copy-appeal head's score of the candidate title (it was trained on news
  headlines) and its category's click log-odds among the fitting rows, beside the affinity logit in a
  logistic regression fitted on the fitting rows.

python -m eval.mind_probe --data ../shared/data/mind/valid.json --out reports/ranker_choice/mind_probe.json
"""

import argparse
import shlex
import sys
from dataclasses import replace
from datetime import date

import numpy as np

from promogen import __version__
from promogen.cli import run_script
from promogen.encoder import InterestEncoder
from promogen.evaluation.ranker_report import logistic
from promogen.evaluation.stats import auc
from promogen.hardware import describe
from promogen.models import home
from promogen.provenance import emit_json, file_sha1
from promogen.ranker import Ranker
from promogen.train.public_data import cached_embeddings, mind_candidate_categories, mind_rows
from promogen.train.ranker import mind_parts, mind_vectors, train_affinity
from promogen.types import UserHistory


def left_out_clicks(users, fit: np.ndarray) -> tuple[list[UserHistory], list[str], int]:
    """(history without one click, that click) for every click of every distinct fitting user, and the
    number of those users."""
    seen, histories, clicks = set(), [], []
    for i in np.flatnonzero(fit):
        user = users[i]
        if user.user_id in seen:
            continue
        seen.add(user.user_id)
        for k, event in enumerate(user.events):
            rest = [e for e in user.events if e.text != event.text]
            if not rest:
                continue
            histories.append(UserHistory(user_id=f"{user.user_id}-{k}", events=rest))
            clicks.append(event.text)
    return histories, clicks, len(seen)


def self_supervised(encoder, ranker, users, titles, labels, parts, vectors, copies, cache) -> dict:
    config = ranker.config
    fit = parts["fit"]
    histories, clicks, readers = left_out_clicks(users, fit)
    pool = sorted({e.text for i in np.flatnonzero(fit) for e in users[i].events} | set(np.array(titles)[fit]))
    rng = np.random.default_rng(config.seed)
    negatives = cached_embeddings(encoder, pool, cache)[rng.integers(0, len(pool), len(histories))]
    held = mind_vectors(encoder, histories, config.news_decay, cache)
    extra_u = np.concatenate([held, held])
    extra_c = np.concatenate([cached_embeddings(encoder, clicks, cache), negatives])
    extra_y = np.r_[np.ones(len(held)), np.zeros(len(held))]
    extra_parts = {"fit": np.ones(len(extra_y), dtype=bool)}
    out = {"left_out_clicks": len(held), "distinct_fitting_users": readers}
    for epochs in (1, 2, 4):
        first, _, _ = train_affinity(
            extra_u, extra_c, extra_y, extra_parts, replace(config, affinity_epochs=epochs), choose=False
        )
        _, score, epoch = train_affinity(vectors, copies, labels, parts, config, init=first)
        out[f"then_labelled_after_{epochs}_epochs"] = {"val_auc": round(score, 4), "epoch": epoch}
    return out


def candidate_features(ranker, categories, titles, labels, parts, vectors, copies) -> dict:
    fit, val = parts["fit"], parts["val"]
    categories = np.array(categories)
    prior = {}
    for c in set(categories):
        clicked, shown = labels[fit & (categories == c)].sum(), (fit & (categories == c)).sum()
        prior[c] = np.log((clicked + 1) / (shown - clicked + 1))
    features = {
        "affinity": ranker.affinity_logit(vectors, copies),
        "appeal": ranker.appeal(list(titles)),
        "category_prior": np.array([prior[c] for c in categories]),
    }
    out = {name: round(auc(labels[val], f[val]), 4) for name, f in features.items()}
    for names in (("affinity", "appeal"), ("affinity", "category_prior"), tuple(features)):
        x = np.c_[tuple(features[k] for k in names)]
        theta = logistic(x[fit], labels[fit], 1e-3)
        out[" + ".join(names)] = round(auc(labels[val], x[val] @ theta[:-1] + theta[-1]), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, help="MIND prompt file (valid.json)")
    parser.add_argument("--cache", default=str(home() / "cache"), help="embedding cache folder")
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()

    encoder, ranker = InterestEncoder.load(), Ranker.load()
    users, titles, labels = zip(*mind_rows(args.data), strict=True)
    labels = np.array(labels, dtype=np.float64)
    parts = mind_parts([u.user_id for u in users])
    vectors = mind_vectors(encoder, users, ranker.config.news_decay, args.cache)
    copies = cached_embeddings(encoder, list(titles), args.cache)
    _, shipped, epoch = train_affinity(vectors, copies, labels, parts, ranker.config)
    result = {
        "command": "python -m eval.mind_probe " + shlex.join(sys.argv[1:]),
        "date": date.today().isoformat(),
        "machine": describe(),
        "promogen_version": __version__,
        "data": {"file": args.data, "sha1": file_sha1(args.data)},
        "rows": {k: int(v.sum()) for k, v in parts.items()},
        "split": "validation users only (the inner held-out users are not read)",
        "shipped_recipe": {"val_auc": round(shipped, 4), "epoch": epoch},
        "self_supervised": self_supervised(
            encoder, ranker, users, titles, labels, parts, vectors, copies, args.cache
        ),
        "candidate_features": candidate_features(
            ranker, mind_candidate_categories(args.data), titles, labels, parts, vectors, copies
        ),
    }
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
