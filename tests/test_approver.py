"""The approver model: the brief states the offer, the training loop runs and round-trips on a tiny BERT,
and the shipped model prefers good copy to flawed copy on hand-written pairs it never saw."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import torch
from conftest import build_tiny_bert

from promogen.approver import Approver, ApproverConfig, brief, describe_offer
from promogen.train.approver import (
    evaluate,
    fit_approver,
    inner_split,
    new_approver,
    read_labels,
    read_specs,
    synthetic_negatives,
    train_epochs,
    with_labels,
)
from promogen.types import Campaign, Offer, ValidationError

WORDS = "get off with code your order orders over on everything free shipping shop now brand offer".split()


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory):
    """A random 2-layer BERT and a WordPiece tokenizer over characters, currency signs and a few words."""
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), WORDS, extra_chars="$€£")


CAMPAIGN = {
    "campaign_id": "c0",
    "brand": "Stride Co",
    "offer": {
        "kind": "percent_off",
        "value": 20,
        "currency": "USD",
        "min_spend": 50,
        "applies_to": "running gear",
        "code": "RUN20",
        "expires": "2026-12-31",
    },
    "channel": "push",
    "tone": "warm",
}


def _spec_rows(n_campaigns: int = 6) -> list[dict]:
    """Hand-made copy_gold-style lines: good copy states the offer, flawed copy breaks it or the grammar."""
    rows = []
    for c in range(n_campaigns):
        value = 10 + 5 * c
        code = f"RUN{value}"
        campaign = {
            **CAMPAIGN,
            "campaign_id": f"c{c}",
            "brand": ("Stride Co", "Pace Lab")[c % 2],
            "offer": {**CAMPAIGN["offer"], "value": value, "code": code},
        }
        for u in range(2):
            rows.append(
                {
                    "spec_id": f"c{c}-u{u}",
                    "campaign": campaign,
                    "history": [
                        {"type": "purchase", "text": "trail running shoes"},
                        {"type": "view", "text": "socks"},
                    ],
                    "best": f"Get {value}% off running gear over $50 with code {code}.",
                    "alt": f"Your next run: {value}% off running gear on orders over $50, code {code}.",
                    "bad": [
                        {
                            "text": f"Get {value + 5}% off running gear over $50 with code {code}.",
                            "defect": "wrong_value",
                        },
                        {
                            "text": f"off off get {value}% gear gear code {code} {code}",
                            "defect": "repetitive",
                        },
                    ],
                }
            )
    return rows


def _write_rows(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_brief_states_every_offer_fact():
    text = brief(Campaign.from_dict(CAMPAIGN), ["trail shoes", "running socks"])
    for fact in (
        "Stride Co",
        "20% off",
        "running gear",
        "min spend $50",
        "code RUN20",
        "Dec 31 2026",
        "push",
    ):
        assert fact in text, f"brief misses {fact!r}: {text}"
    assert "tone warm" in text and "shopper likes: trail shoes, running socks" in text, text


@pytest.mark.parametrize(
    ("offer", "expected"),
    [
        ({"kind": "amount_off", "value": 15, "currency": "EUR", "code": "E15"}, ["€15 off", "on everything"]),
        ({"kind": "free_shipping", "code": "SHIP"}, ["free shipping", "no min spend", "no expiry"]),
        ({"kind": "bogo", "applies_to": "dog food", "code": "BOGO"}, ["buy one, get one free on dog food"]),
        (
            {
                "kind": "gift",
                "applies_to": "a free tote bag",
                "min_spend": 40,
                "currency": "GBP",
                "code": "TOTE",
            },
            ["a free tote bag with any order", "min spend £40"],
        ),
    ],
)
def test_describe_offer_per_kind(offer, expected):
    text = describe_offer(Offer.from_dict(offer))
    for part in expected:
        assert part in text, f"{part!r} not in {text!r}"


def test_brief_cleans_interest_phrases():
    text = brief(
        Campaign.from_dict(CAMPAIGN), ["Uni-ball Signo UM-120AC Gel Pen Black", "Cosmos &reg", "30L daypack"]
    )
    assert "shopper likes: Uni-ball Signo Gel Pen, Cosmos, daypack" in text, text
    assert "120" not in text and "&reg" not in text, text


def test_brief_without_interests_or_tone_says_so():
    campaign = Campaign.from_dict({**CAMPAIGN, "tone": None})
    text = brief(campaign, [])
    assert "tone neutral" in text and "shopper likes: unknown" in text, text


def test_synthetic_negatives_differ_from_good_copy():
    rows = _spec_rows(1)
    from promogen.train.approver import Spec

    spec = Spec(
        "s",
        Campaign.from_dict(rows[0]["campaign"]),
        ["shoes"],
        [rows[0]["best"], rows[0]["alt"]],
        [(b["text"], b["defect"]) for b in rows[0]["bad"]],
    )
    made = synthetic_negatives(spec, 4, np.random.default_rng(0))
    assert len(made) == 4, f"expected 4 synthetic negatives, got {made}"
    for text, label in made:
        assert label.startswith("synthetic:"), label
        assert text not in spec.good, f"{label} left the good copy unchanged: {text}"


def _spec(spec_id: str, brand: str, good: list[str], code: str = "RUN20"):
    from promogen.train.approver import Spec

    offer = {**CAMPAIGN["offer"], "code": code}
    campaign = Campaign.from_dict({**CAMPAIGN, "campaign_id": spec_id, "brand": brand, "offer": offer})
    return Spec(spec_id, campaign, ["shoes"], good)


def test_broken_grammar_makes_two_slips_and_keeps_the_code():
    from promogen.train.approver import _break_grammar

    spec = _spec("s", "Stride Co", [])
    good = "Your next run is calling: take 20% off the running gear with code RUN20."
    for seed in range(20):
        made = _break_grammar(good, spec, np.random.default_rng(seed))
        lost = sum(
            (Counter(good.split()) - Counter(made.split())).values()
        )  # words a slip removed or changed
        assert "RUN20" in made and lost >= 2, f"seed {seed}: {made!r} should carry two slips and the code"


@pytest.mark.parametrize(
    ("text", "code", "expected", "why"),
    [
        ("Run far: 20% off, RUN20!", "RUN20", None, "nothing a slip fits leaves no negative"),
        (
            "Take 20% off with code runs",
            "runs",
            "Take 20% off for code runs",
            "a slip never touches the code",
        ),
        ("Socks: 20% off with RUN20", "RUN20", "Sock: 20% off for RUN20", "two slips at most"),
    ],
)
def test_broken_grammar_edge_cases(text, code, expected, why):
    from promogen.train.approver import _break_grammar

    made = _break_grammar(text, _spec("s", "Stride Co", [], code), np.random.default_rng(0))
    assert made == expected, f"{why}: got {made!r}"


def test_foreign_opening_puts_another_brands_opening_before_this_offer():
    from promogen.train.approver import _foreign_opening

    spec = _spec("a", "Stride Co", ["Stride Co: your next run is calling! Take 20% off with code RUN20."])
    other = _spec("b", "Bean House", ["Fresh beans for slow mornings: 10% off with code BEAN10."], "BEAN10")
    same = _spec("c", "Stride Co", ["Race day ready? 15% off with code RUN15."], "RUN15")
    made = _foreign_opening(spec, [spec, other, same], 1.0, np.random.default_rng(0))
    expected = "Stride Co: Fresh beans for slow mornings: Take 20% off with code RUN20."
    assert made == expected, f"got {made!r}: another brand's opening, this brand's prefix and offer"
    alone = _foreign_opening(spec, [spec, same], 1.0, np.random.default_rng(0))
    assert alone is None, f"with no other brand there is no foreign opening, got {alone!r}"


def test_training_runs_saves_reloads_and_scores_identically(tiny_bert_dir, tmp_path, encoder):
    specs = read_specs(_write_rows(tmp_path / "train.jsonl", _spec_rows()), encoder)
    assert all(s.interests for s in specs), "every spec should get interest phrases from the encoder"
    config = ApproverConfig(
        base=tiny_bert_dir, train_layers=1, epochs=3, specs_per_step=4, lr=5e-3, head_lr=5e-3, synthetic=1
    )
    approver = new_approver(config)
    frozen_before = {k: v.clone() for k, v in approver.net.encoder.state_dict().items() if ".layer.0." in k}
    before = approver.score(specs[0].campaign, [specs[0].interests], specs[0].good)
    records = train_epochs(approver, specs, config, 3, val=specs[:4], progress=False, log=lambda *_: None)
    assert [r["epoch"] for r in records] == [1, 2, 3], records
    assert all(np.isfinite(r["loss"]) and 0 <= r["val_auc"] <= 1 for r in records), records
    after = approver.score(specs[0].campaign, [specs[0].interests], specs[0].good)
    assert not np.allclose(before, after), "training should change the scores"

    frozen_after = {k: v for k, v in approver.net.encoder.state_dict().items() if ".layer.0." in k}
    assert all(torch.equal(frozen_before[k], frozen_after[k]) for k in frozen_before), "a frozen layer moved"

    out = approver.save(tmp_path / "approver")
    from safetensors.torch import load_file

    shipped = load_file(str(out / "approver.safetensors"))
    assert shipped and all(k.startswith(("encoder.layer.1.", "head.")) for k in shipped), sorted(shipped)
    assert (out / "approver.json").is_file() and (out / "approver.safetensors").is_file(), list(out.iterdir())
    saved = json.loads((out / "approver.json").read_text())
    assert saved["promogen_version"] and saved["base"] == tiny_bert_dir, saved
    reloaded = Approver.load(out)
    texts = [t for s in specs for t in s.good + [b for b, _ in s.bad]]
    interests = [s.interests for s in specs for _ in range(4)]
    a = approver.score(specs[0].campaign, interests, texts)
    b = reloaded.score(specs[0].campaign, interests, texts)
    assert a.shape == (len(texts),) and ((a >= 0) & (a <= 1)).all(), a
    assert np.allclose(a, b, atol=1e-5), f"reloaded scores differ by up to {np.abs(a - b).max():.2e}"
    metrics = evaluate(reloaded, specs)
    assert set(metrics["per_defect"]) == {"wrong_value", "repetitive"}, metrics["per_defect"]
    assert metrics["n_good"] == 2 * len(specs) and metrics["n_flawed"] == 2 * len(specs), metrics


def test_fit_approver_chooses_epochs_on_the_inner_split(tiny_bert_dir, tmp_path, encoder):
    rows = _spec_rows(6)
    config = ApproverConfig(base=tiny_bert_dir, train_layers=1, epochs=2, specs_per_step=4, bf16=False)
    lines: list[str] = []
    approver, meta = fit_approver(
        _write_rows(tmp_path / "train.jsonl", rows), config, encoder, log=lines.append, progress=False
    )
    assert meta["epochs_chosen"] in (1, 2) and len(meta["inner_curve"]) == 2, meta
    assert meta["trained_on"] == "all train campaigns" and meta["n_train_specs"] == len(rows), meta
    fit, val = inner_split(read_specs(tmp_path / "train.jsonl", encoder), "per_brand")
    assert sorted({s.campaign_id for s in val}) == meta["inner_validation_campaigns"], meta
    assert any("refit" in line for line in lines), lines


def test_own_labels_join_training_and_validation_ones_are_reported_apart(tiny_bert_dir, tmp_path, encoder):
    rows = _spec_rows(6)
    labels = [
        {"spec_id": r["spec_id"], "copy": f"Save with {r['spec_id']} today.", "send": send, "flags": flags}
        for r in rows
        for send, flags in ((5, []), (1, ["incoherent"]), (3, []), (4, ["generic"]))
    ]
    path = _write_rows(tmp_path / "labelled.jsonl", labels)
    specs = read_specs(_write_rows(tmp_path / "train.jsonl", rows), encoder)
    own = read_labels(path, specs)
    first = own[rows[0]["spec_id"]]
    assert first.good == [labels[0]["copy"]], "send 4-5 without a flag is good; a flagged 4 is left out"
    assert first.bad == [(labels[1]["copy"], "own:incoherent")], "send <= 2 is flawed, named by its flag"
    joined = with_labels(specs, own)[0]
    assert joined.good == specs[0].good + first.good and joined.bad == specs[0].bad + first.bad, joined
    config = ApproverConfig(base=tiny_bert_dir, train_layers=1, epochs=1, specs_per_step=4, bf16=False)
    _, meta = fit_approver(
        tmp_path / "train.jsonl", config, encoder, progress=False, log=lambda _: None, labels=path
    )
    assert meta["labels"]["good"] == 12 and meta["labels"]["flawed"] == 12, meta["labels"]
    assert meta["inner_own_metrics"]["n_specs"] == 4, "validation campaigns' own labels are scored apart"


@pytest.mark.parametrize(
    ("line", "error", "pattern"),
    [
        (None, ValidationError, r"labels file not found"),
        (
            {"spec_id": "nope", "copy": "x", "send": 5, "flags": []},
            ValidationError,
            r"'nope' is not a train spec",
        ),
    ],
)
def test_bad_labels_are_rejected(line, error, pattern, tmp_path, encoder):
    specs = read_specs(_write_rows(tmp_path / "train.jsonl", _spec_rows(2)), encoder)
    path = tmp_path / "labelled.jsonl"
    if line is not None:
        _write_rows(path, [line])
    with pytest.raises(error, match=pattern):
        read_labels(path, specs)


def test_inner_split_keeps_campaigns_whole(encoder, tmp_path):
    specs = read_specs(_write_rows(tmp_path / "train.jsonl", _spec_rows(6)), encoder)
    fit, val = inner_split(specs, "per_brand")
    assert len({s.campaign.brand for s in val}) == 2 and len({s.campaign_id for s in val}) == 2, (
        "one campaign per brand should be held back"
    )
    fit_h, val_h = inner_split(specs, "hash", 0.5)
    for a, b in ((fit, val), (fit_h, val_h)):
        assert not {s.campaign_id for s in a} & {s.campaign_id for s in b}, "a campaign sits on both sides"
        assert len(a) + len(b) == len(specs)


def test_top_layers_on_cached_states_match_the_full_forward(tiny_bert_dir):
    approver = new_approver(ApproverConfig(base=tiny_bert_dir, train_layers=1))
    enc = approver.encode(
        ["brand: a; offer: 20% off", "brand: b"], ["get 20% off now", "free shipping, code x"]
    )
    with torch.inference_mode():
        full = approver.net(**enc)
        top = approver.net.top_logits(
            approver.net.frozen_states(**enc), enc["attention_mask"], enc["token_type_ids"]
        )
    assert torch.allclose(full, top, atol=1e-6), f"{full} vs {top}"


def test_score_checks_its_arguments(tiny_bert_dir):
    approver = new_approver(ApproverConfig(base=tiny_bert_dir, train_layers=2))
    campaign = Campaign.from_dict(CAMPAIGN)
    with pytest.raises(ValidationError, match="interests"):
        approver.score(campaign, [["a"], ["b"]], ["one", "two", "three"])
    with pytest.raises(ValidationError, match="phrase lists"):
        approver.score(campaign, ["a", "b"], ["one", "two"])
    assert approver.score(campaign, [["a"]], []).shape == (0,)
    assert approver.score(campaign, [["a"]], ["one", "two"]).shape == (2,), "one interest list is shared"


def test_load_names_the_training_command_when_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_approver.py"):
        Approver.load(tmp_path / "nothing-here")


def test_config_checks_ranges():
    with pytest.raises(ValidationError, match="pooling"):
        ApproverConfig(pooling="max")
    with pytest.raises(ValidationError, match="both be 0"):
        ApproverConfig(pairwise_weight=0, pointwise_weight=0)


# Hand-written for this test (not from copy_gold): (campaign, interests, good copy, flawed copy, defect).
PAIRS = [
    (
        {
            "campaign_id": "t1",
            "brand": "Harbor Cycles",
            "offer": {"kind": "percent_off", "value": 20, "applies_to": "bike lights", "code": "GLOW20"},
            "channel": "push",
            "tone": "friendly",
        },
        ["road bike helmet", "cycling gloves", "bike lock"],
        "Riding home after dark? Get 20% off bike lights at Harbor Cycles with code GLOW20.",
        "Riding home after dark you is? 20% off bike lights getting at Harbor Cycles with code GLOW20 it.",
        "ungrammatical",
    ),
    (
        {
            "campaign_id": "t2",
            "brand": "Nook & Ember",
            "offer": {
                "kind": "amount_off",
                "value": 10,
                "currency": "USD",
                "min_spend": 40,
                "code": "COZY10",
                "expires": "2027-01-31",
            },
            "channel": "sms",
            "tone": "warm",
        },
        ["soy candle", "wool throw blanket", "herbal tea sampler"],
        "Cozy evenings in? Take $10 off orders over $40 at Nook & Ember with code COZY10, until Jan 31.",
        "Cozy evenings, cozy evenings in! $10 off, $10 off orders over $40 with code COZY10, until Jan 31.",
        "repetitive",
    ),
    (
        {
            "campaign_id": "t3",
            "brand": "Brightside Books",
            "offer": {"kind": "free_shipping", "code": "SHIPFREE"},
            "channel": "email_subject",
            "tone": "professional",
        },
        ["mystery novel", "reading lamp", "leather bookmark"],
        "Your next page-turner ships free with code SHIPFREE",
        "We saw you bought a mystery novel and a reading lamp: free shipping with SHIPFREE",
        "creepy",
    ),
    (
        {
            "campaign_id": "t4",
            "brand": "Fernway Plants",
            "offer": {"kind": "bogo", "applies_to": "succulents", "code": "TWOFER"},
            "channel": "banner",
            "tone": "playful",
        },
        ["ceramic planter", "cactus potting soil", "grow light"],
        "Grow your windowsill jungle: buy one, get one free on succulents with code TWOFER!",
        "Please be advised that a buy one, get one free offer on succulents is available via code TWOFER.",
        "off_tone",
    ),
    (
        {
            "campaign_id": "t5",
            "brand": "Peak Form",
            "offer": {"kind": "percent_off", "value": 15, "code": "LIFT15"},
            "channel": "push",
            "tone": "upbeat",
        },
        ["adjustable dumbbells", "resistance bands", "foam roller"],
        "Home workouts, leveled up! Take 15% off everything at Peak Form with code LIFT15.",
        "Planning a beach getaway with the kids? Take 15% off everything at Peak Form with code LIFT15.",
        "irrelevant",
    ),
    (
        {
            "campaign_id": "t6",
            "brand": "Little Loom",
            "offer": {
                "kind": "gift",
                "applies_to": "a free tote bag",
                "min_spend": 50,
                "currency": "USD",
                "code": "LOOMTOTE",
            },
            "channel": "email_subject",
            "tone": "warm",
        },
        ["toddler rain boots", "knit baby hat", "kids raincoat"],
        "Rainy-day ready: a free tote bag with orders over $50, code LOOMTOTE",
        "Raincoats for your tote, boots in the bag: a free tote bag with orders over $50, code LOOMTOTE",
        "incoherent",
    ),
]


@pytest.mark.slow
def test_shipped_approver_prefers_good_copy_on_unseen_pairs():
    approver = Approver.load()
    rows = []
    for campaign, interests, good, bad, defect in PAIRS:
        p_good, p_bad = approver.score(Campaign.from_dict(campaign), [interests], [good, bad])
        rows.append((defect, float(p_good), float(p_bad)))
    wins = sum(g > b for _, g, b in rows)
    detail = "; ".join(f"{d}: good {g:.3f} vs flawed {b:.3f}" for d, g, b in rows)
    assert wins >= 5, f"good copy scored higher in only {wins} of 6 pairs: {detail}"


def _remove_weights(folder, weights_file, meta_file):
    (folder / weights_file).unlink()


def _other_base(folder, weights_file, meta_file):
    meta = json.loads((folder / meta_file).read_text())
    (folder / meta_file).write_text(json.dumps({**meta, "base_weights_sha1": "0" * 40}))


def _drop_a_layer_weight(folder, weights_file, meta_file):
    from safetensors.torch import load_file, save_file

    state = load_file(str(folder / weights_file))
    state.pop(next(k for k in sorted(state) if k.startswith("encoder.layer.")))
    save_file(state, str(folder / weights_file))


@pytest.mark.parametrize("model", ["approver", "ranker"])
@pytest.mark.parametrize(
    ("spoil", "error", "regex"),
    [
        (_remove_weights, "ModelNotFoundError", r"no (approver model|ranker) in .*missing"),
        (
            _other_base,
            "ValidationError",
            r"trained on other base weights than .*\(sha1 differs\); retrain it with "
            r"(finetune/train_approver\.py|make ranker)$",
        ),
        (
            _drop_a_layer_weight,
            "ValidationError",
            r"does not fit the base: missing \['encoder\.layer\.\d+\..*'\], unexpected \[\]",
        ),
    ],
)
def test_a_saved_scorer_that_does_not_fit_is_refused_naming_the_fix(tmp_path, model, spoil, error, regex):
    import shutil

    from promogen import approver, ranker
    from promogen.models import ModelNotFoundError

    module, cls = (approver, Approver) if model == "approver" else (ranker, ranker.Ranker)
    folder = shutil.copytree(module.WEIGHTS_DIR, tmp_path / model)
    assert cls.load(folder).directory == str(folder), "the copied folder loads as it is"
    spoil(folder, module.WEIGHTS_FILE, module.META_FILE)
    expected = {"ModelNotFoundError": ModelNotFoundError, "ValidationError": ValidationError}[error]
    with pytest.raises(expected, match=regex):
        cls.load(folder)
