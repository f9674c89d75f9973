"""The copywriter's decoding guard: a message states the offer's code, minimum spend and end date
before it ends, and an SMS stays in the GSM-7 alphabet."""

from __future__ import annotations

import re

import pytest
import torch

from promogen.checks import check_copy
from promogen.generator import Generator, GeneratorConfig, Guard
from promogen.types import Campaign
from promogen.wording import offer_terms, required_terms

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
