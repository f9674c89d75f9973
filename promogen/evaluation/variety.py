"""How varied a campaign's delivered copy is, and what the `variety` penalty buys at which price.

Distinct-2 and the opening-frame share are per campaign properties: one shopper's message cannot be
"varied". `replay` re-runs the pipeline's own pick (`promogen.pipeline.select`) over the candidates a
harness run already wrote and scored, once per `variety` value, so the values are compared on the same
candidates without generating again; the price is how much less likely to the copywriter the picked copy
is (its mean log-perplexity above the plain pick's).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..config import override
from ..pipeline import PipelineConfig, judged_or_perplexity, select, user_rng
from ..types import Delivery, ValidationError
from .evaluator import distinct_n, opening_frame_share


def diversity(by_campaign: dict[str, list[str]], brands: dict[str, str] | None = None) -> dict:
    """Distinct-2 and opening-frame share per campaign (then the mean) and over all messages at once;
    with `brands` (campaign -> brand), also the per-campaign share after a leading brand name."""
    keys = ("distinct_2", "opening_frame_share")
    per = [
        {"distinct_2": distinct_n(t, 2), "opening_frame_share": opening_frame_share(t)}
        for t in by_campaign.values()
    ]
    if brands is not None:
        keys += ("opening_frame_share_after_brand",)
        for m, (campaign, t) in zip(per, by_campaign.items(), strict=True):
            m["opening_frame_share_after_brand"] = opening_frame_share(t, brands[campaign])
    everything = [t for texts in by_campaign.values() for t in texts]
    return {
        "mean_over_campaigns": {k: round(float(np.mean([m[k] for m in per])), 4) for k in keys},
        "all_messages": {
            "distinct_2": round(distinct_n(everything, 2), 4),
            "opening_frame_share": round(opening_frame_share(everything), 4),
        },
        "messages": len(everything),
    }


def read_deliveries(folder: str | Path) -> dict[str, list[Delivery]]:
    """One harness variant's deliveries folder (a JSONL per campaign) or one batch output file, per
    campaign in file order (the order they were picked)."""
    paths = [Path(folder)] if Path(folder).is_file() else sorted(Path(folder).glob("*.jsonl"))
    if not paths:
        raise ValidationError(f"no deliveries (*.jsonl) in {folder}")  # one line at the command line
    runs = {
        p.stem: [Delivery.from_dict(json.loads(line)) for line in p.read_text(encoding="utf-8").splitlines()]
        for p in paths
    }
    if any(d.chosen is not None and d.propensity != 1.0 for rows in runs.values() for d in rows):
        raise ValidationError(f"{folder}: the replay re-makes greedy picks; this run's policy was not greedy")
    return runs


def replay(
    by_campaign: dict[str, list[Delivery]], config: PipelineConfig, batch_size: int | None = None
) -> dict[str, list[int | None]]:
    """The pick `config` makes among each delivery's stored candidates, users in the stored order: each
    campaign's file as one request (the harness generates a campaign's shoppers in one call), or as
    requests of `batch_size` users (a batch job's batches)."""
    picks = {}
    for campaign, rows in by_campaign.items():
        size = batch_size or max(len(rows), 1)
        requests = [min(size, len(rows) - start) for start in range(0, len(rows), size)]
        rngs = [user_rng(d.seed, d.user_id) for d in rows]
        key = config.rank_by
        if key == "judge":
            key = judged_or_perplexity(all("judge" in c.scores for d in rows for c in d.candidates))
        made = select([d.candidates for d in rows], key, config, rngs, requests)
        picks[campaign] = [chosen for chosen, _ in made]
    return picks


def price(by_campaign: dict[str, list[Delivery]], picks: dict, plain: dict) -> dict:
    """How far `picks` moved from the `plain` picks: the share of shoppers moved, the mean increase in
    the delivered candidate's log-perplexity and that mean log-perplexity itself (fallbacks left out)."""
    moved, cost, level = [], [], []
    for campaign, rows in by_campaign.items():
        for d, new, old in zip(rows, picks[campaign], plain[campaign], strict=True):
            if new is None or old is None:
                continue
            moved.append(new != old)
            ppl = [c.scores["perplexity"] for c in d.candidates]
            cost.append(math.log(ppl[new]) - math.log(ppl[old]))
            level.append(math.log(ppl[new]))
    return {
        "moved": round(float(np.mean(moved)), 4),
        "log_perplexity_cost": round(float(np.mean(cost)), 4),
        "mean_log_perplexity": round(float(np.mean(level)), 4),
    }


def texts(by_campaign: dict[str, list[Delivery]], picks: dict) -> dict[str, list[str]]:
    """The delivered text of every shopper under `picks` (model copy only)."""
    return {
        campaign: [d.candidates[i].text for d, i in zip(rows, picks[campaign], strict=True) if i is not None]
        for campaign, rows in by_campaign.items()
    }


def write(by_campaign: dict[str, list[Delivery]], picks: dict, folder: Path) -> None:
    """The deliveries as the pipeline would have written them with `picks`, one JSONL per campaign."""
    folder.mkdir(parents=True, exist_ok=True)
    for campaign, rows in by_campaign.items():
        lines = []
        for d, i in zip(rows, picks[campaign], strict=True):
            # Eligibility is stored, so a replay falls back exactly where the run did: only model picks move.
            if i != d.chosen:
                d = replace(d, text=d.candidates[i].text, chosen=i)
            lines.append(json.dumps(d.to_dict()) + "\n")
        (folder / f"{campaign}.jsonl").write_text("".join(lines), encoding="utf-8")


def sweep(
    by_campaign: dict[str, list[Delivery]],
    values: list[float],
    out: str | Path | None = None,
    batch_size: int | None = None,
    settings: list[str] = (),
    brands: dict[str, str] | None = None,
) -> dict:
    """`diversity` and `price` of the delivered copy for each `variety` value (ranking by perplexity, the
    only score it applies to), on one run (`read_deliveries`), with the pipeline `settings` (KEY=VALUE)
    applied to each; with `out`, each value's deliveries go to `out`/<value>/ (for a rating sheet).
    `batch_size` replays a batch job's batches (see `replay`); the price is against the plain pick;
    `brands` (campaign -> brand) adds the opening-frame share after the brand (`diversity`)."""
    plain = replay(by_campaign, PipelineConfig(variety=0.0), batch_size)
    result = {}
    for value in values:
        config = override(PipelineConfig(variety=value), settings)
        picks = replay(by_campaign, config, batch_size)
        shown = texts(by_campaign, picks)
        result[str(value)] = {**diversity(shown, brands), **price(by_campaign, picks, plain)}
        if out is not None:
            write(by_campaign, picks, Path(out) / str(value))
    return result
