"""The evaluation harness: several variants, the same users and seed, one report a marketer can read.

A variant is a name and a few settings (`adapter=PATH`, `approver=PATH`, `n_candidates=8`,
`generator.temperature=0.5`, `policy=softmax:0.1`: the CLI's `--set` syntax). A variant's own settings
choose its copy (`rank_by`, its approver where it floors or ranks), but the `approval` metric of every
variant is the base pipeline's approver's, so that variants are judged by one judge.
Every variant generates for every campaign and user, the evaluator scores the result with every metric
in `evaluator.METRICS`, and the harness writes `report.json` (all numbers, per copy too), `report.md`
(tables and plots, written by `report`) and the PNG plots, plus each variant's deliveries as JSONL.
A long run is not lost when killed: each finished campaign's result is kept in OUT/resume/ until the
report is written, and a run started again with `resume` takes those made exactly as this run would make
them (the pipeline record with every model's hash and the dtypes, the judging approver, promogen's code
and prompts, the seed, the campaign, its users and reference copy); any other is run again, saying why.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import override
from ..generator import Generator
from ..pipeline import (
    PipelineConfig,
    PromoGen,
    check_model_folder,
    resolve_adapter,
    resolve_approver,
    resolve_judge,
)
from ..prompts import prompts_dir
from ..provenance import differences, dir_sha1, run_record, write_record
from ..types import Campaign, UserHistory, ValidationError
from .evaluator import Evaluator, chosen_and_random_ctr, rejects_by_rule


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """`NAME=key=value,key=value` (or just `NAME`) -> (NAME, settings).

    A key is `adapter` or any pipeline setting in the `--set` syntax of the CLI (`n_candidates=8`,
    `generator.temperature=0.5`, `policy=softmax:0.1`); each is checked here, before any model loads.
    """
    name, _, spec = text.partition("=")
    if not name.strip():
        raise ValidationError(f"variant {text!r} needs a name: NAME=key=value,...")
    settings: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValidationError(f"variant {name!r}: bad setting {part!r}; write key=value")
        settings[key.strip()] = value.strip()
    try:
        pipeline_config(PipelineConfig(), settings)
    except ValidationError as exc:
        raise ValidationError(f"variant {name!r}: {exc}") from exc
    try:  # checked now, not when the variant's turn comes after the others have run
        for key in MODELS:
            check_model_folder(settings.get(key), key)
    except ValidationError as exc:
        raise ValidationError(f"variant {name!r}: {exc}") from exc
    return name.strip(), settings


def pipeline_config(base: PipelineConfig, settings: dict[str, str]) -> PipelineConfig:
    """`base` with a variant's settings (all but `adapter` and `approver`) applied."""
    return override(base, [f"{k}={v}" for k, v in settings.items() if k not in MODELS])


MODELS = ("adapter", "approver")  # variant settings that name model folders rather than config fields


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

    def __init__(
        self, base: PromoGen, out_dir: str | Path, seed: int = 0, progress=print, resume: bool = False
    ) -> None:
        self.base, self.out, self.seed, self.log = base, Path(out_dir), seed, progress
        self.resume = resume
        self.kept: dict[str, list[str]] = {}  # variant -> campaigns taken from a killed run (resume)
        self._generators: dict[tuple, Generator] = {}
        self._approvers: dict[str, object] = {}
        self.configs: dict[str, dict] = {}

    def pipeline(self, settings: dict[str, str]) -> PromoGen:
        config = pipeline_config(self.base.config, settings)
        adapter = resolve_adapter(settings.get("adapter"), config)
        key = (adapter, json.dumps(config.generator.to_dict(), sort_keys=True))
        if key not in self._generators:
            same = adapter == self.base.generator.adapter and config.generator == self.base.config.generator
            self._generators[key] = (
                self.base.generator if same else Generator.load(config.generator, adapter=adapter)
            )
        approver = self.base.approver
        if "approver" in settings:
            name = settings["approver"]
            if name not in self._approvers:
                self._approvers[name] = resolve_approver(name)
            approver = self._approvers[name]
        judge = resolve_judge(adapter)
        return PromoGen(self._generators[key], self.base.encoder, config, self.base.ranker, approver, judge)

    def run(self, groups: list[Group], variants: list[tuple[str, dict]]) -> dict:
        """Every variant on every group (a campaign, its users and optional reference copy).

        Each variant's full pipeline config lands in `self.configs`, for report.json.
        """
        results: dict = {}
        if self.resume and not (self.out / "resume").is_dir():
            self.log(f"nothing kept in {self.out / 'resume'} (no killed run there): every campaign runs")
        # Every variant shares the encoder, so each group's users are embedded once for all of them.
        encoded = [self.base.encoder.encode_users(g.users) for g in groups]
        for name, settings in variants:
            pg = self.pipeline(settings)
            self.configs[name] = {
                "pipeline": pg.config.to_dict(),
                "adapter": pg.generator.adapter,
                "approver": settings.get("approver", "the base pipeline's"),
            }
            made_by = self._made_by(pg)
            results[name] = {
                group.campaign.campaign_id: self._kept(name, group, made_by)
                or self._run_group(name, pg, group, enc, made_by)
                for group, enc in zip(groups, encoded, strict=True)
            }
        return results

    def forget(self) -> None:
        """Drop the kept per-campaign results (every variant's): call once the report that holds them is
        written."""
        shutil.rmtree(self.out / "resume", ignore_errors=True)

    def _made_by(self, pg: PromoGen) -> dict:
        """What makes a variant's results: its pipeline record (config, every model's hash, dtypes), the
        approver that judges every variant, promogen's code and prompts, and the seed."""
        code = Path(__file__).resolve().parents[1]
        return {
            "record": run_record(pg),
            "judge": dir_sha1(self.base.approver.directory) if self.base.approver else None,
            "code": {"promogen": dir_sha1(code), "prompts": dir_sha1(prompts_dir())},
            "seed": self.seed,
        }

    @staticmethod
    def _key(group: Group, made_by: dict) -> dict:
        shown = [group.campaign.to_dict(), group.references, [u.to_dict() for u in group.users]]
        digest = hashlib.sha1(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return {**made_by, "campaign_users_references_sha1": digest}

    def _paths(self, name: str, cid: str) -> tuple[Path, Path]:
        return self.out / "deliveries" / name / f"{cid}.jsonl", self.out / "resume" / name / f"{cid}.json"

    def _kept(self, name: str, group: Group, made_by: dict) -> dict | None:
        """A killed run's result for this variant and campaign, when resuming and it was made alike."""
        cid = group.campaign.campaign_id
        deliveries, kept = self._paths(name, cid)
        if not (self.resume and kept.is_file() and deliveries.is_file()):
            return None
        try:
            saved = json.loads(kept.read_text(encoding="utf-8"))
            changed = [k.removesuffix(".") for k in differences(saved["key"], self._key(group, made_by))]
            report = saved["report"]
        except (ValueError, KeyError, TypeError):  # not what _run_group writes: as if nothing were kept
            changed = ["the kept file, which cannot be read"]
        if changed:
            self.log(f"{name} / {cid}: not kept, it differs in {', '.join(changed)}; running again")
            return None
        self.log(f"{name} / {cid}: kept from the earlier run")
        self.kept.setdefault(name, []).append(cid)
        return report

    def _run_group(self, name: str, pg: PromoGen, group: Group, encoded, made_by: dict) -> dict:
        """One variant on one campaign: generate, evaluate, save the deliveries, log a line."""
        campaign, users = group.campaign, group.users
        path, kept = self._paths(name, campaign.campaign_id)
        kept.unlink(missing_ok=True)  # the deliveries are rewritten below: an old mark must not outlive them
        start = time.time()
        deliveries = pg.generate(campaign, users, seed=self.seed, encoded=encoded)
        # Scored with the base approver; picked (its generic copy too) as the variant picks.
        scoring = PromoGen(pg.generator, pg.encoder, pg.config, pg.ranker, self.base.approver, pg.judge)
        evaluator = Evaluator(scoring)
        ctx = evaluator.context(
            campaign, users, deliveries, seed=self.seed, encoded=encoded, references=group.references
        )
        report = evaluator.evaluate(ctx)
        report["wall_s"] = round(time.time() - start, 1)
        report["channel"] = campaign.channel
        report["adapter"] = pg.generator.adapter
        report["random_compliant_ctr"] = chosen_and_random_ctr(deliveries).round(6).tolist()
        report["rejects"] = rejects_by_rule(deliveries)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in deliveries))
        # Written whole, after the deliveries: the mark says both are done.
        kept.parent.mkdir(parents=True, exist_ok=True)
        write_record(kept, {"key": self._key(group, made_by), "report": report})
        m = report["metrics"]
        self.log(
            f"{name} / {campaign.campaign_id}: compliance {m['first_try_compliance']:.2f}, "
            f"fallback {m['fallback_rate']:.2f}, approval {m['approval']:.3f}, "
            f"relevance {m['relevance']:.3f} ({report['wall_s']} s)"
        )
        return report


@dataclass
class Group:
    """One campaign and the users it is evaluated on; `references` are reference messages per user."""

    campaign: Campaign
    users: list[UserHistory]
    references: list[list[str]] | None = None


def gold_groups(specs: list[dict]) -> list[Group]:
    """copy_gold specs grouped by campaign: its shoppers, and their two reference messages each."""
    from ..train.gold import spec_users

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
