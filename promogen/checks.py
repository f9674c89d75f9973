"""Hard rules every delivered copy must keep: the offer exactly right, nothing invented, within limits.

These checks are the reason a small model can be trusted with customer-facing text: whatever it writes,
a copy with a missing or altered code, a different discount, an invented price or a foreign code is never
delivered. The same wording helpers (`offer_key`, `money`) feed the prompt templates, so the prompt asks
for exactly the words the checks look for.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .types import Campaign, Offer

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_CURRENCY_WORDS = {
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
}
_NUM = r"(\d+(?:[.,]\d+)?)"
_PERCENT = re.compile(_NUM + r"\s*(?:%|percent\b|per cent\b)", re.I)
_MONEY_SYMBOL = re.compile(r"([$€£])\s*" + _NUM)
_MONEY_WORD = re.compile(_NUM + r"\s*(usd|eur|gbp|dollars?|euros?|pounds?)\b", re.I)
_BARE_OFF = re.compile(r"(?<![$€£\d.,])" + _NUM + r"\s+off\b", re.I)
_BARE_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)(?![\w])")
_CODE_LIKE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{4,}(?![A-Za-z0-9])")
_CLAIMS = {
    "free_shipping": re.compile(r"\bfree\s+(?:shipping|delivery)\b", re.I),
    "bogo": re.compile(r"\bbogo\b|\bbuy\s+(?:one|1),?\s+get\s+(?:one|1)\b", re.I),
    "gift": re.compile(r"\bfree\s+gifts?\b", re.I),
}
_LEFTOVER = re.compile(
    r"<\||\|>|\{\{|\}\}|\{%|%\}|</?s>|\[/?INST\]|^\s*(?:system|user|assistant)\s*:", re.I | re.M
)


def fmt_number(value: float) -> str:
    """20.0 -> '20', 9.5 -> '9.5': how numbers are written in copy."""
    return f"{value:g}"


def money(value: float, currency: str | None) -> str:
    symbol = SYMBOLS.get((currency or "").upper())
    return f"{symbol}{fmt_number(value)}" if symbol else f"{fmt_number(value)} {currency}"


def offer_key(offer: Offer) -> str:
    """The words that state the offer and must appear in every copy (e.g. '20%', '$10', 'free shipping')."""
    if offer.kind == "percent_off":
        return f"{fmt_number(offer.value)}%"
    if offer.kind == "amount_off":
        return money(offer.value, offer.currency)
    return {"free_shipping": "free shipping", "bogo": "buy one, get one", "gift": "free gift"}[offer.kind]


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _amounts(text: str) -> list[tuple[float, str]]:
    """Every money amount in the text as (value, currency code)."""
    found = [(_num(v), {"$": "USD", "€": "EUR", "£": "GBP"}[s]) for s, v in _MONEY_SYMBOL.findall(text)]
    found += [(_num(v), _CURRENCY_WORDS[w.lower()]) for v, w in _MONEY_WORD.findall(text)]
    return found


def check_copy(
    text: str, campaign: Campaign, foreign_names: tuple[str, ...] = (), context: str = ""
) -> list[str]:
    """All hard-rule violations of `text` for `campaign`, each 'rule: reason'; empty means compliant.

    `foreign_names` are other brands the copy must not name (e.g. the prompt's demonstration brand);
    `context` is text the copy may quote numbers from (the interest phrases given to the model).
    """
    offer = campaign.offer
    if not text.strip():
        return ["empty: the copy is empty"]
    violations = []
    if len(text) > campaign.limit:
        violations.append(f"too_long: {len(text)} > {campaign.limit} characters")
    leftover = _LEFTOVER.search(text)
    if leftover:
        violations.append(f"template_leftover: {leftover.group(0).strip()!r}")
    for phrase in campaign.banned_phrases:
        if phrase.lower() in text.lower():
            violations.append(f"banned_phrase: {phrase!r}")
    if offer.code and not re.search(rf"(?<![A-Za-z0-9]){re.escape(offer.code)}(?![A-Za-z0-9])", text):
        violations.append(f"code_missing: {offer.code} does not appear exactly")
    foreign = sorted({c for c in _CODE_LIKE.findall(text) if c != offer.code})
    if foreign:
        violations.append(f"foreign_code: {', '.join(foreign)}")
    foreign_brand = [
        n for n in foreign_names if n.lower() in text.lower() and n.lower() not in campaign.brand.lower()
    ]
    if foreign_brand:
        violations.append(f"foreign_brand: {', '.join(foreign_brand)}")
    misspelled = _brand_lookalikes(text, campaign.brand)
    if misspelled:
        violations.append(f"brand_misspelled: {', '.join(misspelled)} (the brand is {campaign.brand!r})")
    violations += _offer_violations(text, offer)
    allowed = {_num(n) for n in _BARE_NUMBER.findall(context)} | {offer.value, offer.min_spend}
    rest = text
    for judged in (_PERCENT, _MONEY_SYMBOL, _MONEY_WORD, _BARE_OFF):  # numbers those rules already judged
        rest = judged.sub(" ", rest)
    stray = sorted({n for n in _BARE_NUMBER.findall(rest) if _num(n) not in allowed}, key=_num)
    if stray:
        violations.append(f"invented_number: {', '.join(stray)} is neither in the offer nor in the interests")
    return violations


def _brand_lookalikes(text: str, brand: str) -> list[str]:
    """Names that resemble the brand without being it: a small LM often garbles names.

    Two tests: a capitalised word close to a brand word ('Stripp' for 'Stride'), and a run of as many
    words as the brand has that reads close to the whole brand in any case ('stripp sport').
    """
    brand_words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", brand)}
    found = []
    for word in re.findall(r"\b[A-Z][A-Za-z]{3,}\b", text):
        low = word.lower()
        if low not in brand_words and any(SequenceMatcher(None, low, b).ratio() >= 0.6 for b in brand_words):
            found.append(word)
    size, target = len(brand.split()), " ".join(brand.lower().split())
    words = re.findall(r"[\w'&-]+", text)
    for i in range(len(words) - size + 1):
        window = " ".join(words[i : i + size])
        if window.lower() != target and SequenceMatcher(None, window.lower(), target).ratio() >= 0.75:
            found.append(window)
    return sorted(set(found))


def _offer_violations(text: str, offer: Offer) -> list[str]:
    out = []
    percents = [_num(v) for v in _PERCENT.findall(text)]
    amounts = _amounts(text)
    allowed_amounts = {(offer.min_spend, (offer.currency or "").upper())} if offer.min_spend else set()
    if offer.kind == "percent_off":
        if offer.value not in percents:
            out.append(f"discount_missing: {offer_key(offer)} is not stated")
        wrong = sorted({p for p in percents if p != offer.value})
        if wrong:
            out.append(f"wrong_discount: {', '.join(fmt_number(p) + '%' for p in wrong)}")
    elif percents:
        out.append(f"invented_number: percentage {', '.join(fmt_number(p) + '%' for p in percents)}")
    if offer.kind == "amount_off":
        allowed_amounts.add((offer.value, offer.currency.upper()))
        if (offer.value, offer.currency.upper()) not in amounts:
            out.append(f"discount_missing: {offer_key(offer)} is not stated")
    invented = sorted({money(v, c) for v, c in amounts if (v, c) not in allowed_amounts})
    if invented:
        out.append(f"invented_number: amount {', '.join(invented)}")
    stated = {_num(v) for v in _BARE_OFF.findall(text)}
    bare = sorted(stated - ({offer.value} if offer.value is not None else set()))
    if bare:
        out.append(f"invented_number: {', '.join(fmt_number(v) for v in bare)} off")
    for kind, pattern in _CLAIMS.items():
        mentioned = pattern.search(text)
        if kind == offer.kind and not mentioned:
            out.append(f"discount_missing: {offer_key(offer)} is not stated")
        elif kind != offer.kind and mentioned:
            out.append(f"invented_claim: {mentioned.group(0)!r} is not part of the offer")
    return out
