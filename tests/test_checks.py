"""Hard checks: the offer exactly right, nothing invented, within limits; the fallback always passes."""

import pytest

from promogen import Campaign, check_copy
from promogen.prompts import fallback_copy
from promogen.simulate import demo_campaign

RUN20 = Campaign.from_dict(
    {
        "campaign_id": "run20",
        "brand": "Stride Sports",
        "banned_phrases": ["guaranteed"],
        "offer": {"kind": "percent_off", "value": 20, "code": "RUN20", "applies_to": "running gear"},
    }
)
TEN = Campaign.from_dict(
    {
        "campaign_id": "ten",
        "brand": "Stride Sports",
        "channel": "email_subject",
        "offer": {"kind": "amount_off", "value": 10, "currency": "USD", "code": "TAKE10", "min_spend": 50},
    }
)
SHIP = Campaign.from_dict(
    {
        "campaign_id": "ship",
        "brand": "Stride Sports",
        "channel": "sms",
        "offer": {"kind": "free_shipping", "code": "SHIPFREE"},
    }
)

CASES = [
    (RUN20, "Get 20% off running gear at Stride Sports with code RUN20!", []),
    (RUN20, "Get 20 percent off with code RUN20", []),
    (RUN20, "Get 20% off with code run20", ["code_missing"]),
    (RUN20, "Get 20% off with code RUN200", ["code_missing", "foreign_code"]),
    (RUN20, "Get 25% off with code RUN20", ["discount_missing", "wrong_discount"]),
    (RUN20, "Get 20% off, up to 50% on shoes, code RUN20", ["wrong_discount"]),
    (RUN20, "20% off shoes from $49 with code RUN20", ["invented_number"]),
    (RUN20, "20% off with code RUN20 or SAVE50", ["foreign_code"]),
    (RUN20, "20% off with code RUN20 plus free shipping", ["invented_claim"]),
    (RUN20, "Guaranteed 20% off with code RUN20", ["banned_phrase"]),
    (RUN20, "20% off with code RUN20 " + "!" * 140, ["too_long"]),
    (RUN20, "<|im_start|>20% off with code RUN20", ["template_leftover"]),
    (RUN20, "assistant: 20% off with code RUN20", ["template_leftover"]),
    (RUN20, "   ", ["empty"]),
    (RUN20, "20% off at Stripp Sports with code RUN20", ["brand_misspelled"]),
    (RUN20, "Save 30 off with 20% and code RUN20", ["invented_number"]),
    (RUN20, "Get 20% off running gear with code RUN20 at 3.", ["invented_number"]),
    (RUN20, "20% off with code RUN20: buy 2 pairs", ["invented_number"]),
    (RUN20, "Your stripp sport needs 20% off with code RUN20", ["brand_misspelled"]),
    (RUN20, "Stride Sports loves your favourite sport: 20% off with RUN20", []),
    (TEN, "$10 off orders over $50 with TAKE10", []),
    (TEN, "10 USD off with TAKE10", []),
    (TEN, "$15 off with TAKE10", ["discount_missing", "invented_number"]),
    (TEN, "€10 off with TAKE10", ["discount_missing", "invented_number"]),
    (SHIP, "Free delivery on everything with SHIPFREE", []),
    (SHIP, "Free shipping and 10% off with SHIPFREE", ["invented_number"]),
    (SHIP, "Great gear with SHIPFREE", ["discount_missing"]),
]


@pytest.mark.parametrize(("campaign", "text", "rules"), CASES)
def test_hard_checks(campaign, text, rules):
    found = sorted({v.split(":")[0] for v in check_copy(text, campaign)})
    assert found == sorted(rules), f"{text!r}: expected {rules}, got {check_copy(text, campaign)}"


def test_numbers_from_the_interests_are_not_invented():
    text = "Kick your size 5 football further: 20% off with code RUN20"
    assert check_copy(text, RUN20, context="size 5 football; shin guards") == [], (
        "5 is quoted from the interests"
    )
    assert check_copy(text, RUN20)[0].startswith("invented_number"), "without that context 5 is invented"


def test_foreign_brand_from_the_demonstration_is_caught():
    found = check_copy("20% off running gear at Green Leaf with code RUN20", RUN20, ("Green Leaf",))
    assert any(v.startswith("foreign_brand") for v in found), found


@pytest.mark.parametrize("name", ["run20", "shipfree", "ten_off", "bogo_socks"])
def test_fallback_of_every_demo_campaign_passes_every_check(name):
    campaign = demo_campaign(name)
    text = fallback_copy(campaign)
    assert check_copy(text, campaign) == [], f"fallback {text!r} must be compliant"
    if campaign.offer.code:
        assert campaign.offer.code in text, "fallback carries the code"


@pytest.mark.parametrize("kind", ["percent_off", "amount_off", "free_shipping", "bogo", "gift"])
@pytest.mark.parametrize("channel", ["push", "sms", "email_subject", "banner"])
def test_fallback_passes_for_every_offer_kind_and_channel(kind, channel):
    offer = {"kind": kind, "code": "CODE1"}
    if kind in ("percent_off", "amount_off"):
        offer.update(value=15, currency="EUR")
    campaign = Campaign.from_dict({"campaign_id": "c", "brand": "Shop", "channel": channel, "offer": offer})
    text = fallback_copy(campaign)
    assert check_copy(text, campaign) == [], f"{kind}/{channel}: {text!r} -> {check_copy(text, campaign)}"
