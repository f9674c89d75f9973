"""The gate's contract: violations as rule objects, the fallback always passes, `promogen check` works.

The adversarial suite (tests/gate_cases.py) covers the rules case by case; this file covers what the
rest of promogen relies on.
"""

import json

import pytest

from promogen import Campaign, Violation, check_copy
from promogen.checks import length_budget, sms_segments
from promogen.prompts import fallback_copy, fallback_forms
from promogen.simulate import demo_campaign
from promogen.types import ValidationError

RUN20 = demo_campaign("run20")


def rules(text, campaign=RUN20, context=""):
    return sorted({v.rule for v in check_copy(text, campaign, context)})


def test_violations_are_rule_objects_that_round_trip():
    found = check_copy("Get 25% off running gear with code RUN20", RUN20)
    assert found and all(isinstance(v, Violation) for v in found), found
    assert {v.rule for v in found} == {"value"}, found
    assert [Violation.from_dict(v.to_dict()) for v in found] == found, "to_dict / from_dict round trip"


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("Kick your size 5 football further: 20% off running gear with RUN20", "size 5 football", []),
        ("Kick your size 5 football further: 20% off running gear with RUN20", "", ["invented_number"]),
        (
            "Get 3 free shipping: 20% off running gear with RUN20",
            "3-pack running socks",
            ["invented_claim", "invented_number"],
        ),
    ],
)
def test_numbers_may_be_quoted_from_the_interests_only_with_their_word(text, context, expected):
    assert rules(text, RUN20, context) == expected, check_copy(text, RUN20, context)


@pytest.mark.parametrize(
    ("text", "cart", "flagged"),
    [
        ("Your trail shoes are still in your cart: 20% off running gear with RUN20.", False, True),
        ("Your trail shoes are still in your cart: 20% off running gear with RUN20.", True, False),
        ("Your trail shoes are still in your cart: 20% off running gear with RUN20.", None, False),
        ("Your basket is waiting: 20% off running gear with RUN20.", False, True),
        ("Your basket awaits: 20% off running gear with RUN20.", False, True),
        ("Add trail shoes to your cart: 20% off running gear with RUN20.", False, False),
        ("Long runs ahead? 20% off running gear with RUN20.", False, False),
        ("Make room in your cart for something new: 20% off running gear with RUN20.", False, False),
        ("Put them in your cart: 20% off running gear with RUN20.", False, False),
        ("A free gift lands in your basket: 20% off running gear with RUN20.", False, False),
        ("Still in your shopping cart? 20% off running gear with RUN20.", False, True),
        ("Your cart's waiting: 20% off running gear with RUN20.", False, True),
        ("Your cart still has room: 20% off running gear with RUN20.", False, True),
        ("Your garden's in your cart: 20% off running gear with RUN20.", False, True),
        ("Left something in the cart? 20% off running gear with RUN20.", False, True),
        ("Trail shoes in your cart? 20% off running gear with RUN20.", False, True),
    ],
)
def test_cart_claims_need_a_cart_event(text, cart, flagged):
    found = [v for v in check_copy(text, RUN20, cart=cart) if "nothing in the cart" in v.detail]
    assert bool(found) is flagged, f"{text!r} with cart={cart}: {found}"
    assert all(v.rule == "invented_claim" for v in found), "a cart claim without a cart is an invented claim"


SOCKS = ["merino running socks", "running shorts"]


@pytest.mark.parametrize(
    ("text", "cart", "flagged"),
    [
        ("Cycling's in your cart: 20% off running gear with RUN20.", SOCKS, True),
        ("Your workout kit is still in your cart: 20% off running gear with RUN20.", SOCKS, True),
        ("A fresh patch in your cart? 20% off running gear with RUN20.", SOCKS, True),
        ("Cycling's in your cart: 20% off running gear with RUN20.", True, False),
        ("Cycling's in your cart: 20% off running gear with RUN20.", [], True),
        ("Your running socks are still in your cart: 20% off running gear with RUN20.", SOCKS, False),
        ("Those merino socks are still waiting in your cart. 20% off running gear, RUN20", SOCKS, False),
        ("Ready to run? Your shorts are still in your cart: 20% off running gear with RUN20.", SOCKS, False),
        ("Your sock's still in your cart: 20% off running gear with RUN20.", SOCKS, False),
        ("Your picks are still in your cart: 20% off running gear with RUN20.", SOCKS, False),
        ("Still in your shopping cart? 20% off running gear with RUN20.", SOCKS, False),
        ("Left something in the cart? 20% off running gear with RUN20.", SOCKS, False),
        ("Your cart's waiting: 20% off running gear with RUN20.", SOCKS, False),
        ("Don't forget what's still in your cart: 20% off running gear with RUN20.", SOCKS, False),
        ("Everything you loved is still in your cart: 20% off running gear with RUN20.", SOCKS, False),
        ("Don't wait - it's still in your cart: 20% off running gear with RUN20.", SOCKS, False),
        (
            "Your pup's new leash is still in your cart: 20% off running gear, RUN20.",
            ["retractable leash"],
            False,
        ),
        ("Your TV is still in your cart: 20% off running gear with RUN20.", ["TV"], False),
        ("Your dress is still in your cart: 20% off running gear with RUN20.", ["Summer Dresses"], False),
        ("Your boxes are still in your cart: 20% off running gear with RUN20.", ["storage box"], False),
        ("Your t-shirts are still in your cart: 20% off running gear with RUN20.", ["tee"], True),
        ("Your socks are still in your cart, and cycling's in your cart: 20% off, RUN20.", SOCKS, True),
        ("Cycling's in your cart: 20% off running gear with RUN20.", [" ", ""], True),
    ],
)
def test_a_cart_claim_names_only_what_the_cart_holds(text, cart, flagged):
    found = [v for v in check_copy(text, RUN20, cart=cart) if v.rule == "invented_claim"]
    assert bool(found) is flagged, f"{text!r} with cart={cart}: {found}"
    if flagged and cart == SOCKS:
        assert "the cart holds merino running socks; running shorts" in found[-1].detail, found[-1].detail


TOTE = Campaign.from_dict(
    {
        "campaign_id": "tote",
        "brand": "Greenrow Garden",
        "channel": "push",
        "offer": {
            "kind": "gift",
            "applies_to": "a free tote bag",
            "min_spend": 40,
            "currency": "GBP",
            "code": "TOTE",
        },
    }
)


@pytest.mark.parametrize(
    ("text", "campaign", "twice"),
    [
        ("Spend £40+, get a free tote bag on orders over £40. Code TOTE", TOTE, True),
        ("A free tote bag for the garden: spend £40, get a free tote bag with TOTE", TOTE, True),
        ("Love your tote bags? Spend £40+ and get a free tote bag with TOTE", TOTE, False),
        ("Spend £40+ for a free tote bag. Min. spend £40, code TOTE", TOTE, False),
        ("A free tote bag on orders over £40 with TOTE", TOTE, False),
    ],
)
def test_an_offer_term_stated_twice_is_repetitive(text, campaign, twice):
    found = [v for v in check_copy(text, campaign) if v.rule == "repetitive"]
    assert bool(found) is twice, f"{text!r}: {found}"


def test_sms_segments_count_what_a_phone_counts():
    assert sms_segments("a" * 160)[0] == 1 and sms_segments("a" * 161)[0] == 2, "GSM-7: 160 per segment"
    assert sms_segments("€" * 80)[0] == 1 and sms_segments("€" * 81)[0] == 2, "€ is an extension: 2 septets"
    assert sms_segments("a" * 69 + "’")[0] == 1 and sms_segments("a" * 128 + "’")[0] == 2, "UCS-2: 70"
    assert sms_segments("🏃" * 35)[0] == 1 and sms_segments("🏃" * 36)[0] == 2, "an emoji is 2 UCS-2 units"


@pytest.mark.parametrize("name", ["run20", "shipfree", "ten_off", "bogo_socks"])
def test_fallback_of_every_demo_campaign_passes_the_gate(name):
    campaign = demo_campaign(name)
    text = fallback_copy(campaign)
    assert check_copy(text, campaign) == [], f"fallback {text!r} must be compliant"


@pytest.mark.parametrize("kind", ["percent_off", "amount_off", "free_shipping", "bogo", "gift"])
@pytest.mark.parametrize("channel", ["push", "sms", "email_subject", "banner"])
@pytest.mark.parametrize(
    "extras", [{}, {"min_spend": 60, "expires": "2026-12-31", "applies_to": "tool bags"}]
)
def test_fallback_passes_for_every_offer_kind_channel_and_offer_shape(kind, channel, extras):
    offer = {"kind": kind, "code": "CODE1", "currency": "USD", **extras}
    if kind in ("percent_off", "amount_off"):
        offer["value"] = 15
    if kind == "gift" and extras:
        offer["applies_to"] = "a free canvas tool bag"
    campaign = Campaign.from_dict(
        {"campaign_id": "c", "brand": "Northwind Supply", "channel": channel, "offer": offer}
    )
    text = fallback_copy(campaign)
    assert check_copy(text, campaign) == [], f"{kind}/{channel}: {text!r} -> {check_copy(text, campaign)}"


def test_gift_fallback_names_the_gift_once():
    campaign = Campaign.from_dict(
        {
            "campaign_id": "gift",
            "brand": "Northwind Supply",
            "offer": {
                "kind": "gift",
                "applies_to": "a free canvas tool bag",
                "min_spend": 60,
                "currency": "USD",
                "code": "GIFTBAG",
            },
        }
    )
    assert (
        fallback_copy(campaign)
        == "Northwind Supply: spend $60, get a free canvas tool bag with code GIFTBAG."
    ), "the gift is named, never 'a free gift on a free canvas tool bag'"


def test_fallback_drops_the_brand_before_refusing_a_long_banner_campaign():
    campaign = Campaign.from_dict(
        {
            "campaign_id": "long",
            "brand": "Northwind Industrial Supply Company",
            "channel": "banner",
            "offer": {
                "kind": "gift",
                "applies_to": "a free canvas tool bag",
                "min_spend": 60,
                "currency": "USD",
                "code": "GIFTBAG",
                "expires": "2026-12-31",
            },
        }
    )
    forms = fallback_forms(campaign)
    assert check_copy(forms[0], campaign), "the branded line does not fit a banner"
    assert fallback_copy(campaign) in forms[1:], "a shorter template line is used instead of failing"


def test_a_campaign_no_template_fits_is_refused_naming_the_field():
    campaign = Campaign.from_dict(
        {
            "campaign_id": "huge",
            "brand": "B",
            "channel": "banner",
            "max_chars": 20,
            "offer": {
                "kind": "percent_off",
                "value": 20,
                "code": "RUN20",
                "applies_to": "trail running shoes and accessories",
            },
        }
    )
    with pytest.raises(ValidationError, match=r"shorten `offer.applies_to`.*max_chars"):
        fallback_copy(campaign)


CART_CLAIM = "Your trail shoes are still in your cart: 20% off running gear with RUN20."


def test_check_command_text_and_copies(tmp_path):
    from click.testing import CliRunner

    from promogen.cli import cli

    runner = CliRunner()
    ok = runner.invoke(
        cli, ["check", "--campaign", "run20", "--text", "Long runs ahead? 20% off running gear with RUN20."]
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        cli, ["check", "--campaign", "run20", "--text", "20% off sitewide with RUN20, today only!"]
    )
    assert bad.exit_code == 1 and "scope:" in bad.output and "urgency:" in bad.output, bad.output
    copies = tmp_path / "copies.jsonl"
    copies.write_text(
        json.dumps(
            {
                "text": "Your size 5 football deserves 20% off running gear, code RUN20",
                "interests": ["size 5 football"],
            }
        )
        + "\n"
        + json.dumps({"text": "20% off swimsuits with RUN20"})
        + "\n"
        + "".join(json.dumps({"text": CART_CLAIM, "cart": c}) + "\n" for c in (False, True))
    )
    for flag, code in (("--no-cart", 1), ("--cart", 0)):
        single = runner.invoke(cli, ["check", "--campaign", "run20", "--text", CART_CLAIM, flag])
        assert single.exit_code == code, f"{flag}: a cart claim needs a cart: {single.output}"
    mixed = runner.invoke(cli, ["check", "--campaign", "run20", "--copies", str(copies), "--cart"])
    assert "--cart goes with --text" in str(mixed.exception), f"one line naming the flag: {mixed.exception!r}"
    result = runner.invoke(cli, ["check", "--campaign", "run20", "--copies", str(copies)])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    compliant = [r["compliant"] for r in lines]
    assert result.exit_code == 1 and compliant == [True, False, False, True], result.output
    assert lines[1]["violations"][0] == {"rule": "scope", "detail": lines[1]["violations"][0]["detail"]}, (
        lines
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{broken", r"broken JSON.*line 1"),
        ('{"copy": "x"}', r"`copy.text` is missing \(line 1\)"),
        ('{"text": 5}', r"`text` must be a string, got int \(line 1\)"),
        ('{"text": "x", "interests": "a"}', r"`interests` must be a list, got str \(line 1\)"),
        (
            '{"text": "x", "cart": "no"}',
            r"`cart` must be true, false or a list of item texts, got str \(line 1\)",
        ),
        (
            '{"text": "x", "cart": [1]}',
            r"`cart` must be true, false or a list of item texts, got list \(line 1\)",
        ),
    ],
)
def test_check_copies_bad_input(tmp_path, line, message):
    from promogen.checks import check_copies

    path = tmp_path / "c.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(ValidationError, match=message):
        list(check_copies(path, RUN20))


@pytest.mark.parametrize(
    ("channel", "extra", "budget"),
    [
        ("push", {}, 150),
        ("email_subject", {"max_chars": 50}, 50),
        ("sms", {}, 160),
        ("sms", {"max_segments": 2}, 306),
        ("sms", {"max_segments": 2, "max_chars": 200}, 200),
    ],
)
def test_length_budget_is_the_longest_copy_the_gate_accepts(channel, extra, budget):
    campaign = Campaign.from_dict(
        {
            "campaign_id": "c",
            "brand": "Stride",
            "channel": channel,
            "offer": {"kind": "free_shipping"},
            **extra,
        }
    )
    assert length_budget(campaign) == budget, f"{channel} {extra}"
    base = "Free shipping on everything at Stride."
    fits, over = (base + " x" * budget)[:budget], (base + " x" * budget)[: budget + 1]
    assert not [v for v in check_copy(fits, campaign) if v.rule == "too_long"], f"{budget} characters fit"
    assert [v for v in check_copy(over, campaign) if v.rule == "too_long"], f"{budget + 1} do not"
