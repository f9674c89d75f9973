"""Evaluator metrics on contexts with known answers, variant parsing, the harness report, rescoring."""

import json
import re

import numpy as np
import pytest

from promogen import Candidate, Delivery, PipelineConfig, PromoGen, Ranker
from promogen.evaluation.evaluator import (
    METRICS,
    EvalContext,
    Evaluator,
    distinct_n,
    fluency_score,
    rejects_by_rule,
)
from promogen.evaluation.harness import Group, Harness, parse_variant, sample_users
from promogen.evaluation.report import write_report
from promogen.ope import rescore_log
from promogen.simulate import demo_campaign, simulate_users
from promogen.types import UserHistory, ValidationError


def test_distinct_n_counts_unique_ngrams():
    texts = ["a b c", "a b d"]
    assert distinct_n(texts, 1) == pytest.approx(4 / 6), "words a,b,c,d of 6"
    assert distinct_n(texts, 2) == pytest.approx(3 / 4), "pairs ab, bc, bd of 4"
    assert distinct_n([], 2) == 0.0


def test_fluency_score_maps_perplexity_to_unit_interval():
    assert fluency_score(1.0, 400.0) == pytest.approx(1.0)
    assert fluency_score(400.0, 400.0) == pytest.approx(0.0)
    assert fluency_score(20.0, 400.0) == pytest.approx(0.5, abs=0.01), "20 is halfway on a log scale to 400"
    assert fluency_score(10_000.0, 400.0) == 0.0, "beyond the floor clips to 0"


def _delivery(uid, text, chosen, cands):
    return Delivery(
        uid, "c", text, "model" if chosen is not None else "fallback", cands, chosen, 1.0, "m", None, 0, "x"
    )


def _context():
    eye = np.eye(3, 4, dtype=np.float32)  # three users with orthogonal interests
    cands = [
        [
            Candidate("a b", {"predicted_ctr": 0.04}, eligible=True),
            Candidate("a c", {"predicted_ctr": 0.02}, eligible=True),
            Candidate("a e", {"predicted_ctr": 0.9}),  # compliant, but under a floor: never deliverable
        ],
        [
            Candidate("x", {"predicted_ctr": 0.01}, ["code_missing"]),
            Candidate("b d", {"predicted_ctr": 0.03}, eligible=True),
        ],
        [Candidate("y", {"predicted_ctr": 0.05}, ["too_long"])],
    ]
    deliveries = [
        _delivery("u0", "a b", 0, cands[0]),
        _delivery("u1", "b d", 1, cands[1]),
        _delivery("u2", "fallback copy", None, cands[2]),
    ]
    return EvalContext(
        campaign=demo_campaign("run20"),
        users=simulate_users(3),
        deliveries=deliveries,
        user_vectors=eye,
        copy_vectors=eye.copy(),  # each copy matches exactly its own user
        generic_vectors=np.full((3, 4), 0.5, dtype=np.float32),
        perplexity=np.array([10.0, 20.0, 400.0]),
        predicted_ctr=np.array([0.04, 0.03, 0.02]),
        violations=[[], [], []],
        fluency_floor=400.0,
    )


def test_metrics_on_a_context_with_known_answers():
    values = {m.name: m.compute(_context()) for m in METRICS}
    assert values["first_try_compliance"] == pytest.approx(4 / 6), "4 of 6 candidates pass"
    assert values["fallback_rate"] == pytest.approx(1 / 3)
    assert np.allclose(values["relevance"], 1.0), "each copy equals its user's interest vector"
    assert values["personalisation_vs_others"] == pytest.approx(1.0), (
        "relevant to its user, orthogonal to others"
    )
    assert values["personalisation_vs_generic"] == pytest.approx(0.5), "1 - 0.5 against the generic copy"
    assert values["pairwise_similarity"] == pytest.approx(0.0), "orthogonal copies"
    # chosen 0.04 vs mean(0.04, 0.02) = 0.03 (the ineligible 0.9 was never a choice); 0.03 vs 0.03
    assert values["ctr_lift_vs_random"] == pytest.approx(0.035 / 0.03), "against eligible candidates only"
    assert values["fluency"][2] == pytest.approx(0.0) and values["fluency"][0] > values["fluency"][1]


def test_every_metric_is_named_documented_and_levelled():
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names)), f"duplicate metric names: {names}"
    for metric in METRICS:
        assert metric.name and metric.help, f"{type(metric).__name__} needs a name and a help text"
        assert metric.level in ("copy", "campaign"), f"{metric.name}: level {metric.level!r}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("base", ("base", {})),
        ("base=adapter=none", ("base", {"adapter": "none"})),
        ("n8=n_candidates=8,policy=softmax:0.1", ("n8", {"n_candidates": "8", "policy": "softmax:0.1"})),
        ("ctl=shuffle_vectors=true", ("ctl", {"shuffle_vectors": "true"})),
        ("hot=generator.temperature=1.2", ("hot", {"generator.temperature": "1.2"})),
        ("judge=approver=none", ("judge", {"approver": "none"})),
    ],
)
def test_variant_specs_parse(text, expected):
    assert parse_variant(text) == expected


def test_a_variant_naming_existing_model_folders_parses():
    from promogen.approver import WEIGHTS_DIR
    from promogen.conditioning import SHIPPED_ADAPTER

    spec = f"mine=adapter={SHIPPED_ADAPTER},approver={WEIGHTS_DIR}"
    expected = {"adapter": str(SHIPPED_ADAPTER), "approver": str(WEIGHTS_DIR)}
    assert parse_variant(spec) == ("mine", expected), f"the shipped folders are model folders: {spec}"


def test_variant_approver_chooses_but_the_base_approver_judges(fake_pg, tmp_path):
    harness = Harness(fake_pg, tmp_path, progress=lambda _: None)
    sentinel = object()
    harness._approvers["mine"] = sentinel  # an approver folder already loaded
    assert harness.pipeline({"approver": "mine"}).approver is sentinel, "the variant's approver chooses"
    assert harness.pipeline({"approver": "none"}).approver is None, "approver=none: no approver"
    assert harness.pipeline({}).approver is fake_pg.approver, "no setting: the base pipeline's approver"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("=adapter=none", r"needs a name"),
        ("v=colour=red", r"variant 'v': unknown setting `colour`; allowed here: encoder, generator"),
        ("v=temperature=0.5", r"unknown setting `temperature`"),
        ("v=generator.heat=2", r"unknown setting `generator.heat`; allowed here: batch_size"),
        ("v=n_candidates", r"bad setting 'n_candidates'; write key=value"),
        ("v=n_candidates=many", r"`n_candidates` must be int; got 'many'"),
        ("v=n_candidates=0", r"`n_candidates` must be in \[1, 64\]"),
        ("v=personalise=maybe", r"`personalise` must be true or false"),
        ("v=policy=best", r"`policy` must be greedy, uniform"),
        ("v=adapter=runs/typo/adapter", r"variant 'v': adapter folder not found \(no promogen_adapter.json"),
        ("v=approver=no/such", r"variant 'v': approver folder not found \(no .*\): 'no/such'$"),
        ("v=adapter=", r"variant 'v': adapter folder not found .*: ''$"),
    ],
)
def test_bad_variant_specs_are_rejected(text, pattern):
    with pytest.raises(ValidationError, match=pattern):
        parse_variant(text)


def test_sample_users_is_seeded_and_honours_exclusions():
    users = simulate_users(10, seed=0)
    picked = sample_users(users, 4, seed=1, exclude={users[0].user_id})
    assert picked == sample_users(users, 4, seed=1, exclude={users[0].user_id}), "same seed, same users"
    assert users[0].user_id not in {u.user_id for u in picked}, "excluded user drawn"
    with pytest.raises(ValidationError, match="only 9 eligible users"):
        sample_users(users, 20, seed=0, exclude={users[0].user_id})


def test_harness_writes_report_with_every_metric_and_plots(tiny_pg, tmp_path):
    users = simulate_users(4, seed=2)
    variants = [parse_variant("one=n_candidates=1"), parse_variant("two=n_candidates=2,policy=uniform")]
    references = [["Long runs ahead? 20% off running gear with RUN20."]] * 4
    groups = [Group(demo_campaign("run20"), users, references), Group(demo_campaign("shipfree"), users)]
    results = Harness(tiny_pg, tmp_path, progress=lambda _: None).run(groups, variants)
    meta = {"command": "test", "users": "4 simulated", "seed": 0, "variants": dict(variants)}
    report = write_report(results, meta, tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    for variant in ("one", "two"):
        for cid in ("run20", "shipfree"):
            got = data["results"][variant][cid]
            assert set(got["metrics"]) == {m.name for m in METRICS}, "every metric reported"
            assert len(got["copies"]) == 4, "one copy row per user"
            lines = (tmp_path / "deliveries" / variant / f"{cid}.jsonl").read_text().splitlines()
            assert len(lines) == 4, "deliveries saved, one per user"
    text = report.read_text()
    for plot in ("scores", "compliance_by_channel", "chosen_vs_random", "relevance"):
        assert (tmp_path / f"{plot}.png").stat().st_size > 1000, f"{plot}.png missing or empty"
        assert f"]({plot}.png)" in text, f"{plot}.png not linked from report.md"
    assert "| one |" in text and "| two |" in text, "variant summary table"
    from promogen.hardware import summary
    from promogen.provenance import code_version

    code = code_version()
    assert f"machine: {summary()};" in text, (
        "the header names the CPU's bf16 features and the thread count (in bfloat16 they change the copy)"
    )
    assert code is None or f"(commit {code['commit']}" in text, "the header names the code's commit"
    started = {"commit": "0123abc", "uncommitted_changes": True}
    write_report(results, {**meta, "code": started}, tmp_path / "started")
    assert "(commit 0123abc, with uncommitted changes)" in (tmp_path / "started" / "report.md").read_text(), (
        "a run that outlasts a commit records the code it started with, as its caller says"
    )
    rejects = [data["results"][v]["run20"]["rejects"]["candidates"] for v in ("one", "two")]
    assert rejects == [4, 8], f"every candidate counted in the rejects tally: {rejects}"
    assert "## Rejected candidates by gate rule" in text, "report.md says what the gate rejected"
    similarity = data["results"]["one"]["run20"]["metrics"]["reference_similarity"]
    assert -1 <= similarity <= 1, f"reference similarity is a cosine where references exist: {similarity}"
    assert data["results"]["one"]["shipfree"]["metrics"]["reference_similarity"] is None or np.isnan(
        data["results"]["one"]["shipfree"]["metrics"]["reference_similarity"]
    ), "no references, no similarity"


def test_evaluator_scores_under_the_same_base_model(tiny_pg):
    users = simulate_users(3, seed=5)
    campaign = demo_campaign("run20")
    deliveries = tiny_pg.generate(campaign, users, n_candidates=2)
    evaluator = Evaluator(tiny_pg)
    ctx = evaluator.context(campaign, users, deliveries)
    assert ctx.perplexity.shape == (3,) and np.all(ctx.perplexity >= 1.0)
    result = evaluator.evaluate(ctx)
    assert result["metrics"]["compliant"] == 1.0, "the pipeline never delivers a violating copy"


def test_evaluator_on_delivered_model_copy(fake_pg, copywriter):
    users, campaign = simulate_users(3, seed=5), demo_campaign("run20")
    copywriter.rule = copywriter.write_offer
    deliveries = fake_pg.generate(campaign, users, n_candidates=2)
    evaluator = Evaluator(fake_pg)
    generic = evaluator.generic_copies(campaign, users, fake_pg.encoder.encode_users(users), n=2, seed=0)
    assert generic == ["20% off running gear with code RUN20."] * 3, (
        f"the generic copy is the model's copy of the prompt without interests: {generic}"
    )
    ctx = evaluator.context(campaign, users, deliveries)
    assert copywriter.scored[-1] == ([d.text for d in deliveries], True), (
        "delivered copy is scored under the base model, so that variants are judged alike"
    )
    metrics = evaluator.evaluate(ctx)["metrics"]
    assert metrics["fallback_rate"] == 0.0 and metrics["compliant"] == 1.0, metrics
    assert metrics["personalisation_vs_generic"] > 0, f"per-user copy differs from the generic: {metrics}"


GENERIC = [
    "Get 20% off running gear with code RUN20.",
    "Trail season is here: 20% off running gear, code RUN20.",
]


@pytest.mark.parametrize("variety, expected", [(0.0, [0, 0, 0]), (0.6, [0, 1, 0])])
def test_generic_copy_is_picked_by_the_pipelines_own_rule(copywriter, encoder, variety, expected):
    copywriter.perplexities.update({GENERIC[0]: 1.5, GENERIC[1]: 2.0})
    pg = PromoGen(copywriter.enqueue(*GENERIC), encoder, PipelineConfig(variety=variety))
    users = simulate_users(3, seed=0)
    generic = Evaluator(pg).generic_copies(demo_campaign("run20"), users, encoder.encode_users(users), 2, 0)
    assert generic == [GENERIC[i] for i in expected], (
        f"variety {variety}: the surest generic line, spread as the pipeline spreads it: {generic}"
    )
    assert copywriter.history[-1].prompts == pg.prompts(demo_campaign("run20"), [[]]), (
        "one prompt, no interests"
    )


def test_rescore_recomputes_predicted_ctr_with_the_current_ranker(encoder, tmp_path):
    users = simulate_users(2, seed=1)
    texts = ["Get 20% off running gear with code RUN20.", "Trail shoes: 20% off with RUN20!"]
    rows = [
        {
            "user_id": u.user_id,
            "candidates": [{"text": t, "scores": {"predicted_ctr": 0.5}} for t in texts],
            "chosen": 0,
            "propensity": 1.0,
            "click": 0,
        }
        for u in users
    ]
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ranker = Ranker.load()
    histories = {u.user_id: u for u in users}
    out = rescore_log(log, tmp_path / "re.jsonl", histories, "push", encoder, ranker, scoring_dtype="float32")
    got = [
        [c["scores"]["predicted_ctr"] for c in json.loads(line)["candidates"]]
        for line in out.read_text().splitlines()
    ]
    vectors, _ = encoder.encode_users(users)
    emb = encoder.encode_texts(texts)
    for i in range(2):
        want = ranker.predict_ctr(np.repeat(vectors[i : i + 1], 2, axis=0), emb, texts, "push")
        assert np.allclose(got[i], want, atol=1e-5), f"user {i}: {got[i]} vs {want}"
    half = rescore_log(
        log, tmp_path / "bf.jsonl", histories, "push", encoder, ranker, scoring_dtype="bfloat16"
    )
    rounded = [
        [c["scores"]["predicted_ctr"] for c in json.loads(x)["candidates"]]
        for x in half.read_text().splitlines()
    ]
    assert rounded != got and np.allclose(rounded, got, rtol=0.02), (
        f"rescoring follows the pipeline's scoring_dtype: bfloat16 {rounded} vs float32 {got}"
    )
    with pytest.raises(ValidationError, match="history of every logged user"):
        rescore_log(log, tmp_path / "x.jsonl", {}, "push", encoder, ranker)
    for bad, pattern in (
        ("{broken", r"broken JSON: .* \(line 2\)"),
        ("[1]", r"each line must be a JSON object \(a delivery\) \(line 2\)"),
        ('{"candidates": 3}', r"`candidates` list of texts is needed \(line 2\)"),
        ('{"candidates": [{"scores": {}}]}', r"`candidates` list of texts is needed \(line 2\)"),
    ):
        (tmp_path / "bad.jsonl").write_text(json.dumps(rows[0]) + "\n" + bad + "\n")
        with pytest.raises(ValidationError, match=pattern):
            rescore_log(tmp_path / "bad.jsonl", tmp_path / "x.jsonl", histories, "push", encoder, ranker)


def test_precomputed_encodings_give_the_same_deliveries(tiny_pg):
    users = simulate_users(3, seed=9)
    campaign = demo_campaign("run20")
    encoded = tiny_pg.encoder.encode_users(users)
    fresh = [d.text for d in tiny_pg.generate(campaign, users, n_candidates=2)]
    reused = [d.text for d in tiny_pg.generate(campaign, users, n_candidates=2, encoded=encoded)]
    assert fresh == reused, "passing encode_users' result must not change the copy"
    with pytest.raises(ValidationError, match="`encoded` holds 3 users, `users` 2"):
        tiny_pg.generate(campaign, users[:2], encoded=encoded)


def test_rejects_by_rule_counts_each_rule_once_per_candidate(fake_pg, copywriter):
    over = "Get 20% off running gear with code RUN20. " + "Run far, run fast, run free. " * 5
    copywriter.enqueue("Get 20% off running gear with code RUN20.", over, over + "RUN50")
    [delivery] = fake_pg.generate(demo_campaign("run20"), simulate_users(1, seed=0), n_candidates=3)
    rules = [sorted({v.rule for v in c.violations}) for c in delivery.candidates]
    tally = rejects_by_rule([delivery])
    assert tally["candidates"] == 3 and tally["too_long"] == 2, f"{tally} from {rules}"
    assert sum(tally.values()) - 3 == sum(len(r) for r in rules), (
        f"one count per rule broken: {tally} {rules}"
    )


def test_a_killed_run_resumes_with_the_campaigns_it_finished(fake_pg, copywriter, tmp_path):
    copywriter.rule = lambda prompt, k: f"Good news, candidate {k} is here."  # the copy is not the point
    users = simulate_users(4, seed=2)
    groups = [Group(demo_campaign("run20"), users), Group(demo_campaign("shipfree"), users)]
    variants = [parse_variant("one=n_candidates=2")]
    first = Harness(fake_pg, tmp_path, progress=lambda _: None).run(groups, variants)
    (tmp_path / "resume" / "one" / "shipfree.json").unlink()  # killed before the second campaign finished
    log: list[str] = []
    harness = Harness(fake_pg, tmp_path, progress=log.append, resume=True)
    again = harness.run(groups, variants)
    assert log[0] == "one / run20: kept from the earlier run", f"the finished campaign is kept: {log}"
    assert log[1].startswith("one / shipfree: compliance"), f"the unfinished one runs again: {log}"
    assert harness.kept == {"one": ["run20"]}, f"what was kept, for the report: {harness.kept}"
    kept, fresh = (json.dumps(r["one"]["run20"], sort_keys=True) for r in (again, first))
    assert kept == fresh, "the kept result is the earlier run's, number for number"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("settings", r"record\.pipeline\.n_candidates"),
        ("users", r"campaign_users_references_sha1"),
        ("seed", r"differs in seed;"),
        ("truncated", r"the kept file, which cannot be read"),
    ],
)
def test_a_kept_result_made_otherwise_runs_again_saying_why(change, reason, fake_pg, copywriter, tmp_path):
    copywriter.rule = lambda prompt, k: f"Good news, candidate {k} is here."
    users = simulate_users(3, seed=2)
    variants = [parse_variant("one=n_candidates=2")]
    Harness(fake_pg, tmp_path, progress=lambda _: None).run([Group(demo_campaign("run20"), users)], variants)
    seed = 1 if change == "seed" else 0
    if change == "settings":
        variants = [parse_variant("one=n_candidates=3")]
    if change == "users":  # the same ids, another history
        users = [UserHistory.from_dict({**u.to_dict(), "events": u.to_dict()["events"][:1]}) for u in users]
    if change == "truncated":
        kept = tmp_path / "resume" / "one" / "run20.json"
        kept.write_text(kept.read_text()[:50])
    log: list[str] = []
    harness = Harness(fake_pg, tmp_path, seed=seed, progress=log.append, resume=True)
    harness.run([Group(demo_campaign("run20"), users)], variants)
    assert log[0].startswith("one / run20: not kept, it differs in"), f"{change}: not kept, and why: {log}"
    assert re.search(reason, log[0]), f"{change}: the log names what differs: {log[0]}"
    assert log[1].startswith("one / run20: compliance"), f"{change}: the campaign runs again: {log}"
    assert not harness.kept, f"{change}: nothing reported as kept"


def test_without_resume_every_campaign_runs_and_a_written_report_forgets_the_kept(
    fake_pg, copywriter, tmp_path
):
    copywriter.rule = lambda prompt, k: f"Good news, candidate {k} is here."
    groups = [Group(demo_campaign("run20"), simulate_users(2, seed=2))]
    variants = [parse_variant("one=n_candidates=2")]
    Harness(fake_pg, tmp_path, progress=lambda _: None).run(groups, variants)
    log: list[str] = []
    harness = Harness(fake_pg, tmp_path, progress=log.append)
    harness.run(groups, variants)
    assert not any("kept" in line for line in log), f"without resume every campaign runs: {log}"
    harness.forget()
    assert not (tmp_path / "resume").exists(), "once the report is written, the kept results go"
    log.clear()
    Harness(fake_pg, tmp_path, progress=log.append, resume=True).run(groups, variants)
    assert log[0].startswith("nothing kept in"), f"a resume with nothing kept says so: {log}"


def _harness_report(path, approvals: dict[str, list[float]], variants=("v",)) -> str:
    """A minimal harness report.json: per campaign, the approval of each shopper's delivered copy."""
    run = {
        c: {
            "copies": [{"user_id": f"u{i}", "approval": a, "text": f"Copy {i}"} for i, a in enumerate(values)]
        }
        for c, values in approvals.items()
    }
    path.write_text(json.dumps({"results": {v: run for v in variants}}))
    return str(path)


def test_paired_comparison_pairs_shoppers_and_brackets_the_difference(tmp_path):
    from eval.paired import compare

    a = _harness_report(tmp_path / "a.json", {"c1": [0.9, 0.8, 0.7], "c2": [0.6, 0.5]})
    b = _harness_report(tmp_path / "b.json", {"c2": [0.4, 0.5], "c1": [0.8, 0.8, 0.5]})
    result = compare(a, b, "approval")
    assert result["shoppers"] == 5, f"two campaigns' shoppers, matched by campaign and user: {result}"
    assert result["difference"] == pytest.approx(0.1), f"mean of 0.1, 0, 0.2, 0.2, 0: {result}"
    low, high = result["interval_95"]
    assert 0 <= low <= 0.1 <= high <= 0.2, f"the interval holds the mean, within the differences: {result}"
    assert (result["a_higher"], result["b_higher"]) == (3, 0), f"ties count for neither: {result}"
    assert compare(a, a, "approval")["interval_95"] == [0, 0], "a run against itself differs by nothing"
    kept = compare(a, b, "approval", without="COPY 1")
    assert (kept["shoppers"], kept["left_out"]) == (3, 2), f"u1 of both campaigns left out, any case: {kept}"
    assert kept["difference"] == pytest.approx(0.5 / 3, abs=1e-4), f"mean of 0.1, 0.2, 0.2: {kept}"
    with pytest.raises(ValidationError, match="every shopper's copy holds 'copy': nothing is left"):
        compare(a, b, "approval", without="copy")


@pytest.mark.parametrize(
    "a, b, metric, regex",
    [
        ("missing.json", "one.json", "approval", r"harness report file not found: .*missing\.json"),
        (
            "broken.json",
            "one.json",
            "approval",
            r"cannot parse harness report file .*broken\.json \(line 1\)",
        ),
        (
            "panel.json",
            "one.json",
            "approval",
            r"panel\.json is not a harness report \(it has no `results`\)",
        ),
        (
            "nan.json",
            "one.json",
            "approval",
            r"c1/u0's copy has no measured metric 'approval' \(it has nan\)",
        ),
        ("one.json", "one.json", "text", r"c1/u0's copy has no measured metric 'text' \(it has 'Copy 0'\)"),
        ("two.json", "one.json", "approval", r"holds variants \['v', 'w'\]: name one"),
        ("two.json:x", "one.json", "approval", "has no variant 'x'"),
        ("two.json:w", "one.json", "fluency", "has no measured metric 'fluency' \\(it has None\\)"),
        ("one.json", "other.json", "approval", r"not on the same shoppers \(1 appear in one only\)"),
    ],
)
def test_paired_comparison_refuses_what_it_cannot_pair(tmp_path, a, b, metric, regex):
    from eval.paired import compare

    _harness_report(tmp_path / "one.json", {"c1": [0.5, 0.6]})
    _harness_report(tmp_path / "two.json", {"c1": [0.5, 0.6]}, variants=("v", "w"))
    _harness_report(tmp_path / "other.json", {"c1": [0.5, 0.6, 0.7]})
    _harness_report(tmp_path / "nan.json", {"c1": [float("nan"), 0.6]})
    (tmp_path / "broken.json").write_text('{"results": ')
    (tmp_path / "panel.json").write_text('{"by_source": {}}')
    with pytest.raises(ValidationError, match=regex):
        compare(str(tmp_path / a), str(tmp_path / b), metric)
