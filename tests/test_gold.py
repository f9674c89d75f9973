"""Finetuning data from reference copy: respelled specs change every offer detail consistently, and
the copywriter's decoding guard keeps a message open until it states the offer's terms."""

from __future__ import annotations

import random

import pytest
import torch

from promogen.checks import check_copy
from promogen.generator import MustMention
from promogen.gold import respell
from promogen.types import Campaign
from promogen.wording import required_terms

SPEC = {
    "spec_id": "g900-u01",
    "campaign": {
        "campaign_id": "g900",
        "brand": "Trailhead Outfitters",
        "channel": "push",
        "offer": {"kind": "amount_off", "value": 20, "currency": "USD", "min_spend": 60, "code": "MUB28"},
    },
    "history": [{"type": "view", "text": "Trail running shoes"}],
    "best": "Your next hike starts here: $20 off orders over $60 with code MUB28.",
    "alt": "Ready for the trail? Use MUB28 for $20 off when you spend $60+.",
    "bad": [{"text": "Get $20 off everything with MUB28.", "defect": "missing_min_spend"}],
}


def test_respell_rewrites_code_value_and_minimum_spend_consistently():
    new = respell(SPEC, random.Random(3))
    offer, old = new["campaign"]["offer"], SPEC["campaign"]["offer"]
    assert offer["code"] != old["code"], "the code must change"
    assert offer["value"] != old["value"] and offer["min_spend"] != old["min_spend"], "amounts must change"
    campaign = Campaign.from_dict(new["campaign"])
    for text in (new["best"], new["alt"]):
        assert check_copy(text, campaign) == [], f"respelled good copy must pass the gate: {text}"
        assert all(term in text for term in required_terms(campaign.offer)), f"terms missing: {text}"
    assert new["bad"] == [], "flawed messages may be correct after the change, so they are dropped"
    assert new["campaign"]["campaign_id"] != "g900" and new["spec_id"].startswith("g900-u01~"), (
        "a respelled spec is a new campaign (batch grouping keys on the id) of the same shopper"
    )
    assert SPEC["campaign"]["offer"]["code"] == "MUB28", "the input spec must not be modified"


def test_respell_drops_messages_whose_value_is_in_words():
    spec = {**SPEC, "alt": "Twenty dollars off orders over $60 with code MUB28."}
    new = respell(spec, random.Random(3))
    assert new["best"] == new["alt"] and "MUB28" not in new["best"], (
        "a message the substitution cannot fix is dropped, the other is kept"
    )


@pytest.mark.parametrize(
    ("offer", "terms"),
    [
        ({"kind": "percent_off", "value": 20, "code": "RUN20"}, ["RUN20", "20%"]),
        (
            {"kind": "amount_off", "value": 10, "currency": "GBP", "min_spend": 50, "code": "X1"},
            ["X1", "£10", "£50"],
        ),
        (
            {"kind": "gift", "applies_to": "a tote bag", "min_spend": 40, "currency": "USD", "code": "T"},
            ["T", "$40"],
        ),
        ({"kind": "free_shipping"}, []),
    ],
)
def test_required_terms_are_code_value_and_minimum_spend(offer, terms):
    campaign = Campaign.from_dict({**SPEC["campaign"], "offer": offer})
    assert required_terms(campaign.offer) == terms, f"required terms of {offer}"


def test_must_mention_blocks_the_end_only_where_a_term_is_missing(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    eos = tokenizer.eos_token_id
    rows = ["Get 20% off with code RUN20", "Get 20% off running gear"]
    ids = tokenizer(rows, return_tensors="pt", padding=True)["input_ids"]
    guard = MustMention(tokenizer, [["RUN20"], ["RUN20"]], stops=[eos])
    guard.start = 0  # the rows are all generated text
    scores = guard(ids, torch.zeros(2, len(tokenizer)))
    assert scores[0, eos] == 0, "a row that states every term may end"
    assert scores[1, eos] == float("-inf"), "a row without the code may not end"
    assert torch.isfinite(scores[1, :eos]).all(), "only the stop tokens are blocked"
