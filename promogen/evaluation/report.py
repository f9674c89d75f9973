"""The harness's report: every number in report.json, tables and plots in report.md a marketer can read.

Kept apart from the harness so that running variants and presenting their results change separately.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

from .. import __version__
from ..hardware import describe, summary
from ..provenance import code_version
from .evaluator import METRICS
from .harness import Group

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


def write_report(results: dict, meta: dict, out_dir: str | Path, examples: int = 3) -> Path:
    """report.json, the PNG plots and report.md (tables + plots inline) in `out_dir`.

    `examples` delivered copies per campaign are quoted in report.md (0 for real users' data, whose copy
    can quote their purchase history).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        # The code now, unless the caller says which it ran with: a run may outlast a commit.
        "code": code_version(),
        **meta,
        "promogen_version": __version__,
        "date": date.today().isoformat(),
        # bf16 matmuls round differently on AMX and AVX-512 BF16, and with the thread count: the same
        # code writes other copy, so the header names both.
        "machine": describe(),
        "metric_help": {m.name: m.help for m in METRICS},
    }
    (out / "report.json").write_text(json.dumps({**meta, "results": results}, indent=1) + "\n")
    plots = _plots(results, out)
    lines = _summary(results, meta)
    for name, per_campaign in results.items():
        lines += _variant_section(name, per_campaign, examples)
    lines += ["", "## Plots", ""] + [f"![{p.stem}]({p.name})" for p in plots]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "report.md"


def _code(code: dict | None) -> str:
    if code is None:
        return ""
    return f" (commit {code['commit']}{', with uncommitted changes' if code['uncommitted_changes'] else ''})"


def _summary(results: dict, meta: dict) -> list[str]:
    """report.md's header and one row per variant: the headline metrics' means over campaigns."""
    lines = [
        "# promogen evaluation report",
        "",
        f"Command: `{meta['command']}`  ",
        f"Users: {meta['users']}  ",
        f"Date: {meta['date']}; machine: {summary(meta['machine'])}; "
        f"promogen {__version__}{_code(meta['code'])}; seed {meta['seed']}",
        *_kept(meta.get("kept_from_a_killed_run")),
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
    return lines + _rejects(results)


def _kept(kept: dict | None) -> list[str]:
    """A paragraph naming, per variant, the campaigns a resumed run took from the killed one."""
    if not kept:
        return []
    return [
        "",
        "Kept from a killed run, made alike: " + "; ".join(f"{n}: {', '.join(c)}" for n, c in kept.items()),
    ]


def _rejects(results: dict) -> list[str]:
    """Per variant, over all campaigns and then per channel: the candidates, and how many each gate
    rule rejected."""
    totals: dict[tuple[str, str], Counter] = {}
    for name, per_campaign in results.items():
        for r in per_campaign.values():
            for key in ((name, "all"), (name, r["channel"])):
                totals[key] = totals.get(key, Counter()) + Counter(r["rejects"])
    rules = {k for t in totals.values() for k in t} - {"candidates"}
    rules = sorted(rules, key=lambda rule: (-sum(t[rule] for t in totals.values()), rule))
    lines = [
        "",
        "## Rejected candidates by gate rule (a candidate counts once per rule it breaks)",
        "",
        "| " + " | ".join(["variant", "channel", "candidates", *rules]) + " |",
        "|---|---|---|" + "---|" * len(rules),
    ]
    for (name, channel), total in totals.items():
        cells = [name, channel, total["candidates"], *(total[r] for r in rules)]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return lines


def _variant_section(name: str, per_campaign: dict, examples: int) -> list[str]:
    """Every metric per campaign for one variant, and up to `examples` delivered copies per campaign."""
    lines = [
        "",
        f"## Variant `{name}`",
        "",
        "| metric | " + " | ".join(per_campaign) + " | what it measures |",
        "|---|" + "---|" * (len(per_campaign) + 1),
    ]
    for metric in METRICS:
        row = " | ".join(_fmt(r["metrics"][metric.name]) for r in per_campaign.values())
        lines.append(f"| {metric.name} | {row} | {metric.help} |")
    if examples:
        lines += ["", "Examples of delivered copy:", ""]
        for cid, r in per_campaign.items():
            lines += [f"- {cid} ({copy['chosen_by']}): {copy['text']}" for copy in r["copies"][:examples]]
    return lines


def write_examples(results: dict, groups: list[Group], out_dir: str | Path) -> Path:
    """examples.md: every delivered copy of every variant, per campaign (for invented campaigns and
    shoppers such as the copy_gold specs; their histories are not repeated here, as the data's terms ask)."""
    from ..wording import offer_line

    lines = ["# Delivered copy, every shopper", ""]
    for group in groups:
        c = group.campaign
        offer = offer_line(c.offer)
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


def read_examples(path: str | Path) -> dict[str, dict[str, list[str]]]:
    """An examples.md page read back: variant -> campaign -> its delivered copy in page order (a
    fallback's mark left out), so figures can be recomputed from a committed page alone."""
    out: dict[str, dict[str, list[str]]] = {}
    for section in Path(path).read_text(encoding="utf-8").split("\n## ")[1:]:
        campaign = section.partition(":")[0]
        for block in section.split("Variant `")[1:]:
            name, _, body = block.partition("`")
            copies = re.findall(r"^- [^:\n]+: (.*?)(?: \*\(fallback\)\*)?$", body, flags=re.M)
            out.setdefault(name, {})[campaign] = copies
    return out


def _fmt(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.4g}"


def _plots(results: dict, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return [
        _save(plot(plt, results), out / f"{name}.png")
        for name, plot in (
            ("scores", _scores_plot),
            ("compliance_by_channel", _compliance_plot),
            ("chosen_vs_random", _chosen_vs_random_plot),
            ("relevance", _relevance_plot),
        )
    ]


def _scores_plot(plt, results: dict):
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
    for ax, key in zip(axes, ("predicted_ctr", "relevance", "fluency"), strict=True):
        for name in results:
            values = [c[key] for r in results[name].values() for c in r["copies"]]
            ax.hist(values, bins=20, alpha=0.5, label=name)
        ax.set_title(f"{key} of delivered copy")
    axes[0].legend()
    return fig


def _compliance_plot(plt, results: dict):
    names = list(results)
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
    return fig


def _chosen_vs_random_plot(plt, results: dict):
    names = list(results)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for i, name in enumerate(names):
        pairs = np.array([p for r in results[name].values() for p in r["random_compliant_ctr"]]).reshape(
            -1, 2
        )
        means = pairs.mean(axis=0) if len(pairs) else [np.nan, np.nan]
        ax.bar([i - 0.2, i + 0.2], means, 0.4, color=["tab:blue", "tab:gray"])
    ax.set_xticks(range(len(names)), names)
    ax.set_title("predicted CTR: chosen copy (blue) vs random eligible (grey)")
    return fig


def _relevance_plot(plt, results: dict):
    names = list(results)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.8 / len(names)
    keys = ("relevance", "personalisation_vs_others", "personalisation_vs_generic")
    for i, name in enumerate(names):
        values = [np.mean([r["metrics"][k] for r in results[name].values()]) for k in keys]
        ax.bar(np.arange(len(keys)) + i * width, values, width, label=name)
    ax.set_xticks(
        np.arange(len(keys)) + width * (len(names) - 1) / 2, ["relevance", "vs others", "vs generic"]
    )
    ax.set_title("relevance and personalisation")
    ax.legend()
    return fig


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
