"""The evaluation harness: several variants, the same users and seed, one report a marketer can read.

A variant is a name and a few settings (`adapter=PATH`, `n_candidates=8`, `policy=softmax:0.1`, ...).
Every variant generates for every campaign and user, the evaluator scores the result with every metric
in `evaluator.METRICS`, and the harness writes `report.json` (all numbers, per copy too), `report.md`
(tables and plots) and the PNG plots, plus each variant's deliveries as JSONL.
"""

from __future__ import annotations

import json
import platform
import random
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from . import __version__
from .evaluator import METRICS, Evaluator, chosen_and_random_ctr
from .generator import Generator
from .pipeline import PipelineConfig, PromoGen, resolve_adapter
from .policy import PolicyConfig
from .types import Campaign, UserHistory, ValidationError

VARIANT_KEYS = {
    "adapter": "adapter folder, or none for the base model with a worked example in the prompt",
    "n_candidates": "candidates per user",
    "policy": "greedy | softmax:T | epsilon:E | uniform",
    "personalise": "true | false: interests in the prompt",
    "shuffle_vectors": "true | false: give each user another user's interest vector (control)",
    "temperature": "sampling temperature",
    "max_perplexity": "fluency floor",
    "min_approval": "approver floor",
    "rank_by": "approval | predicted_ctr | relevance",
}
HEADLINE = (
    "approval",
    "first_try_compliance",
    "fallback_rate",
    "predicted_ctr",
    "ctr_lift_vs_random",
    "relevance",
    "personalisation_vs_others",
    "personalisation_vs_generic",
    "distinct_2",
    "opening_frame_share",
    "reference_similarity",
)


def parse_variant(text: str) -> tuple[str, dict]:
    """`NAME=key=value,key=value` (or just `NAME`) -> (NAME, settings), each setting checked."""
    name, _, spec = text.partition("=")
    if not name.strip():
        raise ValidationError(f"variant {text!r} needs a name: NAME=key=value,...")
    settings: dict = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key not in VARIANT_KEYS:
            raise ValidationError(
                f"variant {name!r}: bad setting {part!r}; key must be one of {', '.join(VARIANT_KEYS)}"
            )
        settings[key] = value
    for key in ("personalise", "shuffle_vectors"):
        if key in settings:
            if settings[key].lower() not in ("true", "false"):
                raise ValidationError(
                    f"variant {name!r}: `{key}` must be true or false; got {settings[key]!r}"
                )
            settings[key] = settings[key].lower() == "true"
    try:
        casts = (
            ("n_candidates", int),
            ("temperature", float),
            ("max_perplexity", float),
            ("min_approval", float),
        )
        for key, cast in casts:
            if key in settings:
                settings[key] = cast(settings[key])
    except ValueError as exc:
        raise ValidationError(f"variant {name!r}: {exc}") from exc
    if "policy" in settings:
        PolicyConfig.parse(settings["policy"])
    return name.strip(), settings


def sample_users(
    users: list[UserHistory], n: int, seed: int, exclude: set[str] = frozenset()
) -> list[UserHistory]:
    """`n` users with a history, drawn with `seed`, none of them in `exclude` (e.g. finetuning users)."""
    pool = [u for u in users if u.events and u.user_id not in exclude]
    random.Random(seed).shuffle(pool)
    if len(pool) < n:
        raise ValidationError(f"only {len(pool)} eligible users, asked for {n}")
    return pool[:n]


class Harness:
    """Builds each variant's pipeline from one loaded base (encoder and ranking head are shared)."""

    def __init__(self, base: PromoGen, out_dir: str | Path, seed: int = 0, progress=print) -> None:
        self.base, self.out, self.seed, self.log = base, Path(out_dir), seed, progress
        self._generators: dict[str | None, Generator] = {}

    def pipeline(self, settings: dict) -> PromoGen:
        fields = self.base.config.to_dict()
        fields.update(
            {
                k: settings[k]
                for k in (
                    "n_candidates",
                    "personalise",
                    "shuffle_vectors",
                    "max_perplexity",
                    "min_approval",
                    "rank_by",
                )
                if k in settings
            }
        )
        if "policy" in settings:
            fields["policy"] = PolicyConfig.parse(settings["policy"]).to_dict()
        if "temperature" in settings:
            fields["generator"]["temperature"] = settings["temperature"]
        config = PipelineConfig.from_dict(fields)  # validates the changed fields
        adapter = resolve_adapter(settings.get("adapter"), config)
        key = (adapter, json.dumps(config.generator.to_dict(), sort_keys=True))
        if key not in self._generators:
            same = adapter == self.base.generator.adapter and config.generator == self.base.config.generator
            self._generators[key] = (
                self.base.generator if same else Generator.load(config.generator, adapter=adapter)
            )
        return PromoGen(
            self._generators[key], self.base.encoder, config, self.base.ranker, self.base.approver
        )

    def run(self, groups: list[Group], variants: list[tuple[str, dict]]) -> dict:
        """Every variant on every group (a campaign, its users and optional reference copy)."""
        results: dict = {}
        # Every variant shares the encoder, so each group's users are embedded once for all of them.
        encoded = [self.base.encoder.encode_users(g.users) for g in groups]
        for name, settings in variants:
            pg = self.pipeline(settings)
            evaluator = Evaluator(pg)
            results[name] = {}
            for group, enc in zip(groups, encoded, strict=True):
                campaign, users = group.campaign, group.users
                start = time.time()
                deliveries = pg.generate(campaign, users, seed=self.seed, encoded=enc)
                ctx = evaluator.context(
                    campaign, users, deliveries, seed=self.seed, encoded=enc, references=group.references
                )
                report = evaluator.evaluate(ctx)
                report["wall_s"] = round(time.time() - start, 1)
                report["channel"] = campaign.channel
                report["adapter"] = pg.generator.adapter
                report["random_compliant_ctr"] = chosen_and_random_ctr(deliveries).round(6).tolist()
                results[name][campaign.campaign_id] = report
                path = self.out / "deliveries" / name / f"{campaign.campaign_id}.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(
                    "".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in deliveries)
                )
                m = report["metrics"]
                self.log(
                    f"{name} / {campaign.campaign_id}: compliance {m['first_try_compliance']:.2f}, "
                    f"fallback {m['fallback_rate']:.2f}, approval {m['approval']:.3f}, "
                    f"relevance {m['relevance']:.3f} ({report['wall_s']} s)"
                )
        return results


@dataclass
class Group:
    """One campaign and the users it is evaluated on; `references` are reference messages per user."""

    campaign: Campaign
    users: list[UserHistory]
    references: list[list[str]] | None = None


def gold_groups(specs: list[dict]) -> list[Group]:
    """copy_gold specs grouped by campaign: its shoppers, and their two reference messages each."""
    from .gold import spec_users

    by_campaign: dict[str, list[dict]] = {}
    for spec in specs:
        by_campaign.setdefault(spec["campaign"]["campaign_id"], []).append(spec)
    return [
        Group(
            Campaign.from_dict(specs[0]["campaign"]),
            spec_users(specs),
            [[s["best"], s["alt"]] for s in specs],
        )
        for specs in by_campaign.values()
    ]


def write_report(results: dict, meta: dict, out_dir: str | Path, examples: int = 3) -> Path:
    """report.json, the PNG plots and report.md (tables + plots inline) in `out_dir`.

    `examples` delivered copies per campaign are quoted in report.md (0 for real users' data, whose copy
    can quote their purchase history).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        **meta,
        "promogen_version": __version__,
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.system()}, {_cpus()} CPU cores, no GPU used",
        "metric_help": {m.name: m.help for m in METRICS},
    }
    (out / "report.json").write_text(json.dumps({**meta, "results": results}, indent=1) + "\n")
    plots = _plots(results, out)
    lines = [
        "# promogen evaluation report",
        "",
        f"Command: `{meta['command']}`  ",
        f"Users: {meta['users']}  ",
        f"Date: {meta['date']}; machine: {meta['machine']}; promogen {__version__}; seed {meta['seed']}",
        "",
        "## Variants at a glance (mean over campaigns)",
        "",
        "| variant | settings | " + " | ".join(HEADLINE) + " |",
        "|---|---|" + "---|" * len(HEADLINE),
    ]
    for name, per_campaign in results.items():
        means = [np.mean([r["metrics"][k] for r in per_campaign.values()]) for k in HEADLINE]
        settings = ", ".join(f"{k}={v}" for k, v in meta["variants"][name].items()) or "defaults"
        lines.append(f"| {name} | {settings} | " + " | ".join(_fmt(v) for v in means) + " |")
    for name, per_campaign in results.items():
        lines += [
            "",
            f"## Variant `{name}`",
            "",
            "| metric | " + " | ".join(per_campaign) + " | what it measures |",
        ]
        lines.append("|---|" + "---|" * (len(per_campaign) + 1))
        for metric in METRICS:
            row = " | ".join(_fmt(r["metrics"][metric.name]) for r in per_campaign.values())
            lines.append(f"| {metric.name} | {row} | {metric.help} |")
        if examples:
            lines += ["", "Examples of delivered copy:", ""]
            for cid, r in per_campaign.items():
                for copy in r["copies"][:examples]:
                    lines.append(f"- {cid} ({copy['chosen_by']}): {copy['text']}")
    lines += ["", "## Plots", ""] + [f"![{p.stem}]({p.name})" for p in plots]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "report.md"


def write_examples(results: dict, groups: list[Group], out_dir: str | Path) -> Path:
    """examples.md: every delivered copy of every variant, per campaign (for invented campaigns and
    shoppers such as the copy_gold specs; their histories are not repeated here, as the data's terms ask)."""
    from .wording import describe, until

    lines = ["# Delivered copy, every shopper", ""]
    for group in groups:
        c = group.campaign
        offer = describe(c.offer) + (f" with code {c.offer.code}" if c.offer.code else "") + until(c.offer)
        lines += [
            f"## {c.campaign_id}: {c.brand}, {c.channel}, {offer}" + (f" ({c.tone})" if c.tone else ""),
            "",
        ]
        for name, per_campaign in results.items():
            lines += [f"Variant `{name}`:", ""]
            for copy in per_campaign[c.campaign_id]["copies"]:
                mark = "" if copy["chosen_by"] == "model" else " *(fallback)*"
                lines.append(f"- {copy['user_id']}: {copy['text']}{mark}")
            lines.append("")
    path = Path(out_dir) / "examples.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _fmt(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.4g}"


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _plots(results: dict, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    paths = []

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
    for ax, key in zip(axes, ("predicted_ctr", "relevance", "fluency"), strict=True):
        for name in names:
            values = [c[key] for r in results[name].values() for c in r["copies"]]
            ax.hist(values, bins=20, alpha=0.5, label=name)
        ax.set_title(f"{key} of delivered copy")
    axes[0].legend()
    paths.append(_save(fig, out / "scores.png"))

    channels = sorted({r["channel"] for per in results.values() for r in per.values()})
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [
            np.mean(
                [r["metrics"]["first_try_compliance"] for r in results[name].values() if r["channel"] == ch]
            )
            for ch in channels
        ]
        ax.bar(np.arange(len(channels)) + i * width, values, width, label=name)
    ax.set_xticks(np.arange(len(channels)) + width * (len(names) - 1) / 2, channels)
    ax.set_ylim(0, 1)
    ax.set_title("first-try compliance per channel")
    ax.legend()
    paths.append(_save(fig, out / "compliance_by_channel.png"))

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for i, name in enumerate(names):
        pairs = np.array([p for r in results[name].values() for p in r["random_compliant_ctr"]]).reshape(
            -1, 2
        )
        means = pairs.mean(axis=0) if len(pairs) else [np.nan, np.nan]
        ax.bar([i - 0.2, i + 0.2], means, 0.4, color=["tab:blue", "tab:gray"])
    ax.set_xticks(range(len(names)), names)
    ax.set_title("predicted CTR: chosen copy (blue) vs random compliant (grey)")
    paths.append(_save(fig, out / "chosen_vs_random.png"))

    fig, ax = plt.subplots(figsize=(6, 3.5))
    keys = ("relevance", "personalisation_vs_others", "personalisation_vs_generic")
    for i, name in enumerate(names):
        values = [np.mean([r["metrics"][k] for r in results[name].values()]) for k in keys]
        ax.bar(np.arange(len(keys)) + i * width, values, width, label=name)
    ax.set_xticks(
        np.arange(len(keys)) + width * (len(names) - 1) / 2, ["relevance", "vs others", "vs generic"]
    )
    ax.set_title("relevance and personalisation")
    ax.legend()
    paths.append(_save(fig, out / "relevance.png"))
    return paths


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
