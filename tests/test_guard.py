"""The copywriter's decoding guard: a message states the offer's code, minimum spend and end date
before it ends, and an SMS stays in the GSM-7 alphabet."""

from __future__ import annotations

import re

import pytest
import torch

from promogen.checks import check_copy
from promogen.generator import Budget, Generator, GeneratorConfig, Guard
from promogen.pipeline import NO_MINIMUM_WORDS, mention_limits, minimum_once
from promogen.types import Campaign
from promogen.wording import offer_line, offer_start, offer_terms, required_terms

CAMPAIGN = {"campaign_id": "g900", "brand": "Trailhead Outfitters", "channel": "push"}


@pytest.mark.parametrize(
    ("offer", "stated", "missing"),
    [
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, "20% off with RUN20.", []),
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, "20% off everything.", ["Code RUN20."]),
        (
            {"kind": "gift", "applies_to": "a tote bag", "min_spend": 40, "currency": "GBP", "code": "T1"},
            "A free tote bag with T1.",
            ["Min. spend £40."],
        ),
        (
            {"kind": "percent_off", "value": 20, "code": "RUN20", "expires": "2027-04-14"},
            "20% off with RUN20.",
            ["Ends Apr 14."],
        ),
        ({"kind": "free_shipping"}, "Free shipping on everything.", []),
    ],
)
def test_required_terms_name_what_a_message_leaves_out(offer, stated, missing):
    campaign = Campaign.from_dict({**CAMPAIGN, "offer": offer})
    terms = required_terms(campaign.offer)
    found = [clause for term, clause in terms.items() if not re.search(term, stated)]
    assert found == missing, f"{stated!r} for {offer}"
    if missing:
        repaired = f"{stated} {' '.join(missing)}"
        assert check_copy(repaired, campaign) == [], f"the guard's sentences must pass the gate: {repaired}"


def _tokenizer(path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("RUN20 until April 14th.", True),
        ("RUN20 until 14 Apr.", True),
        ("RUN20, ends apr. 14", True),
        ("RUN20 until Apr 1", False),
        ("RUN20 until May 14", False),
    ],
)
def test_offer_terms_find_the_end_date_in_its_common_forms(text, found):
    campaign = Campaign.from_dict(
        {**CAMPAIGN, "offer": {"kind": "percent_off", "value": 20, "code": "RUN20", "expires": "2027-04-14"}}
    )
    regex, sentence = offer_terms(campaign.offer)["end_date"]
    assert bool(re.search(regex, text)) is found, f"end date in {text!r}"
    assert sentence == "Ends Apr 14.", "the sentence uses the prompt's short date form"


def test_guard_writes_a_missing_term_when_the_row_is_about_to_end(tiny_model_dir):
    tokenizer = _tokenizer(tiny_model_dir)
    eos = tokenizer.eos_token_id
    rows = ["Get 20% off with code RUN20", "Get 20% off running gear"]
    ids = tokenizer(rows, return_tensors="pt", padding=True)["input_ids"]
    terms = {"RUN20": "Code RUN20."}  # a regex that matches the code itself
    guard = Guard(tokenizer, [terms, terms], stops=[eos], banned=[False, False])
    guard.start = 0  # the rows are all generated text
    wants_to_end = torch.zeros(2, len(tokenizer))
    wants_to_end[:, eos] = 10.0
    scores = guard(ids, wants_to_end.clone())
    assert scores[0, eos] == 10.0, "a row that states every term may end"
    forced = tokenizer(". Code RUN20.", add_special_tokens=False)["input_ids"]
    assert scores[1].argmax() == forced[0] and torch.isinf(scores[1]).sum() == len(tokenizer) - 1, (
        "a row about to end without the code is made to write it"
    )
    assert guard.forced[1] == forced[1:], "the rest of the sentence follows on the next steps"
    undecided = torch.zeros(2, len(tokenizer))
    guard.forced[1] = []
    scores = guard(ids, undecided)
    assert torch.isinf(scores[1, eos]) and torch.isfinite(scores[1, :eos]).all(), (
        "a row not yet ending may go on but not stop"
    )


LIMITS = {"GQZUQC40": 1, "Velvet Vine Florist": 1, "$": 0}


@pytest.mark.parametrize(
    ("text", "banned"),
    [
        ("Velvet Vine Florist: 40% off house plants at", ["Velvet Vine Florist", "$"]),
        (
            "Velvet Vine Florist: 40% off house plants with code GQZUQC40",
            ["Velvet Vine Florist", "GQZUQC40", "$"],
        ),
        ("velvet vine florist: 40% off with", ["$"]),
        ("Take 40% off GQZUQC40X", ["$"]),
        ("Get 40% off house plants at", ["$"]),
    ],
)
def test_guard_keeps_a_row_within_its_mention_limits(tiny_model_dir, text, banned):
    tokenizer = _tokenizer(tiny_model_dir)
    ids = tokenizer([text, text], return_tensors="pt")["input_ids"]
    guard = Guard(
        tokenizer, [{}, {}], stops=[tokenizer.eos_token_id], banned=[False, False], limits=[LIMITS, {}]
    )
    guard.start = 0  # the rows are all generated text
    scores = guard(ids, torch.zeros(2, len(tokenizer)))
    for word in LIMITS:
        starts = guard._starts(word)
        shut = bool(torch.isinf(scores[0, starts]).all())
        assert shut == (word in banned), f"{text!r}: starting {word!r} must be banned: {word in banned}"
        assert torch.isfinite(scores[1, starts]).all(), "a row without limits is never restricted"
    assert torch.isfinite(scores[0]).sum() >= len(tokenizer) - 6, (
        "only the limited words' first tokens are banned"
    )


def test_a_word_given_with_its_space_is_banned_only_after_a_space(tiny_model_dir):
    tokenizer = _tokenizer(tiny_model_dir)
    guard = Guard(tokenizer, [{}], stops=[tokenizer.eos_token_id], banned=[False])
    spaced = guard._starts(" gear")  # this tokenizer: " gear" is " g" + "ear", "Headgear" ends "g" + "ear"
    assert [tokenizer.decode([t]) for t in spaced] == [" g"], "the first token of ' gear' alone"
    inside = tokenizer("Headgear", add_special_tokens=False)["input_ids"]
    assert not set(inside) & set(spaced), "'Headgear' (its 'gear' piece) stays open"
    assert set(guard._starts("gear")) > set(spaced), "without the space, both forms' first tokens"


def test_limits_never_ban_a_bare_space_or_a_digit(tiny_model_dir):
    tokenizer = _tokenizer(tiny_model_dir)
    guard = Guard(tokenizer, [{}], stops=[tokenizer.eos_token_id], banned=[False])
    for word in ("10OFF", " 5", "RUN20", "$"):
        pieces = [tokenizer.decode([t]).strip() for t in guard._starts(word)]
        assert all(p and not p.isdigit() for p in pieces), f"{word!r} would ban {pieces}: numbers need them"


@pytest.mark.parametrize(
    ("offer", "symbols"),
    [
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, {"$": 0, "£": 0, "€": 0}),
        ({"kind": "gift", "applies_to": "a free tote bag", "code": "T1"}, {"$": 0, "£": 0, "€": 0}),
        ({"kind": "free_shipping", "min_spend": 40, "currency": "GBP", "code": "S1"}, {"$": 0, "€": 0}),
        ({"kind": "amount_off", "value": 5, "currency": "USD", "code": "F5"}, {"£": 0, "€": 0}),
        ({"kind": "amount_off", "value": 5, "currency": "CAD", "code": "F5"}, {"$": 0, "£": 0, "€": 0}),
    ],
)
def test_mention_limits_ban_currency_symbols_the_offer_does_not_use(offer, symbols):
    campaign = Campaign.from_dict({**CAMPAIGN, "offer": offer})
    limits = mention_limits(campaign, mentions=True, no_minimum=False)
    assert limits == {offer["code"]: 1, CAMPAIGN["brand"]: 1} | symbols, f"{offer}: {limits}"


@pytest.mark.parametrize(
    ("offer", "banned"),
    [
        ({"kind": "gift", "applies_to": "a free tote bag", "code": "T1"}, True),
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, True),
        (
            {
                "kind": "gift",
                "applies_to": "a free tote bag",
                "min_spend": 30,
                "currency": "USD",
                "code": "T1",
            },
            False,
        ),
        ({"kind": "free_shipping", "min_spend": 40, "currency": "GBP", "code": "S1"}, False),
    ],
)
def test_an_offer_without_a_minimum_spend_may_not_start_stating_one(offer, banned):
    campaign = Campaign.from_dict({**CAMPAIGN, "offer": offer})
    limits = mention_limits(campaign, mentions=False, no_minimum=True)
    forms = [f" {w}" for word in NO_MINIMUM_WORDS for w in (word, word.capitalize())]
    expected = dict.fromkeys(forms, 0) if banned else {}
    assert limits == expected, f"{offer}: {limits}"
    assert mention_limits(campaign, mentions=False, no_minimum=False) == {}, "off: no limits"
    assert {"over", "spend", "orders"} <= set(NO_MINIMUM_WORDS), "the words of 'orders over $30', 'spend $30'"


GIFT_60 = {
    "kind": "gift",
    "applies_to": "a free water bottle",
    "min_spend": 60,
    "currency": "GBP",
    "code": "WWS83",
}


@pytest.mark.parametrize(
    ("text", "shut"),
    [
        ("Spend £60+ and get a free water bottle", True),
        ("Get a free water bottle on orders over £60", True),
        ("Get a free water bottle on £60+ orders", True),
        ("Spend £600 and get", False),  # another amount is not the minimum
        ("Ready to unwind? Get a free water bottle", False),
        ("Get a free water bottle with £60", False),  # not yet a minimum: "with £60 minimum spend" may follow
    ],
)
def test_guard_does_not_start_the_minimum_again_once_it_is_stated(tiny_model_dir, text, shut):
    tokenizer = _tokenizer(tiny_model_dir)
    after = minimum_once(Campaign.from_dict({**CAMPAIGN, "offer": GIFT_60}))
    ids = tokenizer([text, text], return_tensors="pt")["input_ids"]
    guard = Guard(
        tokenizer, [{}, {}], stops=[tokenizer.eos_token_id], banned=[False, False], after=[after, {}]
    )
    guard.start = 0  # the rows are all generated text
    scores = guard(ids, torch.zeros(2, len(tokenizer)))
    for word in (
        " spend",
        " characters",
    ):  # the minimum's words this tokenizer starts with a token of their own
        starts = guard._starts(word)
        assert starts, f"{word!r} starts with a token that is not a bare space"
        assert bool(torch.isinf(scores[0, starts]).all()) == shut, f"{text!r}: {word!r} may start: {not shut}"
        assert torch.isfinite(scores[1, starts]).all(), "a row without `after` is never restricted"
    again = f"{text} when you spend £60+ with WWS83."
    if shut:
        rules = [v.rule for v in check_copy(again, Campaign.from_dict({**CAMPAIGN, "offer": GIFT_60}))]
        assert "repetitive" in rules, f"what the ban prevents is what the gate rejects: {again!r} {rules}"


@pytest.mark.parametrize(
    ("offer", "has"),
    [
        (GIFT_60, True),
        ({"kind": "free_shipping", "min_spend": 40, "currency": "GBP", "code": "S1"}, True),
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, False),
    ],
)
def test_minimum_once_holds_the_minimums_words_for_offers_with_one(offer, has):
    campaign = Campaign.from_dict({**CAMPAIGN, "offer": offer})
    after = minimum_once(campaign)
    assert bool(after) == has, f"{offer}: {after}"
    for words in after.values():
        assert {" over", " Over", " orders", " spend", " Spend", " above", " minimum"} <= set(words), words


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("Free water bottle on orders over £60. Code WWS83.", True),
        ("Spend £60, get a free water bottle. Code WWS83.", True),
        ("A free water bottle on £60+ orders. Code WWS83.", True),
        ("A free water bottle when you spend £60 or more. Code WWS83.", True),
        ("A free water bottle with £60 minimum spend. Code WWS83.", True),
        ("A free water bottle with £60. Code WWS83.", False),
        ("A free water bottle on orders over £600. Code WWS83.", False),
        ("A free water bottle on orders over £60.50. Code WWS83.", False),
    ],
)
def test_the_guards_minimum_cue_reads_a_minimum_as_the_gate_does(text, stated):
    campaign = Campaign.from_dict({**CAMPAIGN, "offer": GIFT_60})
    [pattern] = minimum_once(campaign)
    assert bool(re.search(pattern, text)) == stated, f"{text!r}: the guard reads a minimum: {stated}"
    missing = [v for v in check_copy(text, campaign) if "is not stated" in v.detail and v.rule == "min_spend"]
    assert bool(missing) != stated, f"{text!r}: the gate reads the minimum as stated: {stated} ({missing})"


def test_guard_keeps_emoji_out_of_sms_rows_only(tiny_model_dir):
    generator = Generator.load(GeneratorConfig(model=tiny_model_dir, temperature=0))
    mask = generator.non_gsm_tokens()
    tokenizer = generator.tokenizer
    emoji = tokenizer("🌍", add_special_tokens=False)["input_ids"]
    plain = tokenizer("Get 20% off", add_special_tokens=False)["input_ids"]
    assert mask[emoji].all() and not mask[plain].any(), "emoji bytes are banned, GSM-7 text is not"
    guard = Guard(tokenizer, [{}, {}], stops=[tokenizer.eos_token_id], banned=[True, False])
    guard.mask = mask
    scores = guard(torch.zeros(2, 1, dtype=torch.long), torch.zeros(2, 7 + len(tokenizer)))
    assert torch.isinf(scores[0, emoji]).all(), "an SMS row may not sample an emoji byte"
    assert torch.isfinite(scores[1]).all(), "a push row may"
    assert torch.isfinite(scores[0, len(tokenizer) :]).all(), "padding columns beyond the tokenizer are left"


OFFER = r"20%"  # the words that start the offer's statement


@pytest.mark.parametrize(
    ("text", "budget", "terms", "raised"),
    [
        # On the hook, room is kept for the offer: its ends (. ! ? :) are raised near what is left.
        ("Ready for your next long run", Budget(100, OFFER, 40), {}, "nothing"),  # 32 left for the hook
        ("Ready for your next long run", Budget(70, OFFER, 40), {}, "hook ends"),  # 2 left
        ("Ready for your next long run?", Budget(70, OFFER, 40), {}, "nothing"),  # ended: the offer follows
        # A leading brand is not the hook: its colon does not end it.
        ("Stride: Ready for a long", Budget(64, OFFER, 40, "Stride"), {}, "hook ends"),
        ("Stride:", Budget(50, OFFER, 40, "Stride"), {}, "hook ends"),
        # Once the offer is stated in full, its end is raised near the budget (no full stop first).
        ("Get 20% off running gear today", Budget(200, OFFER, 40), {}, "nothing"),
        ("Get 20% off running gear today", Budget(34, OFFER, 40), {}, "stops"),  # 4 left
        ("Get 20% off with RUN20", Budget(30, OFFER, 40), {"RUN20": "Code RUN20."}, "stops"),
        # While the offer is being stated (a term missing), nothing is steered: the guard would add it.
        ("Get 20% off running gear", Budget(30, OFFER, 40), {"RUN20": "Code RUN20."}, "nothing"),
        ("Get 20% off running gear", None, {}, "nothing"),  # no budget
    ],
)
def test_guard_steers_a_row_near_its_length_budget_to_a_close(tiny_model_dir, text, budget, terms, raised):
    generator = Generator.load(GeneratorConfig(model=tiny_model_dir, length_bias=4.0))
    tokenizer = generator.tokenizer
    ids = tokenizer([text], return_tensors="pt")["input_ids"]
    guard = Guard(
        tokenizer, [terms], [tokenizer.eos_token_id], [False], None if budget is None else [budget], 4.0
    )
    guard.pieces, guard.hook_ends = generator.length_tokens()
    guard.start = 0
    scores = guard(ids, torch.zeros(1, generator.model.config.vocab_size))[0]
    period, colon, word = (tokenizer(t, add_special_tokens=False)["input_ids"] for t in (".", ":", " gear"))
    assert len(period) == len(colon) == 1 and scores[word].eq(0).all(), f"{text!r}: words are never raised"
    up = {name: bool(scores[token] > 0) for name, token in (("period", period[0]), ("colon", colon[0]))}
    up["stop"] = bool(scores[tokenizer.eos_token_id] > 0)
    expected = {
        "nothing": {"period": False, "colon": False, "stop": False},
        "hook ends": {"period": True, "colon": True, "stop": False},
        "stops": {"period": False, "colon": False, "stop": True},
    }[raised]
    assert up == expected, f"{text!r} with {budget}: expected {raised}, got {up}"


def test_length_steering_ends_rows_within_their_own_budgets(trainable_tiny_dir):
    # The tiny random model rarely ends on its own; steered hard, every row closes before its budget,
    # each prompt's rows by their own (rows end at different steps, so the guard drops rows in between).
    settings = {"model": trainable_tiny_dir, "temperature": 1.0, "max_new_tokens": 30, "dtype": "float32"}
    plain = Generator.load(GeneratorConfig(**settings, length_bias=0.0))
    steered = Generator.load(GeneratorConfig(**settings, length_bias=50.0))
    topics = ("running gear", "yoga mats", "trail shoes")
    prompts = [plain.chat_prompt([{"role": "user", "content": p}]) for p in topics]
    budgets = [Budget(20), Budget(30), Budget(45)]
    long = plain.generate(prompts, 3, seed=0, budgets=budgets)
    short = steered.generate(prompts, 3, seed=0, budgets=budgets)
    assert max(len(d.text) for ds in long for d in ds) > 45, f"without steering rows run long: {long}"
    for budget, drafts in zip(budgets, short, strict=True):
        lengths = [len(d.text) for d in drafts]
        assert max(lengths) <= budget.chars, f"steered rows end within {budget.chars} characters: {drafts}"
    assert len({len(d.text) for ds in short for d in ds}) > 1, f"rows end at different steps: {short}"


def test_budgets_change_nothing_without_length_bias(trainable_tiny_dir):
    generator = Generator.load(
        GeneratorConfig(model=trainable_tiny_dir, max_new_tokens=12, dtype="float32", length_bias=0.0)
    )
    prompts = [generator.chat_prompt([{"role": "user", "content": p}]) for p in ("running gear", "yoga")]
    terms = [{"RUN20": "Code RUN20."}] * 2
    plain = generator.generate(prompts, 2, seed=3, terms=terms)
    budgeted = generator.generate(prompts, 2, seed=3, terms=terms, budgets=[Budget(20, "x", 10)] * 2)
    assert budgeted == plain, "with length_bias 0 a budget must not change the copy"


@pytest.mark.parametrize(
    ("offer", "text", "started"),
    [
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, "Long runs ahead? 20% off", True),
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, "Long runs ahead? Save on gear", False),
        ({"kind": "amount_off", "value": 15, "currency": "EUR", "code": "A15"}, "New sound: €15 off", True),
        ({"kind": "bogo", "applies_to": "socks", "code": "SOX"}, "Cold feet? BOGO on socks", True),
        ({"kind": "bogo", "applies_to": "socks", "code": "SOX"}, "Cold feet? Buy one, get one", True),
        ({"kind": "free_shipping", "code": "SHIP"}, "Ready to ride? Free shipping", True),
        ({"kind": "gift", "applies_to": "a tote bag", "code": "T1"}, "Spend less time: a tote", False),
        (
            {"kind": "gift", "applies_to": "a tote bag", "min_spend": 40, "currency": "GBP", "code": "T1"},
            "Gym days? Spend £40 and get",
            True,
        ),
    ],
)
def test_offer_start_finds_where_a_message_begins_its_offer(offer, text, started):
    campaign = Campaign.from_dict({**CAMPAIGN, "offer": offer})
    assert bool(re.search(offer_start(campaign.offer), text)) is started, f"{text!r} for {offer}"
    assert re.search(offer_start(campaign.offer), offer_line(campaign.offer)), (
        "the prompt's own line starts it"
    )
