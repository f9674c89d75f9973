"""Generation is batched and reproducible; the pipeline delivers the best compliant copy or the fallback."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeApprover, texts

from promogen import Delivery, PipelineConfig, PromoGen, ValidationError, check_copy
from promogen.checks import fits, length_budget
from promogen.generator import Copywriter, tidy, trim
from promogen.ope import evaluate, read_log
from promogen.pipeline import NO_MINIMUM_WORDS, budget, minimum_once
from promogen.policy import PolicyConfig
from promogen.prompts import fallback_copy
from promogen.simulate import demo_campaign, load_campaign, simulate_users
from promogen.types import Campaign, Candidate, UserHistory
from promogen.wording import required_terms

CONTRACT = {
    "user_id",
    "campaign_id",
    "text",
    "chosen_by",
    "candidates",
    "chosen",
    "propensity",
    "model",
    "adapter",
    "seed",
    "promogen_version",
}


def test_same_seed_same_copy_and_other_seed_differs(tiny_pg):
    prompts = ["<|im_start|>user\nrunning shoes<|im_end|>\n", "<|im_start|>user\nyoga<|im_end|>\n"]
    first = tiny_pg.generator.generate(prompts, n=3, seed=7)
    again = tiny_pg.generator.generate(prompts, n=3, seed=7)
    other = tiny_pg.generator.generate(prompts, n=3, seed=8)
    assert first == again, "same inputs and seed must reproduce the same copy and perplexities"
    assert texts(first) != texts(other), "another seed should sample other copy"
    assert [len(x) for x in first] == [3, 3], "n completions per prompt"


def test_min_p_reaches_the_sampler_a_near_one_min_p_samples_the_greedy_copy(tiny_model_dir):
    from promogen import Generator, GeneratorConfig

    prompts = ["<|im_start|>user\nrunning shoes<|im_end|>\n"]
    settings = {"model": tiny_model_dir, "max_new_tokens": 8, "dtype": "float32"}
    greedy = Generator.load(GeneratorConfig(temperature=0.0, **settings)).generate(prompts, n=1, seed=3)
    sampled = Generator.load(GeneratorConfig(temperature=1.0, **settings)).generate(prompts, n=4, seed=3)
    sharp = Generator.load(GeneratorConfig(temperature=1.0, min_p=0.99, **settings)).generate(
        prompts, n=4, seed=3
    )
    assert len(set(texts(sampled)[0])) > 1, "plain sampling on the random model should vary"
    assert set(texts(sharp)[0]) == set(texts(greedy)[0]), "min-p 0.99 leaves only the most likely token"


def test_perplexity_is_finite_and_prefers_seen_text(tiny_pg):
    ppl = tiny_pg.generator.perplexity(["trail running shoes", "zq xv kj"])
    assert all(np.isfinite(ppl)) and all(p > 1 for p in ppl), ppl


def test_the_generator_and_the_fake_keep_to_the_copywriter_protocol(tiny_pg, copywriter):
    assert isinstance(tiny_pg.generator, Copywriter), "Generator implements Copywriter"
    assert isinstance(copywriter, Copywriter), "the tests' fake stands in for it"
    partial = type("Partial", (), {"generate": copywriter.generate, "chat_prompt": copywriter.chat_prompt})()
    assert not isinstance(partial, Copywriter), "without perplexity and the names it is no copywriter"


def test_tidy_copy_edits_raw_output_but_never_shortens_it():
    assert tidy('  "Get 20% off!"  \n\nSecond paragraph') == "Get 20% off!", "first paragraph, no quotes"
    assert tidy("Push notification: Get 20% off!") == "Get 20% off!", "label removed"
    assert tidy("Get 20%\u200b off with RUN\u206020") == "Get 20% off with RUN20", "invisible characters go"
    long = "Take $10 off with code TEN10. Only on orders over $50. " * 3
    assert tidy(long) == long.strip(), "a cut could drop the minimum spend, so tidy never cuts"


@pytest.mark.parametrize(
    ("raw", "edited"),
    [
        ("SMS - Get 20% off", "Get 20% off"),
        ("Subject line: Get 20% off", "Get 20% off"),
        ("SMS-exclusive: 20% off with RUN20", "SMS-exclusive: 20% off with RUN20"),
        ("Text-only deal: 20% off with RUN20", "Text-only deal: 20% off with RUN20"),
        ('"Run far" is our motto: 20% off, code "RUN20"', '"Run far" is our motto: 20% off, code "RUN20"'),
    ],
    ids=["a dash label", "a colon label", "a hyphenated word is copy", "another one", "quotes inside stay"],
)
def test_tidy_removes_labels_and_wrapping_quotes_only(raw, edited):
    assert tidy(raw) == edited, f"{raw!r} -> {tidy(raw)!r}"


GIFT = "Your little explorer's waiting: get a free mystery gift on your order with PSBRA until Jan 26"


@pytest.mark.parametrize(
    ("text", "chars", "trimmed"),
    [
        (GIFT, 93, GIFT),  # fits: left as written
        (GIFT, 90, "Your little explorer's waiting: get a free mystery gift with PSBRA until Jan 26"),
        ("Ready? A free mystery gift on every order with code PSBRA, until Jan 26", 48, None),  # never fits
        (
            "Ready to unwrap? A free mystery gift on every order with code PSBRA, until Jan 26",
            64,
            "Ready to unwrap? A free mystery gift with PSBRA, until Jan 26",
        ),
        (
            "Ready to unwrap? A free mystery gift on every order with code PSBRA, until Jan 26",
            60,
            "Ready to unwrap? A free mystery gift with PSBRA until Jan 26",
        ),
        ("Free shipping on every order over $50 with SHIP50 until May 2", 50, None),  # a minimum stays
        ("Free shipping on your order of $50+ with SHIP50", 40, None),
        (
            "Spring is here: 20% off your order with code SPRING20.",
            50,
            "Spring is here: 20% off your order with SPRING20.",
        ),
        ("Treat yourself: 20% off on your next order.", 40, "Treat yourself: 20% off."),
    ],
)
def test_trim_drops_only_words_that_carry_no_offer_and_only_to_fit(text, chars, trimmed):
    want, got = text if trimmed is None else trimmed, trim(text, lambda t: len(t) <= chars)
    assert got == want, f"trim({text!r}) to {chars} characters: {got!r}, want {want!r}"


def test_trim_fits_an_sms_as_the_gate_counts_it():
    campaign = demo_campaign("shipfree")
    assert campaign.channel == "sms" and campaign.max_chars is None, "the case: one GSM-7 segment, 160 units"
    euro = "Free shipping on your order with SHIPFREE, " + "x" * 116 + "€"  # 160 characters, 161 units
    assert len(euro) == 160 and not fits(euro, campaign), "€ takes two GSM-7 units: over one segment"
    assert any(v.rule == "too_long" for v in check_copy(euro, campaign)), "the gate agrees"
    trimmed = trim(euro, lambda t: fits(t, campaign))
    assert trimmed == euro.replace(" on your order", "") and fits(trimmed, campaign), trimmed


@pytest.mark.parametrize(
    ("settings", "trimmed"), [({}, True), ({"trim": False}, False), ({"must_mention": False}, False)]
)
def test_the_pipeline_trims_copy_over_its_channels_limit_as_part_of_the_guard(
    copywriter, encoder, settings, trimmed
):
    campaign = demo_campaign("run20")
    tail = " 20% off running gear on your order with RUN20."
    over = "Run" * ((campaign.limit - len(tail)) // 3 + 1) + tail
    assert len(over) > campaign.limit >= len(over) - len(" on your order"), "the case: over, and fits trimmed"
    pg = PromoGen(copywriter.enqueue(over), encoder, PipelineConfig(**settings))
    [result] = pg.generate(campaign, simulate_users(1, seed=0), n_candidates=1)
    text = result.candidates[0].text
    assert (text == over.replace(" on your order", "", 1)) == trimmed, f"{settings}: {text!r}"
    assert (text == over) != trimmed, f"{settings}: untrimmed copy is the copywriter's, as written"


@pytest.mark.parametrize(
    ("name", "min_hook", "steered"),
    [
        ("run20", 16, True),  # 150 characters, plenty of room
        ("../eval/campaigns/tight_tents.json", 16, False),  # 8 characters before the offer: no hook fits
        ("../eval/campaigns/tight_tents.json", 0, True),  # 0: room is always kept, hooks cut short
    ],
)
def test_length_steering_keeps_no_room_for_a_hook_that_cannot_fit(name, min_hook, steered):
    campaign = load_campaign(str(Path(__file__).parent / name) if name.endswith(".json") else name)
    plan = budget(campaign, min_hook)
    assert plan.chars == length_budget(campaign), "the budget is what the gate allows, either way"
    assert bool(plan.offer and plan.reserve) == steered, f"{name}, min_hook {min_hook}: {plan}"


def test_min_hook_changes_no_budget_of_the_written_shops_campaigns():
    folder = Path(__file__).parent.parent / "finetune" / "data" / "written"
    campaigns = {
        spec["campaign"]["campaign_id"]: Campaign.from_dict(spec["campaign"])
        for path in folder.rglob("*.jsonl")
        for spec in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    }
    assert len(campaigns) >= 40, f"the written shops' campaigns: {len(campaigns)}"
    changed = [c for c, campaign in campaigns.items() if budget(campaign, 16) != budget(campaign, 0)]
    assert changed == [], f"min_hook 16 keeps the steering of every written campaign: {changed}"


@pytest.mark.parametrize(("min_hook", "reserved"), [(16, False), (0, True)])
def test_the_pipeline_hands_the_copywriter_the_budget_its_min_hook_gives(
    copywriter, encoder, min_hook, reserved
):
    campaign = load_campaign(str(Path(__file__).parent / "../eval/campaigns/tight_tents.json"))
    pg = PromoGen(copywriter.enqueue("x"), encoder, PipelineConfig(min_hook=min_hook))
    pg.generate(campaign, simulate_users(1, seed=0), n_candidates=1)
    [request] = copywriter.history
    assert request.budgets == [budget(campaign, min_hook)], request.budgets
    assert (request.budgets[0].reserve > 0) == reserved, f"min_hook {min_hook}: {request.budgets[0]}"


def test_pipeline_output_contract_and_determinism(tiny_pg):
    campaign, users = demo_campaign("run20"), simulate_users(3, seed=1)
    results = tiny_pg.generate(campaign, users, n_candidates=2, seed=3)
    again = tiny_pg.generate(campaign, users, n_candidates=2, seed=3)
    assert [r.user_id for r in results] == [u.user_id for u in users], "one result per user, in order"
    assert [r.to_dict() for r in results] == [r.to_dict() for r in again], "same seed => same deliveries"
    for r in results:
        assert set(r.to_dict()) >= CONTRACT, f"missing fields {CONTRACT - set(r.to_dict())}"
        assert len(r.candidates) == 2 and all(
            {"perplexity", "relevance"} <= set(c.scores) for c in r.candidates
        )
        assert check_copy(r.text, campaign) == [], f"delivered copy must be compliant: {r.text!r}"


TEXTS = [
    "Yoga mats 50% off with SAVE50!",  # violating: another value and a foreign code
    "Get 20% off running gear with code RUN20.",  # compliant, generic
    "Your next trail run awaits: 20% off running gear with RUN20.",  # compliant, on-interest
]


def test_best_compliant_candidate_is_delivered_never_a_violating_one(copywriter, encoder):
    campaign = demo_campaign("run20")
    pg = PromoGen(copywriter.enqueue(*TEXTS), encoder, PipelineConfig(rank_by="relevance", variety=0))
    runner = simulate_users(1, seed=0)[0]
    runner.events = runner.events[:1]
    runner.events[0].text = "trail running shoes"
    [result] = pg.generate(campaign, [runner], n_candidates=3)
    assert result.chosen_by == "model" and result.chosen == 2, (
        f"most relevant compliant copy wins: {result.text}"
    )
    assert result.text == TEXTS[2], "the delivered text is the model's copy as written"
    assert result.candidates[0].violations, "the 50% / SAVE50 copy must carry violations"


def test_by_default_the_compliant_copy_the_copywriter_was_surest_of_is_delivered(copywriter, encoder):
    campaign = demo_campaign("run20")
    copywriter.perplexities.update({TEXTS[0]: 1.1, TEXTS[1]: 3.0, TEXTS[2]: 1.8})
    pg = PromoGen(copywriter.enqueue(*TEXTS), encoder, PipelineConfig())
    [result] = pg.generate(campaign, simulate_users(1, seed=0), n_candidates=3)
    scores = [c.scores["perplexity"] for c in result.candidates]
    assert scores == [1.1, 3.0, 1.8], f"each candidate keeps its draft's perplexity: {scores}"
    assert result.chosen == 2 and result.text == TEXTS[2], (
        f"lowest perplexity among compliant copy (the violating 1.1 never): {result.text}"
    )


@pytest.mark.parametrize("weight", [0.0, 50.0])
def test_the_relevance_weight_moves_the_pick_to_the_copy_nearer_the_shopper(copywriter, encoder, weight):
    campaign = demo_campaign("run20")
    copywriter.perplexities.update({TEXTS[1]: 1.5, TEXTS[2]: 1.8})
    pg = PromoGen(
        copywriter.enqueue(*TEXTS[1:]), encoder, PipelineConfig(rank_by="perplexity", relevance=weight)
    )
    [result] = pg.generate(campaign, simulate_users(1, seed=0), n_candidates=2)
    relevance = [c.scores["relevance"] for c in result.candidates]
    assert np.argmax(relevance) == 1, f"the case: the less likely copy is nearer the shopper: {relevance}"
    want = 1 if weight else 0
    assert result.chosen == want, f"relevance {weight}: picked {result.chosen}, relevances {relevance}"


VARIED = [
    "Get 20% off running gear with code RUN20.",  # the surest, and the commonest phrasing
    "Trail season is here: 20% off running gear, code RUN20.",
]


@pytest.mark.parametrize(
    "variety, picks",
    [(0.0, [0, 0, 0]), (0.3, [0, 0, 0]), (0.6, [0, 1, 0])],
    ids=[
        "off: every shopper gets the surest line",
        "weak: 0.3 x (1 - 3/9 pairs shared) is under the log-perplexity gap log(2/1.5) = 0.29",
        "on: the second shopper gets new words; once both are given out, the surest again",
    ],
)
def test_variety_moves_later_shoppers_off_the_words_already_given_out(copywriter, encoder, variety, picks):
    campaign = demo_campaign("run20")
    copywriter.perplexities.update({VARIED[0]: 1.5, VARIED[1]: 2.0})
    pg = PromoGen(copywriter.enqueue(*VARIED * 3), encoder, PipelineConfig(variety=variety))
    results = pg.generate(campaign, simulate_users(3, seed=0), n_candidates=2)
    assert [r.chosen for r in results] == picks, f"variety {variety}: {[r.text for r in results]}"
    first = [c.scores["repeated"] for c in results[0].candidates]
    assert first == [0.0, 0.0], f"nothing was given out before the first shopper: {first}"
    second = results[1].candidates[1].scores["repeated"]
    assert second == pytest.approx(3 / 9, abs=1e-4), f"3 of its 9 word pairs were given out: {second}"
    assert results[1].candidates[0].scores["repeated"] == 1.0, "the first shopper's line, repeated"
    assert all(r.propensity == 1.0 for r in results), "greedy with a penalty is still deterministic"


@pytest.mark.parametrize(
    "requests, regex",
    [([1], r"adding up to 2 users"), ([3, -1], r"sizes >= 0"), ([2, 1], r"adding up to 2 users")],
)
def test_bad_request_sizes_are_refused_naming_the_argument(copywriter, encoder, requests, regex):
    pg = PromoGen(copywriter, encoder, PipelineConfig())
    with pytest.raises(ValidationError, match=r"`requests`.*" + regex):
        pg.generate(demo_campaign("run20"), simulate_users(2, seed=0), n_candidates=2, requests=requests)


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_a_candidate_count_under_one_is_refused_naming_it(copywriter, encoder, n):
    pg = PromoGen(copywriter, encoder, PipelineConfig())
    with pytest.raises(ValidationError, match=r"`n_candidates` must be a whole number of at least 1"):
        pg.generate(demo_campaign("run20"), simulate_users(1, seed=0), n_candidates=n)


@pytest.mark.parametrize("seed", [-1, 0.5, "1"])
def test_a_seed_that_is_not_a_whole_number_from_0_is_refused_before_generating(copywriter, encoder, seed):
    pg = PromoGen(copywriter, encoder, PipelineConfig())
    with pytest.raises(ValidationError, match=r"`seed` must be a whole number >= 0"):
        pg.generate(demo_campaign("run20"), simulate_users(1, seed=0), seed=seed)
    assert copywriter.calls == [], "nothing was generated"


def test_variety_never_delivers_a_violating_candidate_for_its_new_words(copywriter, encoder):
    campaign = demo_campaign("run20")
    fresh = "Yoga mats 50% off with SAVE50!"  # new words, but it misstates the offer
    pg = PromoGen(copywriter.enqueue(VARIED[0], fresh, VARIED[0], fresh), encoder, PipelineConfig(variety=5))
    results = pg.generate(campaign, simulate_users(2, seed=0), n_candidates=2)
    assert [r.text for r in results] == [VARIED[0]] * 2, "only eligible copy competes on variety"


def test_fallback_when_no_candidate_complies(fake_pg, copywriter):
    campaign = demo_campaign("run20")
    copywriter.enqueue("50% off with SAVE50", "RUN20 now")
    [result] = fake_pg.generate(campaign, simulate_users(1), n_candidates=2)
    assert result.chosen_by == "fallback" and result.chosen is None, "no compliant copy => fallback"
    assert result.text == fallback_copy(campaign), "the fallback is the campaign's template copy"


def test_cart_claims_are_delivered_only_to_shoppers_with_a_cart(fake_pg, copywriter):
    campaign = demo_campaign("run20")
    claim, plain = (
        "Your shoes are still in your cart: 20% off running gear with RUN20.",
        "20% off running gear with RUN20.",
    )
    browser = UserHistory.from_dict({"user_id": "b", "events": [{"type": "view", "text": "trail shoes"}]})
    carter = UserHistory.from_dict({"user_id": "c", "events": [{"type": "cart", "text": "trail shoes"}]})
    copywriter.enqueue(claim, plain, claim, plain)
    got = fake_pg.generate(campaign, [browser, carter], n_candidates=2)
    assert [c.eligible for c in got[0].candidates] == [False, True], (
        "no cart event: the cart claim is invented"
    )
    assert got[0].text == plain, "the browsing shopper never gets the cart claim"
    assert got[1].candidates[0].eligible, "a shopper with a cart event may be told about the cart"


def test_ranker_orders_compliant_candidates_and_policy_records_propensity(fake_pg, copywriter, encoder):
    campaign = demo_campaign("run20")
    user = simulate_users(1, seed=0)[0]
    copywriter.enqueue(*TEXTS)
    [result] = fake_pg.generate(campaign, [user], n_candidates=3)
    ctr = [c.scores["predicted_ctr"] for c in result.candidates]
    best = max((1, 2), key=lambda i: ctr[i])
    assert all(0 < p < 1 for p in ctr), f"predicted CTRs are probabilities: {ctr}"
    assert result.chosen == best and result.propensity == 1.0, f"greedy: highest predicted CTR, p=1 ({ctr})"
    assert result.text == TEXTS[best], "the highest-CTR compliant copy is what the user gets"
    config = PipelineConfig(
        policy=PolicyConfig(kind="epsilon", epsilon=0.5), rank_by="predicted_ctr", variety=0
    )
    exploring = PromoGen(copywriter, encoder, config, fake_pg.ranker)
    for seed in range(6):
        copywriter.enqueue(*TEXTS)
        [r] = exploring.generate(campaign, [user], n_candidates=3, seed=seed)
        assert r.chosen in (1, 2), "exploration stays among compliant candidates"
        assert r.propensity == pytest.approx(0.75 if r.chosen == best else 0.25), (r.chosen, r.propensity)


def test_approver_floors_and_ranks_the_compliant_candidates(fake_pg, copywriter, encoder):
    campaign = demo_campaign("run20")
    approver = FakeApprover({"trail": 0.9, "gear": 0.3}, default=0.1)  # TEXTS get 0.1, 0.3 (under 0.5), 0.9
    floored = PipelineConfig(min_approval=0.5, rank_by="approval", variety=0)
    pg = PromoGen(copywriter.enqueue(*TEXTS), encoder, floored, fake_pg.ranker, approver)
    [result] = pg.generate(campaign, simulate_users(1, seed=4), n_candidates=3)
    assert [c.eligible for c in result.candidates] == [False, False, True], "the floor makes 0.3 ineligible"
    assert result.chosen == 2 and result.candidates[2].scores["approval"] == 0.9, result.candidates
    assert result.text == TEXTS[2], "the approved copy is delivered"
    strict = PromoGen(copywriter, encoder, PipelineConfig(min_approval=0.95), fake_pg.ranker, approver)
    copywriter.enqueue(*TEXTS[:2])
    [fallback] = strict.generate(campaign, simulate_users(1, seed=4), n_candidates=2)
    assert fallback.chosen_by == "fallback", "nothing approved enough: the template line goes out"


def test_model_copy_reaches_each_user_with_their_own_interests(fake_pg, copywriter):
    campaign, users = demo_campaign("run20"), simulate_users(3, seed=5)
    copywriter.rule = copywriter.write_offer
    deliveries = fake_pg.generate(campaign, users, n_candidates=2)
    for d in deliveries:
        want = f"Made for your {d.interests[0]}: 20% off running gear with code RUN20."
        assert d.chosen_by == "model" and d.text == want, f"{d.user_id} gets the model's copy: {d.text!r}"
        assert d.candidates[d.chosen].eligible and 0 < d.propensity <= 1, d.to_dict()
        assert d.model == "fake-copywriter", "the delivery names the copywriter that wrote it"
        assert Delivery.from_dict(d.to_dict()).to_dict() == d.to_dict(), "delivered copy round-trips"
    assert len({d.text for d in deliveries}) == 3, "each user's copy follows their own interests"


def test_non_compliant_copy_is_never_delivered_even_when_ranked_first(copywriter, encoder):
    campaign = demo_campaign("run20")
    user = simulate_users(1, seed=0)[0]
    ranked = PromoGen(copywriter, encoder, PipelineConfig(rank_by="relevance", variety=0))
    # The same words as the user's interests, the offer wrong: the most relevant, and illegal.
    wrong = f"{user.events[0].text}: 25% off running gear with code RUN20."
    right = "Get 20% off running gear with code RUN20."
    copywriter.enqueue(wrong, right)
    [d] = ranked.generate(campaign, [user], n_candidates=2)
    rel = [c.scores["relevance"] for c in d.candidates]
    assert rel[0] > rel[1], f"the test needs the violating copy ranked first: {rel}"
    assert [c.eligible for c in d.candidates] == [False, True], [c.violations for c in d.candidates]
    assert d.text == right and d.chosen == 1, f"the compliant copy goes out, never {wrong!r}"


# run20 and ten_off have no minimum spend, shipfree has one; the words are banned after a space only
NO_MINIMUM = {f" {form}": 0 for w in NO_MINIMUM_WORDS for form in (w, w.capitalize())}
GUARD_CASES = [
    # (campaign, settings, terms expected, gsm expected, mention limits expected, minimum once expected)
    ("run20", {}, True, False, NO_MINIMUM, True),
    ("run20", {"no_minimum_words": False}, True, False, {}, True),
    ("shipfree", {}, True, True, {}, True),
    ("shipfree", {"one_minimum": False}, True, True, {}, False),
    ("shipfree", {"must_mention": False}, False, True, {}, False),
    ("shipfree", {"gsm_sms": False}, True, False, {}, True),
    ("ten_off", {"must_mention": False}, False, False, {}, False),
    (
        "ten_off",
        {"limit_mentions": True, "no_minimum_words": False},
        True,
        False,
        {"TAKE10": 1, "Stride Sports": 1, "£": 0, "€": 0},
        True,
    ),
    (
        "run20",
        {"limit_mentions": True},
        True,
        False,
        NO_MINIMUM | {"RUN20": 1, "Stride Sports": 1, "$": 0, "£": 0, "€": 0},
        True,
    ),
]


@pytest.mark.parametrize(("name", "settings", "terms", "gsm", "limits", "once"), GUARD_CASES)
def test_pipeline_hands_the_copywriter_its_guard_terms_gsm_vectors_and_seed(
    copywriter, encoder, name, settings, terms, gsm, limits, once
):
    campaign, users = demo_campaign(name), simulate_users(2, seed=6)
    pg = PromoGen(copywriter.enqueue(*["x"] * 6), encoder, PipelineConfig(**settings))
    pg.generate(campaign, users, n_candidates=3, seed=11)
    [request] = copywriter.history
    vectors, interests = encoder.encode_users(users)
    assert (request.n, request.seed) == (3, 11), "n_candidates and seed reach the copywriter"
    assert request.prompts == pg.prompts(campaign, interests), "one chat prompt per user, in order"
    briefs = [p.rstrip().splitlines()[-1] for p in request.prompts]
    assert briefs == [f"Shopper is into: {'; '.join(i)}" for i in interests], (
        f"each prompt ends with its own user's interests: {briefs}"
    )
    assert np.allclose(request.vectors, vectors), "each user's own interest vector conditions their copy"
    assert request.keys == [u.user_id for u in users], "each user's id seeds their draws"
    want = [required_terms(campaign.offer)] * 2 if terms else None
    assert request.terms == want, (
        f"{name} {settings}: offer terms the guard must see written: {request.terms}"
    )
    assert request.gsm == [gsm] * 2, f"{name} {settings}: GSM-7 only for SMS with gsm_sms on: {request.gsm}"
    want = [budget(campaign, PipelineConfig().min_hook)] * 2 if terms else None  # part of the guard
    assert request.budgets == want, f"{name} {settings}: each prompt's length budget: {request.budgets}"
    if terms:
        assert request.budgets[0].chars == length_budget(campaign), "the budget is what the gate allows"
    assert request.limits == [limits] * 2, (
        f"{name} {settings}: how often each word may be written: {request.limits}"
    )
    assert request.after == ([minimum_once(campaign)] * 2 if once else None), (
        f"{name} {settings}: the minimum's words once it is stated (with one_minimum): {request.after}"
    )


def test_shuffled_vectors_give_every_user_someone_elses(copywriter, encoder):
    users = simulate_users(4, seed=7)
    pg = PromoGen(copywriter.enqueue(*["x"] * 4), encoder, PipelineConfig(shuffle_vectors=True))
    pg.generate(demo_campaign("run20"), users, n_candidates=1)
    own, _ = encoder.encode_users(users)
    given = copywriter.history[0].vectors
    assert not any(np.allclose(given[i], own[i]) for i in range(4)), "the ablation control: never one's own"
    assert sorted(map(tuple, np.round(given, 6))) == sorted(map(tuple, np.round(own, 6))), "a permutation"
    assert copywriter.history[0].keys == [u.user_id for u in users], "the draws stay each user's own"


def test_compliant_copy_over_the_fluency_floor_is_not_eligible_and_ope_respects_it(
    fake_pg, copywriter, tmp_path
):
    campaign, users = demo_campaign("run20"), simulate_users(4, seed=8)
    copywriter.rule = lambda prompt, k: [
        "Get 20% off running gear with code RUN20.",
        "Fresh miles ahead: 20% off running gear with RUN20.",
        "Code RUN20 takes 20% off running gear.",
    ][k]
    first = fake_pg.generate(campaign, users, n_candidates=3)
    # Whatever the ranking head likes best for user 0 now reads as gibberish to the fluency floor.
    top = first[0].text
    copywriter.perplexities[top] = fake_pg.config.max_perplexity + 1
    deliveries = fake_pg.generate(campaign, users, n_candidates=3)
    for d in deliveries:
        over = [c for c in d.candidates if c.text == top][0]
        assert not over.violations and not over.eligible, "compliant but over the floor: not eligible"
        assert d.chosen_by == "model" and d.text != top, f"the floor keeps {top!r} from {d.user_id}"
    log = tmp_path / "log.jsonl"
    clicks = [1, 0, 1, 1]
    log.write_text(
        "".join(
            json.dumps({**d.to_dict(), "click": c}) + "\n" for d, c in zip(deliveries, clicks, strict=True)
        )
    )
    data = read_log(log)
    assert data.eligible.tolist() == [[c.eligible for c in d.candidates] for d in deliveries], (
        "ope reads eligible"
    )
    result = evaluate(data, PolicyConfig(), bootstrap=0)
    assert result["ips"]["estimate"] == pytest.approx(np.mean(clicks)), (
        "the logging policy itself, evaluated over the eligible set, earns exactly the logged click rate"
    )


def test_a_small_propensity_is_logged_as_itself_not_as_zero(fake_pg, tmp_path):
    campaign, [user] = demo_campaign("run20"), simulate_users(1, seed=0)
    cands = [Candidate("20% off running gear with code RUN20.", {"predicted_ctr": 0.1}, eligible=True)]
    delivery = fake_pg.delivery(campaign, user, cands, [], "fallback", 0, (0, 3.14159265e-7))
    assert delivery.propensity == 3.14159e-7, f"6 significant digits, never 0: {delivery.propensity}"
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({**delivery.to_dict(), "click": 1}) + "\n")
    assert read_log(log).propensity[0] == 3.14159e-7, "a rare pick stays readable by `promogen ope`"
