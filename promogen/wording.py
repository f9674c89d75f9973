"""How an offer is put into words: the one source for prompts, the fallback copy and the gate.

The prompt asks the model for exactly the words the gate looks for, and the fallback is built from the
same phrases, so the three can never disagree about how "$10 off ink on orders over $50 until Dec 31"
is written. It also owns how a message's own words begin (`opening`), which the evaluator's variety
metrics and the writers' check of reference copy must read alike; it imports no model, so both can.
"""

from __future__ import annotations

import datetime as dt
import re

from .types import Offer

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
MONTHS = "january february march april may june july august september october november december".split()


def fmt_number(value: float) -> str:
    """20.0 -> '20', 9.5 -> '9.5': how numbers are written in copy."""
    return f"{value:g}"


def money(value: float, currency: str | None) -> str:
    symbol = SYMBOLS.get((currency or "").upper())
    return f"{symbol}{fmt_number(value)}" if symbol else f"{fmt_number(value)} {currency}"


def offer_key(offer: Offer) -> str:
    """The words that state the offer's value (e.g. '20%', '$10', 'free shipping', the named gift)."""
    if offer.kind == "percent_off":
        return f"{fmt_number(offer.value)}%"
    if offer.kind == "amount_off":
        return money(offer.value, offer.currency)
    if offer.kind == "gift":
        return gift_name(offer)
    return {"free_shipping": "free shipping", "bogo": "buy one, get one free"}[offer.kind]


def gift_name(offer: Offer) -> str:
    """'a free canvas tool bag' for a gift that names itself in `applies_to`, else 'a free gift'."""
    name = (offer.applies_to or "").strip()
    if not name:
        return "a free gift"
    if "free" not in name.lower().split():
        name = f"a free {name}"
    return name


def expiry_date(offer: Offer) -> dt.date | None:
    """The offer's last day, or None; `Offer.from_dict` has already checked the ISO format."""
    return dt.date.fromisoformat(offer.expires) if offer.expires else None


def date_words(day: dt.date) -> str:
    """'Dec 31': the short form the prompt asks for and the fallback uses."""
    return f"{MONTHS[day.month - 1][:3].title()} {day.day}"


def describe(offer: Offer, scope: bool = True) -> str:
    """The offer in words: '20% off running gear on orders over $50', 'spend $60, get a free tote bag'."""
    spend = f" on orders over {money(offer.min_spend, offer.currency)}" if offer.min_spend else ""
    if offer.kind == "gift":
        name = gift_name(offer)
        if offer.min_spend:
            return f"spend {money(offer.min_spend, offer.currency)}, get {name}"
        return f"get {name}"
    where = offer.applies_to if scope and offer.applies_to else ""
    if offer.kind in ("percent_off", "amount_off"):
        if not where and offer.min_spend:
            return f"{offer_key(offer)} off orders over {money(offer.min_spend, offer.currency)}"
        return f"{offer_key(offer)} off {where or 'your order'}{spend}"
    return f"{offer_key(offer)}{' on ' + where if where else ''}{spend}"


def until(offer: Offer) -> str:
    """', until Dec 31' for an expiring offer, else ''."""
    day = expiry_date(offer)
    return f", until {date_words(day)}" if day else ""


def offer_line(offer: Offer) -> str:
    """The offer as the prompt states it: '20% off running gear with code RUN20, until Dec 31'."""
    return describe(offer) + (f" with code {offer.code}" if offer.code else "") + until(offer)


def offer_start(offer: Offer) -> str:
    """A regex for the words with which a message starts stating the offer (its value: '20%', '€15',
    'free', 'BOGO' or 'buy one'; or its minimum spend, as in 'Spend £40, get a free tote bag'): before
    them, a message is still on its opening hook."""
    if offer.kind in ("percent_off", "amount_off"):
        value = re.escape(offer_key(offer))
    elif offer.kind == "bogo":
        value = r"(?i:\bbogo\b|\bbuy one\b)"
    else:
        value = r"(?i:\bfree\b)"
    return f"{value}|{re.escape(money(offer.min_spend, offer.currency))}" if offer.min_spend else value


def offer_terms(offer: Offer) -> dict[str, tuple[str, str]]:
    """The offer's checkable details as {kind: (regex that finds it in copy, a sentence that states it)}:
    the minimum spend, the code and the end date, those the offer has."""
    terms = {}
    if offer.min_spend:
        spend = money(offer.min_spend, offer.currency)
        # "$5" must not be found in "$50" or "$5,000".
        terms["min_spend"] = (re.escape(spend) + r"(?![\d]|[.,]\d)", f"Min. spend {spend}.")
    if offer.code:
        terms["code"] = (rf"\b{re.escape(offer.code)}\b", f"Code {offer.code}.")
    day = expiry_date(offer)
    if day:
        name = MONTHS[day.month - 1]
        month = rf"{name[:3]}(?:{name[3:]})?"  # "Mar" or "March", never "marathon"
        nth = rf"{day.day}(?:st|nd|rd|th)?"
        terms["end_date"] = (
            rf"(?i:\b{month}\.? {nth}\b|\b{nth} {month}\b)",
            f"Ends {date_words(day)}.",
        )
    return terms


def required_terms(offer: Offer) -> dict[str, str]:
    """What every message for this offer must state, as {regex: the sentence that states it}: the
    minimum spend, the code and the end date, the details a small model drops.

    Approvers count any of them missing as a misstated offer (copy_ratings/RATER_BRIEF.md: "min spend
    or expiry ... missing when needed"). The value is the heart of every message the model writes, and
    a gift or free shipping is stated in too many good ways to require one wording. The sentences are
    what the copywriter is made to add when it is about to end without one (`generator.Guard`).
    """
    return {regex: sentence for regex, sentence in offer_terms(offer).values()}


def opening(text: str, brand: str = "", words: int = 3) -> str:
    """The first `words` words a message opens with, lower-cased, after a leading brand name: an SMS
    opens with its sender's name by convention, so the brand is not the message's own frame."""
    text = text.strip()
    found = re.match(re.escape(brand) + r"(?=\W|$)", text, flags=re.I) if brand else None
    if found:  # the whole name, not the start of a longer word ("Max" of "Maxi dresses")
        text = text[found.end() :].lstrip(" :,-–—!")
    return " ".join(text.lower().split()[:words])
