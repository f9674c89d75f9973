"""The ranking head learns known signals, stays calibrated and round-trips; metrics and the baseline
comparison match hand-computed cases; bad input names the field."""

import time

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import build_tiny_bert
from transformers import AutoTokenizer

from promogen import Event, Ranker, RankerConfig, UserHistory, ValidationError
from promogen.evaluation.ranker_report import (
    bootstrap_auc,
    bootstrap_pair_accuracy,
    logistic,
    per_test_significant,
    ridge_appeal,
)
from promogen.evaluation.stats import ab_test_metrics, auc, ece, hit_and_ndcg, two_proportion_z
from promogen.models import ModelNotFoundError
from promogen.ranker import affinity_logit
from promogen.train.public_data import upworthy_arms
from promogen.train.ranker import (
    conditional_logit_loss,
    fit_appeal_head,
    mind_parts,
    platt,
    train_affinity,
    upworthy_parts,
    within_test_scale,
)

WORDS = "big news today about the city park team and your weekly plan free".split()


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory):
    """A random 2-layer BERT with a character WordPiece vocabulary plus a few whole words."""
    path = build_tiny_bert(tmp_path_factory.mktemp("tiny-bert-ranker"), WORDS, max_positions=128)
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert tokenizer.tokenize("free park") == ["free", "park"], "the fixture's vocabulary must be in use"
    return path


def _unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _synthetic_arms(n_tests: int, seed: int) -> pd.DataFrame:
    """A/B tests of three headlines where the word "free" lifts the click log-odds by 0.8."""
    rng = np.random.default_rng(seed)
    words = WORDS[:-1]
    rows = []
    for t in range(n_tests):
        base = rng.normal(-3, 0.7)
        for k in range(3):
            text = " ".join(rng.choice(words, 5)) + (" free" if k == 0 else f" {words[k]}")
            p = 1 / (1 + np.exp(-(base + (0.8 if k == 0 else 0.0))))
            rows.append((f"t{t}", f"{text} {t}", 20000, rng.binomial(20000, p)))
    return pd.DataFrame(rows, columns=["clickability_test_id", "headline", "impressions", "clicks"])


def _arrays(dim: int, rng) -> dict:
    return {
        "affinity.P": rng.normal(size=(2, dim)).astype(np.float32) * 0.1,
        "affinity.Q": rng.normal(size=(2, dim)).astype(np.float32) * 0.1,
        "affinity.w": np.array([3.0, -1.0], np.float32),
        "affinity.calibration": np.array([1.0, 0.0, -1.0], np.float32),
        "appeal.calibration": np.array([0.5, 0.1], np.float32),
    }


def _tiny_ranker(base: str, seed: int = 0) -> Ranker:
    from transformers import AutoTokenizer

    from promogen.approver import build_net

    config = RankerConfig(base=base, appeal_layers=1, bf16=False, seed=seed)
    net = build_net(config.net_config(), base)
    return Ranker(net, AutoTokenizer.from_pretrained(base), _arrays(32, np.random.default_rng(seed)), config)


def test_affinity_head_learns_a_simulated_signal_and_is_calibrated():
    rng = np.random.default_rng(0)
    users, items = _unit(rng.normal(size=(6000, 16))), _unit(rng.normal(size=(6000, 16)))
    truth = 1 / (1 + np.exp(-(4 * (users * items).sum(1) - 0.5)))
    clicks = (rng.random(6000) < truth).astype(float)
    parts = {"fit": np.arange(6000) < 3000, "val": (np.arange(6000) >= 3000) & (np.arange(6000) < 4500)}
    config = RankerConfig(affinity_rank=2, affinity_epochs=5)
    arrays, val_auc, epoch = train_affinity(users, items, clicks, parts, config)
    raw = affinity_logit(users, items, arrays["P"], arrays["Q"], arrays["w"])
    slope, intercept = platt(raw[parts["val"]], clicks[parts["val"]])
    test = np.arange(6000) >= 4500
    probs = 1 / (1 + np.exp(-(slope * raw[test] + intercept)))
    assert 1 <= epoch <= 5 and val_auc > 0.65, f"validation AUC {val_auc} at epoch {epoch}"
    assert auc(clicks[test], probs) > auc(clicks[test], truth[test]) - 0.03, "close to the true model's AUC"
    assert ece(clicks[test], probs) < 0.05, "Platt-scaled probabilities must be calibrated"


def test_affinity_training_without_choosing_keeps_the_last_epoch_and_continues_from_init():
    rng = np.random.default_rng(1)
    users, items = _unit(rng.normal(size=(400, 16))), _unit(rng.normal(size=(400, 16)))
    clicks = (rng.random(400) < 0.5).astype(float)
    config = RankerConfig(affinity_rank=2, affinity_epochs=3)
    last, score, epoch = train_affinity(
        users, items, clicks, {"fit": np.ones(400, bool)}, config, choose=False
    )
    assert epoch == 3 and np.isnan(score), f"no validation rows, nothing chosen: epoch {epoch}, AUC {score}"
    one = RankerConfig(affinity_rank=2, affinity_epochs=1, affinity_lr=1e-8)
    parts = {"fit": np.arange(400) < 200, "val": np.arange(400) >= 200}
    same, _, _ = train_affinity(users, items, clicks, parts, one, init=last)
    unchanged = all(np.allclose(same[k], last[k], atol=1e-6) for k in last)
    assert unchanged, "at a vanishing lr the init arrays come back as they went in"


def test_conditional_logit_loss_on_a_hand_computed_test():
    scores = torch.tensor([0.0, np.log(2.0)])
    loss = conditional_logit_loss(
        scores, torch.tensor([1.0, 3.0]), torch.tensor([100.0, 100.0]), torch.tensor([0, 0])
    )
    want = -(1 * np.log(1 / 3) + 3 * np.log(2 / 3)) / 4  # softmax of (0, log 2) is (1/3, 2/3)
    assert loss.item() == pytest.approx(want), "mean over clicks of -log P(arm | a click in its test)"
    two_tests = conditional_logit_loss(
        torch.tensor([0.0, 5.0, 0.0, 0.0]),
        torch.tensor([1.0, 1.0, 1.0, 1.0]),
        torch.tensor([10.0, 10.0, 10.0, 10.0]),
        torch.tensor([0, 0, 1, 1]),
    )
    assert two_tests.item() == pytest.approx((np.log1p(np.exp(5)) + np.log1p(np.exp(-5)) + 2 * np.log(2)) / 4)


def test_within_test_scale_recovers_the_log_odds_per_unit():
    arms = _synthetic_arms(400, seed=2)
    score = arms.headline.str.contains("free").to_numpy() * 2.0  # 2 units = 0.8 log-odds
    scale = within_test_scale(arms.clickability_test_id.to_numpy(), arms.clicks, arms.impressions, score)
    assert scale == pytest.approx(0.4, abs=0.05), scale


def test_appeal_head_learns_within_test_differences(tiny_bert_dir, tmp_path):
    path = tmp_path / "arms.parquet"
    _synthetic_arms(300, seed=1).to_parquet(path)
    config = RankerConfig(
        base=tiny_bert_dir,
        appeal_layers=1,
        appeal_epochs=3,
        appeal_lr=3e-3,
        head_lr=1e-2,
        tests_per_step=4,
        bf16=False,
    )
    net, tokenizer, calibration, meta = fit_appeal_head(path, config, cache=tmp_path / "cache")
    assert [r["epoch"] for r in meta["epochs"]] == [1, 2, 3], meta["epochs"]
    best = max(r["val_pairwise_acc_significant"] for r in meta["epochs"])
    assert best > 0.8, f"within-test order must be learned despite base rates: {meta['epochs']}"
    chosen = [r["epoch"] for r in meta["epochs"] if r["chosen"]]
    assert chosen == [meta["chosen_epoch"]], f"the epoch restored is the one reported: {meta['epochs']}"
    assert calibration[0] > 0, "a positive log-odds scale"
    assert list((tmp_path / "cache").glob("states-*.pt")), "frozen states are cached for reruns"
    ranker = Ranker(
        net, tokenizer, {**_arrays(32, np.random.default_rng(0)), "appeal.calibration": calibration}, config
    )
    lift = ranker.appeal(["big news about the park free", "big news about the park team"])
    assert lift[0] > lift[1], f"the word the data rewards must lift the copy: {lift}"


def test_validation_without_a_significant_pair_keeps_the_first_epoch(tiny_bert_dir, tmp_path):
    arms = _synthetic_arms(40, seed=2)
    arms["clicks"] = 1000  # every arm of every test has one CTR: no pair to order
    path = tmp_path / "flat.parquet"
    arms.to_parquet(path)
    config = RankerConfig(base=tiny_bert_dir, appeal_layers=1, appeal_epochs=2, tests_per_step=4, bf16=False)
    _, _, _, meta = fit_appeal_head(path, config, cache=tmp_path / "cache")
    assert meta["chosen_epoch"] == 1, f"nothing to choose by: the first epoch stands: {meta['epochs']}"
    assert [r["chosen"] for r in meta["epochs"]] == [True, False], meta["epochs"]


def test_ranker_round_trips_and_keeps_the_channel_prior_explicit(tiny_bert_dir, tmp_path):
    ranker = _tiny_ranker(tiny_bert_dir)
    rng = np.random.default_rng(3)
    users, copies = _unit(rng.normal(size=(4, 32))), _unit(rng.normal(size=(4, 32)))
    texts = ["free shipping today", "your order", "get 20% off", "shop now"]
    before = ranker.predict_ctr(users, copies, texts, "push")
    loaded = Ranker.load(ranker.save(tmp_path / "r"))
    assert np.allclose(before, loaded.predict_ctr(users, copies, texts, "push"), atol=1e-6), "saved == live"
    assert loaded.config.appeal_layers == 1 and loaded.directory == str(tmp_path / "r")
    flat = _tiny_ranker(tiny_bert_dir)
    flat.arrays.update(
        {
            "appeal.calibration": np.array([0.0, 0.0], np.float32),
            "affinity.w": np.zeros(2, np.float32),
            "affinity.P": np.zeros((2, 32), np.float32),
        }
    )
    flat.arrays["affinity.calibration"] = np.array([1.0, 0.0, 0.0], np.float32)
    for channel, rate in flat.config.base_ctr.items():
        assert np.allclose(flat.predict_ctr(users, copies, texts, channel), rate), "no signal -> the prior"


@pytest.mark.parametrize(
    ("call", "error", "regex"),
    [
        (
            lambda r, u, c: r.predict_ctr(u, c, ["a", "b"], "fax"),
            ValidationError,
            r"`channel` must be one of",
        ),
        (lambda r, u, c: r.predict_ctr(u, c, ["a"], "push"), ValidationError, r"`texts` has 1 items"),
        (lambda r, u, c: r.predict_ctr(u, c[:1], ["a"], "push"), ValidationError, r"must be equal 2-d"),
        (lambda r, u, c: r.appeal("one string"), ValidationError, r"list of strings"),
        (lambda r, u, c: r.click_probability(u[:, :8], c[:, :8]), ValidationError, r"expects 32"),
        (lambda r, u, c: Ranker(r.net, r.tokenizer, {}, r.config), ValidationError, r"arrays lack"),
    ],
)
def test_bad_ranker_input_names_the_field(tiny_bert_dir, call, error, regex):
    ranker = _tiny_ranker(tiny_bert_dir)
    vecs = _unit(np.random.default_rng(0).normal(size=(2, 32)))
    with pytest.raises(error, match=regex):
        call(ranker, vecs, vecs)


@pytest.mark.parametrize(
    ("fields", "regex"),
    [
        ({"base_ctr": {"push": 0.1}}, r"missing \['banner'"),
        ({"base_ctr": {"push": 1.5, "sms": 0.1, "email_subject": 0.1, "banner": 0.1}}, r"base_ctr.push"),
        ({"appeal_layers": 0}, r"appeal_layers"),
        ({"news_decay": 0.0}, r"news_decay"),
        ({"affinity_rank": 0}, r"affinity_rank"),
        ({"tests_per_step": 0}, r"tests_per_step"),
    ],
)
def test_config_ranges_name_the_field(fields, regex):
    with pytest.raises(ValidationError, match=regex):
        RankerConfig(**fields)


def test_missing_weights_and_columns_name_the_fix(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"make ranker"):
        Ranker.load(tmp_path)
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"clickability_test_id": ["t"], "headline": ["h"], "clicks": [1]}).to_parquet(path)
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['impressions'\]"):
        upworthy_arms(path)


def test_splits_keep_tests_and_users_whole_and_drop_shared_headlines():
    arms = _synthetic_arms(200, seed=4)
    arms.loc[arms.index[::7], "headline"] = "the same headline everywhere"
    parts = upworthy_parts(arms)
    fit_tests = set(arms.clickability_test_id[parts["fit"]])
    assert not fit_tests & set(arms.clickability_test_id[parts["test"]]), (
        "no test is both fitted and reported"
    )
    assert not set(arms.headline[parts["test"]]) & set(arms.headline[~parts["test"]]), "no shared headline"
    assert not set(arms.headline[parts["val"]]) & set(arms.headline[parts["fit"]]), "no shared headline"
    users = [f"u{i}" for i in range(500)]
    split = mind_parts(users)
    assert (split["fit"].astype(int) + split["val"] + split["test"] == 1).all(), "each user in one part"
    assert 0.1 < split["test"].mean() < 0.3 and split["val"].sum() > 0, {k: v.sum() for k, v in split.items()}


def test_baselines_and_bootstrap_on_hand_computed_cases():
    rng = np.random.default_rng(5)
    arms = _synthetic_arms(300, seed=5)
    emb = np.c_[arms.headline.str.contains("free").to_numpy(), rng.normal(size=(len(arms), 3))]
    groups, clicks, imps = (
        arms.clickability_test_id.to_numpy(),
        arms.clicks.to_numpy(),
        arms.impressions.to_numpy(),
    )
    w = ridge_appeal(emb, groups, clicks, imps, alpha=1.0)
    assert w[0] == pytest.approx(0.8, abs=0.1) and np.abs(w[1:]).max() < 0.1, w
    x = rng.normal(size=(4000, 2))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(2 * x[:, 0] - 1)))).astype(float)
    theta = logistic(x, y, l2=1e-6)
    assert theta[0] == pytest.approx(2, abs=0.25) and theta[-1] == pytest.approx(-1, abs=0.2), theta
    per = per_test_significant(
        np.array(["t", "t", "t"]), np.array([128, 100, 100]), np.array([1000] * 3), np.array([2, 1, 0])
    )
    assert per["n"].tolist() == [2] and per["right"].tolist() == [2], per
    same = bootstrap_pair_accuracy(np.array([2.0, 3]), np.array([1.0, 2]), np.array([1.0, 2]))
    assert same == {"difference": 0.0, "ci95": [0.0, 0.0]}, same
    better = bootstrap_pair_accuracy(np.full(50, 4.0), np.full(50, 3.0), np.full(50, 2.0))
    assert better["difference"] == 0.25 and better["ci95"] == [0.25, 0.25], better
    labels = np.array([1, 0] * 50)
    diff = bootstrap_auc(labels, labels + 0.0, np.zeros(100), np.arange(100) // 2)
    assert diff["difference"] == 0.5 and diff["ci95"] == [0.5, 0.5], diff


def test_shipped_ranker_is_small_loads_fast_and_records_its_data():
    from promogen.ranker import WEIGHTS_DIR

    size = sum(p.stat().st_size for p in WEIGHTS_DIR.iterdir())
    # 3 retrained float16 MiniLM layers (about 3.5 MB each), the heads and the affinity arrays.
    assert size < 12e6, f"shipped ranker is {size / 1e6:.1f} MB"
    Ranker.load()  # the first load also imports transformers
    start = time.perf_counter()
    ranker = Ranker.load()
    assert time.perf_counter() - start < 2.0, "the ranker loads in under 2 s"
    assert ranker.meta["upworthy"]["sha1"] and ranker.meta["mind"]["sha1"], (
        "records the data it was fitted on"
    )
    assert ranker.meta["upworthy"]["chosen_epoch"] >= 1, ranker.meta["upworthy"]


def test_z_test_threshold_on_hand_computed_pairs():
    assert two_proportion_z(128, 1000, 100, 1000) == pytest.approx(1.970, abs=1e-3)
    assert two_proportion_z(127, 1000, 100, 1000) == pytest.approx(1.903, abs=1e-3)
    above = ab_test_metrics(
        np.array(["t", "t"]), np.array([128, 100]), np.array([1000, 1000]), np.array([1.0, 0.0])
    )
    below = ab_test_metrics(
        np.array(["t", "t"]), np.array([127, 100]), np.array([1000, 1000]), np.array([1.0, 0.0])
    )
    assert above["n_pairs_significant"] == 1 and above["pairwise_acc_significant"] == 1.0, above
    assert below["n_pairs_significant"] == 0 and below["n_pairs"] == 1, below
    assert above["pick_lift"] == pytest.approx(0.128 / 0.114), "top-scored arm's CTR over the pooled CTR"


def test_ranking_metrics_on_hand_computed_cases():
    hr, ndcg = hit_and_ndcg(np.array([0, 5, 9, 10, 50]), k=10)
    assert hr == pytest.approx(0.6) and ndcg == pytest.approx((1 + 1 / np.log2(7) + 1 / np.log2(11)) / 5)
    assert auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1])) == pytest.approx(0.75)
    assert auc(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5), "ties count half"


def test_inner_upworthy_drops_headlines_seen_in_training_tests():
    from promogen.evaluation.suites import upworthy_split
    from promogen.train.public_data import heldout

    tests = [f"t{i}" for i in range(40)]
    held = next(t for t in tests if heldout(t))
    trained = next(t for t in tests if not heldout(t))
    arms = pd.DataFrame(
        {
            "clickability_test_id": [held, held, held, trained, trained],
            "headline": ["shared", "fresh a", "fresh b", "shared", "other"],
            "impressions": [100] * 5,
            "clicks": [1] * 5,
        }
    )
    kept, dropped = upworthy_split(arms, "inner")
    assert kept.headline.tolist() == ["fresh a", "fresh b"] and dropped == 1, kept
    kept, dropped = upworthy_split(arms, "train")
    assert kept.headline.tolist() == ["shared", "other"] and dropped == 0, "training keeps its arms"
    assert len(upworthy_split(arms, "all")[0]) == 5, "all keeps every arm"
    kept, dropped = upworthy_split(arms, "heldout", exclude=arms[arms.headline == "other"])
    assert len(kept) == 4 and dropped == 1, "a held-out file drops only headlines of the training file"


def test_the_pipeline_scores_in_its_scoring_dtype_and_bf16_stays_close(copywriter, encoder):
    from promogen import PipelineConfig, PromoGen
    from promogen.hardware import resolve_dtype

    texts = ["Trail season: 20% off running gear with RUN20", "Your next run starts here", "Save now"]
    vectors = encoder.encode_users([UserHistory("u", [Event("view", "trail running shoes")])])[0]
    vectors, embeddings = np.repeat(vectors, 3, axis=0), encoder.encode_texts(texts)
    ranker, ctr = Ranker.load(), {}
    for setting in ("float32", "bfloat16", "auto"):
        pg = PromoGen(copywriter, encoder, PipelineConfig(scoring_dtype=setting), ranker)
        expected = resolve_dtype("auto") if setting == "auto" else setting
        assert pg.scoring_dtype == expected, f"scoring_dtype={setting} resolves to {expected}"
        ctr[setting] = pg.predicted_ctr(vectors, embeddings, texts, "push")
    assert np.array_equal(ctr["float32"], ranker.predict_ctr(vectors, embeddings, texts, "push")), (
        "float32 is the ranker as loaded"
    )
    assert not np.array_equal(ctr["float32"], ctr["bfloat16"]), "bfloat16 autocast is in effect"
    assert np.allclose(ctr["float32"], ctr["bfloat16"], rtol=0.02), f"and within rounding: {ctr}"
    assert np.array_equal(ctr["auto"], ctr[resolve_dtype("auto")]), "auto is one of the two"
    from promogen import Campaign
    from promogen.approver import Approver

    campaign = Campaign.from_dict(
        {"campaign_id": "run20", "brand": "Stride Sports",
         "offer": {"kind": "percent_off", "value": 20, "code": "RUN20", "applies_to": "running gear"}}
    )  # fmt: skip
    approver, approval = Approver.load(), {}
    for setting in ("float32", "bfloat16"):
        pg = PromoGen(copywriter, encoder, PipelineConfig(scoring_dtype=setting), ranker, approver)
        approval[setting] = pg.approval(campaign, [["trail running shoes"]], texts)
    assert np.array_equal(approval["float32"], approver.score(campaign, [["trail running shoes"]], texts)), (
        "float32 is the approver as loaded"
    )
    assert not np.array_equal(approval["float32"], approval["bfloat16"]), (
        "the approver scores in bfloat16 too"
    )
    assert np.allclose(approval["float32"], approval["bfloat16"], atol=0.03), f"within rounding: {approval}"


@pytest.mark.parametrize("clicks", [[100, 300], [300, 100]], ids=["better arm second", "better arm first"])
def test_tied_scores_count_half_a_pair_whichever_arm_comes_first(clicks):
    got = ab_test_metrics(
        np.array(["t", "t"]), np.array(clicks), np.array([1000, 1000]), np.array([0.5, 0.5])
    )
    assert got["pairwise_acc_significant"] == got["pairwise_acc_all"] == 0.5, f"a tie is no call: {got}"


def test_pair_accuracy_without_pairs_is_unknown_not_zero():
    got = ab_test_metrics(
        np.array(["t", "t"]), np.array([10, 10]), np.array([1000, 1000]), np.array([1.0, 0.0])
    )
    assert got["n_pairs"] == 0 and np.isnan(got["pairwise_acc_all"]), f"equal CTRs: no pair to score: {got}"


def test_ece_refuses_a_probability_that_is_not_finite():
    with pytest.raises(ValueError, match="finite"):
        ece(np.array([0, 1, 1]), np.array([0.2, float("nan"), 0.9]))


def test_upworthy_probe_refuses_a_held_out_run_without_a_fixed_recipe(monkeypatch, capsys):
    from eval import upworthy_probe

    assert upworthy_probe.PROBES["smollm2-135m-instruct"]["chosen"] == {"layer": 15, "alpha": 100.0}, (
        "SmolLM2's held-out recipe, fixed from its validation run"
    )
    argv = ["upworthy_probe", "--data", "missing.parquet", "--model", "gemma3-270m", "--heldout"]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as stop:
        upworthy_probe.main()  # refused before any data or model is read
    assert stop.value.code == 2, "a usage error"
    assert "no recipe was fixed for gemma3-270m" in capsys.readouterr().err, "the reason is named"


def test_probe_states_are_cached_per_model_release(monkeypatch, tmp_path, tiny_model_dir):
    from types import SimpleNamespace

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from eval import upworthy_probe

    def tiny_base(name):
        return (
            AutoModelForCausalLM.from_pretrained(tiny_model_dir),
            AutoTokenizer.from_pretrained(tiny_model_dir),
            {},
        )

    def refuse(name):
        raise AssertionError("the cached states were not used")

    texts = ["Run further this spring", "A short headline"]
    monkeypatch.setattr(upworthy_probe, "gemma_package", lambda: SimpleNamespace(EXPECTED_SHA256="aaa"))
    monkeypatch.setattr(upworthy_probe, "load_base", tiny_base)
    first = upworthy_probe.pooled_states(texts, (1,), tmp_path, upworthy_probe.GEMMA)
    monkeypatch.setattr(upworthy_probe, "load_base", refuse)
    again = upworthy_probe.pooled_states(texts, (1,), tmp_path, upworthy_probe.GEMMA)
    assert np.array_equal(first[1], again[1]) and first[1].shape[0] == 2, "the same release reads its cache"
    monkeypatch.setattr(upworthy_probe, "gemma_package", lambda: SimpleNamespace(EXPECTED_SHA256="bbb"))
    with pytest.raises(AssertionError, match="cached states were not used"):
        upworthy_probe.pooled_states(texts, (1,), tmp_path, upworthy_probe.GEMMA)  # another release
