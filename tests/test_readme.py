"""The README and docs/ tell the truth: the architecture tables match the tree, the figures match the
committed JSON artefacts that the commands they name write.

A figure is checked to the precision the README prints it with (plus the artefact's own rounding), so a
rerun that changes a number fails here until the README says the new number.
"""

import itertools
import json
import re
import statistics
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# The README, then the documents it links to in the order it lists them: the figures live in both.
DOCS = ("gate", "ranking", "evaluation", "copywriter", "throughput", "planning")
README = "\n".join(
    (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", *(f"docs/{d}.md" for d in DOCS))
)
REPORTS = ROOT / "reports"
EXACT = 1e-9  # for artefacts that keep full precision: the README's rounding is the only tolerance


def _load(relative: str) -> dict:
    return json.loads((ROOT / relative).read_text(encoding="utf-8"))


def _rows() -> list[list[str]]:
    """Every markdown table row of the README, as stripped cells."""
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in README.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]


def _cell_is(cell: str, wanted: str) -> bool:
    """`=text` must be the whole cell; otherwise the cell starts with `text`."""
    return cell == wanted[1:] if wanted.startswith("=") else cell.startswith(wanted)


def row(*first: str) -> list[str]:
    """The one table row whose leading cells match `first`."""
    found = [r for r in _rows() if all(_cell_is(c, f) for c, f in zip(r, first, strict=False))]
    assert len(found) == 1, f"expected one README row starting {first}, found {len(found)}"
    return found[0]


def shows(text: str, value: float, scale: float = 1.0, slack: float = 1e-4) -> None:
    """`text` holds a number equal to `value * scale` to the number of decimals printed."""
    for shown in re.findall(r"[-+]?\d[\d,]*\.?\d*", text):
        decimals = len(shown.partition(".")[2])
        number = float(shown.replace(",", ""))
        if abs(number - value * scale) <= 0.5 * 10**-decimals + slack * scale:
            return
    raise AssertionError(f"{value * scale:g} not shown in {text!r}")


def pct(text: str, share: float) -> None:
    shows(text, share, scale=100)


def panel_rows(report: dict, rows: list[tuple[str, str]], flags: tuple[str, ...]) -> None:
    """Each README panel row (leading cell -> the report's source) shows mean send, share sent as is,
    relevance and the share of each flag, in that order."""
    for first, source in rows:
        cells, rated = row(first), report["by_source"][source]
        shows(cells[1], rated["mean_send"])
        pct(cells[2], rated["send_as_is"])
        shows(cells[3], rated["relevance"])
        for cell, flag in zip(cells[4 : 4 + len(flags)], flags, strict=True):
            pct(cell, rated[flag])


def paired_sentence(report: dict, lead: str) -> None:
    """The README sentence starting `lead` gives the report's paired difference, interval and shoppers."""
    figures = r" \+?([-\d.]+) mean send, bootstrap 95% interval \[([-+\d.]+), ([-+\d.]+)\] \((\d+)"
    sentence = re.search(re.escape(lead) + figures, " ".join(README.split()))
    assert sentence, f"the paired sentence {lead!r} is missing"
    paired = report["paired"]
    values = (paired["mean_send_difference"], *paired["interval_95"], paired["shoppers"])
    for shown, value in zip(sentence.groups(), values, strict=True):
        shows(shown, value)


PANEL_FLAGS = ("incoherent", "invented_content", "offer_misstated", "generic")


def test_architecture_tables_match_the_tree():
    named = set(re.findall(r"`(promogen/[\w/]+\.py)`", README))
    missing = sorted(p for p in named if not (ROOT / p).is_file())
    assert missing == [], f"README names modules that do not exist: {missing}"
    modules = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "promogen").rglob("*.py") if p.name != "__init__.py"
    }
    unlisted = sorted(modules - named)
    assert unlisted == [], f"modules missing from the README's architecture tables: {unlisted}"
    scripts = {p.relative_to(ROOT).as_posix() for d in ("finetune", "eval") for p in (ROOT / d).glob("*.py")}
    scripts -= {"eval/__init__.py", "eval/gate_holdout.py"}  # a package marker and a data file of cases
    unnamed = sorted(s for s in scripts if s not in README and s.replace("/", ".")[:-3] not in README)
    assert unnamed == [], f"scripts the README never mentions: {unnamed}"


def test_gate_table_matches_gate_reports():
    suite, blind = _load("reports/gate_suite.json"), _load("reports/gate_holdout_blind.json")
    adversarial = row("adversarial suite")
    pct(adversarial[2], suite["overall"]["reject_share"])
    assert (
        f"({suite['overall']['reject']})" in adversarial[2]
        and f"({suite['overall']['ok']})" in adversarial[3]
    )
    shows(adversarial[0], suite["cases"])
    holdout = row("blind holdout")
    pct(holdout[2], blind["holdout"]["reject_share"])
    pct(holdout[3], blind["holdout"]["accept_share"])
    fixed = row("the same holdout after fixing")
    pct(fixed[2], suite["holdout"]["reject_share"])
    pct(fixed[3], suite["holdout"]["accept_share"])
    second, after = (_load(f"reports/gate_holdout2_{k}.json")["holdout"] for k in ("blind", "fixed"))
    cells = row("second blind holdout")
    assert f"({second['reject'] + second['ok']} cases" in cells[0], cells[0]
    pct(cells[2], second["reject_share"])
    pct(cells[3], second["accept_share"])
    assert f"({second['reject']})" in cells[2] and f"({second['ok']})" in cells[3], cells
    cells = row("the second holdout after fixing")
    pct(cells[2], after["reject_share"])
    pct(cells[3], after["accept_share"])
    text = " ".join(README.split())
    missed = second["reject"] - second["rejected"]
    assert f"{missed} of {second['reject']} must-reject messages passed" in text, missed
    status = text.partition("on a second blind holdout written on")[2].partition("longer blind")[0]
    pct(status.partition("it rejected ")[2][:6], second["reject_share"])
    pct(status.partition("accepted ")[2][:6], second["accept_share"])
    pct(status.partition("prompted, ")[2][:6], after["reject_share"])
    pct(status.partition(" and ")[2].partition(" (no")[0][-5:], after["accept_share"])
    gold = row("copy_gold **dev** reference copy")
    pct(gold[3], suite["gold"]["good_accepted_share"])
    by_defect = suite["gold"]["flawed_rejected_by_defect"]
    pct(gold[2].split("scope")[1], by_defect["scope_misstated"]["share"])
    pct(gold[2].split("repetitive")[1], by_defect["repetitive"]["share"])


APPROVER_DEFECTS = {
    "scope": "scope_misstated",
    "value": "wrong_value",
    "code": "code_altered",
    "min spend": "missing_min_spend",
    "urgency": "invented_urgency",
    "claim": "invented_claim",
    "ungrammatical": "ungrammatical",
    "incoherent": "incoherent",
    "repetitive": "repetitive",
    "irrelevant": "irrelevant",
    "creepy": "creepy",
    "off-tone": "off_tone",
}


def test_approver_table_matches_approver_report():
    report = _load("reports/approver.json")
    alone = row("model alone")
    shows(alone[1], report["dev"]["auc"])
    for name, defect in APPROVER_DEFECTS.items():
        cell = re.search(rf"(?:^|, ){name} ([\d.]+)", alone[2])
        assert cell, f"{name} missing from the approver row"
        shows(cell.group(1), report["dev"]["per_defect"][defect]["auc"])
    gated = _load("reports/approver_dev.json")
    assert abs(gated["dev"]["auc"] - report["dev"]["auc"]) <= 2e-4, (
        "approver_dev.json scores the shipped approver (float32 rounds a little differently per host)"
    )
    half = _load("reports/scoring_dtype/approver_dev_bfloat16.json")
    assert (gated["scoring_dtype"], half["scoring_dtype"]) == ("float32", "bfloat16"), "one run each"
    text = " ".join(README.split()).partition("The approver's figures above were rerun")[2][:900]
    for label, value in (
        ("0.8985 against", gated["dev"]["auc"]),
        ("against 0.8986 alone", report["dev"]["auc"]),
        ("gives 0.8991 alone", half["dev"]["auc"]),
        ("0.9040 behind the gate", half["dev_gated"]["auc"]),
        ("and 0.9036 in float32", gated["dev_gated"]["auc"]),
    ):
        assert label in text, f"{label!r} in the approver's rerun paragraph"
        shows(label, value, slack=0)
    assert half["dev_gated"]["auc"] >= 0.9 and gated["dev_gated"]["auc"] >= 0.9, "met either way"
    shows(row("gate, then model")[1], gated["dev_gated"]["auc"])
    shows(row("approver AUC >= 0.90")[1], gated["dev_gated"]["auc"])
    mix = gated["dev_with_perplexity"]
    shows(row("model plus the copywriter's perplexity")[1], mix["mixed"]["auc"])
    shows(row("the mix, gated")[1], mix["gated"]["auc"])
    listed = re.findall(r"(?:^|, )([a-z -]+?) ([\d.]+)", row("model plus the copywriter's perplexity")[2])
    assert len(listed) >= 8, f"the mix's row names the defects it reports: {listed}"
    for name, shown in listed:
        shows(shown, mix["mixed"]["per_defect"][APPROVER_DEFECTS[name]]["auc"])


def test_where_it_stands_matches_the_reports():
    def status(issue: str, target: str) -> tuple[str, str]:
        cells = row(f"={issue}", f"={target}")
        return cells[2], cells[3]

    dev, demo = (_glance(REPORTS / d / "report.md")["shipped"] for d in ("copy_quality", "copy_quality_demo"))
    gated = _load("reports/approver_dev.json")
    cell, met = status("11, copy", "approver AUC >= 0.90, copy_gold dev")
    shows(cell.partition(";")[0], gated["dev_gated"]["auc"])
    shows(cell.partition(";")[2], gated["dev"]["auc"])
    assert (gated["dev_gated"]["auc"] >= 0.9) == met.startswith("yes"), met
    for target, value, goal in (
        ("first-try compliance >= 95%, dev", dev["first_try_compliance"], 0.95),
        ("first-try compliance >= 95%, demo campaigns", demo["first_try_compliance"], 0.95),
    ):
        cell, met = status("11, copy", target)
        pct(cell, value)
        assert (value >= goal) == (met == "yes"), (target, met)
    cell, met = status("11, copy", "fallback <= 5%, dev")
    pct(cell, dev["fallback_rate"])
    reference = _load("reports/copy_quality/reference.json")
    ours, theirs = (reference[k]["mean_over_campaigns"]["distinct_2"] for k in ("delivered", "reference"))
    cell, met = status("11, copy", "distinct-2 within 10% of the reference messages', dev")
    shows(cell, ours / theirs - 1, scale=100, slack=0.002)
    assert (abs(ours / theirs - 1) <= 0.1) == (met == "yes"), met
    frames = {
        k: reference[k]["mean_over_campaigns"]["opening_frame_share"] for k in ("delivered", "reference")
    }
    cell, met = status("11, copy", "no opening three-word frame on more than 15% of messages, dev")
    pct(cell.partition(" per campaign")[0], frames["delivered"])
    pct(cell.partition("reference copy: ")[2][:6], frames["reference"])
    pct(
        cell.partition("; ")[2].partition(" over all")[0],
        reference["delivered"]["all_messages"]["opening_frame_share"],
    )
    # Judged per campaign: pooled over 12 campaigns of 10 the share cannot pass 10/120 unless a frame
    # crosses campaigns, so it would pass a campaign whose every message opens alike.
    assert (frames["delivered"] <= 0.15) == met.startswith("yes"), met
    rerun = _load("reports/copy_quality/rerun_avx2_e3a5d9e/reference.json")
    after = cell.partition("set aside")[2]
    pct(after.partition("falls from ")[2][:5], frames["reference"])
    pct(
        after.partition("% to ")[2][:5],
        reference["reference"]["mean_over_campaigns"]["opening_frame_share_after_brand"],
    )
    branded = [
        r["delivered"]["mean_over_campaigns"]["opening_frame_share_after_brand"] for r in (reference, rerun)
    ]
    pct(after.partition("), ")[2][:5], branded[0])
    pct(after.partition("rerun ")[2][:5], branded[1])
    assert min(branded) > 0.15 and "either way" in met, "missed after the brand too"
    panel = _load("reports/copy_quality/panel_dev_trim.json")["by_source"]
    ours, template = panel["promogen_model"], panel["promogen_template"]
    cell = row("=11, copy", "held-back panel (run by the owners)")[2].partition("copy: ")[2].split(", ")
    pct(cell[0], ours["send_as_is"])
    shows(cell[1].partition(" against ")[0], ours["mean_send"])
    shows(cell[1].partition(" against ")[2], template["mean_send"])
    shows(cell[2], ours["relevance"] - template["relevance"])
    pct(cell[3], ours["offer_misstated"])
    first, second = (_load(f"reports/scoring_dtype/bench_auto_{k}.json") for k in (1, 2))
    cell, met = status("13, throughput", "speed-up >= 8x over the naive loop, 16 users, 4 candidates")
    today = f"{first['speedup_users_per_min']}x and {second['speedup_users_per_min']}x today"
    assert cell.startswith(today), cell
    met_both = min(first["speedup_users_per_min"], second["speedup_users_per_min"]) >= 8
    assert met_both == met.startswith("yes"), met
    avx2 = [_load(f"reports/avx2/bench_auto_{k}.json") for k in (1, 2, 3)]
    assert all(not b["cpu"]["bf16_features"] and b["dtype"] == "float32" for b in avx2), "float32 host"
    speedups = [b["speedup_users_per_min"] for b in avx2]
    assert "{}x, {}x and {}x |".format(*speedups) in cell + " |", cell
    assert max(speedups) < 8 and "no on the AVX2-only host" in met, (speedups, met)
    cell, met = status("13, throughput", "generated tokens/s >= 25% of the matmul roofline")
    pct(cell.partition(" and ")[0], first["roofline_share"])
    pct(cell.partition(" and ")[2].partition(" (")[0], second["roofline_share"])
    shares = [b["roofline_share"] for b in avx2]
    assert "{:.1f}%, {:.1f}% and {:.1f}% (float32".format(*(s * 100 for s in shares)) in cell, cell
    assert max(first["roofline_share"], second["roofline_share"]) < 0.25 <= min(shares), "met on one host"
    assert met == "no on the bf16 host; yes on the AVX2-only host", met
    ranker = _load("reports/ranker.json")
    upworthy, mind = ranker["upworthy"], ranker["mind"]
    shows(status("14, ranking", "Upworthy significant-pair accuracy >= 0.75")[0].partition(" (")[0],
          upworthy["head"]["pairwise_acc_significant"])  # fmt: skip
    shows(status("14, ranking", "MIND AUC >= 0.70")[0].partition(" (")[0], mind["head"]["auc"])
    cell = status("14, ranking", "each head +0.03 over the frozen-MiniLM baseline, 95% interval above 0")[0]
    shown = re.findall(r"[-+]?\d*\.\d+", cell)
    diffs = [upworthy["head_minus_baseline_significant_pair_accuracy"], mind["head_minus_baseline_auc"]]
    for text, value in zip(shown, [x for d in diffs for x in (d["difference"], *d["ci95"])], strict=True):
        shows(text, value)
    amazon = _load("reports/benchmarks/amazon.json")["result"]["hr@10"]
    shows(" ".join(README.split()).partition("Office_Products gives ")[2][:5], amazon)
    verdicts = {
        ("11, copy", "fallback <= 5%, dev"): dev["fallback_rate"] <= 0.05,
        ("14, ranking", "Upworthy significant-pair accuracy >= 0.75"): upworthy["head"][
            "pairwise_acc_significant"
        ]
        >= 0.75,
        ("14, ranking", "MIND AUC >= 0.70"): mind["head"]["auc"] >= 0.70,
        ("14, ranking", "each head +0.03 over the frozen-MiniLM baseline, 95% interval above 0"): all(
            d["difference"] >= 0.03 and d["ci95"][0] > 0 for d in diffs
        ),
        ("14, ranking", "`make ranker` under an hour, weights load under 2 s"): ranker["train_wall_s"] < 3600
        and ranker["load_s"] < 2,
    }
    for (issue, target), met in verdicts.items():
        assert status(issue, target)[1].startswith("yes") == met, (target, met)
    missed = ours["send_as_is"] < 0.7 or ours["mean_send"] <= template["mean_send"]
    assert row("=11, copy", "held-back panel (run by the owners)")[3].startswith("no") == missed
    cell = status("14, ranking", "`make ranker` under an hour, weights load under 2 s")[0]
    shows(cell.partition(" min")[0], ranker["train_wall_s"] / 60)
    shows(cell.partition(", ")[2], ranker["load_s"])


def test_ranking_benchmarks_match_their_reports():
    upworthy = _load("reports/benchmarks/upworthy.json")["result"]
    cells = row("Upworthy")
    for key, value in zip(
        ("pairwise_acc_significant", "pairwise_acc_all", "pick_lift"), cells[3].split("/"), strict=True
    ):
        shows(value, upworthy[key])
    assert f"{upworthy['n_tests']} tests, {upworthy['n_pairs_significant']} significant" in cells[0], cells[0]
    assert f"the {upworthy['dropped_arms_with_training_headlines']} held-out arms" in cells[0], cells[0]
    mind = _load("reports/benchmarks/mind.json")["result"]
    cells = row("MIND")
    for key, value in zip(("auc", "logloss", "ece"), cells[3].split("/"), strict=True):
        shows(value, mind[key])
    assert f"{mind['n']} rows" in cells[0], cells[0]
    amazon = _load("reports/benchmarks/amazon.json")["result"]
    cells = row("Amazon Office_Products")
    for key, value in zip(("hr@10", "ndcg@10"), cells[3].split("/"), strict=True):
        shows(value, amazon[key])
    assert f"{amazon['n']:,} users, {amazon['n_items']:,} items" in cells[0], cells[0]


def test_ranker_comparison_matches_its_report():
    report = _load("reports/ranker.json")
    for first, suite, keys, diff in (
        (
            "copy appeal",
            "upworthy",
            ("pairwise_acc_significant", "pairwise_acc_all", "pick_lift"),
            "head_minus_baseline_significant_pair_accuracy",
        ),
        ("personal affinity", "mind", ("auc", "logloss", "ece"), "head_minus_baseline_auc"),
    ):
        cells, figures = row(first), report[suite]
        for column, side in ((2, "head"), (3, "baseline")):
            for key, value in zip(keys, cells[column].split("/"), strict=True):
                shows(value, figures[side][key])
        shown = re.findall(r"[-+]?\d*\.\d+", cells[4])
        assert len(shown) == 3, cells[4]
        for text, value in zip(shown, [figures[diff]["difference"], *figures[diff]["ci95"]], strict=True):
            shows(text, value)
    cells = row("copy appeal")
    assert f"{report['upworthy']['head']['n_tests']} tests" in cells[0], cells[0]
    assert f"{report['mind']['head']['n']} rows" in row("personal affinity")[0]
    cost = row("cost of the shipped head")
    shows(cost[1], report["weights_bytes"], scale=1e-6, slack=0.05)
    shows(cost[2], report["load_s"])
    shows(cost[3], report["cost_per_1000"]["seconds"])
    shows(cost[4], report["train_wall_s"], scale=1 / 60, slack=0.5)


def test_mind_probe_paragraph_matches_its_report():
    probe = _load("reports/ranker_choice/mind_probe.json")
    text = README.partition("Two more ways to lift the MIND head")[2].partition("Neither is shipped")[0]
    ssl, features = probe["self_supervised"], probe["candidate_features"]
    shows(text.partition("the shipped recipe scores")[2][:8], probe["shipped_recipe"]["val_auc"])
    assert f"each of their {ssl['left_out_clicks']:,} clicks" in text, "the left-out clicks counted"
    figures = re.findall(r"0\.\d+", text.partition("as shipped):")[2].partition("so at most")[0])
    for shown, epochs in zip(figures, (1, 2, 4), strict=True):
        shows(shown, ssl[f"then_labelled_after_{epochs}_epochs"]["val_auc"])
    best = max(ssl[f"then_labelled_after_{e}_epochs"]["val_auc"] for e in (1, 2, 4))
    shows(text.partition("so at most ")[2][:6], best - probe["shipped_recipe"]["val_auc"])
    shows(text.partition("headline (")[2][:6], features["appeal"])
    shows(text.partition("fitting rows (")[2][:6], features["category_prior"])
    shows(text.partition("nothing (")[2][:6], features["affinity + appeal + category_prior"])


def test_upworthy_probe_paragraph_matches_its_reports():
    probe = _load("reports/ranker_choice/upworthy_probe.json")
    held = _load("reports/ranker_choice/upworthy_probe_heldout.json")["heldout"]
    text = README.partition("Copy appeal from the copywriter's own base model")[2].partition("Not shipped")[0]
    val = text.partition("On the\nvalidation tests")[2].partition("The rule")[0]
    shows(val.partition("shipped head: ")[2][:6], probe["shipped_head_val_significant_pair_acc"])
    variants = probe["variants"]
    for phrase, name in (
        ("last layer ", "last"),
        ("middle layer (15) ", "middle"),
        ("side by side ", "layers 10, 20, 30"),
        ("equal weights) ", "shipped head + middle"),
    ):
        shows(val.partition(phrase)[2][:6], variants[name]["val_significant_pair_acc"])
    assert all(v.get("alpha", 100.0) == 100.0 for v in variants.values()), "the penalty the text names"
    fitted = variants["shipped head + middle, z-scored on the fitting arms"]["val_significant_pair_acc"]
    shows(" ".join(README.split()).partition("would have to use (")[2][:5], fitted)
    out = text.partition("upworthy_probe_heldout.json)):")[2]
    for phrase, name in (
        ("the sum ", "head_plus_llm"),
        ("alone ", "llm"),
        ("shipped head ", "head"),
        ("baseline ", "baseline"),
    ):
        shows(out.partition(phrase)[2][:6], held[name]["pairwise_acc_significant"])
    diff = held["head_plus_llm_minus_head"]
    shown = re.findall(r"[-+]?\d*\.\d+", _minus(out.partition("minus the head")[2]))
    for text_value, value in zip(shown, [diff["difference"], *diff["ci95"]], strict=True):
        shows(text_value, value)
    assert diff["difference"] < 0.01, "the rule (+0.01 over the head) is missed, as the text says"
    assert f"some {probe['val_significant_pairs']} significant pairs" in README, "validation pairs counted"


def test_gemma_probe_paragraph_matches_its_report_and_the_bar():
    probe = _load("reports/ranker_choice/upworthy_probe_gemma.json")
    text = " ".join(README.split()).partition("The only other small LM found packaged on PyPI, Gemma")[2]
    val = text.partition("On the validation tests:")[2].partition("The bar")[0]
    variants = probe["variants"]
    for phrase, value in (
        ("last layer (18) ", variants["last"]["val_significant_pair_acc"]),
        ("middle layer (9) ", variants["middle"]["val_significant_pair_acc"]),
        ("shipped head's ", variants["shipped head + last"]["val_significant_pair_acc"]),
        ("against the head's ", probe["shipped_head_val_significant_pair_acc"]),
    ):
        shows(val.partition(phrase)[2][:6], value)
    bar = round(probe["shipped_head_val_significant_pair_acc"] + 0.01, 3)
    assert f"{bar} on validation: the shipped head's" in text, "the bar, the head's accuracy plus 0.01"
    best = max(v["val_significant_pair_acc"] for v in variants.values())
    assert best < bar and "test" not in probe["arms"], "bar missed, so no held-out test was read"
    summary = " ".join(README.split()).partition("Gemma 3 270M's states did not reach")[2][:80]
    shows(summary.partition("(")[2][:6], variants["shipped head + last"]["val_significant_pair_acc"])
    shows(summary.partition("against ")[2][:6], probe["shipped_head_val_significant_pair_acc"])


@pytest.mark.parametrize(
    ("first", "file", "path"),
    [
        (("base (worked example", "naive"), "bench_batch.json", "naive"),
        (("=base", "promogen batch"), "bench_batch.json", "promogen"),
        (("base, int8", "promogen batch"), "bench_batch.json", "int8"),
        (("shipped adapter (copy_gold", "naive"), "bench_batch_adapter.json", "naive"),
        (("=shipped adapter", "promogen batch"), "bench_batch_adapter.json", "promogen"),
    ],
)
def test_batch_table_matches_bench_reports(first, file, path):
    report = _load(f"reports/{file}")
    cells, result = row(*first), report[path]
    shows(cells[2], result["users_per_min"])
    shows(cells[3], result["tokens_per_s"])
    # The naive loop runs in float32; promogen in the report's dtype, each against its own roofline.
    roofline = report["roofline_tokens_per_s"]
    if path == "naive" and "roofline" in report:
        roofline = report["roofline"]["float32"]["tokens_per_s"]
    pct(cells[4], result["tokens_per_s"] / roofline)
    if "% of" in cells[4]:
        shows(cells[4].partition("% of")[2], roofline)
    if "quality" in result:
        pct(cells[5], result["quality"]["first_try_compliance"])


def test_speedups_and_batch_curve_match_bench_reports():
    shows(row("=base", "speed-up")[2], _load("reports/bench_batch.json")["speedup_users_per_min"])
    adapter = _load("reports/bench_batch_adapter.json")
    shows(row("=shipped adapter", "speed-up")[2], adapter["speedup_users_per_min"])
    pct(row("=shipped adapter", "generated tokens/s as a share")[2], adapter["roofline_share"])
    curve = _load("reports/batch_curve.json")["tokens_per_s_by_batch"]
    sentence = re.search(r"forked n ways gave (.*?) from", README, re.S).group(1)
    for size, value in curve.items():
        shows(re.search(rf"([\d.]+)(?: tokens/s)?\s+at\s+(?:batch\s+)?{size}\b", sentence).group(1), value)
    memory = _load("reports/bench_batch.json")["reader_memory"]
    text = re.search(r"peaks at (.*?) \(", README, re.S).group(1)
    for point in memory:
        shows(text, point["peak_rss_mb"])


def _headline(report_md: Path) -> dict[str, float]:
    """The 'Variants at a glance' row of a harness report.md (the harness writes it from report.json)."""
    lines = [line for line in report_md.read_text().splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    values = [c.strip() for c in lines[1].strip("|").split("|")]
    return {k: float(v) for k, v in zip(header[2:], values[2:], strict=True)}


def test_copy_quality_table_matches_the_dev_report():
    metrics = _headline(REPORTS / "copy_quality" / "report.md")
    reference = _load("reports/copy_quality/reference.json")
    pct(row("first-try compliance >= 95%")[1][:6], metrics["first_try_compliance"])
    rejects = _rejects(REPORTS / "copy_quality" / "report.md")
    shipped, subjects = rejects["shipped", "all"], rejects["shipped", "email_subject"]
    limit = f"over the channel limit {shipped['too_long']} ({subjects['too_long']} email subjects"
    assert limit in row("first-try compliance >= 95%")[1], f"the over-length split: {limit}"
    labels = {
        "too_long": "over the channel limit", "scope": "the scope", "min_spend": "the minimum spend",
        "invented_number": "invented numbers", "invented_claim": "invented claims",
        "repetitive": "repetition", "code": "the code", "value": "the value", "urgency": "urgency",
        "brand": "the brand", "characters": "the characters", "foreign_code": "a foreign code",
        "leftover": "a prompt leftover",
    }  # fmt: skip
    cell = row("first-try compliance >= 95%")[1].partition("With step 7's")[0]
    for rule, count in shipped.items():
        if count and rule != "candidates":
            assert f"{labels[rule]} {count}" in cell, (
                f"the dev misses by rule: {rule} {count} not in {cell!r}"
            )
    pct(row("fallback <= 5%")[1], metrics["fallback_rate"])
    distinct = row("distinct-2 within 10%")[1]
    ours, theirs = reference["delivered"], reference["reference"]
    for side in (ours, theirs):
        shows(distinct.split(";")[0], side["mean_over_campaigns"]["distinct_2"])
        shows(distinct.split(";")[1], side["all_messages"]["distinct_2"])
    change = ours["mean_over_campaigns"]["distinct_2"] / theirs["mean_over_campaigns"]["distinct_2"] - 1
    shows(distinct.split(";")[0], change, scale=100, slack=0.002)
    frame = row("no opening three-word frame")[1]
    pct(frame.partition(" over all")[0], ours["all_messages"]["opening_frame_share"])
    pct(frame.split("per campaign")[1].partition(" (")[0], ours["mean_over_campaigns"]["opening_frame_share"])
    shows(row("approval (approver model, mean)")[1].partition(" (")[0], metrics["approval"])
    shows(row("similarity to the reference messages")[1].partition(" (")[0], metrics["reference_similarity"])
    relevance = row("relevance / personalisation")[1].partition(" (")[0].split("/")
    for key, value in zip(
        ("relevance", "personalisation_vs_others", "personalisation_vs_generic"), relevance, strict=True
    ):
        shows(value, metrics[key])


def test_adapter_selection_and_panel_match_their_reports():
    selection = _load("reports/copy_quality/selection.json")["adapters"]
    sentence = re.search(r"first-try compliance ([\d.]+)% \(SFT\) vs ([\d.]+)% \(DPO\)", README)
    pct(sentence.group(1), selection["runs/gold_lora/adapter"]["first_try_compliance"])
    pct(sentence.group(2), selection["runs/gold_dpo/adapter"]["first_try_compliance"])
    report = _load("reports/copy_quality/panel_own.json")
    rows = [
        ("promogen, second DPO round (shipped until", "promogen_own_model"),
        ("promogen, first DPO round", "promogen_shipped_model"),
        ("the campaign's template line", "promogen_template"),
        ("reference copy (copy_gold)", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "Second round minus first, per shopper:")


def test_demo_figures_match_the_committed_demo_run():
    lines = (REPORTS / "demo" / "demo_run20.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    by_model = sum(r["chosen_by"] == "model" for r in rows)
    assert f"{by_model} of {len(rows)} simulated users got model copy" in README, (by_model, len(rows))
    texts = {r["text"] for r in rows}
    paragraph = README.partition("[reports/demo/demo_run20.jsonl](reports/demo/demo_run20.jsonl)")[2]
    quotes = re.findall(r'"([^"]+RUN20\.)"', paragraph.partition("\n\n")[0])
    assert quotes, "the README quotes lines of the demo run"
    for quoted in quotes:
        assert " ".join(quoted.split()) in texts, f"quoted demo line not in the demo run: {quoted!r}"


def _minus(text: str) -> str:
    return text.replace("−", "-")


def shows_interval(cell: str, value: float, ci: list[float]) -> None:
    """A cell `estimate [low, high]` showing `value` and its interval."""
    found = re.fullmatch(r"\$?([-+\d.]+) \[\$?([-+\d.]+), \$?([-+\d.]+)\]", _minus(cell))
    assert found, f"not 'estimate [low, high]': {cell!r}"
    for shown, wanted in zip(found.groups(), (value, *ci), strict=True):
        shows(shown, wanted, slack=EXACT)


HILLSTROM = "reports/plan/hillstrom_inner.json"


@pytest.mark.parametrize(
    "policy",
    [
        "no_email",
        "mens_all",
        "womens_all",
        "random_10",
        "planner_10",
        "random_30",
        "planner_30",
        "planner_100",
    ],
)
def test_hillstrom_policy_table_matches_its_report(policy):
    result = _load(HILLSTROM)["result"][policy]
    cells = row(f"=`{policy}`")
    shows(cells[1], result["contacted"], scale=100, slack=EXACT)
    shows_interval(cells[2], result["visit"], result["visit_ci"])
    shows_interval(cells[3], result["spend"], result["spend_ci"])


@pytest.mark.parametrize(
    ("first", "key"),
    [
        ("planner at 100% − men's to all", "diff_planner_100_vs_mens_all"),
        ("planner at 30% − random at 30%", "diff_planner_30_vs_random_30"),
        ("planner at 10% − random at 10%", "diff_planner_10_vs_random_10"),
    ],
)
def test_hillstrom_paired_differences_match_their_report(first, key):
    diff = _load(HILLSTROM)["result"][key]
    cells = row(first)
    shows_interval(cells[1], diff["visit"], diff["visit_ci"])
    if "interval above 0" in cells[2]:
        verdict = "**met**" if diff["visit_ci"][0] > 0 else "**missed**"
        assert verdict in cells[2], f"{first}: the interval {diff['visit_ci']} makes the target {verdict}"
    if "includes 0" in cells[2]:
        low, high = diff["visit_ci"]
        assert low <= 0 <= high, f"{first}: the README says the interval includes 0; it is {diff['visit_ci']}"


def test_hillstrom_prose_matches_its_report():
    result = _load(HILLSTROM)["result"]
    text = " ".join(
        README.split("**Proof on the randomised Hillstrom")[1].split("**The closed loop")[0].split()
    )
    assert f"{result['n_train']:,} customers, scored on the other {result['n_test']:,}" in text, "split sizes"
    curve = result["uplift_curve"]
    at_15 = curve["share"].index(0.15)
    ahead = re.search(r"the planner is \+([\d.]+) visits per customer ahead of random at 15%", text)
    shows(ahead.group(1), curve["planner"][at_15] - curve["random"][at_15], slack=EXACT)
    top = re.search(r"men's e-mail adds ([\d.]+) visits per customer in the top decile", text)
    shows(top.group(1), result["uplift_by_decile"]["mens"][0], slack=EXACT)
    whole = result["abtest_whole_file"]
    arms = whole["arms"]
    assert f"({sum(a['n'] for a in arms.values()):,} customers" in text, "whole-file size"
    for name, arm in (("no e-mail", "none"), ("men's", "mens"), ("women's", "womens")):
        shown = re.search(rf"{name} ([\d.]+)% \[([\d.]+), ([\d.]+)\]", text)
        assert shown, f"{name} arm rate missing"
        for cell, value in zip(
            shown.groups(), (arms[arm]["visit"]["mean"], *arms[arm]["visit"]["ci"]), strict=True
        ):
            shows(cell, value, scale=100, slack=EXACT)
    lift = whole["vs_control"]["mens"]["visit"]
    points = re.search(r"men's vs none \+([\d.]+) points \[([\d.]+), ([\d.]+)\], p < 1e-(\d+)", text)
    for cell, value in zip(points.groups()[:3], (lift["diff"], *lift["ci"]), strict=True):
        shows(cell, value, scale=100, slack=EXACT)
    assert lift["p_value"] < 10 ** -int(points.group(4)), "p-value bound"
    spend = re.search(r"spend per customer \$([\d.]+) / \$([\d.]+) / \$([\d.]+)", text)
    for cell, arm in zip(spend.groups(), ("none", "mens", "womens"), strict=True):
        shows(cell, arms[arm]["spend"]["mean"], slack=EXACT)
    assert f"takes {whole['sample_size_per_arm']['visit']['n']:,} customers per arm" in text, "sample size"


def test_closed_loop_regret_table_matches_its_report():
    report = _load("reports/plan/regret.json")
    for policy, rounds in report["curves"].items():
        cells = row(f"={policy}")
        assert len(cells) == len(rounds) + 1, f"{policy}: a cell per round after round 0 and the last value"
        for cell, point in zip(cells[1:-1], rounds[1:], strict=True):
            shows(cell, point["regret"], slack=EXACT)
        shows(cells[-1], rounds[-1]["value"], slack=EXACT)
    first = next(iter(report["curves"].values()))
    explored = re.search(r"exploration round at ([\d.]+)", README).group(1)
    shows(explored, first[0]["regret"], slack=EXACT)
    oracle = re.search(r"value at round \d+ \(oracle ([\d.]+)\)", README).group(1)
    shows(oracle, first[-1]["oracle"], slack=EXACT)


BASE_MODEL_FIGURES = (
    "prefill_tokens_per_s",
    "generate_tokens_per_s",
    "generate_s_per_candidate",
    "train_step_s",
)


def test_base_model_table_matches_its_report():
    report = _load("reports/base_models.json")
    for first, name in (
        ("SmolLM2-135M-Instruct (default)", "smollm2-135m-instruct"),
        ("Gemma 3 270M", "gemma3-270m"),
    ):
        cells, median, facts = row(first), report["median"][name], report["models"][name]
        shows(cells[1], facts["params_m"])
        shows(cells[1].split("(")[1], facts["embedding_params_m"])
        shows(cells[2], facts["vocab"])
        for cell, key in zip(cells[3:7], BASE_MODEL_FIGURES, strict=True):
            shows(cell, median[key])
        shows(cells[7], facts["reference_bits_per_char"])
    cells = row("Gemma / SmolLM2")
    ratios = report["ratio_to_smollm2-135m-instruct"]["gemma3-270m"]
    for cell, key in zip(cells[3:7], BASE_MODEL_FIGURES, strict=True):
        shows(cell, ratios[key])
    fit = [report["models"][m]["reference_bits_per_char"] for m in ("gemma3-270m", "smollm2-135m-instruct")]
    shows(cells[7], fit[0] / fit[1], slack=0.002)
    by = {(r["model"], r["repeat"]): r for r in report["runs"]}
    for cell, key in zip(cells[5:7], ("generate_s_per_candidate", "train_step_s"), strict=True):
        paired = [by["gemma3-270m", i][key] / by["smollm2-135m-instruct", i][key] for i in range(4)]
        low, high = re.search(r"\(([\d.]+) to ([\d.]+)", cell).groups()
        shows(low, min(paired))
        shows(high, max(paired))
    assert report["decision"].startswith("cost allows"), "the README says cost does not rule Gemma out"
    weights = re.search(r"float weights are ([\d,]+) MB against ([\d,]+) MB", README).groups()
    shows(weights[0], report["models"]["gemma3-270m"]["weights_fp32_mb"])
    shows(weights[1], report["models"]["smollm2-135m-instruct"]["weights_fp32_mb"])
    shows(re.search(r"It loads in ([\d.]+) s", README).group(1), report["models"]["gemma3-270m"]["load_s"])


def test_offer_details_and_demo_compliance_match_their_reports():
    terms = _load("reports/copy_quality/offer_terms.json")
    sentence = re.search(
        r"states the code, the minimum spend and the end date in ([\d.]+)% .*?stated in\s+([\d.]+)%\)\. "
        r"copy_gold's own good messages state the end date in ([\d.]+)% \(train\) and ([\d.]+)% \(dev\)",
        " ".join(README.split()),
    )
    assert sentence, "the offer-details paragraph is missing"
    for shown, value in zip(
        sentence.groups(),
        (
            terms["shipped"]["all_terms"],
            terms["unguarded"]["end_date"]["stated"],
            terms["reference_train"]["end_date"]["stated"],
            terms["reference_dev"]["end_date"]["stated"],
        ),
        strict=True,
    ):
        pct(shown, value)
    demo = re.search(r"first-try compliance ([\d.]+)% \(met; unguarded ([\d.]+)%\)", " ".join(README.split()))
    glance = _glance(REPORTS / "copy_quality_demo" / "report.md")
    for shown, name in zip(demo.groups(), ("shipped", "unguarded"), strict=True):
        pct(shown, glance[name]["first_try_compliance"])


def test_earlier_panels_template_scores_match_their_reports():
    text = " ".join(README.split())
    pattern = (
        r"template line ([\d.]+) \(\[panel.json\].*?and ([\d.]+) "
        r"\(\[panel_no_end_date.json\].*?this pair ([\d.]+)"
    )
    found = re.search(pattern, text)
    assert found, "the sentence on the earlier panels' template scores is missing"
    for shown, name in zip(found.groups(), ("panel", "panel_no_end_date", "panel_own"), strict=True):
        shows(
            shown, _load(f"reports/copy_quality/{name}.json")["by_source"]["promogen_template"]["mean_send"]
        )


def test_ray_tables_match_the_ray_report():
    report = _load("reports/ray/throughput.json")
    for run in report["ray"]:
        cells = row(f"Ray, {run['workers']} worker")
        shows(cells[1], run["users_per_min"])
        shows(cells[2], run["generation_users_per_min"])
        shows(cells[3], run["wall_s"])
        assert f"{run['load_average_before'][0]} -> {run['load_average_after'][0]}" in cells[4], cells
    local, cells = report["local_1_thread"], row("local engine, 1 thread")
    shows(cells[1], local["users_per_min"])
    shows(cells[3], local["wall_s"])
    assert f"{local['load_average_before'][0]} -> {local['load_average_after'][0]}" in cells[4], cells
    tokens = {r["tokens"] for r in [*report["ray"], local]}
    shown = f"the same number of tokens ({tokens.pop():,})"
    assert len(tokens) == 0 and shown in README, "all runs wrote as many tokens, as the README says"
    nodes = report["projection_users_per_hour"]["nodes"]
    for n, users_per_hour in nodes.items():
        shows(row(f"={n}")[1], users_per_hour)
    best = max(r["generation_users_per_min"] for r in report["ray"])
    text = re.search(r"best rate measured here\s+\((.*?) users/min", README).group(1)
    shows(text, best)
    shows(
        re.search(r"5 million users take about ([\d,]+) node-hours", README).group(1),
        5e6 / nodes["1"],
        slack=1,
    )


def _glance(report_md: Path) -> dict[str, dict[str, float]]:
    """Every variant's row of a harness report.md's 'Variants at a glance' table."""
    lines = [line for line in report_md.read_text().splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    table = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] in ("metric", "variant"):  # the next table: per-campaign figures, or the rejects
            break
        table[cells[0]] = {
            k: float("nan") if v == "n/a" else float(v) for k, v in zip(header[2:], cells[2:], strict=True)
        }
    return table


@pytest.mark.parametrize(
    ("first", "run", "variant"),
    [
        (("before the decode loop",), "old", "old"),
        (("decode loop, float32, seed 0",), "new_seed0", "fp32"),
        (("decode loop, bfloat16, seed 0",), "new_seed0", "bf16"),
        (("decode loop, float32, seed 1",), "new_seed1", "fp32"),
        (("decode loop, bfloat16, seed 1",), "new_seed1", "bf16"),
    ],
)
def test_decode_loop_quality_table_matches_the_harness_reports(first, run, variant):
    metrics = _glance(REPORTS / "decode_loop" / run / "report.md")[variant]
    cells = row(*first)
    pct(cells[1], metrics["first_try_compliance"])
    shows(cells[2], metrics["approval"])


def test_selection_signal_and_selection_panels_match_their_reports():
    rounds = _load("reports/copy_quality/selection_signal.json")["rounds"]
    for folder, judged in rounds.items():
        for score, label in (("perplexity", "copywriter perplexity"), ("approval", "approver")):
            cells, got = row(f"={folder}", label), judged["scores"][score]
            shows(cells[2], got["auc"])
            shows(cells[3], got["within_spec_pair_accuracy"])
            pct(cells[4], got["picked_send_as_is"])
        pct(row(f"={folder}", "random pick")[4], judged["random_pick_send_as_is"])
    low, high = rounds["runs/labels3"]["perplexity_range"]
    assert f"reach {high:.1f} at most" in README, f"the fluency floor's context: perplexities up to {high}"
    selection = _load("reports/copy_quality/panel_selection.json")
    rows = [
        ("shipped adapter, ranked by the copywriter's", "promogen_r2_model"),
        ("shipped adapter, ranked by the approver", "promogen_r2_approval_model"),
    ]
    panel_rows(selection, rows, ("incoherent",))
    paired_sentence(selection, "Ranking by perplexity minus ranking by the approver, per shopper:")
    round3 = _load("reports/copy_quality/panel_selection_round3.json")
    rows = [
        ("third DPO round, ranked by", "promogen_r3_model"),
        ("template line, train campaigns", "promogen_template"),
        ("reference copy, train campaigns", "reference_best"),
    ]
    panel_rows(round3, rows, ("incoherent",))
    paired_sentence(round3, "The third DPO round minus the shipped adapter, both ranked by perplexity:")


def test_dev_panel_of_the_ranking_matches_its_report():
    report = _load("reports/copy_quality/panel_rank.json")
    rows = [
        ("promogen, ranked by the copywriter's perplexity", "promogen_shipped_model"),
        ("promogen, ranked by the approver", "promogen_approval_ranked_model"),
        ("template line, dev panel", "promogen_template"),
        ("reference copy, dev panel", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "Perplexity ranking minus approver ranking, per shopper:")


def test_temperature_panel_matches_its_reports():
    report = _load("reports/copy_quality/panel_temperature.json")
    rows = [
        ("temperature 0.7 (shipped)", "promogen_r2_model"),
        ("temperature 0.85", "promogen_t085_model"),
        ("temperature 1.0", "promogen_t100_model"),
    ]
    panel_rows(report, rows, ("incoherent",))
    paired_sentence(report, "Temperature 1.0 minus 0.7, per shopper:")
    paired_sentence(_load("reports/copy_quality/panel_temperature_085.json"), "0.85 minus 0.7, per shopper:")
    first = _glance(REPORTS / "copy_quality" / "selection_train" / "report.md")
    hotter = _glance(REPORTS / "copy_quality" / "temperature" / "report.md")
    shows(row("temperature 0.7 (shipped)")[5], first["r2"]["distinct_2"])
    assert f"approver ranking's {first['r2_approval']['distinct_2']:.3f}" in README, "the variety it had"
    shows(row("temperature 0.85")[5], hotter["t085"]["distinct_2"])
    shows(row("temperature 1.0")[5], hotter["t100"]["distinct_2"])


APPROVER_SETTINGS = {
    "2, previous negatives": "layers2_previous_negatives",
    "2, new negatives": "layers2",
    "3, previous negatives": "layers3_previous_negatives",
    "3, new negatives": "layers3",
    "4, new negatives": "layers4",
}


def test_approver_settings_table_matches_its_reports():
    for first, name in APPROVER_SETTINGS.items():
        report, cells = _load(f"reports/approver_choice/{name}.json"), row(first)
        assert report["config"]["train_layers"] == int(first[0]), f"{name}: retrained layers"
        shows(cells[1], report["config"]["synthetic"])
        shows(cells[2], report["inner"]["auc"])
        shows(cells[2].partition("epoch")[2], report["epochs_chosen"])
        for shown, defect in zip(
            cells[3].split("/"), ("ungrammatical", "incoherent", "irrelevant"), strict=True
        ):
            shows(shown, report["inner"]["per_defect"][defect]["auc"])
        shows(cells[4], report["shipped_bytes"], scale=1e-6)
    shipped = _load("reports/approver.json")
    assert shipped["config"] == _load("reports/approver_choice/layers3.json")["config"] | {"refit": True}, (
        "the shipped approver should be the chosen setting, refitted on all train campaigns"
    )


def test_appeal_layers_choice_matches_both_training_reports():
    def chosen(report: dict) -> float:
        appeal = report["training"]["upworthy"]
        return next(e for e in appeal["epochs"] if e["epoch"] == appeal["chosen_epoch"])[
            "val_pairwise_acc_significant"
        ]

    before, shipped = _load("reports/ranker_choice/appeal_layers2.json"), _load("reports/ranker.json")
    config = _load("promogen/weights/ranker/config.json")
    assert config["appeal_layers"] == 3, f"the shipped head retrains 3 layers: {config}"
    text = " ".join(README.split())
    sentence = re.search(
        r"beats 2 layers' ([\d.]+) by 0.01 or more\). It reached ([\d.]+) at epoch (\d)", text
    )
    assert sentence, "the README states the appeal-layers rule and its outcome"
    shows(sentence.group(1), chosen(before))
    shows(sentence.group(2), chosen(shipped))
    assert chosen(shipped) >= chosen(before) + 0.01, "3 layers ship only if they cleared the rule"
    assert int(sentence.group(3)) == shipped["training"]["upworthy"]["chosen_epoch"], "the chosen epoch"
    slower = _load("reports/ranker_choice/appeal_lr3e5.json")
    tried = re.search(r"best ([\d.]+) at epoch (\d), missed; not shipped", text)
    shows(tried.group(1), chosen(slower))
    assert int(tried.group(2)) == slower["training"]["upworthy"]["chosen_epoch"], "its chosen epoch"
    assert chosen(slower) < chosen(shipped) + 0.01 and slower["config"]["appeal_lr"] == 3e-05, (
        "missed its rule"
    )


VARIETY_REPLAYS = {"variety_train": "4 candidates", "variety_train_n8": "8 candidates"}
# report -> (panel cell, the setting's source, its README cell, the paired sentence's lead)
VARIETY_PANELS = {
    "panel_variety_train": (
        "4 candidates, variety 1 (",
        "promogen_1.0_model",
        "variety 1: the",
        "Variety 1 minus",
    ),
    "panel_n8_A": (
        "8 candidates, variety 1 (",
        "promogen_n8_variety1_model",
        "=8 candidates, variety 1",
        "8 candidates with variety 1 minus",
    ),
    "panel_n8_B": (
        "8 candidates, variety 0.5 (",
        "promogen_n8_variety05_model",
        "8 candidates, variety 0.5 (",
        "8 candidates with variety 0.5 minus",
    ),
    "panel_n8_C": (
        "8 candidates, variety 0 (",
        "promogen_n8_plain_model",
        "8 candidates, plain pick",
        "8 candidates without variety minus",
    ),
}


def test_variety_replays_match_their_reports():
    text = " ".join(README.split())
    for name, count in VARIETY_REPLAYS.items():
        replay = _load(f"reports/copy_quality/{name}.json")
        assert replay["command"].split(" --write")[0] in text, f"{name}: the replay's command"
        for value, got in replay["variety"].items():
            shown = value.removesuffix(".0")
            label = f"{count}, variety {shown}"
            found = [r for r in _rows() if len(r) == 5 and (r[0] == label or r[0].startswith(label + " ("))]
            assert len(found) == 1, f"one README row for {label}: {found}"
            cells = found[0]
            shows(cells[1], got["mean_over_campaigns"]["distinct_2"])
            pct(cells[2], got["mean_over_campaigns"]["opening_frame_share"])
            pct(cells[3], got["moved"])
            shows(cells[4], got["log_perplexity_cost"])
        cells = row("reference messages of the same specs")
        shows(cells[1], replay["reference"]["mean_over_campaigns"]["distinct_2"])
        pct(cells[2], replay["reference"]["mean_over_campaigns"]["opening_frame_share"])


def test_variety_panels_match_their_reports():
    for name, (panel, source, cell, lead) in VARIETY_PANELS.items():
        report = _load(f"reports/copy_quality/{name}.json")
        for first, src in ((cell, source), ("4 candidates, plain pick", "promogen_n4_plain_model")):
            if name == "panel_variety_train" and src.startswith("promogen_n4"):
                src = "promogen_0.0_model"
            cells, rated = row(panel, first)[1:], report["by_source"][src]
            shows(cells[1], rated["mean_send"])
            pct(cells[2], rated["send_as_is"])
            shows(cells[3], rated["relevance"])
            pct(cells[4], rated["incoherent"])
            pct(cells[5], rated["generic"])
        paired_sentence(
            report,
            lead + " 4 plain, per shopper:"
            if name != "panel_variety_train"
            else lead + " plain, per shopper:",
        )


def test_dev_variety_panel_and_throughput_match_their_reports():
    report = _load("reports/copy_quality/panel_dev_variety.json")
    rows = [
        ("8 candidates, variety 0.5 (shipped), dev", "promogen_shipped_model"),
        ("4 candidates, plain pick (previous), dev", "promogen_n4_plain_model"),
        ("template line, dev variety panel", "promogen_template"),
        ("reference copy, dev variety panel", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "Shipped minus previous on dev, per shopper:")
    text = " ".join(README.split())
    n8, n4 = _load("reports/bench_batch_n8.json"), _load("reports/bench_batch_adapter.json")
    assert n8["n_candidates"] == 8 and n4["n_candidates"] == 4, "the two benches compared"
    sentence = text.partition("[bench_batch_n8.json](../reports/bench_batch_n8.json)): ")[2][:600]
    shows(sentence.partition(" users/min")[0], n8["promogen"]["users_per_min"])
    shows(sentence.partition("against ")[2][:8], n4["promogen"]["users_per_min"])
    ratio = n4["promogen"]["users_per_min"] / n8["promogen"]["users_per_min"]
    shows(sentence.partition("2026-11-29): ")[2][:5], ratio)
    shows(sentence.partition("from 320.3 to ")[2][:6], n8["promogen"]["tokens_per_s"])
    pct(sentence.partition("larger batches), ")[2][:6], n8["roofline_share"])


def test_batch_section_states_the_eight_candidate_bench():
    n8 = _load("reports/bench_batch_n8.json")
    text = " ".join(README.split())
    sentence = text.partition(
        "[reports/bench_batch_n8.json](../reports/bench_batch_n8.json)) the batch path writes "
    )[2]
    shows(sentence[:8], n8["promogen"]["users_per_min"])
    shows(sentence.partition("naive loop's ")[2][:6], n8["naive"]["users_per_min"])
    shows(sentence.partition("speed-up of ")[2][:5], n8["speedup_users_per_min"])
    pct(sentence.partition("with ")[2][:6], n8["roofline_share"])


def test_variety_likelihood_and_scale_sentences_match_their_reports():
    text = " ".join(README.split())
    n8 = _load("reports/copy_quality/variety_train_n8.json")["variety"]["0.5"]["mean_log_perplexity"]
    n4 = _load("reports/copy_quality/variety_train.json")["variety"]["0.0"]["mean_log_perplexity"]
    sentence = text.partition("4-candidate plain ones: mean log-perplexity ")[2]
    shows(sentence[:5], n8)
    shows(sentence.partition("against ")[2][:5], n4)
    bench = _load("reports/bench_batch_n8.json")["promogen"]["users_per_min"]
    hours = text.partition("generating for 100,000 users would take about ")[2][:5]
    shows(hours, 100_000 / bench / 60)
    old = _load("reports/bench_batch_adapter.json")["promogen"]["tokens_per_s"]
    shows(text.partition("Generated tokens/s rise from ")[2][:6], old)


def test_demo_variety_replay_matches_its_report():
    replay = _load("reports/demo/variety.json")
    text = " ".join(README.split())
    assert replay["command"] in text, "the demo replay's command as the README gives it"
    plain, shipped = replay["variety"]["0.0"], replay["variety"]["0.5"]
    sentence = text.partition("the judge's pick alone (no penalty) would give distinct-2 ")[2]
    shows(sentence[:5], plain["mean_over_campaigns"]["distinct_2"])
    pct(sentence.partition("same opening to ")[2][:5], plain["mean_over_campaigns"]["opening_frame_share"])
    pct(sentence.partition("the penalty moves ")[2][:4], shipped["moved"])
    shows(sentence.partition("gives distinct-2 ")[2][:5], shipped["mean_over_campaigns"]["distinct_2"])
    pct(sentence.partition("and that share ")[2][:5], shipped["mean_over_campaigns"]["opening_frame_share"])


BASE_MODEL_ROUNDS = {
    "sft": (
        "panel_base_models.json",
        {
            "SFT on SmolLM2-135M-Instruct": ("smollm2", "promogen_smollm2_model"),
            "SFT on Gemma 3 270M": ("gemma", "promogen_gemma_model"),
            "template line, base-model panel": (None, "promogen_template"),
            "reference copy, base-model panel": (None, "reference_best"),
        },
    ),
    "dpo": (
        "panel_base_models_dpo.json",
        {
            "DPO on SmolLM2-135M-Instruct": ("smollm2_dpo", "promogen_smollm2_dpo_model"),
            "DPO on Gemma 3 270M": ("gemma_dpo", "promogen_gemma_dpo_model"),
            "template line, second base-model panel": (None, "promogen_template"),
            "reference copy, second base-model panel": (None, "reference_best"),
        },
    ),
}


def _base_model_rows(report: dict, sources: dict) -> None:
    """Each row of a base-model table: the harness figures (model rows), then the panel's."""
    for first, (run, source) in sources.items():
        cells = row(first)
        if run is not None:
            metrics = _glance(REPORTS / "copy_quality" / "base_models" / run / "report.md")[run]
            pct(cells[1], metrics["first_try_compliance"])
            pct(cells[2], metrics["fallback_rate"])
            shows(cells[3], metrics["distinct_2"])
            pct(cells[4], metrics["opening_frame_share"])
            shows(cells[5], metrics["relevance"])
        rated = report["by_source"][source]
        shows(cells[6], rated["mean_send"])
        pct(cells[7], rated["send_as_is"])
        shows(cells[8], rated["relevance"])
        if run is not None:
            pct(cells[9], rated["incoherent"])
            pct(cells[10], rated["ungrammatical"])


def test_base_model_quality_tables_match_their_reports():
    text = " ".join(README.split())
    leads = {"sft": "Gemma minus SmolLM2, per shopper:", "dpo": "round, Gemma minus SmolLM2, per shopper:"}
    gaps = {}
    for name, (panel, sources) in BASE_MODEL_ROUNDS.items():
        report = _load(f"reports/copy_quality/{panel}")
        _base_model_rows(report, sources)
        paired_sentence(report, leads[name])
        runs = [run for run, _ in sources.values() if run]
        glance = {}
        for run in runs:
            md = REPORTS / "copy_quality" / "base_models" / run / "report.md"
            assert "Users: 80 shoppers of 8 campaigns" in md.read_text(), f"{run}: the 8 held-out campaigns"
            glance[run] = _glance(md)[run]
        gap = glance[runs[0]]["first_try_compliance"] - glance[runs[1]]["first_try_compliance"]
        paired = report["paired"]
        rule_met = paired["mean_send_difference"] >= 0.25 and paired["interval_95"][0] > 0 and gap <= 0.02
        assert not rule_met, f"{name}: the README's decision says the rule was not met"
        gaps[name] = gap
    rated = _load("reports/copy_quality/panel_base_models.json")["by_source"]
    relevance = rated["promogen_gemma_model"]["relevance"] - rated["promogen_smollm2_model"]["relevance"]
    assert f"more relevant to the shopper (+{relevance:.2f}" in text, "the raters' relevance difference"
    assert f"compliance is {gaps['sft'] * 100:.0f} points lower, not 2" in text, "the SFT compliance gap"
    assert f"first-try compliance is {gaps['dpo'] * 100:.0f} points lower." in text, "the DPO compliance gap"
    assert "Decision: the default stays SmolLM2-135M-Instruct, by the rule fixed beforehand" in text


def _rejects(report_md: Path) -> dict[tuple[str, str], dict[str, int]]:
    """(variant, channel) -> the counts of a harness report.md's 'Rejected candidates by gate rule'."""
    text = report_md.read_text().split("## Rejected candidates by gate rule")[1].split("\n## ")[0]
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return {
        (cells[0], cells[1]): dict(zip(header[2:], map(int, cells[2:]), strict=True))
        for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines[1:])
    }


def test_length_steering_tables_match_their_reports():
    folder = REPORTS / "copy_quality" / "length_steering"
    for report, label in (("report.md", "train campaigns"), ("tight/report.md", "limit 70")):
        glance, rejects = _glance(folder / report), _rejects(folder / report)
        for setting, variant in (("0", "lb0"), ("6", "lb6"), ("12", "lb12")):
            cells, counts = row(f"={label}", f"={setting}"), rejects[variant, "all"]
            pct(cells[2], glance[variant]["first_try_compliance"])
            pct(cells[3], glance[variant]["fallback_rate"])
            assert cells[4] == str(counts.get("too_long", 0)), f"{label} {variant}: over the limit {counts}"
            others = sum(v for k, v in counts.items() if k not in ("candidates", "too_long"))
            assert cells[5] == str(others), f"{label} {variant}: other rules' rejects {counts}"
            shows(cells[6], glance[variant]["approval"])
    rejects = _rejects(folder / "report.md")
    base, best = rejects["lb0", "all"]["too_long"], rejects["lb12", "all"]["too_long"]
    assert base - best < base / 2, "the README says the rule was missed"
    assert f"removes {base - best} of {base}" in " ".join(README.split()), "the README's count of the miss"
    long = sum(rejects["lb0", ch].get("too_long", 0) for ch in ("email_subject", "banner"))
    assert f"{long} of the {base} over-length" in " ".join(README.split()), "email subjects and banners"


def _examples(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Per variant, the (shopper, delivered copy) rows of a harness examples page, in page order."""
    copy: dict[str, list] = {}
    for page in path.read_text(encoding="utf-8").split("Variant `")[1:]:
        rows = re.findall(r"^- ([gw]\d+-u\d+): (.*)$", page, flags=re.M)
        copy.setdefault(page.partition("`")[0], []).extend(rows)
    return copy


def test_one_minimum_table_matches_its_reports_and_the_rules():
    folder = REPORTS / "copy_quality" / "one_minimum"
    settings = (
        ("neither (shipped before)", "neither"),
        ("`one_minimum`", "onemin"),
        ("`one_minimum`, `length_bias` 12", "shipped"),
    )
    counted: dict[str, dict[str, dict[str, int]]] = {}
    for report, label in (("train", "train campaigns (192)"), ("heldout", "held-out shops (80)")):
        glance, rejects = _glance(folder / report / "report.md"), _rejects(folder / report / "report.md")
        counted[report] = {variant: rejects[variant, "all"] for _, variant in settings}
        for setting, variant in settings:
            cells, counts = row(f"={label}", f"={setting}"), rejects[variant, "all"]
            pct(cells[2], glance[variant]["first_try_compliance"])
            assert cells[3] == str(counts.get("repetitive", 0)), f"{label} {variant}: repetition {counts}"
            assert cells[4] == str(counts.get("too_long", 0)), f"{label} {variant}: over the limit {counts}"
            others = sum(v for k, v in counts.items() if k not in ("candidates", "repetitive", "too_long"))
            assert cells[5] == str(others), f"{label} {variant}: other rules' rejects {counts}"
            shows(cells[6], glance[variant]["approval"])
        first = {v: glance[v]["first_try_compliance"] for _, v in settings}
        assert first["onemin"] > first["neither"], f"{label}: one_minimum raises first-try compliance"
        approval = {v: glance[v]["approval"] for _, v in settings}
        assert approval["shipped"] >= approval["onemin"] - 0.03, f"{label}: steering costs <= 0.03 approval"
        if report == "heldout":
            assert first["shipped"] >= first["onemin"], "steering does not lower held-out compliance"

    def outside(variant: str, rule: str) -> int:
        return sum(
            n for runs in counted.values() for k, n in runs[variant].items() if k not in ("candidates", rule)
        )

    text = " ".join(README.split())
    before, after = outside("neither", "repetitive"), outside("onemin", "repetitive")
    assert after <= 1.2 * before and f"{before} to {after}" in text, "one_minimum's other rejects"
    before, after = outside("onemin", "too_long"), outside("shipped", "too_long")
    assert after <= 1.2 * before and f"{before} to {after}" in text, "length steering's other rejects"
    base, steered = (counted["train"][v]["too_long"] for v in ("onemin", "shipped"))
    assert base - steered >= base / 2 and f"({base - steered} of {base} removed)" in text, "half removed"
    copy = _examples(folder / "heldout" / "examples.md")
    moved = sum(a != b for a, b in zip(copy["neither"], copy["onemin"], strict=True))
    assert len(copy["neither"]) == 80 and f"{moved} of the 80 held-out shoppers got other copy" in text, moved
    from promogen import GeneratorConfig, PipelineConfig

    assert PipelineConfig().one_minimum and GeneratorConfig().length_bias == 12, (
        "the defaults the README says"
    )


def test_trim_table_matches_its_reports_and_the_rule():
    folder = REPORTS / "copy_quality" / "trim"
    settings = (("`trim=false`", "notrim"), ("`trim`", "shipped"))
    over = {}
    for report, label in (("train", "train campaigns (192)"), ("heldout", "held-out shops (80)")):
        glance, rejects = _glance(folder / report / "report.md"), _rejects(folder / report / "report.md")
        for setting, variant in settings:
            cells, counts = row(f"={label}", f"={setting}"), rejects[variant, "all"]
            pct(cells[2], glance[variant]["first_try_compliance"])
            assert cells[3] == str(counts.get("too_long", 0)), f"{label} {variant}: over the limit {counts}"
            others = {k: v for k, v in counts.items() if k not in ("candidates", "too_long")}
            assert cells[4] == str(sum(others.values())), f"{label} {variant}: other rules' rejects {counts}"
            shows(cells[5], glance[variant]["approval"])
            over[report, variant] = counts.get("too_long", 0)
        assert others == {
            k: v for k, v in rejects["notrim", "all"].items() if k not in ("candidates", "too_long")
        }, f"{label}: trim moves no other rule's rejects"
        first = {v: glance[v]["first_try_compliance"] for _, v in settings}
        approval = {v: glance[v]["approval"] for _, v in settings}
        assert first["shipped"] >= first["notrim"], f"{label}: trim does not lower first-try compliance"
        assert approval["shipped"] >= approval["notrim"] - 0.01, f"{label}: trim costs <= 0.01 approval"
    before, after = (sum(over[r, v] for r in ("train", "heldout")) for v in ("notrim", "shipped"))
    text = " ".join(README.split())
    assert before - after >= before / 3 and f"over the limit {before} to {after}" in text, (before, after)
    copy = _examples(folder / "heldout" / "examples.md")
    moved = sum(a != b for a, b in zip(copy["notrim"], copy["shipped"], strict=True))
    assert len(copy["notrim"]) == 80 and f"{moved} of the 80 held-out shoppers got other copy" in text, moved
    from promogen import PipelineConfig

    assert PipelineConfig().trim, "the default the README says"


def test_todays_dev_panel_matches_its_report():
    report = _load("reports/copy_quality/panel_dev_trim.json")
    rows = [
        ("promogen on dev, shipped on 2026-12-01", "promogen_model"),
        ("template line on dev, panel of today's copy", "promogen_template"),
        ("reference copy on dev, panel of today's copy", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS[:2] + ("offer_misstated", "generic"))
    paired_sentence(report, "Today's copy minus the template line, per shopper:")
    ours, template = (report["by_source"][s] for s in ("promogen_model", "promogen_template"))
    text = " ".join(README.split()).partition("**Dev panel of today's copy**")[2]
    gap = ours["relevance"] - template["relevance"]
    assert f"relevance +{gap:.2f} over the template line's (target +0.5)" in text, gap
    assert ours["send_as_is"] < 0.7 and ours["mean_send"] <= template["mean_send"], "the targets it misses"


def test_relevance_panel_matches_its_report_and_the_rule():
    report = _load("reports/copy_quality/panel_relevance.json")
    rows = [
        ("relevance bonus 1", "promogen_rel1_model"),
        ("shipped (no bonus)", "promogen_shipped_model"),
        ("template line, relevance panel", "promogen_template"),
        ("reference copy, relevance panel", "reference_best"),
    ]
    panel_rows(report, rows, ("incoherent", "generic"))
    paired_sentence(report, "Bonus minus shipped, per shopper:")
    bonus, shipped = (report["by_source"][s] for s in ("promogen_rel1_model", "promogen_shipped_model"))
    met = (
        bonus["relevance"] - shipped["relevance"] >= 0.15 - 1e-9
        and report["paired"]["mean_send_difference"] >= -0.05
        and bonus["incoherent"] - shipped["incoherent"] <= 0.05
    )
    from promogen import PipelineConfig

    assert not met and PipelineConfig().relevance == 0, "the rule missed, so the bonus is off by default"
    rise = (bonus["incoherent"] - shipped["incoherent"]) * 100
    assert f"the incoherent share rose by {rise:.1f} points" in " ".join(README.split()), rise


def test_tight_campaigns_table_matches_its_reports():
    glance = _glance(REPORTS / "copy_quality" / "tight" / "report.md")
    panel = _load("reports/copy_quality/panel_tight.json")
    flags = ("ungrammatical", "incoherent", "generic")
    for first, variant in (
        ("`min_hook=0` (hooks cut short)", "clipped"),
        ("`min_hook` 16 (shipped)", "shipped"),
    ):
        cells, rated = row(f"={first}"), panel["by_source"][f"promogen_{variant}"]
        pct(cells[1], glance[variant]["first_try_compliance"])
        pct(cells[2], glance[variant]["fallback_rate"])
        shows(cells[3], rated["mean_send"])
        pct(cells[4], rated["send_as_is"])
        for cell, flag in zip(cells[5:], flags, strict=True):
            pct(cell, rated[flag])
    cells, rated = row("=template line, tight-campaign panel"), panel["by_source"]["promogen_template"]
    shows(cells[3], rated["mean_send"])
    pct(cells[4], rated["send_as_is"])
    for cell, flag in zip(cells[5:], flags, strict=True):
        pct(cell, rated[flag])
    paired_sentence(panel, "Shipped minus `min_hook=0`, per shopper:")
    from promogen import PipelineConfig

    assert PipelineConfig().min_hook == 16, "the default the README says"


def test_steering_throughput_sentence_matches_its_bench_runs():
    on, off = _load("reports/bench_batch_steer.json"), _load("reports/bench_batch_steer_off.json")
    assert off["settings"] == ["generator.length_bias=0", "one_minimum=false"] and not on["settings"], (
        "the runs"
    )
    text = " ".join(README.split())
    ours, theirs = on["promogen"]["users_per_min"], off["promogen"]["users_per_min"]
    change = (ours / theirs - 1) * 100
    assert f"{ours} users/min with them against {theirs} without ({change:.1f}%)" in text, (ours, theirs)
    assert on["promogen"]["tokens"] == off["promogen"]["tokens"], "the same tokens generated"
    assert f"the same {on['promogen']['tokens']:,} generated tokens" in text


def test_todays_defaults_bench_matches_its_report():
    bench = _load("reports/bench_batch_n4_trim.json")
    ours, naive = bench["promogen"], bench["naive"]
    assert bench["settings"] == [] and bench["n_candidates"] == 4, "the shipped defaults, 4 candidates"
    text = (
        " ".join(README.split())
        .partition("**With today's defaults**")[2]
        .partition("The copy is the same")[0]
    )
    median = sorted(ours["walls_s"])[len(ours["walls_s"]) // 2]
    assert f"median run {median} s, {ours['users_per_min']} users/min" in text, (
        median,
        ours["users_per_min"],
    )
    assert f"naive loop's {naive['users_per_min']}: a speed-up of {bench['speedup_users_per_min']}x" in text
    assert bench["speedup_users_per_min"] < 8 and "**missed**" in text, "below 8x, written as missed"
    share = f"{bench['roofline_share'] * 100:.1f}% of this run's roofline ({bench['roofline_tokens_per_s']}"
    assert f"tokens/s {ours['tokens_per_s']}, {share}" in text, share
    pct(text.partition("first-try compliance ")[2][:5], ours["quality"]["first_try_compliance"])
    assert f"commit {bench['code']['commit']}" in text and not bench["code"]["uncommitted_changes"]


def test_prefill_figures_match_the_prefill_bench_reports():
    text = " ".join(README.split())
    four, eight = _load("reports/bench_batch_prefill.json"), _load("reports/bench_batch_prefill_n8.json")
    prompts = four["prompts"]
    assert prompts == eight["prompts"], "both runs read the same prompts"
    assert f"are {prompts['prompt_tokens']} tokens long on average, of which the first" in text, prompts
    assert f"the first {prompts['shared_prefix_tokens']} are the same for every user" in text, prompts
    run = four["promogen"]
    assert f"took {run['prefill_s']} s of the {run['generate_s']} s in the copywriter with 4" in text, run
    run = eight["promogen"]
    assert f"{run['prefill_s']} s of {run['generate_s']} s with 8 in" in text, run
    assert run["prefill_calls"] == 2, "16 users of 8 candidates are two batches of 64 rows"
    assert (four["n_candidates"], eight["n_candidates"]) == (4, 8), "the README names the candidate counts"


def test_written_copy_tables_match_their_reports_and_the_rule():
    glance = _glance(REPORTS / "copy_quality" / "written" / "report.md")
    for first, variant in (("with the written copy", "written"), ("copy_gold only", "shipped")):
        cells, figures = row(first), glance[variant]
        pct(cells[1], figures["first_try_compliance"])
        shows(cells[2], figures["approval"])
        shows(cells[3], figures["distinct_2"])
        pct(cells[4], figures["opening_frame_share"])
        shows(cells[5], figures["reference_similarity"])
    report = _load("reports/copy_quality/panel_written.json")
    rows = [
        ("promogen, adapter with the written copy", "promogen_written_model"),
        ("promogen, adapter on copy_gold only", "promogen_shipped_model"),
        ("template line, held-out shops", "promogen_template"),
        ("reference copy (written), held-out shops", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "With the written copy minus without, per shopper:")
    gain = report["paired"]["mean_send_difference"]
    drop = glance["shipped"]["first_try_compliance"] - glance["written"]["first_try_compliance"]
    assert gain >= 0.10 and drop <= 0.01, "the README says the rule fixed beforehand is met"
    text = " ".join(README.split())
    assert "The rule is met" in text and "so the new adapter ships" in text, "the decision follows the rule"
    assert f"compliance {-drop * 100:.1f} points higher" in text, "the compliance gap"
    rated = report["by_source"]
    up = rated["promogen_written_model"]["relevance"] - rated["promogen_shipped_model"]["relevance"]
    over = rated["promogen_written_model"]["relevance"] - rated["promogen_template"]["relevance"]
    assert f"relevance is up {up:.2f} and now {over:.2f} above the template" in text, "relevance gaps"


def test_mention_limits_table_matches_its_reports_and_the_rule():
    folder = REPORTS / "copy_quality" / "mention_limits"
    amounts = ("value", "min_spend", "invented_number")
    others = {"off": 0, "limited": 0}
    for report, label in (
        (folder / "report.md", "held-out shops"),
        (folder / "train" / "report.md", "train"),
    ):
        glance, rejects = _glance(report), _rejects(report)
        for setting, variant in (("off", "shipped"), ("on", "limited")):
            cells, counts = row(label, f"={setting}"), rejects[variant, "all"]
            pct(cells[2], glance[variant]["first_try_compliance"])
            repeated = counts.get("code", 0) + counts.get("repetitive", 0)
            assert cells[3] == str(repeated), f"{label} {setting}: code or brand repeated {counts}"
            assert cells[4] == str(sum(counts.get(k, 0) for k in amounts)), f"{label} {setting}: amounts"
            rest = sum(
                v for k, v in counts.items() if k not in ("candidates", "code", "repetitive", *amounts)
            )
            assert cells[5] == str(rest), f"{label} {setting}: other rules {counts}"
            shows(cells[6], glance[variant]["approval"])
            others["off" if setting == "off" else "limited"] += rest
    rise = others["limited"] / others["off"] - 1
    text = " ".join(README.split())
    assert rise > 0.20, "the README says the rule's 20% bound was missed"
    assert f"rose from {others['off']} to {others['limited']} (+{rise * 100:.1f}%)" in text, others


def test_dev_panel_of_the_written_copy_matches_its_report():
    report = _load("reports/copy_quality/panel_dev_written.json")
    rows = [
        ("promogen on dev, adapter with the written copy", "promogen_model"),
        ("template line on dev, panel of the written copy", "promogen_template"),
        ("reference copy on dev, panel of the written copy", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "Shipped copy minus the template line, per shopper:")
    rated = report["by_source"]
    gap = rated["promogen_model"]["relevance"] - rated["promogen_template"]["relevance"]
    assert f"relevance +{gap:.2f} over the template line's (target +0.5: missed)" in " ".join(README.split())


def test_no_minimum_words_table_matches_its_reports_and_the_rule():
    folder = REPORTS / "copy_quality" / "no_minimum"
    others = {"off": 0, "nomin": 0}
    for label, report in (("batches 0 and 1", folder), ("batch 2", folder / "batch2")):
        glance, rejects = _glance(report / "report.md"), _rejects(report / "report.md")
        for variant in ("off", "nomin"):
            cells, counts = row(label, "=off" if variant == "off" else "=on"), rejects[variant, "all"]
            pct(cells[2], glance[variant]["first_try_compliance"])
            assert cells[3] == str(counts.get("min_spend", 0)), f"{label} {variant}: {counts}"
            assert cells[4] == str(counts.get("invented_number", 0)), f"{label} {variant}: {counts}"
            rest = sum(
                v for k, v in counts.items() if k not in ("candidates", "min_spend", "invented_number")
            )
            assert cells[5] == str(rest), f"{label} {variant}: other rules {counts}"
            shows(cells[6], glance[variant]["approval"])
            others[variant] += rest
        on, off = glance["nomin"]["first_try_compliance"], glance["off"]["first_try_compliance"]
        assert on > off, f"{label}: the rule needs compliance to rise on both sets"
    assert others["nomin"] <= 1.2 * others["off"], f"the rule's 20% bound on other rejects: {others}"
    assert f"other rejects {others['off']} to {others['nomin']}" in " ".join(README.split()), others


def test_written_batches_sentences_match_their_reports_and_records():
    text = " ".join(README.split())
    folder = REPORTS / "copy_quality" / "written"
    first, second = _glance(folder / "batch1" / "report.md"), _glance(folder / "batch2" / "report.md")
    ours, theirs = first["w2"]["first_try_compliance"], first["shipped"]["first_try_compliance"]
    assert f"Missed on the first part: {ours * 100:.1f}% against {theirs * 100:.1f}%" in text, (ours, theirs)
    counts = _rejects(folder / "batch1" / "report.md")
    old, new = counts["shipped", "all"], counts["w2", "all"]
    assert f"repeated the code less ({old['code']} rejects to {new['code']})" in text, (old, new)
    assert f"claimed no carts ({old['invented_claim']} to {new['invented_claim']})" in text, (old, new)
    assert f"minimum spends twice as often ({old['min_spend']} to {new['min_spend']})" in text, (old, new)
    assert counts["w2", "banner"]["min_spend"] == 42, "42 of them on the one gift banner (w123)"
    ours, theirs = second["w3"]["first_try_compliance"], second["shipped"]["first_try_compliance"]
    assert f"Missed: {ours * 100:.1f}% against {theirs * 100:.1f}%" in text, (ours, theirs)
    records = _load("reports/copy_quality/written/batch1/training.json")
    gold, pairs = records["build_gold"], records["build_pairs_w2"]
    assert f"({gold['specs']:,} specs, {gold['targets']:,} targets; {gold['dropped_by_gate']} dropped" in text
    assert (
        f"({pairs['specs']} specs of all three sources, {pairs['candidates']:,} unguarded candidates, "
        f"{pairs['first_try_compliance'] * 100:.1f}% compliant, {pairs['pairs']} pairs, "
        f"{pairs['own_rejected']} of them its own rejects)"
    ) in text, pairs


def test_dev_panel_after_the_no_minimum_words_matches_its_report():
    report = _load("reports/copy_quality/panel_dev_nomin.json")
    rows = [
        ("promogen on dev, shipped with the no-minimum words", "promogen_model"),
        ("template line on dev, panel after the no-minimum words", "promogen_template"),
        ("reference copy on dev, panel after the no-minimum words", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    rated = report["by_source"]
    gap = rated["promogen_model"]["relevance"] - rated["promogen_template"]["relevance"]
    text = " ".join(README.split())
    assert f"relevance +{gap:.2f} over the template line's (target +0.5: missed)" in text, gap
    paired = report["paired"]
    low, high = paired["interval_95"]
    assert low < 0 < high, "the README says the interval includes 0"
    wanted = f"+{paired['mean_send_difference']} mean send, bootstrap 95% interval [{low}, +{high}]"
    assert wanted in text, paired
    broad = _load("reports/copy_quality/panel_dev_nomin_broad.json")["paired"]
    low, high = broad["interval_95"]
    assert f"+{broad['mean_send_difference']} [+{low}, +{high}]" in text, broad


def test_amounts_only_limits_sentence_matches_its_report():
    glance = _glance(REPORTS / "copy_quality" / "mention_limits" / "amounts" / "report.md")
    off, on = glance["shipped"]["first_try_compliance"], glance["amounts"]["first_try_compliance"]
    assert on < off, "the README says the narrower setting lowered first-try compliance"
    assert f"fell, {off * 100:.1f}% to {on * 100:.1f}%" in " ".join(README.split()), (off, on)


def test_throughput_with_the_no_minimum_words_matches_its_bench():
    bench, before = _load("reports/bench_batch_nomin_n4.json"), _load("reports/bench_batch_written_n4.json")
    assert bench["n_candidates"] == 4 and bench["users"] == 16, "the same bench as before the change"
    text = " ".join(README.split())
    wanted = (
        f"{bench['speedup_users_per_min']}x ({bench['promogen']['users_per_min']} users/min against "
        f"{bench['naive']['users_per_min']}), {bench['promogen']['tokens']:,} generated tokens against "
        f"{before['promogen']['tokens']:,}, roofline share {bench['roofline_share'] * 100:.1f}%"
    )
    assert wanted in text, wanted
    roofs = (
        f"roofline of {bench['roofline_tokens_per_s']} tokens/s ({before['roofline_tokens_per_s']} at 09:37)"
    )
    assert roofs in text, roofs


def test_throughput_with_the_new_weights_matches_its_benches():
    text = " ".join(README.split())
    four, eight = _load("reports/bench_batch_written_n4.json"), _load("reports/bench_batch_written.json")
    old4, old8 = _load("reports/bench_batch_adapter.json"), _load("reports/bench_batch_n8.json")
    assert (four["n_candidates"], eight["n_candidates"]) == (4, 8), "the two benches compared"
    wanted = (
        f"a speed-up of {four['speedup_users_per_min']}x over the naive loop with 4 candidates "
        f"({four['promogen']['users_per_min']} users/min against {four['naive']['users_per_min']}) and "
        f"{eight['speedup_users_per_min']}x with 8 ({eight['promogen']['users_per_min']} against "
        f"{eight['naive']['users_per_min']}), against {old4['speedup_users_per_min']}x and "
        f"{old8['speedup_users_per_min']}x with the previous weights"
    )
    assert wanted in text, wanted
    assert (
        f"the naive loop {four['naive']['users_per_min']} users/min against {old4['naive']['users_per_min']}"
        in text
    )


def test_soft_prompt_after_the_campaign_table_matches_its_reports_and_the_rule():
    folder = REPORTS / "copy_quality" / "prefix"
    sets = {name: _glance(folder / name / "report.md") for name in ("set1", "batch2")}
    sizes = {"set1": 960, "batch2": 640}  # candidates: 8 per shopper, every campaign the same count
    both = {
        v: sum(sets[s][v]["first_try_compliance"] * sizes[s] for s in sets) / sum(sizes.values())
        for v in ("shipped", "prefix")
    }
    cells = row("first-try compliance, set 1 / batch 2 / both")
    for cell, variant in ((cells[1], "shipped"), (cells[2], "prefix")):
        parts = cell.split("/")
        pct(parts[0], sets["set1"][variant]["first_try_compliance"])
        pct(parts[1], sets["batch2"][variant]["first_try_compliance"])
        pct(parts[2], both[variant])
    assert both["prefix"] >= both["shipped"] - 0.01, "rule (a): at most 1 point below"
    cells = row("personalisation vs other shoppers, set 1 / batch 2")
    for cell, variant in ((cells[1], "shipped"), (cells[2], "prefix")):
        for part, name in zip(cell.split("/"), ("set1", "batch2"), strict=True):
            shows(part, sets[name][variant]["personalisation_vs_others"])
    assert all(sets[s]["prefix"]["personalisation_vs_others"] > 0 for s in sets), "rule (b)"
    panels = {name: _load(f"reports/copy_quality/prefix/panel_{name}.json") for name in ("s1", "b2")}
    sends, as_is = (
        row("panel mean send, set 1 (72 shoppers) / batch 2 (48)"),
        row('panel "send as is", set 1 / batch 2'),
    )
    for column, source in ((1, "promogen_shipped_model"), (2, "promogen_prefix_model")):
        for k, name in enumerate(("s1", "b2")):
            shows(sends[column].split("/")[k], panels[name]["by_source"][source]["mean_send"])
            pct(as_is[column].split("/")[k], panels[name]["by_source"][source]["send_as_is"])
    pooled = sum(
        p["paired"]["mean_send_difference"] * p["paired"]["shoppers"] for p in panels.values()
    ) / sum(p["paired"]["shoppers"] for p in panels.values())
    intervals = re.findall(r"[-+][\d.]+ \[[^\]]+\]", sends[3])
    for cell, name in zip(intervals, ("s1", "b2"), strict=True):
        paired = panels[name]["paired"]
        shows_interval(cell, paired["mean_send_difference"], paired["interval_95"])
    shows(sends[3].rpartition(";")[2], pooled)
    assert pooled >= -0.10, "rule (c)"
    soft = _glance(folder / "soft_only" / "report.md")
    sentence = re.search(
        r"relevance ([\d.]+) against ([\d.]+) shuffled \(the front adapter: ([\d.]+) against ([\d.]+)\)",
        " ".join(README.split()),
    )
    for shown, variant in zip(
        sentence.groups(), ("prefix", "prefix_shuffled", "front", "front_shuffled"), strict=True
    ):
        shows(shown, soft[variant]["relevance"])
    assert soft["prefix"]["relevance"] > soft["prefix_shuffled"]["relevance"], (
        "the soft prompt still conditions"
    )


def test_dev_panel_after_the_soft_prompt_moved_matches_its_report():
    report = _load("reports/copy_quality/panel_dev_prefix.json")
    rows = [
        ("promogen on dev, shipped with the soft prompt after", "promogen_model"),
        ("template line on dev, panel after the soft prompt moved", "promogen_template"),
        ("reference copy on dev, panel after the soft prompt moved", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    rated, paired = report["by_source"], report["paired"]
    gap = rated["promogen_model"]["relevance"] - rated["promogen_template"]["relevance"]
    text = " ".join(README.split())
    assert f"relevance +{gap:.2f} over the template line's (target +0.5)" in text, gap
    low, high = paired["interval_95"]
    wanted = (
        f"{paired['mean_send_difference']} mean send, bootstrap 95% interval [{low}, +{high}] (48 shoppers)"
    )
    assert wanted in text, paired
    assert f'"send as is" {100 * rated["promogen_model"]["send_as_is"]:.1f}% (target 70%)' in text


def test_batch_after_the_soft_prompt_moved_matches_its_benches():
    runs = {
        "soft prompt after the campaign's text (shipped), 4": "bench_batch_prefix_n4.json",
        "soft prompt in front (step 7's adapter), 4": "bench_batch_front_n4.json",
        "soft prompt after the campaign's text (shipped), 8": "bench_batch_prefix_n8.json",
    }
    for first, file in runs.items():
        bench, cells = _load(f"reports/{file}"), row(first)
        expected = "front" if "front" in first else "after_campaign"
        assert bench["soft_prompt"] == expected, f"{file} ran the adapter its row names"
        assert bench["n_candidates"] == int(first[-1]), file
        shows(cells[1], bench["promogen"]["users_per_min"])
        shows(cells[2], bench["speedup_users_per_min"])
        shows(cells[3], bench["promogen"]["prefill_s"])
        pct(cells[4].partition(" of ")[0], bench["roofline_share"])
        shows(cells[4].partition(" of ")[2], bench["roofline_tokens_per_s"])
    four = _load("reports/bench_batch_prefix_n4.json")
    text = " ".join(README.split())
    assert f"Now it takes {four['promogen']['prefill_s']} s (the table above)" in text, "the prefill bullet"
    assert f"Targets at 4 candidates: speed-up {four['speedup_users_per_min']}x (>= 8x: met)" in text
    front = _load("reports/bench_batch_front_n4.json")
    new, old = four["speedup_users_per_min"], front["speedup_users_per_min"]
    buys = (
        f"takes {four['promogen']['prefill_s']} s instead of {front['promogen']['prefill_s']} s, and the "
        f"batch runs {new}x the naive loop instead of {old}x"
    )
    assert buys in text, "what the soft prompt's move buys, in its section"


def test_reserved_cache_section_matches_its_benches_and_snapshots():
    runs = {}
    for name, file in [("reserved cache", "reserved"), ("growing cache (before)", "concat")]:
        for order, i in [("first", 1), ("second", 2)]:
            bench, cells = _load(f"reports/bench_reserved/{file}_{i}.json"), row(f"={name}, {order}")
            assert len(bench["promogen"]["walls_s"]) == 5, f"{file}_{i}: 5 timed runs"
            shows(cells[1], bench["promogen"]["wall_s"])
            shows(cells[2], bench["promogen"]["users_per_min"])
            shows(cells[3], bench["speedup_users_per_min"])
            pct(cells[4].partition(" of ")[0], bench["roofline_share"])
            shows(cells[4].partition(" of ")[2], bench["roofline_tokens_per_s"])
            runs[file, i] = bench["promogen"]["walls_s"]
    text = " ".join(README.split())
    first = (
        1
        - _load("reports/bench_reserved/reserved_1.json")["promogen"]["wall_s"]
        / _load("reports/bench_reserved/concat_1.json")["promogen"]["wall_s"]
    )
    second = (
        1
        - _load("reports/bench_reserved/reserved_2.json")["promogen"]["wall_s"]
        / _load("reports/bench_reserved/concat_2.json")["promogen"]["wall_s"]
    )
    sentence = text.partition("The batch path takes ")[2][:80]
    pct(sentence.partition(" less time")[0], first)
    pct(sentence.partition("pair and ")[2], second)
    shares = [_load(f"reports/bench_reserved/reserved_{i}.json")["roofline_share"] for i in (1, 2)]
    assert f"roofline share {min(shares) * 100:.0f}-{max(shares) * 100:.0f}% with the reserved cache" in text
    speedups = [_load(f"reports/bench_reserved/{f}_{i}.json")["speedup_users_per_min"] for f, i in runs]
    assert min(speedups) > 8 and "speed-up above 8x in all four runs (met)" in text, speedups
    old = min(runs["concat", 1] + runs["concat", 2])
    slower = sum(w >= old for w in runs["reserved", 1] + runs["reserved", 2])
    assert slower == 1 and "runs but one is faster than every run of the old code" in text, slower
    for file, shipped, base in [("compare.json", 0, 123), ("compare_cache_only.json", 0, 0)]:
        compared = _load(f"reports/copy_snapshot/{file}")
        groups = {k: v for k, v in compared.items() if isinstance(v, dict)}
        differ = {
            a: sum(v["differ"] for k, v in groups.items() if k.startswith(a)) for a in ("promogen", "none")
        }
        assert differ == {"promogen": shipped, "none": base}, f"{file}: {differ}"
    assert (
        "all 256 of the shipped adapter's candidates are identical; the base model's differ in 123 of 256"
        in text
    )
    assert (
        "the cache alone, [compare_cache_only.json](../reports/copy_snapshot/compare_cache_only.json): "
        "0 of 512" in text
    )


def test_dev_rerun_separates_the_code_from_the_machine_as_the_readme_says():
    def delivered(folder: str) -> dict[str, str]:
        return dict(_examples(REPORTS / "copy_quality" / folder / "examples.md")["shipped"])

    latest = delivered(
        "previous_20cb15b"
    )  # the run the README's paragraph is about (the one before the last)
    new, old_here = delivered("previous_2957352"), delivered("rerun_7a2a97b")
    old_there = delivered("previous_24ac651")
    assert len(new) == len(old_here) == len(old_there) == 120, (len(new), len(old_here), len(old_there))
    text = " ".join(README.split())
    code = sum(new[k] != old_here[k] for k in new)
    machine = sum(old_here[k] != old_there[k] for k in new)
    redrawn = sum(latest[k] != new[k] for k in new)
    assert f"the delivered copy differs for {redrawn} of 120 shoppers from the run before" in text, redrawn
    runs = {
        "**Latest run**": ("previous_0cc76bb", "previous_6e7c59c"),  # the last run before the judge
        "**Run of 00:23-00:31**": ("previous_20cb15b", "previous_0cc76bb"),
    }
    for lead, (before, after) in runs.items():
        paragraph = text.partition(lead)[2].partition("**")[0]
        moved = sum(delivered(before)[k] != delivered(after)[k] for k in latest)
        assert f"The delivered copy changed for {moved} of 120 shoppers" in paragraph, (lead, moved)
    assert f"the two codes deliver different copy to {code} of 120 shoppers" in text, code
    assert f"the two hosts deliver different copy to {machine} of 120 shoppers" in text, machine
    glance = {
        d: _headline(REPORTS / "copy_quality" / d / "report.md")
        for d in ("previous_20cb15b", "previous_2957352", "rerun_7a2a97b", "previous_24ac651")
    }
    redraw = text.partition("First-try compliance is ")[2]
    pct(redraw[:5], glance["previous_20cb15b"]["first_try_compliance"])
    pct(redraw.partition(" against ")[2][:5], glance["previous_2957352"]["first_try_compliance"])
    shows(redraw.partition("Approval is ")[2][:5], glance["previous_20cb15b"]["approval"])
    approval_before = redraw.partition("Approval is ")[2].partition(" against ")[2][:5]
    shows(approval_before, glance["previous_2957352"]["approval"])
    sentence = text.partition("the code, on the same machine:")[2].partition("So the fall")[0]
    falls = sentence.partition("first-try compliance falls from ")[2].split(" to ")
    pct(falls[0], glance["rerun_7a2a97b"]["first_try_compliance"])
    pct(falls[1][:6], glance["previous_2957352"]["first_try_compliance"])
    shows(sentence.partition("approval stays ")[2][:6], glance["previous_2957352"]["approval"])
    shows(sentence.partition("approval stays ")[2][:6], glance["rerun_7a2a97b"]["approval"])
    there = sentence.partition("first-try compliance ")[2].partition(" there, ")
    pct(there[0], glance["previous_24ac651"]["first_try_compliance"])
    pct(there[2][:6], glance["rerun_7a2a97b"]["first_try_compliance"])
    moves = sentence.partition("approval moves from ")[2]
    shows(moves[:6], glance["previous_24ac651"]["approval"])
    shows(moves.partition(" to ")[2][:6], glance["rerun_7a2a97b"]["approval"])
    distinct = moves.partition("distinct-2 from ")[2]
    shows(distinct[:6], glance["previous_24ac651"]["distinct_2"])
    shows(distinct.partition(" to ")[2][:6], glance["rerun_7a2a97b"]["distinct_2"])
    rejects_new, rejects_old = (
        _rejects(REPORTS / "copy_quality" / f"{d}report.md")["shipped", "all"]
        for d in ("previous_2957352/", "rerun_7a2a97b/")
    )
    more = {r: rejects_new.get(r, 0) - rejects_old.get(r, 0) for r in rejects_new.keys() | rejects_old.keys()}
    assert {r: n for r, n in more.items() if n} == {"repetitive": 9, "min_spend": 1, "invented_number": 1}, (
        more
    )
    assert "by the new rules and by one minimum-spend and one invented-number reject more" in text
    before = _rejects(REPORTS / "copy_quality" / "previous_2957352" / "report.md")["shipped", "banner"]
    assert f"20 email subjects and {before['too_long']} banners)" in text, before


def test_the_previous_dev_run_figures_match_its_kept_pages():
    before = _glance(REPORTS / "copy_quality" / "previous_24ac651" / "report.md")
    shipped = before["shipped"]
    cell = row("first-try compliance >= 95%")[1].partition("The previous run of this table")[2]
    pct(cell.partition("%")[0], shipped["first_try_compliance"])
    pct(cell.partition("unguarded ")[2][:5], before["unguarded"]["first_try_compliance"])
    previous = {
        "distinct-2 within 10%": ("the previous run ", shipped["distinct_2"]),
        "approval (approver model, mean)": ("the previous run ", shipped["approval"]),
        "similarity to the reference messages": ("the previous run ", shipped["reference_similarity"]),
    }
    for first, (lead, value) in previous.items():
        shows(row(first)[1].partition(lead)[2][:6], value)
    pct(
        row("no opening three-word frame")[1].partition("the previous run ")[2][:4],
        shipped["opening_frame_share"],
    )
    trio = (
        row("relevance / personalisation")[1].partition("the previous run ")[2].partition(";")[0].split("/")
    )
    for shown, key in zip(
        trio, ("relevance", "personalisation_vs_others", "personalisation_vs_generic"), strict=True
    ):
        shows(shown, shipped[key])
    demo = _glance(REPORTS / "copy_quality" / "previous_24ac651" / "demo_report.md")
    text = " ".join(README.split()).partition("(met; unguarded ")[2].partition("the previous run ")[2]
    pct(text[:5], demo["shipped"]["first_try_compliance"])
    pct(text.partition("unguarded ")[2][:5], demo["unguarded"]["first_try_compliance"])


def test_the_batch_paths_time_split_matches_its_bench():
    bench = _load("reports/bench_reserved/breakdown.json")
    ours, text = bench["promogen"], " ".join(README.split())
    part = text.partition("Where the batch path's time goes")[2].partition("The copy is the same")[0]
    assert f"at commit {bench['code']['commit']}" in part and not bench["code"]["uncommitted_changes"], part
    assert f"median run {ours['wall_s']} s for {ours['users']} users" in part, "the median run's wall"
    for key in ("generate_s", "prefill_s", "encode_s", "score_s", "approve_s", "rank_s"):
        assert f" {ours[key]} s" in part, f"{key} {ours[key]} not in the time split"
    own = ours["tokens"] / ours["generate_s"] / bench["roofline_tokens_per_s"]
    rate = f"{ours['tokens']:,} tokens in {ours['generate_s']} s, is {own * 100:.1f}% of this run's roofline"
    assert rate in part, f"the copywriter's own rate: {rate}"
    assert f"({bench['roofline_tokens_per_s']} tok/s)" in part, "the roofline of that run"


def test_thread_count_figures_match_their_snapshots():
    """The Ray section's bfloat16-vs-float32 thread-count figures come from the committed comparisons."""
    text = " ".join(README.split())

    def differ(file: str) -> tuple[int, int]:
        groups = [v for v in _load(f"reports/copy_snapshot/threads/{file}").values() if isinstance(v, dict)]
        return sum(v["differ"] for v in groups), sum(v["candidates"] for v in groups)

    bf16, fp32 = differ("compare_bf16_t1_vs_t2.json"), differ("compare_fp32_t1_vs_t2.json")
    old = differ("compare_2957352_bf16_t1_vs_t2.json")
    assert f"differ in {bf16[0]} of {bf16[1]} between 1 and 2 torch threads" in text, bf16
    assert f"and in {fp32[0]} of {fp32[1]} in float32" in text, fp32
    assert f"the same bfloat16 split, {old[0]} of {old[1]}" in text, old


def test_the_figures_before_the_seed_change_match_its_kept_pages():
    """The dev table's "before the seed change" figures are the 16:07 run's, kept in previous_2957352/."""
    folder = REPORTS / "copy_quality" / "previous_2957352"
    before, reference = _glance(folder / "report.md"), _load(str(folder.relative_to(ROOT) / "reference.json"))
    shipped = before["shipped"]
    cell = row("first-try compliance >= 95%")[1].partition("Before the seed change: ")[2]
    pct(cell.partition("%")[0], shipped["first_try_compliance"])
    pct(cell.partition("unguarded ")[2][:5], before["unguarded"]["first_try_compliance"])
    lead = "before the seed change "
    shows(row("approval (approver model, mean)")[1].partition(lead)[2][:5], shipped["approval"])
    similarity = row("similarity to the reference messages")[1].partition(lead)[2][:5]
    shows(similarity, shipped["reference_similarity"])
    distinct = row("distinct-2 within 10%")[1].partition(lead)[2]
    shows(distinct[:5], reference["delivered"]["mean_over_campaigns"]["distinct_2"])
    frame = row("no opening three-word frame")[1].partition(lead)[2]
    pct(frame[:5], reference["delivered"]["mean_over_campaigns"]["opening_frame_share"])
    trio = row("relevance / personalisation")[1].partition(lead)[2].partition(";")[0].split("/")
    for shown, key in zip(
        trio, ("relevance", "personalisation_vs_others", "personalisation_vs_generic"), strict=True
    ):
        shows(shown, shipped[key])
    terms = _load(str(folder.relative_to(ROOT) / "offer_terms.json"))
    missing = " ".join(README.split()).partition("unguarded, the end date is missing from ")[2]
    pct(missing.partition("(")[2][:5], 1 - terms["unguarded"]["end_date"]["stated"])
    demo = _glance(folder / "demo_report.md")
    text = " ".join(README.split()).partition("fallback 0%; before the seed change ")[2]
    pct(text[:5], demo["shipped"]["first_try_compliance"])
    pct(text.partition("unguarded ")[2][:5], demo["unguarded"]["first_try_compliance"])


GEMMA_FLAGS = ("incoherent", "ungrammatical", "offer_misstated")


@pytest.mark.parametrize(
    ("run", "panel", "rows", "lead"),
    [
        (
            "gemma_written",
            "panel_gemma_written",
            {
                "shipped: SmolLM2-135M-Instruct": "shipped",
                "gemma: Gemma 3 270M, SFT": "gemma",
                "template line, written": "template",
                "reference copy, written": "reference",
            },
            "Gemma minus the shipped copywriter, per shopper:",
        ),
        (
            "gemma_written_round2",
            "panel_gemma_written_round2",
            {
                "shipped, second panel": "shipped",
                "gemma2: Gemma 3 270M": "gemma2",
                "template line, second panel": "template",
                "reference copy, second panel on": "reference",
            },
            "Gemma after both rounds minus the shipped copywriter, per shopper:",
        ),
    ],
)
def test_gemma_recipe_tables_match_their_harness_and_panel_reports(run, panel, rows, lead):
    """Copywriter rows: harness figures, then the panel's; template and reference rows: the panel's only."""
    glance = _glance(REPORTS / "copy_quality" / "base_models" / run / "report.md")
    rated_by = _load(f"reports/copy_quality/{panel}.json")["by_source"]
    header = next(r for r in _rows() if r[0].startswith("written held-out shops, "))
    assert header[1:3] == ["first-try compliance", "fallback"] and header[6] == "mean send", header
    for first, source in rows.items():
        cells = row(first)
        if source in glance:
            metrics = glance[source]
            pct(cells[1], metrics["first_try_compliance"])
            pct(cells[2], metrics["fallback_rate"])
            shows(cells[3], metrics["distinct_2"])
            pct(cells[4], metrics["opening_frame_share"])
            shows(cells[5], metrics["approval"])
        else:
            assert cells[1:6] == [""] * 5, f"{first}: the panel-only row has harness figures"
        rated = rated_by["reference_best" if source == "reference" else f"promogen_{source}"]
        shows(cells[6], rated["mean_send"])
        pct(cells[7], rated["send_as_is"])
        shows(cells[8], rated["relevance"])
        for cell, flag in zip(cells[9:12], GEMMA_FLAGS, strict=True):
            pct(cell, rated[flag])
    paired_sentence(_load(f"reports/copy_quality/{panel}.json"), lead)


def test_gemma_prose_figures_match_their_reports():
    text = " ".join(README.split())
    base = "reports/copy_quality/base_models/"
    first = _load(base + "gemma_written/reference.json")["reference"]["mean_over_campaigns"]["distinct_2"]
    shows(row("reference copy, written")[0].split(":")[1], first)
    glance = _glance(REPORTS / "copy_quality" / "base_models" / "gemma_written" / "report.md")
    gemma, shipped = glance["gemma"]["distinct_2"], glance["shipped"]["distinct_2"]
    shows(text.partition("Gemma varies more: distinct-2 ")[2][:4], gemma / first - 1, scale=100, slack=0.002)
    shows(text.partition("(the shipped model's is ")[2][:3], 1 - shipped / first, scale=100, slack=0.005)
    second = _load(base + "gemma_written_round2/reference.json")["delivered"]["mean_over_campaigns"]
    moved = text.partition("most of its variety went (distinct-2 ")[2]
    shows(moved[:5], gemma)
    shows(moved.partition(" to ")[2][:5], second["distinct_2"])
    shows(moved.partition("the reference's ")[2][:5], first)
    pct(moved.partition("opening frame ")[2][:5], glance["gemma"]["opening_frame_share"])
    pct(moved.partition("% to ")[2][:3], second["opening_frame_share"])


def test_gemma_training_figures_match_their_records():
    folder = "reports/copy_quality/base_models/gemma_training/"
    pairs, adapter = _load(folder + "gemma_pairs.json"), _load(folder + "gemma_w_own_adapter.json")
    own = adapter["training"]
    dpo, sft = own["init"], own["init"]["init"]
    text = " ".join(README.split())
    shows(text.partition("(SFT, 300 steps of 8: ")[2][:2], sft["wall_s"] / 60, slack=0.5)
    shows(text.partition("(120 DPO steps of 4: ")[2][:2], dpo["wall_s"] / 60, slack=0.5)
    shows(
        text.partition("(80 DPO steps of 4, as the shipped second round: ")[2][:2],
        own["wall_s"] / 60,
        slack=0.5,
    )
    pct(
        text.partition("unguarded first-try compliance of its candidates ")[2][:5],
        pairs["first_try_compliance"],
    )
    assert f"83.7%, {pairs['pairs']} pairs, {pairs['own_rejected']} of them" in text, "the pair counts"
    assert f"`pairs`: {own['examples']} pairs" in text, "the labelled round's pair count"
    assert (sft["steps"], dpo["steps"], own["steps"]) == (300, 120, 80), "the recipe's steps"
    # Each stage's documented command trains on the data and for the steps its record gives.
    for out, record in (("gemma_w_lora", sft), ("gemma_w_dpo", dpo), ("gemma_w_own", own)):
        found = re.search(
            rf"train_lora\.py --config finetune/configs/(\S+) ([^`]*--out runs/{out}\b[^`]*)`", text
        )
        assert found, f"{out}: its command"
        fields = yaml.safe_load((ROOT / "finetune" / "configs" / found[1]).read_text())
        ran = {**fields, **_flags(found[2])}
        assert (ran["data"], ran["steps"]) == (record["data"], record["steps"]), f"{out}: {found[0]}"
        assert ran["base_model"] == "runs/gemma3-270m", f"{out}: on Gemma"
        starts = {"gemma_w_lora": None, "gemma_w_dpo": "gemma_w_lora", "gemma_w_own": "gemma_w_dpo"}[out]
        assert ran.get("init_adapter") == (starts and f"runs/{starts}/adapter"), (
            f"{out}: from the stage before"
        )


def test_where_it_stands_base_model_row_matches_the_panels():
    cell = row("=11, copy", "base model: SmolLM2-135M-Instruct or Gemma 3 270M")[2]
    shown = re.findall(r"-\d\.\d+", cell)
    for text, panel in zip(shown, ("panel_gemma_written", "panel_gemma_written_round2"), strict=True):
        paired = _load(f"reports/copy_quality/{panel}.json")["paired"]
        shows(text, paired["mean_send_difference"])
        assert paired["interval_95"][0] < 0 < paired["interval_95"][1], f"{panel}: the interval excludes 0"


def test_bf16_scorers_bench_and_rule_match_their_reports():
    runs = {}
    for setting, label in (("auto", "bfloat16 scorers (`auto`)"), ("float32", "float32 scorers")):
        for k, which in ((1, "first"), (2, "second")):
            bench = _load(f"reports/scoring_dtype/bench_{setting}_{k}.json")
            assert bench["scoring_dtype"] == ("bfloat16" if setting == "auto" else "float32"), bench[
                "settings"
            ]
            assert (
                bench["n_candidates"] == 4 and bench["users"] == 16 and bench["code"]["commit"] == "b3a77f5"
            ), "16 users, 4 candidates, commit b3a77f5, as the README says"
            cells = row(f"{label}, {which}")
            ours = bench["promogen"]
            shows(cells[1], ours["wall_s"], slack=0)
            shows(cells[2], ours["score_s"], slack=0)
            shows(cells[3], ours["users_per_min"], slack=0)
            assert cells[4] == f"{bench['speedup_users_per_min']}x", cells
            pct(cells[5].partition(" of ")[0], bench["roofline_share"])
            assert cells[5].endswith(f"of {bench['roofline_tokens_per_s']} tok/s"), cells
            runs[setting, k] = ours["walls_s"]
    fast = [w for k in (1, 2) for w in runs["auto", k]]
    slow = [w for k in (1, 2) for w in runs["float32", k]]
    assert max(fast) < min(slow), "every bfloat16 run faster than every float32 run"
    text = (
        " ".join(README.split()).partition("**The scorers in bfloat16**")[2].partition("| run (16 users")[0]
    )
    assert "0.9916 both (behind the gate 0.9805 and 0.9806)" in text, "the train AUC figures"
    for dtype, alone, gated in (("float32", 0.9916, 0.9805), ("bfloat16", 0.9916, 0.9806)):
        report = _load(f"reports/scoring_dtype/approver_train_{dtype}.json")
        assert report["scoring_dtype"] == dtype and report["data"].endswith("copy_gold/train.jsonl"), report
        shows(str(alone), report["dev"]["auc"], slack=0)
        shows(str(gated), report["dev_gated"]["auc"], slack=0)
    after = " ".join(README.split()).partition("All ten bfloat16 runs were faster")[2][:200]
    fast_median, slow_median = statistics.median(fast), round(statistics.median(slow), 3)
    pooled = 1 - fast_median / slow_median
    assert f"{fast_median} s against {slow_median} s, are {pooled * 100:.1f}% apart" in after, pooled
    compared = [
        v for v in _load("reports/copy_snapshot/scoring_dtype/compare.json").values() if isinstance(v, dict)
    ]
    counts = [
        sum(g[k] for g in compared) for k in ("candidates", "differ", "deliveries", "deliveries_differ")
    ]
    assert (
        f"{counts[1]} of {counts[0]} candidates and {counts[3]} of {counts[2]} deliveries differ"
        in " ".join(README.split())
    ), counts
    pairs = [1 - statistics.median(runs["auto", k]) / statistics.median(runs["float32", k]) for k in (1, 2)]
    assert f"({pairs[0] * 100:.1f}% in the first pair; {pairs[1] * 100:.2f}% in the second" in after, pairs
    shares = [
        _load(f"reports/scoring_dtype/bench_{d}_{k}.json")["roofline_share"]
        for d in ("auto", "float32")
        for k in (1, 2)
    ]
    span = f"roofline share is {min(shares) * 100:.1f}-{max(shares) * 100:.1f}%"
    assert span in " ".join(README.split()), shares
    before = _load("reports/bench_batch_n4_trim.json")["promogen"]
    head = " ".join(README.split()).partition("**The scorers in bfloat16**")[2][:400]
    for value in (before["wall_s"], before["score_s"], before["approve_s"], before["rank_s"]):
        assert f"{value} s" in head, f"the 02:57 run's {value} s"


def test_approver_rerun_and_margins_match_the_reports():
    old = _load("reports/scoring_dtype/approver_dev_before.json")["dev_with_perplexity"]
    text = " ".join(README.split()).partition("The approver's figures above were rerun")[2][:600]
    assert "(0.943 and 0.929 with the adapter of that morning)" in text, "the mix rows before the rerun"
    shows("0.943", old["mixed"]["auc"])
    shows("0.929", old["gated"]["auc"])
    gated, half = (
        _load("reports/approver_dev.json"),
        _load("reports/scoring_dtype/approver_dev_bfloat16.json"),
    )
    margin = row("approver AUC >= 0.90")[2].partition("misses by ")[2]
    shows(margin.partition(" (")[0], 0.9 - gated["dev"]["auc"])
    shows(margin.partition("; ")[2], 0.9 - half["dev"]["auc"])


def test_where_it_stands_summary_states_the_throughput_figures():
    first, second = (_load(f"reports/scoring_dtype/bench_auto_{k}.json") for k in (1, 2))
    text = " ".join(README.split()).partition("Of the two CPU throughput targets (issue 13")[2][:1200]
    low, high = sorted((first["speedup_users_per_min"], second["speedup_users_per_min"]))
    assert f"the 8x speed-up is met ({low}x and {high}x" in text and low >= 8, (low, high)
    floats = sorted(
        _load(f"reports/scoring_dtype/bench_float32_{k}.json")["speedup_users_per_min"] for k in (1, 2)
    )
    assert f"{floats[0]}x and {floats[1]}x with them in float32" in text, floats
    shares = sorted((first["roofline_share"], second["roofline_share"]))
    assert f"({shares[0] * 100:.1f}% and {shares[1] * 100:.1f}% against 25%" in text, shares
    avx2 = [_load(f"reports/avx2/bench_auto_{k}.json") for k in (1, 2, 3)]
    speedups = sorted(b["speedup_users_per_min"] for b in avx2)
    assert f"the speed-up is missed ({speedups[0]}x to {speedups[-1]}x)" in text, speedups
    low, high = sorted(b["roofline_share"] for b in avx2)[::2]
    assert f"the roofline share is met ({low * 100:.1f}% to {high * 100:.1f}%" in text, (low, high)
    rates = sorted(b["promogen"]["tokens_per_s"] for b in avx2)
    theirs = sorted((first["promogen"]["tokens_per_s"], second["promogen"]["tokens_per_s"]))
    assert f"{rates[0]} to {rates[-1]} generated tokens/s, against {theirs[0]} and {theirs[1]}" in text, rates
    assert shares[1] < 0.25 <= low and speedups[-1] < 8 and "is not built" in text, "missed as missed"


@pytest.mark.parametrize("k", [1, 2, 3])
def test_avx2_host_table_matches_its_reports(k):
    bench = _load(f"reports/avx2/bench_auto_{k}.json")
    ours, naive = bench["promogen"], bench["naive"]
    cells = row(f"AVX2 host, {('first', 'second', 'third')[k - 1]}")
    for cell, value in zip(
        cells[1:5], (ours["wall_s"], ours["prefill_s"], ours["score_s"], naive["wall_s"]), strict=True
    ):
        shows(cell, value, slack=EXACT)
    assert cells[5] == f"{bench['speedup_users_per_min']}x", cells[5]
    pct(cells[6], bench["roofline_share"])
    shows(cells[6].partition("% of")[2], bench["roofline_tokens_per_s"], slack=EXACT)
    assert bench["cpu"]["avx2"] and not bench["cpu"]["avx512f"] and bench["dtype"] == "float32", bench["cpu"]


def test_avx2_host_paragraph_states_its_figures():
    avx2 = [_load(f"reports/avx2/bench_auto_{k}.json") for k in (1, 2, 3)]
    amx = [_load(f"reports/scoring_dtype/bench_{s}_{k}.json") for s in ("auto", "float32") for k in (1, 2)]
    text = " ".join(README.split()).partition("**On a host without native bfloat16**")[2][:3000]
    speedups = sorted(b["speedup_users_per_min"] for b in avx2)
    assert f"the speed-up is {speedups[0]}-{speedups[-1]}x (>= 8x: missed)" in text, speedups
    shares = sorted(b["roofline_share"] for b in avx2)
    assert f"roofline share is {shares[0] * 100:.1f}-{shares[-1] * 100:.1f}% (>= 25%: met" in text, shares
    ours, theirs = (
        sorted(b["roofline_tokens_per_s"] for b in avx2),
        sorted(b["roofline_tokens_per_s"] for b in amx),
    )
    assert f"{ours[0]}-{ours[-1]} against {theirs[0]:,}-{theirs[-1]:,} tokens/s" in text, (ours, theirs)
    rates = sorted(b["promogen"]["tokens_per_s"] for b in avx2)
    assert (
        f"{rates[0]}-{rates[-1]} generated tokens/s here, {amx[0]['promogen']['tokens_per_s']} in" in text
    ), rates
    floats = sorted(b["roofline"]["float32"]["tokens_per_s"] for b in amx)
    assert f"the AMX host's {floats[0]:,}-{floats[-1]:,})" in text, floats
    first, bf16 = avx2[0], amx[0]
    assert f"({first['promogen']['wall_s']} s against {bf16['promogen']['wall_s']} s)" in text, "batch path"
    assert f"({first['naive']['wall_s']} s against {bf16['naive']['wall_s']} s)" in text, "naive loop"
    for b in avx2[1:]:
        walls = b["promogen"]["walls_s"]
        assert f"from {min(walls)} to {max(walls)} s" in text, walls


def _anchors(document: Path) -> set[str]:
    """GitHub's anchors for the headings of a markdown file (outside code blocks)."""
    found, code = set(), False
    for line in document.read_text(encoding="utf-8").splitlines():
        code = code != line.startswith("```")
        if not code and re.match(r"#{1,6} ", line):
            words = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower())
            found.add(words.replace(" ", "-"))
    return found


@pytest.mark.parametrize("name", ["README.md", *(f"docs/{d}.md" for d in DOCS)])
def test_every_relative_link_resolves(name):
    document = ROOT / name
    for link in re.findall(r"\]\(([^)\s]+)\)", document.read_text(encoding="utf-8")):
        if link.startswith(("http:", "https:", "mailto:")):
            continue
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document
        assert target.exists(), f"{name} links to {link}, which does not exist"
        if anchor and target.suffix == ".md":
            assert anchor in _anchors(target), f"{name} links to {link}: no such heading"


def test_closed_loop_seeds_summed_regret_matches_their_reports():
    text = " ".join(README.split()).partition("Regret summed over rounds 1-7, seeds 0 / 1 / 2:")[2][:200]
    runs = [_load(f"reports/plan/{name}.json") for name in ("regret", "regret_seed1", "regret_seed2")]
    for policy, shown in (("greedy", "greedy"), ("thompson", "Thompson"), ("epsilon:0.1", "epsilon:0.1")):
        sums = [sum(r["regret"] for r in run["curves"][policy][1:]) for run in runs]
        assert f"{shown} " + " / ".join(f"{s:.4f}" for s in sums) in text, (policy, sums, text)
    assert all(
        min(run["curves"], key=lambda p: sum(r["regret"] for r in run["curves"][p][1:])) == "greedy"
        for run in runs
    ), "greedy has the least summed regret in each seed"


def test_shop_fit_panel_matches_its_reports_and_the_rule():
    folder = REPORTS / "copy_quality" / "shop_fit"
    report = _load("reports/copy_quality/shop_fit/panel.json")
    rows = [
        ("shop fit preferred (`min_shop_fit` 0.09)", "promogen_fit_model"),
        ("shipped, shop-fit panel", "promogen_shipped_model"),
        ("template line, shop-fit panel", "promogen_template"),
        ("reference copy, shop-fit panel", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "Shop fit minus shipped, per shopper:")
    fit = _glance(folder / "report.md")["fit"]["distinct_2"]
    shipped = _glance(folder / "shipped_report.md")["shipped"]["distinct_2"]
    text = " ".join(README.split())
    assert f"Distinct-2 per campaign {fit:.4f} against {shipped:.4f}" in text, (fit, shipped)
    by = report["by_source"]
    met = (
        report["paired"]["mean_send_difference"] >= 0.15
        and by["promogen_fit_model"]["send_as_is"] >= by["promogen_shipped_model"]["send_as_is"]
        and fit >= shipped - 0.01
    )
    from promogen import PipelineConfig

    assert not met and not hasattr(PipelineConfig(), "min_shop_fit"), "the rule missed: the option is gone"
    sheet = (folder / "sheet.jsonl").read_text(encoding="utf-8")
    for quoted in ("Stick to your routine", "A new candle for you?", "Got a road bike? Add a bit of warmth"):
        assert quoted in sheet and quoted in text, f"{quoted!r}: quoted from the rated sheet"


def test_min_p_paragraph_matches_its_report_and_the_rule():
    folder = REPORTS / "copy_quality" / "min_p"
    glance = _glance(folder / "report.md")
    minp, shipped = glance["minp"], glance["shipped"]
    text = " ".join(README.split()).partition("### Min-p sampling")[2].partition("###")[0]
    assert f"campaign {minp['distinct_2']:.4f} against {shipped['distinct_2']:.4f}" in text, "distinct-2"
    for name, key in (("opening-frame share", "opening_frame_share"), ("compliance", "first_try_compliance")):
        found = re.search(name + r" ([\d.]+)% against ([\d.]+)%", text)
        assert found, f"{name}: 'X% against Y%' not in the text"
        pct(found[1], minp[key])
        pct(found[2], shipped[key])
    assert minp["fallback_rate"] == shipped["fallback_rate"] == 0, "no fallback in either"
    lines = [dict(_examples(folder / "examples.md")[v]) for v in ("shipped", "minp")]
    moved = sum(lines[0][k] != lines[1][k] for k in lines[0])
    assert f"{moved} of {len(lines[0])} shoppers got other copy" in text, moved
    missed = minp["distinct_2"] < shipped["distinct_2"] + 0.03
    from promogen import GeneratorConfig

    assert missed and GeneratorConfig().min_p == 0.0, "the rule missed: min-p stays off"
    for before, after in (
        ("Pack for your next adventure", "Your next trip starts here"),
        ("for the garden", "for the home"),
    ):
        same_shopper = [k for k in lines[0] if before in lines[0][k] and after in lines[1][k]]
        assert same_shopper and before in text and after in text, f"{before!r} became {after!r}: quoted"


def test_opening_penalty_section_matches_its_reports_and_the_rule():
    folder = "reports/copy_quality/repeat_opening"
    report = _load(f"{folder}/panel.json")
    rows = [
        ("another opening preferred (`repeat_opening` 0.5)", "promogen_opening_model"),
        ("shipped, opening panel", "promogen_shipped_model"),
        ("template line, opening panel", "promogen_template"),
        ("reference copy, opening panel", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "Another opening minus shipped, per shopper:")
    text = (
        " ".join(README.split()).partition("### A penalty on an opening already given")[2].partition("###")[0]
    )
    after = "opening_frame_share_after_brand"
    reference = _load("reports/copy_quality/reference.json")
    pct(text.partition("copy's share is ")[2][:5], reference["delivered"]["mean_over_campaigns"][after])
    pct(text.partition("reference copy's ")[2][:5], reference["reference"]["mean_over_campaigns"][after])
    fell = text.partition("The share after the brand fell from ")[2]
    frames, distinct = [], []
    for split in ("heldout", "train"):
        shipped, opened = (
            _load(f"{folder}/{split}{suffix}.json")["variety"]["0.5"]["mean_over_campaigns"]
            for suffix in ("_plain", "")
        )
        frames += [shipped[after], opened[after]]
        distinct += [shipped["distinct_2"], opened["distinct_2"]]
        assert opened[after] < shipped[after], f"{split}: the share after the brand fell"
    for shown, value in zip(
        re.findall(r"(\d+\.\d)%", fell.partition("distinct-2")[0])[:4], frames, strict=True
    ):
        pct(shown, value)
    for shown, value in zip(
        re.findall(r"0\.\d{4}", fell.partition("shoppers got")[0]), distinct, strict=True
    ):
        shows(shown, value)
    assert f"{report['paired']['shoppers']} of the 280" in text, "the moved shoppers, all on the sheet"
    by = report["by_source"]
    met = (
        report["paired"]["mean_send_difference"] >= -0.05
        and by["promogen_opening_model"]["send_as_is"] >= by["promogen_shipped_model"]["send_as_is"]
    )
    from promogen import PipelineConfig

    assert not met and not hasattr(PipelineConfig(), "repeat_opening"), "the rule missed: the option is gone"


def test_avx2_rerun_paragraph_matches_its_pages():
    folder = REPORTS / "copy_quality" / "rerun_avx2_e3a5d9e"
    text = " ".join(README.split()).partition("**Rerun on an AVX2-only host**")[2].partition("**")[0]
    amx = REPORTS / "copy_quality" / "previous_6e7c59c"  # the AMX host's run, the last before the judge
    new, old = (dict(_examples(f / "examples.md")["shipped"]) for f in (folder, amx))
    moved = sum(new[k] != old[k] for k in new)
    assert f"the delivered copy differs for {moved} of 120 dev shoppers" in text, moved
    shipped, unguarded = (_glance(folder / "report.md")[v] for v in ("shipped", "unguarded"))
    pct(text.partition("First-try compliance on dev ")[2][:5], shipped["first_try_compliance"])
    pct(text.partition("(unguarded ")[2][:5], unguarded["first_try_compliance"])
    pct(text.partition("fallback ")[2][:3], shipped["fallback_rate"])
    shows(text.partition("approval ")[2][:6], shipped["approval"])
    reference = json.loads((folder / "reference.json").read_text())
    ours, theirs = (reference[k]["mean_over_campaigns"] for k in ("delivered", "reference"))
    distinct = text.partition("distinct-2 ")[2].partition(" per campaign")[0]
    shows(distinct.partition(" against")[0], ours["distinct_2"])
    shows(distinct.partition("reference's ")[2], theirs["distinct_2"])
    shows(text.partition("campaign (")[2][:6], ours["distinct_2"] / theirs["distinct_2"] - 1, scale=100)
    pct(text.partition("opening frame per campaign ")[2][:5], ours["opening_frame_share"])
    pct(
        text.partition("campaign 34.2% (")[2][:4],
        reference["delivered"]["all_messages"]["opening_frame_share"],
    )
    demo = _glance(folder / "demo" / "report.md")["shipped"]
    pct(text.partition("Demo campaigns: first-try compliance ")[2][:5], demo["first_try_compliance"])
    for quote in re.findall(r'"([^"]{12,})"', text):
        assert any(quote.rstrip(".") in copy for copy in new.values()), f"not delivered: {quote!r}"
    wayfare = [c for k, c in new.items() if k.startswith("g057")]
    opening = [c for c in wayfare if "packing for your next adventure?" in c]
    assert (len(opening), max(wayfare.count(c) for c in opening)) == (5, 4), opening
    for target, figure in (
        ("first-try compliance >= 95%, dev", shipped["first_try_compliance"]),
        ("first-try compliance >= 95%, demo campaigns", demo["first_try_compliance"]),
        ("no opening three-word frame on more than 15% of messages, dev", ours["opening_frame_share"]),
    ):
        pct(row("=11, copy", f"={target}")[2].partition("rerun")[2], figure)
    cell = row("=11, copy", "=distinct-2 within 10% of the reference messages', dev")[2]
    shows(cell.partition("rerun")[2], ours["distinct_2"] / theirs["distinct_2"] - 1, scale=100)
    assert f"where {moved} of 120 dev shoppers get other" in " ".join(README.split()), moved
    lumen = [c for k, c in new.items() if k.startswith("g050")]
    assert sum(c.startswith("Treat your skin to something new") for c in lumen) == 3, lumen


def held_out_moves_rated(folder: Path, variant: str, report: dict, text: str) -> None:
    """A held-out-shop run beside the shipped copy: every shopper whose copy `variant` moved was rated,
    the section says how many, and the shipped copy is the min-p run's, message for message."""
    copy = {name: dict(rows) for name, rows in _examples(folder / "examples.md").items()}
    moved = sum(copy[variant][k] != copy["shipped"][k] for k in copy["shipped"])
    assert moved == report["paired"]["shoppers"] and f"{moved} of the 80 shoppers got other copy" in text, (
        "every moved shopper rated"
    )
    minp = dict(_examples(REPORTS / "copy_quality" / "min_p" / "examples.md")["shipped"])
    assert copy["shipped"] == minp, "the shipped variant's copy is the min-p section's, message for message"


def stated_side_by_side(text: str, glance: dict, metrics: tuple[str, ...], variants: tuple[str, str]) -> None:
    """After "First-try compliance ", `text` gives each metric for both variants in turn, in the report's
    figures: shares as percentages, the rest as they are."""
    measured = text.partition("First-try compliance ")[2]
    pairs = [(v, m) for m in metrics for v in variants]
    for shown, (variant, metric) in zip(
        re.findall(r"\d+\.\d+%?", measured)[: len(pairs)], pairs, strict=True
    ):
        if shown.endswith("%"):
            pct(shown, glance[variant][metric])
        else:
            shows(shown, glance[variant][metric])


def held_out_panel_rule(report: dict, source: str, bar: float) -> bool:
    """The panel part of the held-out-shop rules: `bar` or more mean send per shopper over the shipped
    copy, no smaller share sent as is, relevance no more than 0.25 lower."""
    new, old = report["by_source"][source], report["by_source"]["promogen_shipped_model"]
    return (
        report["paired"]["mean_send_difference"] >= bar
        and new["send_as_is"] >= old["send_as_is"]
        and new["relevance"] >= old["relevance"] - 0.25
    )


def test_interest_floor_section_matches_its_reports_and_the_rule():
    folder = REPORTS / "copy_quality" / "interest_fit"
    report = _load("reports/copy_quality/interest_fit/panel.json")
    rows = [
        ("interests left out under the floor (`min_interest_fit` 0.18)", "promogen_ifit_model"),
        ("shipped, interest-floor panel", "promogen_shipped_model"),
        ("template line, interest-floor panel", "promogen_template"),
        ("reference copy, interest-floor panel", "reference_best"),
    ]
    panel_rows(report, rows, PANEL_FLAGS)
    paired_sentence(report, "Interests left out minus shipped, per shopper:")
    text = " ".join(README.split()).partition("### Leaving the interests out for shoppers far")[2]
    text = text.partition("###")[0]
    glance = _glance(folder / "report.md")
    stated_side_by_side(text, glance, ("first_try_compliance", "distinct_2", "approval"), ("ifit", "shipped"))
    held_out_moves_rated(folder, "ifit", report, text)
    met = held_out_panel_rule(report, "promogen_ifit_model", bar=0.15)
    from promogen import PipelineConfig

    assert not met and not hasattr(PipelineConfig(), "min_interest_fit"), (
        "the rule missed: the option is gone"
    )


def test_selection_signal_on_the_written_shops_matches_its_report():
    rounds = _load("reports/copy_quality/selection_signal_written.json")["rounds"]
    judged = rounds["reports/copy_quality/own_round3/labels"]
    assert judged["adapter"] == "promogen/weights/adapter", "scored with the adapter that wrote them"
    for first, score in (("copywriter perplexity", "perplexity"), ("approver", "approval")):
        cells = row("written train shops", first)
        figures = judged["scores"][score]
        shows(cells[2], figures["auc"])
        shows(cells[3], figures["within_spec_pair_accuracy"])
        pct(cells[4], figures["picked_send_as_is"])
    pct(row("written train shops", "random pick")[4], judged["random_pick_send_as_is"])
    text = " ".join(README.split()).partition("Checked again on 2026-12-02")[2][:1400]
    assert f"{judged['candidates']} candidates of {judged['specs']} specs" in text, "the labels' size"
    shows(text.partition("largest candidate perplexity there is ")[2][:4], judged["perplexity_range"][1])
    scores = judged["scores"]
    assert (
        scores["perplexity"]["picked_send_as_is"]
        > scores["approval"]["picked_send_as_is"]
        > judged["random_pick_send_as_is"]
    ), "the ordering the section states"


def own_round(name: str) -> tuple[list[dict], list[dict], list[str]]:
    """A preference round's panel labels (reports/copy_quality/NAME/labels), the pairs the recipe makes of
    them, and what its section says of both."""
    from promogen.train.gold import labelled_pairs, read_jsonl, read_specs

    folder = REPORTS / "copy_quality" / name / "labels"
    labels = read_jsonl(folder / "labelled.jsonl")
    specs = read_specs(ROOT / "finetune" / "data" / "written" / "train.jsonl")
    pairs = labelled_pairs(specs, read_jsonl(folder / "generated.jsonl"), labels)
    flawed = [r for r in labels if r["send"] <= 2]
    good = sum(r["send"] >= 4 and not r["flags"] for r in labels)
    stated = [
        f"({len(labels)} distinct gate-passing candidates of {len({r['spec_id'] for r in labels})} specs)",
        f"{good} candidates good (4 or more, no flag), {len(flawed)} flawed",
        f"{sum('incoherent' in r['flags'] for r in flawed)} of them flagged incoherent",
        f"so {len(pairs)} preference pairs",
    ]
    return labels, pairs, stated


def held_out_harness_rule(text: str, glance: dict, variants: tuple[str, str]) -> None:
    """The harness part of the held-out-shop rules (new, shipped): first-try compliance within 2 points,
    fallback no more than 2 points higher (0 for both here), distinct-2 no more than 0.01 lower, the
    opening-frame share no more than 5 points higher; held, and stated as measured."""
    new, old = (glance[v] for v in variants)
    stated_side_by_side(text, glance, ("first_try_compliance", "distinct_2", "opening_frame_share"), variants)
    held = (
        abs(new["first_try_compliance"] - old["first_try_compliance"]) <= 0.02
        and new["fallback_rate"] - old["fallback_rate"] <= 0.02
        and new["distinct_2"] - old["distinct_2"] >= -0.01
        and new["opening_frame_share"] - old["opening_frame_share"] <= 0.05
    )
    assert held and new["fallback_rate"] == old["fallback_rate"] == 0, "the harness part held, fallback 0"
    assert "the harness part of the rule held" in text, "said as measured"


def test_third_preference_round_section_matches_its_reports_and_the_rule():
    import yaml

    folder = REPORTS / "copy_quality" / "own_round3"
    report = _load("reports/copy_quality/own_round3/panel.json")
    rows = [
        ("third preference round", "promogen_own2_model"),
        ("shipped, third-round panel", "promogen_shipped_model"),
        ("template line, third-round panel", "promogen_template"),
        ("reference copy, third-round panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "Third round minus shipped, per shopper:")
    text = " ".join(README.split()).partition("### A third preference round on the written train shops")[2]
    text = text.partition("###")[0]
    # The labels, the pairs the recipe makes of them and the run, as the section states them.
    _, pairs, stated = own_round("own_round3")
    training = json.loads((folder / "training.json").read_text())["training"]
    config = yaml.safe_load((folder / "written_dpo_own2.yaml").read_text())
    stated += [
        f"{sum(p['defect'] == 'own:incoherent' for p in pairs)} of the {len(pairs)} pairs were against",
        f"({config['steps']} steps, batch {config['batch_size']}, learning rate {config['lr']:.5f}, "
        f"beta {config['beta']}; {training['wall_s']:,.0f} s",
    ]
    for phrase in stated:
        assert phrase in text, f"the section states {phrase!r}"
    assert training["examples"] == len(pairs) and not training["bf16_autocast"], (
        "the run trained on those pairs"
    )
    assert config["autocast"] == "off", "the config reruns in float32, as the run did"
    # The harness part of the rule, and the figures the section gives of it.
    held_out_harness_rule(text, _glance(folder / "report.md"), ("own2", "shipped"))
    held_out_moves_rated(folder, "own2", report, text)
    # The panel part of the rule: it missed, so the shipped adapter is not this round's.
    bar = 0.15
    met = held_out_panel_rule(report, "promogen_own2_model", bar)
    assert f"rates it at least {bar} higher" in text and f"the rule asked for +{bar}" in text, (
        "the bar stated"
    )
    shipped = json.loads((ROOT / "promogen" / "weights" / "adapter" / "promogen_adapter.json").read_text())
    assert not met and shipped["training"]["data_sha1"] != training["data_sha1"], (
        "the rule missed: the shipped adapter is not the third round's"
    )


def test_fourth_preference_round_section_matches_its_reports_and_the_rule():
    import yaml

    folder = REPORTS / "copy_quality" / "own_round4"
    report = _load("reports/copy_quality/own_round4/panel.json")
    rows = [
        ("fourth preference round (279 pairs)", "promogen_own4_model"),
        ("shipped, fourth-round panel", "promogen_shipped_model"),
        ("template line, fourth-round panel", "promogen_template"),
        ("reference copy, fourth-round panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "Fourth round minus shipped, per shopper:")
    text = " ".join(README.split()).partition("### A larger preference round: round 3's labels")[2]
    text = text.partition("###")[0]
    # The new labels, the pairs of both rounds as the config pools them, and the run.
    labels, pairs, stated = own_round("own_round4")
    labels3, pairs3, _ = own_round("own_round3")
    assert not {r["spec_id"] for r in labels} & {r["spec_id"] for r in labels3}, "other specs than round 3's"
    pooled = len(pairs) + len(pairs3)
    training = json.loads((folder / "training.json").read_text())["training"]
    config = yaml.safe_load((folder / "written_dpo_own4.yaml").read_text())
    round3 = yaml.safe_load((REPORTS / "copy_quality" / "own_round3" / "written_dpo_own2.yaml").read_text())
    stated += [
        f"so {len(pairs)} preference pairs, {sum(p['defect'] == 'own:incoherent' for p in pairs)} of them",
        f"Pooled with round 3's {len(pairs3)}: {pooled} pairs",
        f"({config['steps']} steps, batch {config['batch_size']}, learning rate {config['lr']:.5f}, "
        f"beta {config['beta']}, float32; {training['wall_s']:,.0f} s",
    ]
    for phrase in stated:
        assert phrase in text, f"the section states {phrase!r}"
    assert training["examples"] == pooled and not training["bf16_autocast"], "the run trained on the pool"
    assert not training["hardware"]["amx_bf16"] and training["hardware"]["avx512_bf16"], "the host stated"
    changed = {k for k in config if config[k] != round3.get(k)}
    assert changed == {"data", "out"}, f"round 3's recipe unchanged but for its data: {changed}"
    # The harness part of the rule, from two runs on the same host and seed.
    glance = {**_glance(folder / "report.md"), **_glance(folder / "shipped" / "report.md")}
    held_out_harness_rule(text, glance, ("own4", "shipped"))
    copy = dict(_examples(folder / "examples.md")["own4"])
    shipped = dict(_examples(folder / "shipped" / "examples.md")["shipped"])
    moved = sum(copy[k] != shipped[k] for k in shipped)
    assert len(shipped) == 200 and f"{moved} of the 200 shoppers got other copy" in text, "moved shoppers"
    assert report["paired"]["shoppers"] == 80 <= moved, "the panel rated 80 of the moved shoppers"
    approval = _load("reports/copy_quality/own_round4/paired_approval.json")
    figures = re.search(
        r"mean approval per shopper: \+?([-\d.]+), 95% interval \[([-\d.]+), ([-\d.]+)\]", text
    )
    assert figures, "the approver model's paired difference is stated"
    for shown, value in zip(
        figures.groups(), (approval["difference"], *approval["interval_95"]), strict=True
    ):
        shows(shown, value)
    # The panel part of the rule, with the interval the pre-registration added: missed, not shipped.
    paired = report["paired"]
    met = held_out_panel_rule(report, "promogen_own4_model", 0.15) and paired["interval_95"][0] > 0
    assert (
        "with a 95% interval above 0" in text and "the rule asked for +0.15 with an interval above 0" in text
    )
    adapter = json.loads((ROOT / "promogen" / "weights" / "adapter" / "promogen_adapter.json").read_text())
    assert not met and adapter["training"]["data_sha1"] != training["data_sha1"], (
        "the rule missed: the shipped adapter is not the fourth round's"
    )
    incoherent = [
        report["by_source"][s]["incoherent"] for s in ("promogen_own4_model", "promogen_shipped_model")
    ]
    assert incoherent[0] >= incoherent[1] and "did not fall" in text, "the incoherent share as stated"


def cv_rows(cv: dict, rows: list[tuple[str, str, str]], random_row: str, chosen: str) -> None:
    """A judge's cross-validation table: each row (leading cell, cv run, score) shows that score's AUC,
    within-spec pair accuracy and picked share; the random-pick row, the chosen run's random share."""
    for first, run, score in rows:
        cells, judged = row(first), cv[run]["scores"][score]
        shows(cells[1], judged["auc"])
        shows(cells[2], judged["within_spec_pair_accuracy"])
        pct(cells[3], judged["picked_send_as_is"])
    pct(row(random_row)[3], cv[chosen]["random_pick_send_as_is"])


def test_copy_judge_section_matches_its_reports_and_the_rule():
    report = _load("reports/copy_quality/copy_judge/panel.json")
    rows = [
        ("=the judge's pick", "promogen_judge_model"),
        ("shipped, judge panel", "promogen_shipped_model"),
        ("template line, judge panel", "promogen_template"),
        ("reference copy, judge panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "The judge's pick minus shipped, per shopper:")
    text = (
        " ".join(README.split()).partition("### A judge fitted on the panel's ratings")[2].partition("###")[0]
    )
    # The cross-validated table, and the setting the rule takes: the best within-spec pair accuracy.
    cv = _load("reports/copy_quality/copy_judge/cv.json")["runs"]
    chosen = max(cv, key=lambda k: (cv[k]["scores"]["judge"]["within_spec_pair_accuracy"],
                                    cv[k]["scores"]["judge"]["picked_send_as_is"]))  # fmt: skip
    assert chosen == "layer 30, alpha 100", f"the rule's setting: {chosen}"
    rows = [
        ("copywriter perplexity (shipped)", chosen, "perplexity"),
        ("judge, layer 30, alpha 100 (chosen)", chosen, "judge"),
        ("judge, layer 15, alpha 100", "layer 15, alpha 100", "judge"),
    ]
    cv_rows(cv, rows, "random pick", chosen)
    gate = cv[chosen]["scores"]
    assert (
        gate["judge"]["within_spec_pair_accuracy"] - gate["perplexity"]["within_spec_pair_accuracy"] >= 0.05
    )
    assert gate["judge"]["picked_send_as_is"] >= gate["perplexity"]["picked_send_as_is"], "on to a panel"
    assert (
        f"1,422 rated candidates of {cv[chosen]['specs']} specs" in text and cv[chosen]["candidates"] == 1422
    )
    # The re-pick: what moved, what it cost in variety, and the rule (missed: the pipeline lacks it).
    repicked = _load("reports/copy_quality/copy_judge/repick.json")
    assert (repicked["layer"], repicked["alpha"], repicked["candidates_fitted"]) == (30, 100.0, 1422)
    assert f"{repicked['moved']} of the {repicked['shoppers']} shoppers got other copy" in text, "moved"
    new, old = (repicked["diversity"][k]["mean_over_campaigns"] for k in ("judge", "shipped"))
    shown = f"distinct-2 per campaign {new['distinct_2']:.4f} against {old['distinct_2']:.4f}"
    assert shown in text, f"the section states {shown!r}"
    opening = re.search(r"the opening-frame share ([\d.]+%) against ([\d.]+%) \(the judge has no", text)
    assert opening, "the opening-frame shares are stated"
    pct(opening.group(1), new["opening_frame_share"])
    pct(opening.group(2), old["opening_frame_share"])
    fell = round(old["distinct_2"] - new["distinct_2"], 3)
    assert f"distinct-2 falls by {fell}" in text and fell > 0.01, "the variety part of the rule missed"
    shipped = dict(_examples(REPORTS / "copy_quality" / "own_round4" / "shipped" / "examples.md")["shipped"])
    assert repicked["shoppers"] == len(shipped) == 200, "the shipped run of the fourth round's section"
    paired = report["paired"]
    met = held_out_panel_rule(report, "promogen_judge_model", 0.15) and paired["interval_95"][0] > 0
    assert paired["mean_send_difference"] >= 0.15 and not met, "the estimate clears 0.15, the interval not"
    assert report["paired"]["shoppers"] == 80 <= repicked["moved"], "80 of the moved shoppers rated"
    flagged = [
        report["by_source"][s]["incoherent"] for s in ("promogen_judge_model", "promogen_shipped_model")
    ]
    assert round(flagged[0] / flagged[1], 2) == 0.66 and "a third fewer" in text, f"incoherent: {flagged}"
    assert "not carried into the pipeline" in text, "this judge stayed offline (its refit shipped)"


def test_copy_judge_with_variety_matches_its_reports_and_the_rule():
    report = _load("reports/copy_quality/copy_judge/variety1/panel.json")
    rows = [
        ("the judge's pick, `variety` 1", "promogen_judge_v1_model"),
        ("shipped, second judge panel", "promogen_shipped_model"),
        ("template line, second judge panel", "promogen_template"),
        ("reference copy, second judge panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "The judge's pick with `variety` 1 minus shipped, per shopper:")
    text = " ".join(README.split()).partition("**With a `variety` penalty**")[2].partition("###")[0]
    # The train sweep and the value its rule takes: the smallest within 0.01 of the shipped distinct-2.
    sweep = _load("reports/copy_quality/copy_judge/sweep_train.json")
    assert (sweep["layer"], sweep["alpha"], "t_judge" in sweep["deliveries"]) == (30, 100.0, True)
    values = sweep["variety"]
    shipped = values["0"]["diversity"]["shipped"]["mean_over_campaigns"]["distinct_2"]
    for value, swept in values.items():
        cells = row(f"={value} (chosen)" if value == "1" else f"={value}", "=" + str(swept["moved"]))
        judged = swept["diversity"]["judge"]["mean_over_campaigns"]
        shows(cells[2], judged["distinct_2"])
        pct(cells[3], judged["opening_frame_share"])
    kept = [float(v) for v, x in values.items()
            if x["diversity"]["judge"]["mean_over_campaigns"]["distinct_2"] >= shipped - 0.01]  # fmt: skip
    assert min(kept) == 1.0 and f"the shipped pick's ({shipped:.4f}" in text, f"the rule's value: {kept}"
    # The held-out re-pick with it: the variety part held; the panel part missed.
    repicked = _load("reports/copy_quality/copy_judge/repick_v1.json")
    assert repicked["variety"] == 1.0 and f"{repicked['moved']} of the 200 shoppers moved" in text
    new, old = (repicked["diversity"][k]["mean_over_campaigns"] for k in ("judge", "shipped"))
    shares = f"{new['opening_frame_share']:.1%} against {old['opening_frame_share']:.1%}"
    stated = f"distinct-2 per campaign {new['distinct_2']:.4f} against {old['distinct_2']:.4f} and the "
    stated += f"opening-frame share {shares}"
    assert stated in text and new["distinct_2"] >= old["distinct_2"] - 0.01, f"variety held: {stated}"
    assert new["opening_frame_share"] <= old["opening_frame_share"] + 0.05, "the opening-frame part held"
    paired = report["paired"]
    met = held_out_panel_rule(report, "promogen_judge_v1_model", 0.15) and paired["interval_95"][0] > 0
    assert not met and paired["shoppers"] == 80 <= repicked["moved"], "missed; 80 moved shoppers rated"
    first = _load("reports/copy_quality/copy_judge/panel.json")["by_source"]
    for by in (report["by_source"], first):
        assert (
            by["promogen_judge_v1_model" if by is report["by_source"] else "promogen_judge_model"][
                "incoherent"
            ]
            < 0.7 * by["promogen_shipped_model"]["incoherent"]
        ), "fewer incoherent hooks on both panels"


def test_blocked_paragraph_states_the_intervals_of_the_ranker_report():
    report = _load("reports/ranker.json")
    text = " ".join(README.split()).partition("**Why the accuracy targets were reported blocked**")[2]
    text = text.partition("The heads, their calibration")[0]
    for suite, key, label in (
        ("upworthy", "head_minus_baseline_significant_pair_accuracy", "(Upworthy)"),
        ("mind", "head_minus_baseline_auc", "(MIND)"),
    ):
        low, high = report[suite][key]["ci95"]
        shown = text.partition(label)[0].rpartition("±")[2]
        shows(shown, (high - low) / 2, slack=0.003)
    assert "0.689" in text and "2,001 MIND rows" in text, "the reference figure and the data size"


def test_other_views_of_the_written_shops_candidates_match_their_report_and_rule():
    judged = _load("reports/copy_quality/selection_views_written.json")["rounds"]
    judged = judged["reports/copy_quality/own_round3/labels"]
    scores = judged["scores"]
    rows = [
        ("copywriter perplexity (shipped)", "perplexity"),
        ("copywriter perplexity, campaign alone", "campaign_perplexity"),
        ("the two summed", "perplexity+campaign_perplexity"),
        ("base model perplexity", "base_perplexity"),
    ]
    for first, score in rows:
        cells = row("same labels, other views", first)
        shows(cells[2], scores[score]["auc"])
        shows(cells[3], scores[score]["within_spec_pair_accuracy"])
        pct(cells[4], scores[score]["picked_send_as_is"])
    shipped = _load("reports/copy_quality/selection_signal_written.json")["rounds"]
    before = shipped["reports/copy_quality/own_round3/labels"]["scores"]["perplexity"]
    assert before == scores["perplexity"], (
        "the same labels and adapter give the shipped score's figures again"
    )
    bar = 0.05  # the rule the section states: both figures must gain this much
    text = " ".join(README.split()).partition("Would a second view of the same candidates")[2][:3000]
    assert "at least 0.05 in both pair accuracy and picked share" in text, "the stated bar"
    cleared = [
        name
        for name, s in scores.items()
        if name != "perplexity"
        and s["within_spec_pair_accuracy"] >= scores["perplexity"]["within_spec_pair_accuracy"] + bar
        and s["picked_send_as_is"] >= scores["perplexity"]["picked_send_as_is"] + bar
    ]
    assert not cleared and "No view clears the bar, so the pick stays" in text, f"cleared: {cleared}"
    mix, own = scores["perplexity+campaign_perplexity"], scores["perplexity"]
    pct(text.partition("the sum gains ")[2][:4], mix["picked_send_as_is"] - own["picked_send_as_is"])
    pct(
        text.partition("loses ")[2][:4],
        own["within_spec_pair_accuracy"] - mix["within_spec_pair_accuracy"],
    )
    shows(text.partition("(AUC ")[2][:4], scores["base_perplexity"]["auc"])
    assert scores["base_perplexity"]["within_spec_pair_accuracy"] < 0.5, "prefers the flawed copy more often"
    for name in ("perplexity+campaign_perplexity", "campaign_perplexity"):
        shows(text.partition("(AUC ")[2].partition("(AUC ")[2][:5], scores[name]["auc"])
    shows(text.partition("against ")[2][:5], own["auc"])
    summary = " ".join(README.split()).partition("no second view of the candidates (2026-12-02")[2][:300]
    assert f"gained the {bar:g} in both within-spec pair accuracy and picked share" in summary, (
        "README states the bar the views missed"
    )


def test_batch3_section_matches_its_reports_and_the_rule():
    folder = REPORTS / "copy_quality" / "batch3"
    report = _load("reports/copy_quality/batch3/panel.json")
    rows = [
        ("batch-3 copywriter", "promogen_w3_model"),
        ("shipped, batch-3 panel", "promogen_shipped_model"),
        ("template line, batch-3 panel", "promogen_template"),
        ("reference copy, batch-3 panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "Batch-3 copywriter minus shipped, per shopper:")
    text = " ".join(README.split()).partition("### Written batch 3: 20 more kinds of shop")[2]
    text = text.partition("###")[0]
    # The two harness runs: the same shoppers, host and code, and the figures the section gives.
    runs = {v: json.loads((folder / v / "report.json").read_text()) for v in ("shipped", "w3")}
    assert runs["shipped"]["machine"] == runs["w3"]["machine"], "both sides on one host"
    assert not runs["shipped"]["machine"]["avx512_bf16"], "an AVX2-only host, as the section says"
    assert all(not r["code"]["uncommitted_changes"] for r in runs.values()), "both from committed code"
    glance = {v: _glance(folder / v / "report.md")[v] for v in runs}
    metrics = ("first_try_compliance", "distinct_2", "opening_frame_share")
    stated_side_by_side(text, glance, metrics, ("w3", "shipped"))
    new, old = glance["w3"], glance["shipped"]
    assert new["first_try_compliance"] >= old["first_try_compliance"] - 0.01, "the compliance part held"
    assert new["fallback_rate"] == old["fallback_rate"] == 0, "fallback 0 for both"
    copies = {
        v: {c["user_id"]: c["text"] for r in run["results"][v].values() for c in r["copies"]}
        for v, run in runs.items()
    }
    assert copies["w3"].keys() == copies["shipped"].keys(), "the same shoppers on both sides"
    moved = sum(copies["w3"][u] != copies["shipped"][u] for u in copies["shipped"])
    assert f"{moved} of the {len(copies['shipped'])} shoppers got" in text, "how many shoppers moved"
    approval = text.partition("mean approval ")[2]
    shows(approval[:5], new["approval"])
    shows(approval.partition("against ")[2][:5], old["approval"])
    # The chain's records, as the section states them.
    records = json.loads((folder / "w3" / "training.json").read_text())
    pairs = records["build_pairs"]
    stated = [
        f"SFT {records['gold_w3_lora']['training']['wall_s']:,.0f} s",
        f"on {pairs['pairs']} pairs ({pairs['own_rejected']} against",
        f"passed the gate {pairs['first_try_compliance']:.1%}",
        f"the second on the {records['gold_w3_own']['training']['examples']} pairs of own_round3",
        f"({records['build_gold']['specs']:,} specs, {records['build_gold']['targets']:,} targets; "
        f"{records['build_gold']['dropped_by_gate']} messages dropped by the gate)",
    ]
    for phrase in stated:
        assert phrase in text, f"the section states {phrase!r}"
    # Each run of the chain is the shipped chain's config with the flags the section's commands give.
    commands = re.findall(r"train_lora\.py --config finetune/configs/(\S+)(.*?)(?= python| mkdir| ```)", text)
    assert len(commands) == 3, f"the chain's three training commands: {commands}"
    for config, given in commands:
        flags = _flags(given)
        record = records[flags["out"].removeprefix("runs/")]
        assert not _differs(record, config, flags), f"{flags['out']}: {config} with {given}"
        assert flags["autocast"] == "off" and not record["training"]["bf16_autocast"], (
            f"{flags['out']}: trained in float32, as the section says"
        )
    # The rule missed on the panel: the shipped adapter is not batch 3's.
    bar = 0.10
    assert f"the rule asked for +{bar:.2f}" in text, "the bar stated"
    shipped = json.loads((ROOT / "promogen" / "weights" / "adapter" / "promogen_adapter.json").read_text())
    assert report["paired"]["mean_send_difference"] < bar, "the panel part missed"
    assert shipped["training"] != records["gold_w3_own"]["training"], (
        "the rule missed: the shipped adapter is not batch 3's"
    )


def _written_messages(batch: str) -> list[tuple[dict, str]]:
    """(offer, message) for each reference message of a written batch's train file."""
    path = ROOT / "finetune" / "data" / "written" / batch / "train.jsonl"
    specs = [json.loads(line) for line in path.read_text().splitlines()]
    return [(s["campaign"]["offer"], text) for s in specs for text in (s["best"], s["alt"])]


def _paired_verdict(results: list[dict]) -> str:
    """The SFT-stage rule of 84514fa (and 707bc30): helps or hurts only when every difference passes 0.03
    that way and every interval excludes 0."""
    if all(r["difference"] >= 0.03 and r["interval_95"][0] > 0 for r in results):
        return "helps"
    if all(r["difference"] <= -0.03 and r["interval_95"][1] < 0 for r in results):
        return "hurts"
    return "none"


def test_sft_length_matches_its_reports():
    folder, batch3 = REPORTS / "copy_quality" / "steps", REPORTS / "copy_quality" / "batch3"
    text = _minus(" ".join(README.split()).partition("### SFT length")[2].partition("###")[0])
    assert "(84514fa, 222f57f)" in text, "the reading rules' commits are named"
    builds = json.loads((REPORTS / "copy_quality/written/training.json").read_text())
    targets = json.loads((batch3 / "w_bf16_lora" / "training.json").read_text())["build_gold"]["targets"]
    assert (
        f"each of its {builds['build_gold_copy_gold_only']['targets']} targets" in text
        and f"({builds['build_gold']['targets']:,} targets in the shipped adapter's build, {targets:,} in"
        in text
    ), "the two builds' target counts"
    runs = {}
    for name, steps in (("w_short_lora", 200), ("w_long_lora", 550)):
        records = json.loads((folder / name / "training.json").read_text())
        training, glance = records[f"gold_{name}"]["training"], _glance(folder / name / "report.md")[name]
        assert training["steps"] == steps and training["seed"] == 0 and training["bf16_autocast"], name
        assert records["build_gold"]["targets"] == targets, f"{name}: the 300-step runs' data"
        assert f"--steps {steps} --out runs/gold_{name}" in text, f"{name}: its command"
        assert not _differs(records[f"gold_{name}"], "written.yaml", {"steps": steps}), (
            f"{name}: written.yaml with --steps {steps}"
        )
        cells = row(f"{steps} ({steps * 8 / targets:.1f})")
        shows(cells[1], glance["approval"])
        runs[name] = [json.loads((folder / name / f"paired_seed{s}.json").read_text()) for s in (0, 1)]
        for cell, paired, against in zip(
            cells[2:4], runs[name], ("w_bf16_lora", "w_bf16_s1_lora"), strict=True
        ):
            assert paired["a"].endswith(f"steps/{name}/report.json"), f"{name}: a is this run"
            assert paired["b"].endswith(f"batch3/{against}/report.json"), f"{name}: b is {against}"
            assert abs(paired["mean_a"] - glance["approval"]) < 1e-3, (
                f"{name}: the paired file reads this run"
            )
            assert paired["shoppers"] == 200 and paired["left_out"] == 0, f"{name}: all 200 shoppers"
            shows_interval(cell, paired["difference"], paired["interval_95"])
        pct(cells[4], glance["first_try_compliance"])
        shows(cells[5], training["wall_s"])
    for seed, name in ((0, "w_bf16_lora"), (1, "w_bf16_s1_lora")):
        cells, glance = (
            row(f"300 ({2400 / targets:.1f}), seed {seed}"),
            _glance(batch3 / name / "report.md")[name],
        )
        shows(cells[1], glance["approval"])
        pct(cells[4], glance["first_try_compliance"])
    # The reading, computed: the rule's verdict, which intervals hold 0, the sign and size against the seeds.
    assert all(_paired_verdict(r) == "none" for r in runs.values()), "the rule shows no effect for either"
    assert "Neither length is shown to differ by the rule" in text
    by_seed = [[r[s] for r in runs.values()] for s in (0, 1)]
    assert all(p["interval_95"][0] < 0 < p["interval_95"][1] for p in by_seed[0]), "seed 0: both hold 0"
    assert all(p["interval_95"][1] < 0 for p in by_seed[1]), "seed 1: both exclude 0"
    assert "against seed 0 both intervals hold 0, against seed 1 both exclude it" in text
    seeds = json.loads((batch3 / "w_bf16_s1_lora" / "paired_seed0.json").read_text())["difference"]
    assert all(p["difference"] < -abs(seeds) for s in by_seed for p in s), "all lower, by more than the seeds"
    assert (
        f"All four differences are negative and larger than the one pair of seeds differs ({seeds:.3f}"
        in text
    )
    # Batch 0+3 at a like number of passes (a comparison outside the rule).
    batch03 = json.loads((folder / "w_short_lora" / "paired_batch03.json").read_text())
    assert batch03["b"].endswith("batch3/w03_bf16_lora/report.json"), "against batches 0 and 3"
    b03 = json.loads((batch3 / "w03_bf16_lora" / "training.json").read_text())["build_gold"]["targets"]
    assert f"(batches 0 and 3: {b03:,} targets, about {2400 / b03:.1f} pass)" in text, "batch 0+3's passes"
    stated = text.partition("run is rated ")[2][:60]
    shows(stated.partition(" against")[0], batch03["difference"], slack=EXACT)
    low, _, high = stated.partition("interval ")[2].partition(";")[0].partition(" to ")
    shows(low, batch03["interval_95"][0], slack=EXACT)
    shows(high, batch03["interval_95"][1], slack=EXACT)
    assert batch03["interval_95"][0] < 0 < batch03["interval_95"][1] and "not shown either way" in text


SFT_LEVERS = REPORTS / "copy_quality" / "sft_levers"
SEEDS = (  # the shipped recipe's three bf16 SFT runs: (report folder, variant)
    (REPORTS / "copy_quality" / "batch3" / "w_bf16_lora", "w_bf16_lora"),
    (REPORTS / "copy_quality" / "batch3" / "w_bf16_s1_lora", "w_bf16_s1_lora"),
    (SFT_LEVERS / "w_bf16_s2_lora", "w_bf16_s2_lora"),
)


def _levers_text() -> str:
    return _minus(
        " ".join(README.split()).partition("### Batch 3 trimmed, and LoRA rank 32")[2].partition("###")[0]
    )


def _training(folder: Path, key: str) -> dict:
    return json.loads((folder / "training.json").read_text())[key]


def _trimmed_specs() -> int:
    """Batch 3's specs left by the docs' jq filter of batch 3 trimmed, recomputed from the data."""
    path = ROOT / "finetune" / "data" / "written" / "batch3" / "train.jsonl"
    specs = [json.loads(line) for line in path.read_text().splitlines()]
    return sum(
        s["campaign"]["offer"]["kind"] != "gift" and "any order" not in f"{s['best']} {s['alt']}".lower()
        for s in specs
    )


def test_sft_levers_match_their_reports():
    text = _levers_text()
    assert "committed before either run (707bc30)" in text, "the rule's commit is named"
    shipped = yaml.safe_load((ROOT / "finetune/configs/written.yaml").read_text())
    levers = {  # run: (table row, its record's key, the flags on written.yaml the docs give)
        "w3t_lora": (
            "batch 3 trimmed, 422 steps",
            "gold_w3t_lora",
            "--data runs/gold_w3t/sft.jsonl --steps 422",
        ),
        "r32_lora": (
            "LoRA rank 32, 300 steps",
            "gold_w_r32_lora",
            "--set adapter.lora_r=32 --set adapter.lora_alpha=64",
        ),
    }
    runs = {}
    for name, (first, key, given) in levers.items():
        assert f"written.yaml {given} --out runs/{key}" in text, f"{name}: its command"
        record, glance = _training(SFT_LEVERS / name, key), _glance(SFT_LEVERS / name / "report.md")[name]
        assert not _differs(record, "written.yaml", _flags(given)), f"{name}: written.yaml with {given}"
        training = record["training"]
        assert training["seed"] == 0 and training["bf16_autocast"], name
        cells = row(first)
        shows(cells[1], glance["approval"])
        runs[name] = [json.loads((SFT_LEVERS / name / f"paired_seed{s}.json").read_text()) for s in (0, 1)]
        for cell, paired, (folder, variant) in zip(cells[2:4], runs[name], SEEDS, strict=False):
            assert paired["a"].endswith(f"sft_levers/{name}/report.json"), f"{name}: a is this run"
            assert paired["b"].endswith(f"{folder.name}/report.json"), f"{name}: b is {variant}"
            assert paired["shoppers"] == 200 and paired["left_out"] == 0, f"{name}: all 200 shoppers"
            assert abs(paired["mean_a"] - glance["approval"]) < 1e-3, (
                f"{name}: the paired file reads this run"
            )
            shows_interval(cell, paired["difference"], paired["interval_95"])
        pct(cells[4], glance["first_try_compliance"])
        rejects = _rejects(SFT_LEVERS / name / "report.md")[name, "all"]
        assert cells[5] == str(rejects["min_spend"]) and rejects["candidates"] == 1600, f"{name}: min_spend"
        shows(cells[6], training["wall_s"])
    r32 = _training(SFT_LEVERS / "r32_lora", "gold_w_r32_lora")["config"]["adapter"]
    scale = shipped["adapter"]["lora_alpha"] / shipped["adapter"]["lora_r"]
    assert r32["lora_r"] == 32 and r32["lora_alpha"] / r32["lora_r"] == scale == 2, "rank 32 at alpha / r = 2"
    # Equal passes: the trimmed run's steps keep the shipped run's passes over its targets.
    trimmed = json.loads((SFT_LEVERS / "w3t_lora" / "training.json").read_text())
    seed0 = json.loads((SEEDS[0][0] / "training.json").read_text())
    run0, targets = seed0["gold_w_bf16_lora"], trimmed["build_gold"]["targets"]
    passes = run0["training"]["steps"] * run0["config"]["batch_size"] / seed0["build_gold"]["targets"]
    steps, batch = (trimmed["gold_w3t_lora"]["config"][k] for k in ("steps", "batch_size"))
    assert steps == round(passes * targets / batch) and f"{steps} steps in place of 300" in text, (
        "equal passes"
    )
    assert f"the shipped run's passes over its targets ({passes:.2f})" in text, "the passes kept"
    build = trimmed["build_gold"]
    assert f"{build['specs']:,} specs, {targets:,} targets" in text, "the trimmed build's size"
    assert f"{_trimmed_specs()} of its 400 specs" in text, "the specs the filter keeps"
    # The rule's verdict, computed, and the reading the text gives of it.
    assert all(_paired_verdict(r) == "none" for r in runs.values()), "the rule shows no effect for either"
    assert "Neither run is shown to differ by the rule" in text
    assert all(r[0]["interval_95"][0] < 0 < r[0]["interval_95"][1] for r in runs.values()), "seed 0: hold 0"
    excluding = [n for n, r in runs.items() if r[1]["interval_95"][1] < 0]
    assert excluding == ["r32_lora"] and "against seed 1 only rank 32's excludes it" in text, excluding
    assert all(p["difference"] < 0 for r in runs.values() for p in r) and "Both lean lower" in text


def test_third_seed_matches_its_reports():
    text = _levers_text()
    assert "committed before it in e2f6938" in text, "the reading's commit is named"
    glances = [_glance(folder / "report.md")[variant] for folder, variant in SEEDS]
    records = [_training(folder, f"gold_{variant}")["training"] for folder, variant in SEEDS]
    assert [r["seed"] for r in records] == [0, 1, 2], "three seeds"
    assert len({(r["data_sha1"], r["steps"], r["bf16_autocast"]) for r in records}) == 1, "one recipe"
    config = _training(SEEDS[2][0], "gold_w_bf16_s2_lora")["config"]
    assert config["adapter"]["lora_r"] == 16 and config["steps"] == 300, "the shipped recipe's shape"
    cells = row("the shipped recipe, seed 0 / seed 1 / seed 2")
    rejects = [_rejects(folder / "report.md")[variant, "all"]["min_spend"] for folder, variant in SEEDS]
    for part, glance in zip(cells[1].split(" / "), glances, strict=True):
        shows(part, glance["approval"])
    for part, glance in zip(cells[4].split(" / "), glances, strict=True):
        pct(part, glance["first_try_compliance"])
    assert cells[5] == " / ".join(map(str, rejects)), f"min_spend rejects {rejects}"
    assert f"within the shipped recipe's {min(rejects)} to {max(rejects)} over three seeds" in text
    stated = text.partition("the same harness: ")[2]
    shows(stated[:6], glances[2]["approval"])
    pct(stated.partition("first-try compliance ")[2][:7], glances[2]["first_try_compliance"])
    assert f"({records[2]['wall_s']:,.0f} s)" in text, "seed 2's wall time"
    found = re.search(
        r"([-+]\d\.\d{3}) \(interval ([-\d.]+) to ([-\d.]+)\) against seed 0 and "
        r"([-+]\d\.\d{3}) \(([-\d.]+) to ([-\d.]+)\) against seed 1",
        stated,
    )
    assert found, "seed 2 against seeds 0 and 1, each with its interval"
    for s in (0, 1):
        p = json.loads((SEEDS[2][0] / f"paired_seed{s}.json").read_text())
        assert p["b"].endswith(f"{SEEDS[s][0].name}/report.json") and p["shoppers"] == 200, f"seed 2 vs {s}"
        for number, value in zip(
            found.groups()[3 * s : 3 * s + 3], (p["difference"], *p["interval_95"]), strict=True
        ):
            shows(number, value, slack=EXACT)
    approvals = [g["approval"] for g in glances]
    assert f"span {min(approvals):.3f} to {max(approvals):.3f}" in text, "the three seeds' span"
    spread = max(approvals) - min(approvals)
    assert f"seed-to-seed spread of {spread:.3f} in three seeds" in text, "the spread"
    _check_levers_against_seed2(text, min(approvals))


def _check_levers_against_seed2(text: str, lowest_seed: float) -> None:
    """The four SFT changes of sessions 30-31 against seed 2: their differences, which intervals exclude
    0 (as the text says), and all of them below the lowest seed."""
    levers = {"steps/w_short_lora": "200 steps", "steps/w_long_lora": "550 steps",
              "sft_levers/w3t_lora": "batch 3 trimmed", "sft_levers/r32_lora": "rank 32"}  # fmt: skip
    approvals, holding = [], []
    for path, label in levers.items():
        p = json.loads((REPORTS / "copy_quality" / path / "paired_seed2.json").read_text())
        assert p["a"].endswith(f"{path}/report.json"), f"{label}: a is this run"
        assert p["b"].endswith("sft_levers/w_bf16_s2_lora/report.json"), f"{label}: against seed 2"
        assert p["shoppers"] == 200 and p["left_out"] == 0, f"{label}: all 200 shoppers"
        approval = _glance(REPORTS / "copy_quality" / path / "report.md")[Path(path).name]["approval"]
        assert abs(p["mean_a"] - approval) < 1e-3, f"{label}: the paired file reads this run"
        shows(text.partition(f" ({label})")[0][-6:], p["difference"], slack=EXACT)
        if p["interval_95"][1] >= 0:
            holding.append(label)
        approvals.append(approval)
    assert holding == ["batch 3 trimmed"] and "the intervals of all but batch 3 trimmed excluding 0" in text
    assert max(approvals) < lowest_seed, "every change below all three seeds"
    assert (
        f"land at {min(approvals):.3f} to {max(approvals):.3f}, under the lowest of the three seeds" in text
    )


def _readme_table(header: str) -> list[list[str]]:
    """The rows of the README.md table whose header starts with `header`, as stripped cells."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").partition(f"\n{header}")[2].split("\n\n")[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines.splitlines()[2:]]


# The README's table of copy levers a blind panel judged: leading cell -> (the panel's report, the bar set
# before the run: ("gain", v) asks for at least +v mean send, ("loss", v) allows at most v less, None: none).
PANEL_LEVERS = {
    "[hotter sampling]": ("panel_temperature.json", None),
    "[a stronger `variety`]": ("panel_variety_train.json", ("loss", 0.10)),
    "[a relevance bonus]": ("panel_relevance.json", ("loss", 0.05)),
    "[passing over hooks": ("shop_fit/panel.json", ("gain", 0.15)),
    "[a penalty on an opening": ("repeat_opening/panel.json", ("loss", 0.05)),
    "[the interests left out": ("interest_fit/panel.json", ("gain", 0.15)),
    "[a third preference round]": ("own_round3/panel.json", ("gain", 0.15)),
    "[a larger preference round]": ("own_round4/panel.json", ("gain", 0.15)),
    "[a judge fitted on the panel's ratings]": ("copy_judge/panel.json", ("gain", 0.15)),
    "the same judge with a `variety` penalty": ("copy_judge/variety1/panel.json", ("gain", 0.15)),
    "[Gemma 3 270M]": ("panel_gemma_written.json", ("gain", 0.25)),
    "the same base, both": ("panel_gemma_written_round2.json", ("gain", 0.25)),
    "[reference copy for 20 more": ("batch3/panel.json", ("gain", 0.10)),
    "[the judge refitted on a fifth": ("copy_judge5/panel/panel.json", ("gain", 0.15), "variety missed"),
    "the refitted judge with `variety` 0.5": ("copy_judge5/variety05/panel.json", ("gain", 0.15), "met"),
    "[the judge with the copy's own log-probability": ("judge_logprob/panel/panel.json", ("gain", 0.15)),
    "[a stronger `variety` under the judge]": ("variety_judge/panel/panel.json", ("loss", 0.05)),
}


def test_panel_levers_table_matches_the_panels_and_misses_every_bar():
    listed = [cells[0] for cells in _readme_table("| lever (panel) |")]
    assert len(listed) == len(PANEL_LEVERS) and all(
        any(c.startswith(f) for c in listed) for f in PANEL_LEVERS
    ), f"every row of the table is checked here: {listed}"
    for first, (report, bar, *outcome) in PANEL_LEVERS.items():
        cells, paired = row(first), _load(f"reports/copy_quality/{report}")["paired"]
        shows_interval(cells[3], paired["mean_send_difference"], paired["interval_95"])
        assert re.match(rf"{paired['shoppers']}(, | changed or not, )", cells[2]), f"{first}: {cells[2]}"
        if bar is None:
            assert cells[4].startswith("none set"), f"{first}: no bar was set before the run"
            continue
        kind, value = bar
        stated, missed = (
            (f"+{value:.2f}", paired["mean_send_difference"] < value)
            if kind == "gain"
            else (f"no more than {value:.2f} lower", paired["mean_send_difference"] < -value)
        )
        if "interval above 0" in cells[4]:  # a bar on the interval too: missed if it holds 0
            missed = missed or paired["interval_95"][0] <= 0
        assert cells[4].startswith(stated), f"{first}: the bar {cells[4]!r} stated"
        if outcome == ["met"]:
            assert not missed and cells[4].endswith(": met") and "**shipped**" in cells[0], first
        elif outcome == ["variety missed"]:  # the panel's part met, the variety part of the rule not
            assert not missed and "distinct-2 fell by more than the 0.01 allowed" in cells[4], first
        else:
            assert missed, f"{first}: the bar {cells[4]!r} missed"
    shipped = [first for first, (_, _, *outcome) in PANEL_LEVERS.items() if outcome == ["met"]]
    assert len(shipped) == 1 and "one lever below shipped" in " ".join(README.split()).lower(), shipped
    batch3 = _load("reports/copy_quality/batch3/panel.json")["by_source"]
    ratio = batch3["promogen_w3_model"]["incoherent"] / batch3["promogen_shipped_model"]["incoherent"]
    assert round(ratio) == 2 and "flagged its hooks incoherent twice as often" in " ".join(README.split()), (
        ratio
    )


# The README's table of SFT runs the approver model judged: leading cell -> (report folder, variant, the
# seeds its rule read). Every row shows the three seeds; seed 2 was trained after the first rows' rules.
SFT_TABLE = {
    "[with written batches 1 and 3 added]": (REPORTS / "copy_quality" / "batch3" / "w3_bf16_lora", (0,)),
    "[200 steps for 300]": (REPORTS / "copy_quality" / "steps" / "w_short_lora", (0, 1)),
    "550 steps for 300": (REPORTS / "copy_quality" / "steps" / "w_long_lora", (0, 1)),
    "[with batch 3 less its gift": (SFT_LEVERS / "w3t_lora", (0, 1)),
    "LoRA rank 32 for 16": (SFT_LEVERS / "r32_lora", (0, 1)),
    "[learning rate 0.0002 for 0.0004]": (SFT_LEVERS / "lr2_lora", (0, 1, 2)),
    "LoRA rank 8 for 16": (SFT_LEVERS / "r8_lora", (0, 1, 2)),
    "[learning rate 0.0008 for 0.0004]": (SFT_LEVERS / "lr8_lora", (0, 1, 2)),
    "[no interest dropout (0 for 0.3)]": (SFT_LEVERS / "idrop0_lora", (0, 1, 2)),
    "[interest adapter's learning rate 0.002 for 0.001]": (SFT_LEVERS / "ilr2_lora", (0, 1, 2)),
    "[NEFTune's noise on the word embeddings": (SFT_LEVERS / "neft5_lora", (0, 1, 2)),
    "[LoRA dropout 0.1 for 0.05]": (SFT_LEVERS / "ldrop1_lora", (0, 1, 2)),
    "[no warm-up (0 steps for 15)]": (SFT_LEVERS / "warm0_lora", (0, 1, 2)),
}


def test_sft_table_matches_its_reports_and_each_rule():
    listed = [cells[0] for cells in _readme_table("| SFT run (the shipped recipe, but) |")]
    assert len(listed) == len(SFT_TABLE) and all(any(c.startswith(f) for c in listed) for f in SFT_TABLE), (
        f"every row of the table is checked here: {listed}"
    )
    seeds = [_glance(folder / "report.md")[variant]["approval"] for folder, variant in SEEDS]
    lead = " ".join(README.split()).partition("trained with seeds 0, 1 and 2 (")[2]
    for shown, approval in zip(lead.split(":")[0].split(", "), seeds, strict=True):
        shows(shown, approval)
    words, within = {"helps": "helps", "hurts": "hurts", "none": "no effect"}, []
    for first, (folder, read) in SFT_TABLE.items():
        cells = row(first)
        approval = _glance(folder / "report.md")[_run_variant(folder)]["approval"]
        shows(cells[2], approval)
        paired = [_load(str(folder / f"paired_seed{s}.json")) for s in (0, 1, 2)]
        for cell, p, (seed_folder, _) in zip(cells[3:6], paired, SEEDS, strict=True):
            assert p["a"].endswith(f"{folder.name}/report.json") and p["b"].endswith(
                f"{seed_folder.name}/report.json"
            ), f"{first}: {p['a']} against {p['b']}"
            assert abs(p["mean_a"] - approval) < 1e-3 and p["shoppers"] == 200, f"{first}: all 200 shoppers"
            shows_interval(cell, p["difference"], p["interval_95"])
        verdict = words[_paired_verdict([paired[s] for s in read])]
        assert cells[6].startswith(verdict), f"{first}: the rule gives {verdict!r}, the cell {cells[6]!r}"
        assert (read == (0,)) == ("(its rule read seed 0 only)" in cells[6]), f"{first}: seeds read {read}"
        if approval >= min(seeds):
            within.append(first)
            assert approval <= max(seeds), f"{first}: between the seeds, as the README says"
    batch3 = " ".join(README.split()).partition("- Against each of the shipped recipe's three seeds")[2][:600]
    cells = row("[with written batches 1 and 3 added]")
    assert all(_minus(c) in batch3 for c in cells[3:6]), "the docs give batch 3's three paired figures too"
    assert within == ["[learning rate 0.0008 for 0.0004]"], f"all but one row below the seeds: {within}"
    reading = "Every SFT change but twice the learning rate landed below all three seeds; that one scored"
    assert f"{reading} between them" in " ".join(README.split()), "the reading"
    rejects = {
        name: _rejects(folder / "report.md")[folder.name, "all"]["min_spend"]
        for name, folder in (
            ("trimmed", SFT_LEVERS / "w3t_lora"),
            ("all", SFT_TABLE["[with written batches 1 and 3 added]"][0]),
        )
    }
    by_seed = sorted(_rejects(folder / "report.md")[variant, "all"]["min_spend"] for folder, variant in SEEDS)
    stated = " ".join(README.split()).partition("batch 3's minimum-spend errors fell to")[2][:200]
    assert (
        f"{rejects['trimmed']} of 1,600 candidates rejected for the minimum spend, against {rejects['all']} "
        f"with all of it and {by_seed[0]} to {by_seed[-1]} for the three seeds"
        in stated
        and by_seed[0] <= rejects["trimmed"] <= by_seed[-1] < rejects["all"]
    ), (rejects, by_seed, stated)


def test_batch3_which_change_matches_its_reports():
    folder = REPORTS / "copy_quality" / "batch3"
    text = " ".join(README.split()).partition("Which change lost it")[2].partition("###")[0]
    assert "committed in 3f9100b before" in text, "the reading rule's commit is named"
    rows = {
        "w3_lora": ("the batch-3 chain's data: copy_gold train, written batches 0, 1 and 3", "w3", False, 0),
        "w3_bf16_lora": ("the batch-3 chain's data (1,480), bf16", "w3_bf16_lora", True, 0),
        "w_bf16_lora": (
            "the shipped chain's data: copy_gold train and written batch 0",
            "w_bf16_lora",
            True,
            0,
        ),
        "w03_bf16_lora": ("copy_gold train, written batches 0 and 3, no batch 1", "w03_bf16_lora", True, 0),
        "w_bf16_s1_lora": ("the shipped chain's data (880), bf16, seed 1", "w_bf16_s1_lora", True, 1),
    }
    for name, (first, records, bf16, seed) in rows.items():
        cells, records = row(first), json.loads((folder / records / "training.json").read_text())
        glance, training = _glance(folder / name / "report.md")[name], records[f"gold_{name}"]["training"]
        assert f"({records['build_gold']['specs']:,})" in cells[0], f"{name}: the specs trained on"
        flags, record = _flags(cells[1].strip("`")), records[f"gold_{name}"]
        assert (cells[1] == "none") == (not flags) and not _differs(record, "written.yaml", flags), (
            f"{name}: written.yaml with the row's flags, {cells[1]}"
        )
        assert record["config"]["out"] == f"runs/gold_{name}", f"{name}: --out runs/gold_NAME, as stated"
        precision = re.search(r", (bf16|float32)\b", cells[0])
        assert (
            precision
            and precision[1]
            == ("bf16" if bf16 else "float32")
            == ("float32", "bf16")[training["bf16_autocast"]]
        ), f"{name}: the precision shown and trained"
        assert training["steps"] == 300 and training["seed"] == seed, f"{name}: the same recipe, its seed"
        shows(cells[2], glance["approval"])
        pct(cells[3], glance["first_try_compliance"])
        rejects = _rejects(folder / name / "report.md")[name, "all"]
        assert int(cells[4]) == rejects["min_spend"] and rejects["candidates"] == 1600, f"{name}: min_spend"
    paired = {
        f: json.loads((folder / f).read_text())
        for f in (
            "w3_bf16_lora/paired_float32.json",
            "w_bf16_lora/paired_batch3.json",
            "w03_bf16_lora/paired_shipped_data.json",
            "w03_bf16_lora/paired_batch3.json",
            "w03_bf16_lora/paired_shipped_data_without_any_order.json",
            "w_bf16_s1_lora/paired_seed0.json",
        )
    }
    stated = re.findall(r"([-+]?\d\.\d{3}),? (?:\(?interval|against the)", _minus(text))
    shown = [(shown, result["difference"]) for shown, result in zip(stated, paired.values(), strict=True)]
    for number, difference in shown:
        shows(number, difference)
    intervals = re.findall(r"interval ([-\d.]+) to ([-\d.]+)", _minus(text.partition("- Precision")[2]))
    for (low, high), result in zip(intervals, paired.values(), strict=True):
        shows(low, result["interval_95"][0])
        shows(high, result["interval_95"][1])
    assert all(r["shoppers"] + r["left_out"] == 200 for r in paired.values()), "the 200 held-out shoppers"
    noise = [_glance(folder / f"w_bf16{s}_lora" / "report.md")[f"w_bf16{s}_lora"] for s in ("", "_s1")]
    moved = abs(noise[0]["first_try_compliance"] - noise[1]["first_try_compliance"])
    assert f"compliance moved by {100 * moved:.1f} points" in text, "seed 1's compliance against seed 0's"
    assert (
        f"leaving out the {paired['w03_bf16_lora/paired_shipped_data_without_any_order.json']['left_out']} "
        in text
    )
    copies = {
        name: {(c, x["user_id"]): x["text"] for c, r in run.items() for x in r["copies"]}
        for name in ("w3_lora", "w3_bf16_lora")
        for run in [json.loads((folder / name / "report.json").read_text())["results"][name]]
    }
    same = sum(copies["w3_lora"][k] == copies["w3_bf16_lora"][k] for k in copies["w3_lora"])
    assert f"({same} of the 200 shoppers got the same message from both)" in text, "shoppers unmoved"
    # What the written batches say, counted from their files.
    batches = {b: _written_messages(b) for b in ("", "batch1", "batch3")}
    any_order = {b: sum("any order" in t.lower() for _, t in m) for b, m in batches.items()}
    gifts = [o for o, _ in batches["batch3"] if o["kind"] == "gift"]
    assert (
        f"Of batch 3's {len(gifts)} gift messages, {sum(not o.get('min_spend') for o in gifts)} are" in text
    )
    assert f"{any_order['batch3']} of its {len(batches['batch3'])} messages say" in text, "batch 3's count"
    assert f"(batch 0: none of {len(batches[''])}; batch 1: {any_order['batch1']} of " in text, "0 and 1"
    assert any_order[""] == 0, "batch 0 says none"
    w, w03 = (
        _rejects(folder / f / "report.md")[f, "all"]["min_spend"] for f in ("w_bf16_lora", "w03_bf16_lora")
    )
    assert f"({w03} against {w} of 1,600" in text and round(w03 / w) == 8, "eight times as often"
    summary = _minus(" ".join(README.split()).partition("traced the loss to batch 3's own copy")[2][:250])
    batch3 = paired["w03_bf16_lora/paired_shipped_data.json"]
    shows(summary.partition("or to batch 1: ")[2][:6], batch3["difference"])
    low, _, high = summary.partition("interval ")[2].partition(" to ")
    shows(low, batch3["interval_95"][0])
    shows(high[:6], batch3["interval_95"][1])


def test_batch3_stage_diagnosis_matches_its_reports():
    folder = REPORTS / "copy_quality" / "batch3"
    text = " ".join(README.split()).partition("Which stage lost it")[2].partition("###")[0]
    stages = [("w3_lora", "w3_lora"), ("w3_dpo", "w3_dpo"), ("w3", "w3")]
    glance = [_glance(folder / f / "report.md")[v] for f, v in stages]
    rose = text.partition("Mean approval rose at each stage, ")[2]
    for shown, row in zip(re.findall(r"\d\.\d{3}", rose)[:3], glance, strict=True):
        shows(shown, row["approval"])
    for shown, row in zip(re.findall(r"\d+\.\d+%", rose)[:3], glance, strict=True):
        pct(shown, row["first_try_compliance"])
    assert [g["approval"] for g in glance] == sorted(g["approval"] for g in glance), "approval rose by stage"
    shows(
        text.partition("the shipped adapter (")[2][:5],
        _glance(folder / "shipped" / "report.md")["shipped"]["approval"],
    )
    counts = _rejects(folder / "w3_lora" / "report.md")["w3_lora", "all"]
    assert max(counts.items(), key=lambda kv: kv[1] * (kv[0] != "candidates"))[0] == "min_spend", (
        "the minimum spend is the SFT model's most common reject"
    )
    assert f"({counts['min_spend']} of {counts['candidates']:,} candidates" in text, "the count stated"
    runs = [json.loads((folder / f / "report.json").read_text()) for f in ("w3_lora", "w3_dpo")]
    assert all("--examples 0" in r["command"] for r in runs), "the diagnosis quotes no copy"


def _dotted(config: dict) -> dict:
    """A training config with its adapter's fields also as `adapter.FIELD`, the keys --set takes."""
    return {**config, **{f"adapter.{k}": v for k, v in config.get("adapter", {}).items()}}


def _flags(text: str) -> dict:
    """The settings a train_lora.py command's flags give (`--data`, `--steps`, `--seed`, `--out`, `--set
    KEY=VALUE`), as `_dotted` keys; a value is read as JSON where it parses (numbers), else as text."""

    def value(raw: str):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw

    flags, words = {}, [w for w in text.split() if w != "\\"]  # a code block's line continuations
    for i, word in enumerate(words):
        if word == "--set":
            key, _, raw = words[i + 1].partition("=")
            flags[key] = value(raw)
        elif word == "--data":
            flags["data"] = list(itertools.takewhile(lambda w: not w.startswith("--"), words[i + 1 :]))
        elif word.startswith("--"):
            assert word in ("--steps", "--seed", "--out", "--config"), f"a flag the checks know: {word}"
            flags[word[2:]] = value(words[i + 1])
    flags.pop("config", None)
    return flags


def _differs(record: dict, config: str, flags: dict) -> set:
    """The settings, defaults included, in which a training record's config is not finetune/configs/`config`
    with `flags` on top (aside: `out`; the base model's path, which training resolves; the adapter's shape
    where the run starts from `init_adapter`, which gives it; a setting newer than the record)."""
    from promogen.train.lora import TrainConfig

    fields = yaml.safe_load((ROOT / "finetune" / "configs" / config).read_text())
    wanted = {**_dotted(TrainConfig.from_dict(fields).to_dict()), **flags}
    ran = _dotted(record["config"])
    aside = {"out", "adapter", "adapter.base_model"} | (
        {k for k in ran if k.startswith("adapter.")} if wanted["init_adapter"] else set()
    )
    return {k for k, v in wanted.items() if k in ran and k not in aside and ran[k] != v}


def _run_variant(folder: Path) -> str:
    """The one variant of a run's report in `folder`: the folder's name, or the shorter name its harness
    command gave."""
    (variant,) = _load(str(folder / "report.json"))["results"]
    return variant


def _set_lever(text: str, name: str, first: str, settings: dict) -> tuple[str, list[dict]]:
    """Check an SFT run of sft_levers/NAME, made by `--set` on written.yaml, against its docs section `text`
    (its command, its table row from `first`) and its records: the rule's verdict on all three seeds and
    the three paired files it read."""
    folder = SFT_LEVERS / name
    record = _training(folder, f"gold_w_{name}")
    differs = _differs(record, "written.yaml", settings)
    assert not differs, f"{name}: the run is written.yaml with {settings}, but {differs} differ"
    ran = _dotted(record["config"])
    seed0 = _training(SEEDS[0][0], "gold_w_bf16_lora")
    from promogen.train.lora import TrainConfig

    # A setting newer than seed 0's record ran at its default there.
    base = {**_dotted(TrainConfig().to_dict()), **_dotted(seed0["config"])}
    assert {k for k in ran if k not in ("out", "adapter") and ran[k] != base[k]} == set(settings), (
        f"{name}: every other setting, defaults included, as seed 0 ran"
    )
    assert record["training"]["data_sha1"] == seed0["training"]["data_sha1"], f"{name}: seed 0's data"
    given = " ".join(f"--set {k}={v:g}" for k, v in settings.items())
    assert f"written.yaml {given} --out runs/gold_w_{name}" in text, f"{name}: its command"
    training, glance = record["training"], _glance(folder / "report.md")[_run_variant(folder)]
    assert training["seed"] == 0 and training["bf16_autocast"] and training["steps"] == 300, name
    cells = row(first)
    shows(cells[1], glance["approval"])
    paired = [_load(str(folder / f"paired_seed{s}.json")) for s in (0, 1, 2)]
    for cell, p, (seed_folder, _) in zip(cells[2:5], paired, SEEDS, strict=True):
        assert p["b"].endswith(f"{seed_folder.name}/report.json") and p["shoppers"] == 200, name
        assert p["a"].endswith(f"{name}/report.json") and p["left_out"] == 0, f"{name}: this run, all"
        shows_interval(cell, p["difference"], p["interval_95"])
    pct(cells[5], glance["first_try_compliance"])
    rejects = _rejects(folder / "report.md")[_run_variant(folder), "all"]
    assert cells[6] == str(rejects["min_spend"]) and rejects["candidates"] == 1600, f"{name}: min_spend"
    shows(cells[7], training["wall_s"])
    return _paired_verdict(paired), paired


def _lever_section(heading: str, commit: str, name: str, first: str, settings: dict) -> tuple:
    """The docs section `heading` of one `--set` SFT run, checked to name its rule's commit and, by
    `_set_lever`, its command, row and records: (its text, the rule's verdict, the paired files, the run's
    report figures, the three seeds' report figures)."""
    text = _minus(" ".join(README.split()).partition(heading)[2].partition("###")[0])
    assert f"the same rule, committed before the run ({commit}'s message)" in text, (
        "the rule's commit is named"
    )
    verdict, paired = _set_lever(text, name, first, settings)
    seeds = [_glance(f / "report.md")[v] for f, v in SEEDS]
    folder = SFT_LEVERS / name
    return text, verdict, paired, _glance(folder / "report.md")[_run_variant(folder)], seeds


def test_half_learning_rate_and_rank_8_match_their_reports_and_the_rule():
    text = _minus(
        " ".join(README.split())
        .partition("### Half the learning rate, and LoRA rank 8")[2]
        .partition("###")[0]
    )
    assert "Rule, committed before either run (a114c6a)" in text, "the rule's commit is named"
    runs = {  # run: (table row, the --set settings the docs give)
        "lr2_lora": ("learning rate 0.0002, 300 steps", {"lr": 0.0002}),
        "r8_lora": ("LoRA rank 8, 300 steps", {"adapter.lora_r": 8, "adapter.lora_alpha": 16}),
    }
    verdicts = {name: _set_lever(text, name, first, settings)[0] for name, (first, settings) in runs.items()}
    assert verdicts == {"lr2_lora": "hurts", "r8_lora": "none"}, verdicts
    assert "half the learning rate hurts" in text and "rank 8 shows no effect" in text, "the verdicts"
    ftc = [_glance(folder / "report.md")[variant]["first_try_compliance"] for folder, variant in SEEDS]
    assert all(_glance(SFT_LEVERS / n / "report.md")[n]["first_try_compliance"] < min(ftc) for n in runs), (
        "both runs' first-try compliance below the seeds', as the text says"
    )
    assert f"against {min(ftc):.2%} to {max(ftc):.2%}" in text, "the seeds' first-try compliance"
    spends = sorted(_rejects(folder / "report.md")[variant, "all"]["min_spend"] for folder, variant in SEEDS)
    r8 = _rejects(SFT_LEVERS / "r8_lora" / "report.md")["r8_lora", "all"]["min_spend"]
    assert r8 > spends[
        -1
    ] and f"rank 8's {r8} minimum-spend rejects are above the seeds' {spends[0]} to " in (text), (r8, spends)


def _other_copy_than_seed0(text: str, name: str) -> tuple[dict, dict]:
    """(campaign, shopper) -> delivered copy, for sft_levers/NAME's run and for seed 0's; checks the section
    `text` says how many of the shoppers got other copy than from seed 0."""
    copies = tuple(
        {(c, x["user_id"]): x["text"] for c, r in _load(str(path))["results"][v].items() for x in r["copies"]}
        for path, v in (
            (SFT_LEVERS / name / "report.json", _run_variant(SFT_LEVERS / name)),
            (SEEDS[0][0] / "report.json", SEEDS[0][1]),
        )
    )
    other = sum(copies[0][k] != copies[1][k] for k in copies[1])
    assert f"{other} of the {len(copies[1])} shoppers got other copy than from seed 0" in text, (name, other)
    return copies


def _quoted(text: str, copies: tuple[dict, dict], quoted: dict) -> None:
    """Each quote of `quoted` ({(campaign, shopper): (this run's quote, seed 0's)}, None where the section
    quotes one side only) is in that shopper's copy and in the section's `text`."""
    for key, said in quoted.items():
        for copy, quote in zip((copies[0][key], copies[1][key]), said, strict=True):
            assert quote is None or (quote in copy and quote in text), (key, quote)


def test_twice_the_learning_rate_matches_its_reports_and_the_rule():
    text, verdict, paired, glance, seeds = _lever_section(
        "### Twice the learning rate",
        "fa8ac9a",
        "lr8_lora",
        "learning rate 0.0008, 300 steps",
        {"lr": 0.0008},
    )
    assert verdict == "none" and "twice the learning rate shows no effect: every interval holds 0" in text
    assert all(p["interval_95"][0] < 0 < p["interval_95"][1] for p in paired), "every interval holds 0"
    folder = SFT_LEVERS / "lr8_lora"
    for metric, shown in (("approval", "({:.3f} to {:.3f})"), ("first_try_compliance", "({:.2%} to {:.2%};")):
        low, high = min(s[metric] for s in seeds), max(s[metric] for s in seeds)
        assert low < glance[metric] < high, f"{metric} between the seeds'"
        assert shown.format(low, high) in text, f"the seeds' range of {metric} stated"
    spends = [_rejects(f / "report.md")[v, "all"]["min_spend"] for f, v in SEEDS]
    mine = _rejects(folder / "report.md")["lr8_lora", "all"]["min_spend"]
    assert min(spends) <= mine <= max(spends) and f"{min(spends)} to {max(spends)})" in text, (mine, spends)
    mine, seed0 = (c["w045", "w045-u09"] for c in _other_copy_than_seed0(text, "lr8_lora"))
    assert mine.startswith("Be ready for the bath: 10% off your order") and seed0.startswith(
        "From the room to the bed"
    ), "the quoted pair, one shopper's"


def test_no_interest_dropout_matches_its_reports_and_the_rule():
    text, verdict, paired, glance, seeds = _lever_section(
        "### No interest dropout",
        "1bc149d",
        "idrop0_lora",
        "interest dropout 0, 300 steps",
        {"interest_dropout": 0},
    )
    assert verdict == "none" and "no interest dropout shows no effect: every interval holds 0" in text
    assert all(p["interval_95"][0] < 0 < p["interval_95"][1] for p in paired), "every interval holds 0"
    low, high = min(s["approval"] for s in seeds), max(s["approval"] for s in seeds)
    assert glance["approval"] < low and f"just below the seeds' ({low:.3f} to {high:.3f})" in text, "approval"
    for metric, said in (
        ("relevance", "relevance {:.3f} against the seeds' {:.3f} to {:.3f}"),
        ("personalisation_vs_generic", "against generic copy {:.3f} against {:.3f} to {:.3f}"),
    ):
        low, high = min(s[metric] for s in seeds), max(s[metric] for s in seeds)
        assert glance[metric] > high, f"{metric} above every seed's, as the section says"
        assert said.format(glance[metric], low, high) in text, f"{metric} as the section gives it"
    copies = _other_copy_than_seed0(text, "idrop0_lora")
    generic = [s["relevance"] - s["personalisation_vs_generic"] for s in seeds]
    mine = glance["relevance"] - glance["personalisation_vs_generic"]
    assert mine < min(generic), "the generic copy's relevance fell below every seed's"
    assert f"its relevance {mine:.3f} against the seeds' {min(generic):.3f} to {max(generic):.3f}" in text
    shipped = yaml.safe_load((ROOT / "finetune/configs/written.yaml").read_text())["interest_dropout"]
    assert f"(`interest_dropout` {shipped:g})" in text, "the shipped dropout, as written.yaml has it"
    quoted = {  # shopper: (this run's copy, seed 0's), as the section quotes them
        ("w022", "w022-u04"): ("Need a new needle? 25% off sewing kits", "Your next project starts here"),
        ("w045", "w045-u04"): ("Pothos, now for the table: 10% off everything", None),
        ("w200", "w200-u09"): (
            "Long trails ahead? Buy one, get one free on reed diffusers",
            "From trail to campfire",
        ),
    }
    _quoted(text, copies, quoted)


def test_twice_the_interest_learning_rate_matches_its_reports_and_the_rule():
    text, verdict, paired, glance, seeds = _lever_section(
        "### Twice the interest adapter's learning rate",
        "e024142",
        "ilr2_lora",
        "interest learning rate 0.002, 300 steps",
        {"interest_lr": 0.002},
    )
    excluding = [p["interval_95"][1] < 0 for p in paired]
    assert verdict == "none" and excluding == [False, True, True], (verdict, excluding)
    assert all(p["difference"] < -0.03 for p in paired) and "two of the three intervals exclude 0" in text
    shipped = yaml.safe_load((ROOT / "finetune/configs/written.yaml").read_text())["interest_lr"]
    assert f"(`interest_lr` {shipped:g}," in text, (
        "the shipped interest learning rate, as written.yaml has it"
    )
    approvals = [s["approval"] for s in seeds]
    assert glance["approval"] < min(approvals) and "below all three seeds" in text, (glance, approvals)
    copies = _other_copy_than_seed0(text, "ilr2_lora")
    mine, seed0 = copies[0]["w206", "w206-u09"], copies[1]["w206", "w206-u09"]
    assert mine.startswith("From seed to planting: 10% off thread") and seed0.startswith(
        "Growing your own garden?"
    )


def test_neftune_matches_its_reports_and_the_rule():
    text, verdict, paired, glance, seeds = _lever_section(
        "### NEFTune's noise on the word embeddings",
        "263205b",
        "neft5_lora",
        "NEFTune alpha 5, 300 steps",
        {"neftune_alpha": 5},
    )
    assert verdict == "hurts" and "the noise hurts: every difference is -0.03 or lower" in text, verdict
    assert all(p["interval_95"][1] < 0 for p in paired), "every interval excludes 0, below it"
    ftc = [s["first_try_compliance"] for s in seeds]
    assert glance["first_try_compliance"] < min(ftc) and f"({min(ftc):.2%} to {max(ftc):.2%})" in text, ftc
    rejects = [_rejects(f / "report.md")[v, "all"] for f, v in SEEDS]
    mine = _rejects(SFT_LEVERS / "neft5_lora" / "report.md")
    shown = (mine["neft5", "all"]["repetitive"], mine["neft5", "sms"]["repetitive"])
    said = f"rejected {shown[0]} of its 1,600 candidates, {shown[1]} of them SMS, against the seeds' "
    said += "{}, {} and {}".format(*(r["repetitive"] for r in rejects))
    assert said in text and shown[0] > max(r["repetitive"] for r in rejects), (shown, rejects)
    copies = _other_copy_than_seed0(text, "neft5_lora")
    quoted = {  # shopper: (this run's copy, seed 0's), as the section quotes them
        ("w202", "w202-u09"): ("From the bed to the floor: BOGO on fabric", "Dress up for your next outfit"),
        ("w122", "w122-u08"): ("Baby care: $10 off orders over $30 at Stitch", "Baby care starts here"),
        ("w020", "w020-u07"): ("Hot bath, warm night", "Bath time, bath smell"),
    }
    _quoted(text, copies, quoted)
    (seed0,) = _load(str(SEEDS[0][0] / "report.json"))["results"].values()
    for (campaign, shopper), said in (
        (("w202", "w202-u09"), "the fabric hook {:.2f} (seed 0's {:.2f})"),
        (
            ("w020", "w020-u07"),
            "the bath hook {:.2f} (seed 0's {:.2f})",
        ),
    ):
        mine, theirs = (
            {x["user_id"]: x["approval"] for x in run[campaign]["copies"]}[shopper]
            for run in (_load(str(SFT_LEVERS / "neft5_lora" / "report.json"))["results"]["neft5"], seed0)
        )
        assert said.format(mine, theirs) in text, (shopper, mine, theirs)
    record = _training(SFT_LEVERS / "neft5_lora", "gold_w_neft5_lora")
    assert "neftune_alpha" not in record["training"], "the record predates the field, as the section says"


def test_twice_the_lora_dropout_matches_its_reports_and_the_rule():
    text, verdict, paired, glance, seeds = _lever_section(
        "### Twice the LoRA dropout",
        "263205b",
        "ldrop1_lora",
        "LoRA dropout 0.1, 300 steps",
        {"adapter.lora_dropout": 0.1},
    )
    assert verdict == "none" and "no effect shown: every interval holds 0" in text, verdict
    assert all(p["interval_95"][0] < 0 < p["interval_95"][1] for p in paired), "every interval holds 0"
    assert glance["approval"] < min(s["approval"] for s in seeds), "below all three seeds, as it says"
    copies = _other_copy_than_seed0(text, "ldrop1_lora")
    others = []
    for folder, _ in SFT_TABLE.values():
        if folder.name != "ldrop1_lora":
            (run,) = _load(str(folder / "report.json"))["results"].values()
            mine = {(c, x["user_id"]): x["text"] for c, r in run.items() for x in r["copies"]}
            others.append(sum(mine[k] != copies[1][k] for k in copies[1]))
    moved = sum(copies[0][k] != copies[1][k] for k in copies[1])
    assert moved < min(others) and f"(the others: {min(others)} to {max(others)})" in text, (moved, others)
    quoted = {  # shopper: (this run's copy, seed 0's), as the section quotes them
        ("w206", "w206-u05"): ("Longensings start here: 10% off thread", None),
        ("w123", "w123-u02"): ("Take your pet on a trip to the beach?", "Take your pet on the road"),
        ("w204", "w204-u03"): (
            "Hearth Candle Co: cozy candles for the evenings!",
            "candle snuffer for your next pair",
        ),
        ("w202", "w202-u09"): ("From the bed to the floor: BOGO on fabric", None),
    }
    _quoted(text, copies, quoted)
    neft5 = _other_copy_than_seed0(
        _minus(" ".join(README.split()).partition("### NEFTune's noise")[2].partition("###")[0]), "neft5_lora"
    )[0]
    assert neft5["w202", "w202-u09"] == copies[0]["w202", "w202-u09"], "the hook NEFTune's run wrote too"


def test_no_warmup_matches_its_reports_and_the_rule():
    text, verdict, paired, glance, seeds = _lever_section(
        "### No warm-up", "774d2fd", "warm0_lora", "no warm-up, 300 steps", {"warmup": 0}
    )
    excluding = [p["interval_95"][1] < 0 for p in paired]
    assert verdict == "none" and excluding == [False, True, True], (verdict, excluding)
    assert all(p["difference"] < -0.03 for p in paired) and "two of the three intervals exclude 0" in text
    assert glance["approval"] < min(s["approval"] for s in seeds) and "below all three seeds" in text
    shipped = yaml.safe_load((ROOT / "finetune/configs/written.yaml").read_text())
    assert f"first {shipped['warmup']} of {shipped['steps']} steps (`warmup` {shipped['warmup']})" in text
    copies = _other_copy_than_seed0(text, "warm0_lora")
    quoted = {  # shopper: (this run's copy, seed 0's), as the section quotes them
        ("w020", "w020-u09"): (
            "Road bike season starts here. Take a free sample set with $50+ at Hearth",
            None,
        ),
        ("w207", "w207-u08"): ("Cook for the whole family: a free tote bag", None),
        ("w201", "w201-u09"): ("Velvet Vine Florist: trail day, right?", None),
        ("w204", "w204-u05"): (
            "Hearth Candle Co: candles for the whole house?",
            "cozy candle pair for your next trip",
        ),
    }
    _quoted(text, copies, quoted)
    from promogen.train.lora import TrainConfig

    base = {
        **_dotted(TrainConfig().to_dict()),
        **_dotted(_training(SEEDS[0][0], "gold_w_bf16_lora")["config"]),
    }
    moved, scales = set(), set()
    for folder, _ in SFT_TABLE.values():
        (record,) = (v for k, v in json.loads((folder / "training.json").read_text()).items() if "_lora" in k)
        ran = _dotted(record["config"])
        moved |= {k for k in ran if k not in ("out", "data", "adapter") and ran[k] != base[k]}
        scales.add(ran["adapter.lora_alpha"] / ran["adapter.lora_r"])
    named = {
        "steps",
        "lr",
        "interest_lr",
        "warmup",
        "interest_dropout",
        "adapter.lora_r",
        "adapter.lora_dropout",
    }
    untouched = {"batch_size", "max_length", "adapter.target_modules", "adapter.k", "adapter.soft_prompt"}
    assert named <= moved and not untouched & moved, f"the table's runs moved {sorted(moved)}"
    assert scales == {2}, f"the LoRA's scale, alpha over rank, in every run: {scales}"


def test_refitted_judge_section_matches_its_reports_and_both_rules():
    text = " ".join(README.split()).partition("### The judge refitted on a fifth labelling round")[2]
    text = text.partition("###")[0]
    folder = "reports/copy_quality/copy_judge5/"
    # 58b1eab's rule: the cross-validated setting with the best within-spec pair accuracy.
    cv = _load(folder + "cv.json")["runs"]
    chosen = max(cv, key=lambda k: (cv[k]["scores"]["judge"]["within_spec_pair_accuracy"],
                                    cv[k]["scores"]["judge"]["picked_send_as_is"]))  # fmt: skip
    assert chosen == "layer 25, alpha 100" and cv[chosen]["candidates"] == 2276, f"the setting: {chosen}"
    assert f"2,276 rated candidates of {cv[chosen]['specs']} specs" in text, "the labels' count"
    rows = [
        ("=copywriter perplexity, 2,276 candidates", chosen, "perplexity"),
        ("refitted judge, layer 25, alpha 100 (chosen", chosen, "judge"),
        ("refitted judge, layer 15, alpha 1000", "layer 15, alpha 1000", "judge"),
        ("refitted judge, layer 30, alpha 100 (the first", "layer 30, alpha 100", "judge"),
    ]
    cv_rows(cv, rows, "a random pick among the 2,276", chosen)
    best, rand = cv[chosen]["best_pick_send_as_is"], cv[chosen]["random_pick_send_as_is"]
    picked = cv[chosen]["scores"]["judge"]["picked_send_as_is"]
    pct(row("the panel's own pick among the same draws")[3], best)
    closes = f"{picked:.1%} of the time where the best of the same four candidates is {best:.1%}, so it "
    closes += f"closes {100 * (picked - rand):.1f} of the {100 * (best - rand):.0f} points"
    assert closes in text, closes
    six = _load(folder + "cv_n6.json")["runs"][chosen]
    assert six["n"] == 6 and six["candidates"] == 2276, "all of a spec's candidates in the draw"
    judged, plain = (six["scores"][k]["picked_send_as_is"] for k in ("judge", "perplexity"))
    stated = f"the judge's pick is rated 4-5 {judged:.1%} of the time, the copywriter's perplexity's "
    stated += f"{plain:.1%}, a random one {six['random_pick_send_as_is']:.1%} and the best "
    stated += f"{six['best_pick_send_as_is']:.1%}"
    assert stated in text, stated
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    summary = f"the judge's pick among four is rated 4-5 {picked:.1%} of the time, the best of the same "
    summary += f"four {best:.1%}; among six, the judge's {judged:.1%} and perplexity's {plain:.1%} against "
    assert summary + f"{six['best_pick_send_as_is']:.1%} for the best" in readme, summary
    # The train sweep: rule 1 (within 0.01 of the shipped distinct-2) takes 0, rule 2 (no lower) 0.5.
    sweep = _load(folder + "sweep_train.json")
    assert (sweep["layer"], sweep["alpha"]) == (25, 100.0), "the chosen judge swept"
    values = sweep["variety"]
    shipped = values["0"]["diversity"]["shipped"]["mean_over_campaigns"]["distinct_2"]
    for value, swept in values.items():
        cells = row(f"refitted, {value}", "=" + str(swept["moved"]))
        judged = swept["diversity"]["judge"]["mean_over_campaigns"]
        shows(cells[2], judged["distinct_2"])
        pct(cells[3], judged["opening_frame_share"])
    d2 = {float(v): x["diversity"]["judge"]["mean_over_campaigns"]["distinct_2"] for v, x in values.items()}
    assert min(v for v, d in d2.items() if d >= shipped - 0.01) == 0.0, "the first rule's value"
    assert min(v for v, d in d2.items() if d >= shipped) == 0.5, "the second rule's value"
    # Held out: each re-pick's variety, its panel, and the verdicts.
    for name, panel, source, variety, verdict in (
        ("repick.json", "panel", "promogen_judge_model", 0.0, False),
        ("repick_v05.json", "variety05", "promogen_judge_v05_model", 0.5, True),
    ):
        repicked, report = _load(folder + name), _load(f"{folder}{panel}/panel.json")
        assert (repicked["variety"], repicked["layer"], repicked["candidates_fitted"]) == (variety, 25, 2276)
        new, old = (repicked["diversity"][k]["mean_over_campaigns"] for k in ("judge", "shipped"))
        stated = f"{repicked['moved']} moved; distinct-2 per campaign {new['distinct_2']:.4f} against "
        stated += f"{old['distinct_2']:.4f}, opening frame {new['opening_frame_share']:.1%} against "
        assert stated + f"{old['opening_frame_share']:.1%}" in text, f"{name}: {stated}"
        assert report["paired"]["shoppers"] == repicked["moved"], f"{name}: every moved shopper rated"
        assert len(report["ratings"]) == 3, "three raters"
        held = (
            new["distinct_2"] >= old["distinct_2"] - 0.01
            and new["opening_frame_share"] <= old["opening_frame_share"] + 0.05
        )
        met = held_out_panel_rule(report, source, 0.15) and report["paired"]["interval_95"][0] > 0
        assert met and held == verdict, f"{name}: the panel part met, variety held only with 0.5"
    first, second = (_load(f"{folder}{p}/panel.json") for p in ("panel", "variety05"))
    for report, tag, source in ((first, "third", ""), (second, "fourth", ", `variety` 0.5")):
        name = "promogen_judge_model" if report is first else "promogen_judge_v05_model"
        rows = [
            (f"=the refitted judge's pick{source or ', `variety` 0'}", name),
            (f"shipped, {tag} judge panel", "promogen_shipped_model"),
            (f"template line, {tag} judge panel", "promogen_template"),
            (f"reference copy, {tag} judge panel", "reference_best"),
        ]
        panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(first, "The refitted judge's pick minus shipped, per shopper:")
    paired_sentence(second, "The refitted judge's pick with `variety` 0.5 minus shipped, per shopper:")
    # What ships: the chosen judge fitted on all three rounds, ranked by default, with variety 0.5.
    from promogen.judge import Judge
    from promogen.pipeline import PipelineConfig

    shipped_judge = Judge.load()
    assert (shipped_judge.config.layer, shipped_judge.config.alpha) == (25, 100.0), "the chosen setting"
    assert shipped_judge.meta["candidates"] == 2276 and len(shipped_judge.meta["labels"]) == 3, "all rounds"
    assert (PipelineConfig().rank_by, PipelineConfig().variety) == ("judge", 0.5), "the default pick"
    assert "the pipeline now ranks by it" in text, "the section says it shipped"


def test_judge_throughput_matches_its_benchmarks():
    text = " ".join(README.split()).partition("### The judge refitted on a fifth labelling round")[2]
    text = text.partition("###")[0]
    plain, judged = (
        _load(f"reports/copy_quality/copy_judge5/bench_{k}.json") for k in ("perplexity", "judge")
    )
    assert (plain["settings"], judged["settings"]) == (["rank_by=perplexity"], []), "the two picks timed"
    assert not judged["cpu"]["bf16_features"] and judged["dtype"] == "float32", "a float32, AVX2-only host"
    fast, slow = plain["promogen"]["users_per_min"], judged["promogen"]["users_per_min"]
    stated = f"the batch path writes {slow} users/min with the judge against {fast} without, "
    assert stated + f"{fast / slow:.2f} times slower, inside the issue's limit of 2x" in text, stated
    assert fast / slow <= 2, "inside the issue's limit"
    for bench in (plain, judged):
        shows(text.partition("its scoring step takes ")[2][:30], bench["promogen"]["score_s"])
        shows(text.partition("its scoring step takes ")[2][:40], bench["promogen"]["wall_s"])
    throughput = " ".join((ROOT / "docs" / "throughput.md").read_text(encoding="utf-8").split())
    assert f"{slow} users/min against {fast} with the copywriter's perplexity picking" in throughput
    shown = f"{judged['speedup_users_per_min']}x and {plain['speedup_users_per_min']}x there"
    assert shown in throughput, shown


def test_judge_in_bfloat16_matches_its_check():
    text = " ".join(README.split()).partition("What that does to its picks, measured on")[2][:900]
    found = _load("reports/copy_quality/copy_judge5/dtype.json")
    same = found["float32_vs_bfloat16"]
    assert found["cpu"]["avx2"] and not found["cpu"]["avx512_bf16"], "measured on an AVX2-only host"
    assert not found["cpu"]["amx_bf16"] and "emulates bfloat16" in text, "which the docs say"
    assert f"the same {same['candidates']:,} eligible candidates of the {same['shoppers']} held-out" in text
    stated = f"{same['same_pick']} of the {same['shoppers']} shoppers get the same pick "
    assert stated + f"({same['same_pick_share']:.0%})" in text, stated
    mean, most = same["mean_abs_score_difference"], same["max_abs_score_difference"]
    assert f"by {mean:.3f} on average and by {most:.3f} at most" in text, (mean, most)
    assert f"the {same['shoppers'] - same['same_pick']} picks that change" in text, "the changed picks"


def test_dev_run_with_the_judge_matches_its_pages():
    text = " ".join(README.split()).partition("**With the judge** (2026-12-03")[2].partition("**")[0]
    rerun = dict(_examples(REPORTS / "copy_quality" / "rerun_avx2_e3a5d9e" / "examples.md")["shipped"])
    now = dict(_examples(REPORTS / "copy_quality" / "examples.md")["shipped"])
    moved = sum(now[k] != rerun[k] for k in now)
    assert f"the judge delivers other copy to {moved} of the 120 dev shoppers" in text, moved
    ours, before = (
        _load(f"reports/copy_quality/{f}reference.json")["delivered"]["mean_over_campaigns"]
        for f in ("", "rerun_avx2_e3a5d9e/")
    )
    assert f"distinct-2 per campaign {ours['distinct_2']:.3f} against {before['distinct_2']:.3f}" in text
    shares = f"{ours['opening_frame_share']:.1%} against {before['opening_frame_share']:.1%}"
    assert f"the opening-frame share {shares}" in text, shares


def test_logprob_share_section_matches_its_reports_and_its_rule():
    text = " ".join(README.split()).partition("### The judge with the copy's own log-probability")[2]
    text = text.partition("###")[0]
    folder = "reports/copy_quality/judge_logprob/"
    chosen, shipped = "layer 25, alpha 100", "reports/copy_quality/copy_judge5/"
    four, six = (_load(folder + f)["runs"][chosen] for f in ("cv.json", "cv_n6.json"))
    assert _load(folder + "cv.json")["logprob_share"] == 0.5 and (four["n"], six["n"]) == (4, 6), "the runs"
    ridge = [_load(shipped + f)["runs"][chosen]["scores"]["judge"] for f in ("cv.json", "cv_n6.json")]
    for first, scores in (
        ("ridge alone (share 0", ridge),
        ("ridge and log-probability, share 0.5", [four["scores"]["judge"], six["scores"]["judge"]]),
        (
            "copywriter perplexity, in the share's runs",
            [four["scores"]["perplexity"], six["scores"]["perplexity"]],
        ),
    ):
        cells = row(first)
        shows(cells[1], scores[0]["auc"])
        shows(cells[2], scores[0]["within_spec_pair_accuracy"])
        pct(cells[3], scores[0]["picked_send_as_is"])
        pct(cells[4], scores[1]["picked_send_as_is"])
    # The rule: variety the smallest swept value whose train distinct-2 is no lower than the shipped
    # judge's there (its own sweep's 0.5 run); shipped only with +0.15, interval above 0, distinct-2 held.
    sweep = _load(folder + "sweep_train.json")
    before = _load(shipped + "sweep_train.json")["variety"]["0.5"]["diversity"]["judge"][
        "mean_over_campaigns"
    ]
    d2 = {
        float(v): x["diversity"]["judge"]["mean_over_campaigns"]["distinct_2"]
        for v, x in sweep["variety"].items()
    }
    value = min(v for v, d in d2.items() if d >= before["distinct_2"])
    repick = _load(folder + "repick.json")
    assert value == repick["variety"] == 2.0 and repick["logprob_share"] == 0.5, f"variety {value}"
    assert ", ".join(f"{d:g}" for d in d2.values()) in text, f"the sweep's distinct-2: {d2}"
    old = _load(shipped + "repick_v05.json")["diversity"]["judge"]["mean_over_campaigns"]
    new = repick["diversity"]["judge"]["mean_over_campaigns"]
    stated = f"distinct-2 per campaign {new['distinct_2']:g} (the shipped pick's {old['distinct_2']:g}), "
    stated += f"opening frame {new['opening_frame_share']:.1%} ({old['opening_frame_share']:.1%})"
    assert stated in text, stated
    report = _load(folder + "panel/panel.json")
    assert report["paired"]["shoppers"] == 79 and f"{report['paired']['shoppers']} shoppers get" in text, (
        "moved"
    )
    rows = [
        ("=the judge with share 0.5, `variety` 2", "promogen_logprob_model"),
        ("shipped, share panel", "promogen_judge_v05_model"),
        ("template line, share panel", "promogen_template"),
        ("reference copy, share panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "The share's pick minus shipped, per shopper:")
    missed = report["paired"]["mean_send_difference"] < 0.15 or report["paired"]["interval_95"][0] <= 0
    assert missed and "Missed: no gain" in text, "the rule's verdict"
    summary = f"cross-validation ({four['scores']['judge']['picked_send_as_is']:.1%} among four, "
    summary += f"{six['scores']['judge']['picked_send_as_is']:.1%} among six) but not on the held-out "
    summary += f"shoppers it moved ({report['paired']['mean_send_difference']:+.3f}, table above)"
    assert summary in " ".join((ROOT / "README.md").read_text(encoding="utf-8").split()), summary
    from promogen.judge import Judge

    assert Judge.load().config.logprob_share == 0.0 == Judge.load().ridge.logprob_weight, "not shipped"


def test_variety_under_the_judge_section_matches_its_reports_and_its_rule():
    text = " ".join(README.split()).partition("### A stronger `variety` under the judge")[2]
    text = text.partition("###")[0]
    folder = "reports/copy_quality/variety_judge/"
    reference = _load(folder + "reference_heldout.json")["reference"]["mean_over_campaigns"]["distinct_2"]
    floor = reference * 0.9
    assert f"distinct-2 per campaign {reference:g}" in text and f"at least {floor:.4f}" in text, floor
    swept = _load(folder + "sweep_heldout.json")["variety"]
    for value, run in swept.items():
        cells = row(f"judge, `variety` {value}")
        judged = run["diversity"]["judge"]["mean_over_campaigns"]
        shows(cells[1], judged["distinct_2"])
        pct(cells[2], judged["opening_frame_share"])
    d2 = {float(v): r["diversity"]["judge"]["mean_over_campaigns"]["distinct_2"] for v, r in swept.items()}
    chosen = min(v for v, d in d2.items() if v >= 1 and d >= floor)
    repick = _load(folder + "repick_v1.json")
    assert chosen == repick["variety"] == 1.0, f"the rule's value: {chosen}"
    report = _load(folder + "panel/panel.json")
    assert report["paired"]["shoppers"] == 19 and "moves 19 shoppers" in text, "the moved shoppers"
    rows = [
        ("=the judge with `variety` 1", "promogen_judge_v1_model"),
        ("shipped, variety panel", "promogen_judge_v05_model"),
        ("template line, variety panel", "promogen_template"),
        ("reference copy, variety panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "The refitted judge's pick with `variety` 1 minus the shipped pick, per shopper:")
    assert report["paired"]["mean_send_difference"] < -0.05 and "Missed, clearly" in text, "the verdict"
    cost = "under the judge (1 for 0.5) cost sense as it had under perplexity "
    cost += f"({report['paired']['mean_send_difference']:.3f}, table above)"
    assert cost in " ".join((ROOT / "README.md").read_text(encoding="utf-8").split()), cost
    from promogen.pipeline import PipelineConfig

    assert PipelineConfig().variety == 0.5, "not shipped: the default stays"


def test_shipped_sample_panel_matches_its_report_and_the_held_back_targets():
    report = _load("reports/copy_quality/shipped_panel/panel.json")
    rows = [
        ("the shipped pipeline's delivered copy, sample panel", "promogen_model"),
        ("template line, sample panel", "promogen_template"),
        ("reference copy, sample panel", "reference_best"),
    ]
    panel_rows(report, rows, ("ungrammatical", *PANEL_FLAGS))
    paired_sentence(report, "Delivered copy minus the template line, per shopper:")
    ours, template = (report["by_source"][k] for k in ("promogen_model", "promogen_template"))
    gap = ours["relevance"] - template["relevance"]
    text = " ".join(README.split())
    said = {True: "met", False: "missed"}
    verdicts = (
        f"sent as is {ours['send_as_is']:.1%} (target 70%: {said[ours['send_as_is'] >= 0.7]})",
        f"mean send above the template line's ({said[ours['mean_send'] > template['mean_send']]})",
        f"relevance {gap:.2f} above the template line's (target 0.5: {said[gap >= 0.5]})",
        f"offer misstated {ours['offer_misstated']:.0%} (target under 3%: "
        f"{said[ours['offer_misstated'] < 0.03]})",
    )
    for verdict in verdicts:
        assert verdict in text, verdict
    cells = row("11, copy", "held-back panel")
    stated = (
        f"{ours['send_as_is']:.1%} sent as is, {ours['mean_send']:.2f} against {template['mean_send']:.2f}, "
    )
    stated += f"relevance +{gap:.2f}, offer misstated {ours['offer_misstated']:.0%}"
    assert stated in cells[2] and cells[3].startswith("no"), cells[2]
