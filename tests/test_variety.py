"""The variety replay re-makes the pipeline's own picks from stored candidates, and prices the others."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from promogen import PipelineConfig, PromoGen
from promogen.evaluation.variety import diversity, read_deliveries, sweep
from promogen.simulate import demo_campaign, simulate_users
from promogen.types import ValidationError

ROOT = Path(__file__).resolve().parents[1]

LINES = [
    "Get 20% off running gear with code RUN20.",
    "Trail season is here: 20% off running gear, code RUN20.",
    "New shoes for the long run? 20% off running gear with RUN20.",
]


def harness_folder(tmp_path, copywriter, encoder, variety: float):
    """Deliveries of 6 shoppers of run20, written as the harness writes them (one JSONL per campaign)."""
    copywriter.perplexities.update({LINES[0]: 1.5, LINES[1]: 1.8, LINES[2]: 2.2})
    pg = PromoGen(copywriter.enqueue(*LINES * 6), encoder, PipelineConfig(variety=variety))
    deliveries = pg.generate(demo_campaign("run20"), simulate_users(6, seed=2), n_candidates=3)
    folder = tmp_path / f"v{variety}"
    folder.mkdir()
    (folder / "run20.jsonl").write_text("".join(json.dumps(d.to_dict()) + "\n" for d in deliveries))
    return folder, deliveries


def test_replay_makes_the_pipelines_picks_and_prices_the_moves(tmp_path, copywriter, encoder):
    folder, plain = harness_folder(tmp_path, copywriter, encoder, variety=0.0)
    _, varied = harness_folder(tmp_path, copywriter, encoder, variety=1.0)
    result = sweep(read_deliveries(folder), [0.0, 1.0], out=tmp_path / "replayed")
    assert result["0.0"]["moved"] == 0.0 and result["0.0"]["log_perplexity_cost"] == 0.0, result["0.0"]
    delivered = [d.text for d in varied]
    assert result["1.0"]["mean_over_campaigns"] == diversity({"run20": delivered})["mean_over_campaigns"], (
        "replaying variety 1 on the plain run's candidates gives what the pipeline delivers with it"
    )
    rewritten = [d.to_dict() for d in read_deliveries(tmp_path / "replayed" / "1.0")["run20"]]
    assert rewritten == [d.to_dict() for d in varied], "written as the pipeline with variety 1 writes them"
    moved = sum(a.chosen != b.chosen for a, b in zip(plain, varied, strict=True)) / len(plain)
    assert result["1.0"]["moved"] == round(moved, 4), f"share of shoppers moved: {result['1.0']}"
    assert result["1.0"]["log_perplexity_cost"] > 0, "moving off the surest line costs likelihood"
    d2 = [result[v]["mean_over_campaigns"]["distinct_2"] for v in ("0.0", "1.0")]
    assert d2[1] > d2[0], f"the penalty spreads the phrasing: distinct-2 {d2}"


def test_a_batch_jobs_picks_are_replayed_batch_by_batch(tmp_path, copywriter, encoder):
    copywriter.perplexities.update({LINES[0]: 1.5, LINES[1]: 1.8, LINES[2]: 2.2})
    pg = PromoGen(copywriter.enqueue(*LINES * 6), encoder, PipelineConfig(variety=1.0))
    users = simulate_users(6, seed=2)
    batches = [pg.generate(demo_campaign("run20"), users[i : i + 3], n_candidates=3) for i in (0, 3)]
    job = [d for batch in batches for d in batch]
    (tmp_path / "demo_run20.jsonl").write_text("".join(json.dumps(d.to_dict()) + "\n" for d in job))
    sweep(read_deliveries(tmp_path), [1.0], out=tmp_path / "by3", batch_size=3)
    again = [d.to_dict() for d in read_deliveries(tmp_path / "by3" / "1.0")["demo_run20"]]
    assert again == [d.to_dict() for d in job], "batches of 3 replayed as batches of 3 give the job's picks"
    sweep(read_deliveries(tmp_path), [1.0], out=tmp_path / "whole")
    whole = [d.text for d in read_deliveries(tmp_path / "whole" / "1.0")["demo_run20"]]
    assert whole != [d.text for d in job], f"as one call, later shoppers meet all earlier ones: {whole}"


def test_replay_settings_reach_every_value_and_brands_add_the_share_after_them(tmp_path, copywriter, encoder):
    folder, _ = harness_folder(tmp_path, copywriter, encoder, variety=0.0)
    runs = read_deliveries(folder)
    plain = sweep(runs, [0.0])["0.0"]
    ranked = sweep(
        runs, [0.0], settings=["rank_by=perplexity", "relevance=50"], brands={"run20": "Stride Sports"}
    )["0.0"]
    assert plain["moved"] == 0.0 and ranked["moved"] > 0.0, (
        f"with a strong relevance weight, picks move: {ranked}"
    )
    assert "opening_frame_share_after_brand" in ranked["mean_over_campaigns"], "brands given: the share after"
    assert "opening_frame_share_after_brand" not in plain["mean_over_campaigns"], "no brands: no such share"


def test_diversity_counts_per_campaign_and_over_all_messages():
    result = diversity({"a": ["x y z", "x y w"], "b": ["p q r", "s t u"]})
    assert result["mean_over_campaigns"] == {"distinct_2": 0.875, "opening_frame_share": 0.5}, (
        "a: 3 of 4 pairs distinct, b: 4 of 4; in each, two different three-word openings (1 of 2 each)"
    )
    assert result["all_messages"]["distinct_2"] == 0.875 and result["messages"] == 4, f"7 of 8: {result}"


def test_the_share_after_the_brand_sets_an_sms_sender_prefix_aside():
    from promogen.evaluation.evaluator import opening_frame_share
    from promogen.wording import opening

    texts = [
        "Maple & Thread: warm knits for you. 30% off knitwear with PCFS30",
        "maple & thread - cosy nights in. 30% off knitwear with PCFS30",
        "Maple & Thread: warm knits for you again. 30% off knitwear with PCFS30",
        "Warm knits for you: 30% off knitwear with PCFS30",
    ]
    assert opening_frame_share(texts) == 0.5, "without the brand, its name is the commonest frame (2 of 4)"
    assert opening_frame_share(texts, "Maple & Thread") == 0.75, "after it: 'warm knits for' opens 3 of 4"
    assert opening("Maxi dresses for summer", "Max") == "maxi dresses for", "a brand is a whole word"
    assert opening("MAX - dresses for summer", "Max") == "dresses for summer", "in any case, its dash dropped"
    result = diversity({"a": texts, "b": ["p q r", "s t u"]}, brands={"a": "Maple & Thread", "b": "Other"})
    assert result["mean_over_campaigns"]["opening_frame_share_after_brand"] == 0.625, (
        f"(0.75 + 0.5) / 2: {result}"
    )
    assert "opening_frame_share_after_brand" not in diversity({"b": ["p q r"]})["mean_over_campaigns"], (
        "only asked for with brands"
    )


def test_an_examples_page_reads_back_per_variant_and_campaign(tmp_path):
    from promogen.evaluation.report import read_examples

    page = tmp_path / "examples.md"
    page.write_text(
        "# Delivered copy, every shopper\n\n## g1: Shop: One, sms, 10% off (warm)\n\nVariant `a`:\n\n"
        "- g1-u00: Shop: One: hello: 10% off\n- g1-u01: Safe line *(fallback)*\n\nVariant `b`:\n\n"
        "- g1-u00: Other copy\n\n## g2: Two, push, free shipping\n\nVariant `a`:\n\n- g2-u00: Hi\n",
        encoding="utf-8",
    )
    assert read_examples(page) == {
        "a": {"g1": ["Shop: One: hello: 10% off", "Safe line"], "g2": ["Hi"]},
        "b": {"g1": ["Other copy"]},
    }, "copy keeps its colons, a fallback loses its mark, variants stay apart"


def test_reading_an_empty_folder_says_what_is_missing(tmp_path):
    with pytest.raises(ValidationError, match="no deliveries"):
        read_deliveries(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "eval.judge_dtype", "--deliveries", str(tmp_path), "--gold", "x.jsonl"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr, f"one line: {done.stderr}"
    assert "no deliveries (*.jsonl) in" in done.stderr, done.stderr
