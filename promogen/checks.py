"""The compliance gate: every rule a compliance officer applies to a promotion message, in one place.

A small model can be trusted with customer-facing text only because whatever it writes passes here
before delivery: the offer stated exactly (value, scope, minimum spend, code, expiry), nothing invented
(numbers, claims, urgency, codes), nothing that never belongs in a promo (links, markup, prompt
leftovers, profanity, another language, competitors), and within what the channel can carry. The
pipeline, the evaluator, the finetuning data builder and `promogen check` all call `check_copy`.

Every rule reads the text after `normalise` (NFKC, no invisible format characters), so a zero-width
space cannot hide a changed code and cannot break a good one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Any

from .readers import json_objects
from .types import CURRENCIES, Campaign, Offer, ValidationError, Violation, check_keys, check_str, check_type
from .wording import MONTHS, SYMBOLS, expiry_date, gift_name

# ---------------------------------------------------------------------------------------------- text
_ASCII_PUNCT = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-", "‑": "-", "–": "-", "—": "-", "−": "-"}
)


def normalise(text: str) -> str:
    """NFKC with format characters (zero-width space, word joiner, soft hyphen, BOM) removed."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _plain(text: str) -> str:
    """Lower case, typographic punctuation as ASCII, one space between words: the form rules match."""
    return " ".join(text.translate(_ASCII_PUNCT).lower().split())


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """English words, from the bundled encoder's word-piece vocabulary: what a real word looks like."""
    from .models import resolve_encoder

    path = Path(resolve_encoder(None)) / "vocab.txt"
    words = path.read_text(encoding="utf-8").split() if path.is_file() else []
    return frozenset(w for w in words if w.isalpha())


def _is_word(word: str) -> bool:
    """A word of English, or an inflection of one ('crumbs', 'blooming', 'tidied')."""
    low = word.lower()
    vocab = _vocabulary()
    stems = [low] + [low[: -len(end)] + add for end, add in _SUFFIXES if low.endswith(end)]
    return any(stem in vocab for stem in stems)


_SUFFIXES = (
    ("ves", "f"),
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
    ("ly", ""),
    ("er", ""),
    ("ers", ""),
    ("est", ""),
)


# ------------------------------------------------------------------------------------------- numbers
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_WORD_NUMBERS.update(
    {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_NUMBER_WORD = re.compile(
    rf"\b(?:(?:{_TENS})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|"
    rf"{'|'.join(_WORD_NUMBERS)})\b(?=\s*(?:%|percent|per cent|dollars?|euros?|"
    rf"pounds?|bucks|off))",
    re.I,
)
_FRACTIONS = re.compile(r"\b(half|a quarter|a third)\s+(off|price)\b|\bhalf-price\b", re.I)
_FRACTION_VALUES = {"half": 50.0, "a quarter": 25.0, "a third": 100 / 3, "half-price": 50.0}


def _words_to_digits(text: str) -> str:
    """'twenty-five percent' -> '25 percent', 'half price' -> '50% price' (only before a unit or 'off')."""

    def number(match: re.Match) -> str:
        parts = re.split(r"[- ]", match.group(0).lower())
        return str(sum(_WORD_NUMBERS[p] for p in parts))

    text = _NUMBER_WORD.sub(number, text)
    return _FRACTIONS.sub(
        lambda m: f"{_FRACTION_VALUES[(m.group(1) or m.group(0)).lower()]:g}% {m.group(2) or 'price'}",
        text,
    )


def _amount_pattern(tag: str) -> str:
    return rf"(?P<{tag}w>\d{{1,3}}(?:,\d{{3}})+|\d+)(?:[.,](?P<{tag}c>\d{{1,2}}))?(?:\s?(?P<{tag}k>[kK])\b)?"


_PREFIX_CURRENCY = {"us": "USD", "a": "AUD", "au": "AUD", "c": "CAD", "ca": "CAD", "nz": "NZD"}
_SYMBOL_CURRENCY = {symbol: code for code, symbol in SYMBOLS.items()}
_WORD_CURRENCY = {
    "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "eur": "EUR", "euro": "EUR",
    "euros": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "cad": "CAD", "aud": "AUD",
    "nzd": "NZD", "chf": "CHF", "yen": "JPY", "jpy": "JPY",
}  # fmt: skip
_CODES = "|".join(code.lower() for code in CURRENCIES)
# '$10', 'A$10' (the prefix touches the symbol: 'a $50 order' is dollars), '10€', '10 CAD', 'USD 10'.
_MONEY = re.compile(
    rf"(?<![\w$€£])(?:(?P<prefix>us|au|a|ca|c|nz)(?=[$]))?(?P<symbol>[$€£])\s?{_amount_pattern('s')}"
    rf"(?:\s?(?P<trailing>{_CODES})\b)?"
    rf"|(?<![\w.,]){_amount_pattern('a')}\s?(?:(?P<after>[$€£])|(?P<word>{_CODES}|dollars?|euros?|pounds?|bucks|yen)\b)"
    rf"|\b(?P<lead>{_CODES})\s?{_amount_pattern('l')}",
    re.I,
)
_PERCENT = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b|pct\b)"
    r"(\s?\+|\s+or more\b|\s+and up\b|\s+or higher\b)?",
    re.I,
)
_QUALIFIER = re.compile(r"\b(?:extra|additional|up to|at least|over|more than|another|plus)\s+$", re.I)


def _money(text: str) -> list[tuple[float, str, int, int]]:
    """Money amounts as (value, currency, start, end): '$10,000' is 10000, 'A$10' is AUD, '10€' EUR."""
    found = []
    for m in _MONEY.finditer(text):
        g = m.groupdict()
        tag = "s" if g["symbol"] else "a" if g["aw"] else "l"
        # One float of the whole amount: 1 + 0.14 is not the float 1.14 an offer's value holds.
        value = float(g[f"{tag}w"].replace(",", "") + (f".{g[tag + 'c']}" if g[f"{tag}c"] else ""))
        value *= 1000 if g[f"{tag}k"] else 1
        if g["symbol"]:
            currency = (g["trailing"] or "").upper() or _PREFIX_CURRENCY.get((g["prefix"] or "").lower())
            currency = currency or _SYMBOL_CURRENCY[g["symbol"]]
        elif g["aw"]:
            currency = _SYMBOL_CURRENCY[g["after"]] if g["after"] else _WORD_CURRENCY[g["word"].lower()]
        else:
            currency = g["lead"].upper()
        found.append((value, currency, m.start(), m.end()))
    return found


# --------------------------------------------------------------------------------------------- dates
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATES = [
    (re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+(\d{{4}}))?", re.I), "md"),
    (re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+(\d{{4}}))?\b", re.I), "dm"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "iso"),
    (re.compile(r"(?<![\d/.])(\d{1,2})(/)(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/]|\.\d)"), "numeric"),
    (re.compile(r"(?<![\d/.])(\d{1,2})(\.)(\d{1,2})\.(\d{4})(?!\d)"), "numeric"),  # 15.08.2026, not '4.8'
]
# A month named as the deadline without a day ("all through January", "until March"): true only of an
# offer that ends on that month's last day. "May" is left out: "by may" is more often the verb.
_MONTH_DEADLINE = re.compile(
    r"\b(?:until|till|til|through|thru|throughout|during|ends?|ending|by|before|expires?|all\s+of|"
    r"(?:for\s+)?the\s+(?:rest|end)\s+of)\s+(?:the\s+(?:rest|end)\s+of\s+)?"
    r"(jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|june|july|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?)\b(?![.\s]*\d)",
    re.I,
)
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_WEEKDAY_DEADLINE = re.compile(
    rf"\b(?:until|till|til|through|thru|ends?|ending|by|before|expires?|on)\s+({'|'.join(_WEEKDAYS)})\b", re.I
)


def _month_number(word: str) -> int:
    return next(i + 1 for i, m in enumerate(MONTHS) if m.startswith(word.lower().rstrip(".")[:3]))


def _dates(text: str) -> list[tuple[list[tuple[int, int, str | None]], int, int]]:
    """Explicit dates as ([(month, day, year or None) readings], start, end); '12/31' reads both ways."""
    found, taken = [], set()
    for pattern, form in _DATES:
        for m in pattern.finditer(text):
            if taken & set(range(m.start(), m.end())):
                continue
            if form == "md":
                readings = [(_month_number(m.group(1)), int(m.group(2)), m.group(3))]
            elif form == "dm":
                readings = [(_month_number(m.group(2)), int(m.group(1)), m.group(3))]
            elif form == "iso":
                readings = [(int(m.group(2)), int(m.group(3)), m.group(1))]
            else:
                a, b, year = int(m.group(1)), int(m.group(3)), m.group(4)
                readings = [(x, y, year) for x, y in ((a, b), (b, a)) if 1 <= x <= 12 and 1 <= y <= 31]
                if not readings:
                    continue
            found.append((readings, m.start(), m.end()))
            taken |= set(range(m.start(), m.end()))
    return found


# ------------------------------------------------------------------------------------------- phrases
def _alternation(words: str) -> str:
    return "|".join(w.replace(" ", r"\s+") for w in words.split(","))


_SCARCITY = re.compile(
    r"\bonly\s+(?:\d+|a few|few|one|two|three|four|five)\s+(?:\w+\s+)?left\b|\b(?:"
    + _alternation(
        "while supplies last,while stocks last,selling fast,going fast,almost gone,running out,low stock,"
        "limited stock,limited quantities,few left,before it's gone,before they're gone,won't last,"
        "last few,nearly gone,limited supply,selling out,sold out,hours left,days left,left in stock,"
        "handful left,in stock"
    )
    + r")\b",
    re.I,
)
_DEADLINE = re.compile(
    r"\b(?:"
    + _alternation(
        "today only,only today,ends today,ending today,ends tonight,tonight only,tonight,tomorrow,midnight,"
        "this weekend,weekend only,this week only,one day only,24 hours,48 hours,flash sale,last day,"
        "final day,final hours,until today,by today,just today,for today,in hours,next hour,disappears,"
        "for the next hour,for the next few,end of the month,end of month,this month only,end of the week,"
        "end of the day"
    )
    + r")\b|\bin\s+(?:\d+|a few|few|\w+)\s+(?:hours?|hrs?|days?|minutes?|mins?)\b|\b\d+[- ]hours?\b",
    re.I,
)
_SOFT_URGENCY = re.compile(
    r"\b(?:"
    + _alternation(
        "hurry,last chance,limited time,limited-time,act fast,act now,don't miss out,don't miss it,"
        "don't wait,"
        "final days,ends soon,ending soon,expires,expiring,expire,deadline,countdown,now or never,"
        "time is running out,time's running out,before it ends,last call,closing soon,won't be around"
    )
    + r")\b",
    re.I,
)
_CLAIMS = re.compile(
    r"\b(?:"
    + _alternation(
        "free returns?,free exchanges?,easy returns,complimentary,express shipping,express delivery,"
        "next-day,next day delivery,same-day,same day delivery,expedited,priority shipping,fast shipping,"
        "2-day shipping,two-day shipping,overnight shipping,bonus,mystery,surprise gift,gift with purchase,"
        "money-back,money back,guarantee,guaranteed,risk-free,risk free,no risk,clinically,proven,"
        "number one,no. 1,best-selling,bestselling,best seller,bestseller,award-winning,award winning,"
        "top-rated,top rated,lowest prices?,price match,cheapest,best prices?,doctor recommended,"
        "dermatologist,world's best,loved by,cash ?back,double points,loyalty points,free upgrade,"
        "free installation,free sample,free trial,free gift wrap,buy two,buy 2,buy three,buy 3,3 for 2,"
        "three for two,2 for 1,two for one,half price on your second,second one half,trusted by,approved,"
        "recommended,certified,on earth,on the planet,in the world,ever made,of all time,last forever,"
        "lasts forever,last a lifetime,lasts a lifetime,built to last,never fade,never fades,unbreakable,"
        "indestructible,favourite brand,favorite brand,most popular,softest,warmest,toughest,fastest,"
        "strongest,warranty,warranties,new arrivals,back in stock,selling fast"
    )
    + r")\b|#1\b|\b(?:the\s+)?(?:world|uk|us|america|nation|country|town|everyone)'s\b|\b[\w-]+-proof\b"
    r"|\bmost\s+(?!of\b)\w+\s+(?:\w+\s+)?(?:on|in|ever)\b",
    re.I,
)
_FREE = re.compile(r"(?<![\w-])free\b(?!-)", re.I)
_FREE_OK = re.compile(
    r"\b(?:feel|run|roam|break|set|breathe) free\b|\bfree (?:time|up|spirit|-?flowing|range|weight)", re.I
)
# Free shipping in the words copy uses for it, the goods it ships sometimes inside ("free tent shipping",
# "shipping on tents is free", "complimentary shipping").
_SHIPPING = re.compile(
    r"\b(?:free|complimentary)\s+(?:(?!(?:express|expedited|priority|fast|overnight|next|same)\b)[a-z]+\s+)?"
    r"(?:shipping|delivery|postage)\b"
    r"|\bships?\s+(?:it\s+|them\s+|(?:your|the)\s+order\s+)?(?:for\s+)?free\b"
    r"|\b(?:shipping|delivery|postage)(?:\s+on\s+(?:your\s+)?[a-z]+)?(?:'s|\s+is|\s+'s)?\s+(?:free|on us)\b"
    r"|\bfree(?:\s+and\s+fast)?\s+to\s+ship\b",
    re.I,
)
_BOGO = re.compile(
    r"\bbogo\b|\bbuy\s+(?:one|1|a)\b(?:\s+[\w-]+){0,4}?(?:\s*,\s*|\s+|\s*-\s*|\s*&\s*|\s+and\s+)get\s+"
    r"(?:(?:one|1|another|a second)\b(?:\s+[\w-]+){0,3}?\s+(?:free|for free|on us)\b|(?:one|1|another)\b)",
    re.I,
)
_GENERIC_HEADS = set(
    "order orders purchase purchases cart basket checkout everything sitewide site store shop items item "
    "anything all range collection buy stuff it".split()
)
_WIDEN = re.compile(
    r"\b(?:"
    + _alternation(
        "sitewide,site-wide,site wide,storewide,store-wide,everything,entire order,entire purchase,"
        "whole order,whole store,all items,all products,any item,anything,all orders,your order,"
        "every order,all purchases,any purchase,your purchase"
    )
    + r")\b",
    re.I,
)
_OBJECT_STOP = re.compile(
    r"\s+(?:with|using|use|at|when|if|until|till|through|thru|ends?|for|code|from|by|on|over|and get|"
    r"plus|today|this|before|of|\+|—|-)\s+|[,.!?:;()\"$€£\d]|\s+(?:and\s+)?(?:free|get)\b|$",
    re.I,
)
_DETERMINERS = set(
    "your all our the any every select selected a an new favourite favorite those these some of fresh "
    "next first whole entire my".split()
)
# The words that make an amount a minimum spend: before it ("orders over £60") or after it ("£60+").
_BEFORE_WORDS = (
    r"over|above|(?:a )?spend(?: of)?|spending|spent|minimum(?: spend| order| purchase)?(?: of)?|min\.?|"
    r"orders? of|purchases? of|baskets? of|carts? of|at least|from|or more than"
)
_AFTER_WORDS = r"\+|or more\b|and up\b|or above\b|minimum\b|min\b|and over\b"
_THRESHOLD_BEFORE = re.compile(rf"\b(?:{_BEFORE_WORDS})\s*$", re.I)
_TERMS_CLAUSE = re.compile(r"\bmin(?:imum)?\.?\s*(?:spend|order|purchase)\s*(?:of\s*)?$", re.I)
_THRESHOLD_AFTER = re.compile(rf"^\s*(?:{_AFTER_WORDS})", re.I)


def minimum_pattern(amount: str) -> str:
    """A regex that finds `amount` (a regex) stated as a minimum spend the way this gate reads one, after
    a threshold word ("orders over £60", "spend £60") or before one ("£60+"), for copy still being
    written: the decoding guard's cue that the minimum is stated (a bare "with £60" is not)."""
    return rf"(?i:\b(?:{_BEFORE_WORDS})\s*(?:{amount})|(?:{amount})\s*(?:{_AFTER_WORDS}))"


_NO_MINIMUM = re.compile(
    r"\bno minimum\b|\bno min\b|\bany (?:size )?order\b(?!\s+(?:over|above|of)\b)|\bno spend\b"
    r"|\b(?:on|with) (?:every|each|any) (?:order|purchase)s?\b(?!\s+(?:over|above|of)\b)",
    re.I,
)
# "on orders over KANY": the campaign's code where the minimum spend goes (a slip seen in the copywriter's
# candidates). Only the code is matched: "orders over the phone" or "over USD 50" are not this slip.
_THRESHOLD_BEFORE_WORD = (
    r"\b(?:orders?|purchases?|baskets?|carts?|spend(?:ing)?)\s+(?:over|above|of at least)\s+"
)
# "$10 off per item", "save €5 per bag": an amount off stated per unit, where it comes off the order.
_PER_UNIT = re.compile(
    r"(?:[$€£]\s?\d[\d.,]*(?:\s+off)?|\boff)\s+(?:on\s+)?(?:per|each|every)\s+(?:single\s+)?"
    r"(?:item|product|piece|unit|bag|pack|pair|bottle|box|tin|jar)s?\b",
    re.I,
)
_PER_ITEM = re.compile(
    r"\b(?:each|every|any|per|single)\s+(?:item|product|piece)\s+(?:over|above|of)\b", re.I
)

# ------------------------------------------------------------------------------------------- content
_LINK = re.compile(
    r"https?://|\bwww\.|\b[\w-]+\.(?:com|net|org|io|co|shop|store|uk|de|fr|ly|app)\b|[\w.+-]+@[\w-]+\.\w+"
    r"|(?<![\w@])@[A-Za-z_]\w+|(?<![\w&])#[A-Za-z]\w*"
    r"|(?<!\w)(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)|(?<![\w/])\d{3}-\d{4}\b"
    r"|\bcall (?:us )?(?:at |on )?\+?\d",
    re.I,
)
_MARKUP = re.compile(
    r"</?[a-zA-Z][^<>]*>|\*\*[^*]+\*\*|__[^_]+__|\[[^\]]+\]\([^)]*\)|^\s*#{1,6}\s|`[^`]+`|&[a-z]+;"
    r"|^\s*[-*]\s+\S|(?<!\w)\*[^*\s][^*]*\*(?!\w)",
    re.M,
)
_LEFTOVER = re.compile(
    r"\{[^{}]*\}|\[[A-Za-z _]{3,}\]|%[A-Za-z_]+%|<<\s*/?\s*sys\s*>>|\[/?inst\]|<\||\|>|</?s>|#{2,}"
    r"|\bas an ai\b|\blanguage model\b|\bignore (?:all )?(?:the )?previous instructions\b"
    r"|\bhere(?:'s| is) (?:your|a|the|an) (?:message|push|sms|text|copy|subject|banner|notification|"
    r"headline|email|promo)"
    r"|^\s*(?:sure|certainly|of course|absolutely|okay|ok)\b[!,.]"
    r"|^\s*(?:system|user|assistant|response|answer|output)\s*:"
    r"|\b(?:subject(?: line)?|push notification|sms|banner|headline)\s*:|<(?:first[ _]?name|name)>"
    r"|\b(?:customer|user|shopper) (?:who )?(?:likes|wants|is looking)\b|\bwrite (?:a|an) \w+"
    r"|\blorem ipsum\b|\bi hope (?:this|that) helps\b|\blet me know\b|\boption \d+\s*:|\(\d+ characters?\)"
    r"|\bcharacter count\b|\bhere are (?:some|a few)\b",
    re.I | re.M,
)
_PROFANITY = re.compile(
    r"\b(?:"
    + _alternation(
        "damn,damned,dammit,crap,crappy,shit,shitty,bullshit,fuck,fucking,fucked,wtf,bitch,bastard,ass,"
        "asshole,arse,dick,piss,pissed,hell,idiot,idiots,stupid,dumb,moron,morons,loser,losers,sucks,"
        "suck,jerk,lame,pathetic,screw you,shut up,bloody,freaking,frickin,friggin,cheapskate,fool,sucker,"
        "suckers,dumbass,jackass,twat,prick,crappiest"
    )
    + r")\b|(?<!\w)(?:f[*@#!u]+c?k\w*|sh[*!1i]t\w*|d[@*]mn\w*|a[*$]{2}\w*|b[*!i]tch\w*|cr[*@]p\w*)",
    re.I,
)
_STOPWORDS = {
    "en": "the and you your for with to of on in is are our this it get off now all at",
    "es": "el la los las y con para tu tus de del en es por ahora todo una un que su",
    "fr": "le la les et avec pour votre vos de des du en est sur maintenant tout une un que",
    "de": "der die das und mit für dein deine ihr ihre von den ist auf jetzt alles ein eine",
    "it": "il lo la le e con per tuo tua di del della è su ora tutto una un che",
    "pt": "o os as e com para seu sua de do da em é por agora tudo uma um que",
    "nl": "de het en met voor je jouw van een is op nu alles",
    "pl": "na z ze przy dla i w do od po jest twoje twój teraz",
    "sv": "och med på för din ditt av till är nu allt en ett få",
}
_STOPWORDS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
_CODE_TRIGGER = re.compile(r"(?=\b(code|coupon|use|enter|apply|redeem)\s*:?\s+([A-Za-z0-9]+)\b)", re.I)
_NOT_A_CODE = set(
    "code it them this that the your our at is to for and in on below above when if a an".split()
)
_SHOUT_OK = set(
    "FREE SALE SAVE DEAL DEALS SHOP HUGE BOGO OFF ONLY YOU YOUR NOW NEW YES WOW THE AND LOVE".split()
)


# ------------------------------------------------------------------------------------------ the gate
def check_copies(path: str | Path, campaign: Campaign) -> Iterator[dict]:
    """Check a JSONL file of `{"text": ..., "interests": [...], "cart": [...]}` lines (interests and cart
    optional: `cart` true/false or the carted items' texts; without it a cart claim is not checked), in
    order: one `{"text", "compliant", "violations"}` per line."""
    for number, row in json_objects(path, "copies", "copy"):
        check_keys(row, ("text",), ("text", "interests", "cart"), "copy", number)
        text = check_str(row["text"], "text", number, empty=True)
        interests = check_type(row.get("interests") or [], list, "interests", number)
        cart = read_cart(row.get("cart"), number)
        violations = check_copy(text, campaign, [str(i) for i in interests], cart)
        yield {"text": text, "compliant": not violations, "violations": [v.to_dict() for v in violations]}


# A claim about what is in the shopper's cart ("still in your cart", "Your garden's in your cart", "your
# basket awaits", "Anything in your cart?"), not a call to act on it ("add it to your cart", "make room
# in your cart", "a free gift lands in your basket").
_BAG = r"(?:shopping\s+)?(?:cart|basket)"
_CART = re.compile(
    rf"(?i)\b(?:still|left|sitting|waiting)\s+in\s+(?:your|the)\s+{_BAG}\b"
    rf"|\bleft\s+(?:something|anything|it|them)\s+in\s+(?:your|the)\s+{_BAG}\b"
    rf"|(?:\b(?:is|are)|')s?\s+(?:still\s+)?in\s+your\s+{_BAG}\b"
    rf"|\bin\s+your\s+{_BAG}\s*\?"
    rf"|\byour\s+{_BAG}(?:\s+is|'s)\s+(?:still\s+)?(?:waiting|full)\b"
    rf"|\byour\s+{_BAG}\s+(?:awaits|still\s+has)\b"
)


# A cart claim's subject starts after its last determiner ("Ready to run? Your shorts are still in your
# cart"); a pronoun there names no item ("Don't forget what's still in your cart"), nor do these words.
_CLAIM_DETERMINERS = set("your the that those this these my our".split())
_PRONOUNS = set("what everything anything something it them they all".split())
_UNNAMED = set(
    "a an item items pick picks favourite favourites favorite favorites fave faves order stuff thing things "
    "goodies treats gear kit needs essentials cart basket shopping still just now new same are is was were "
    "has have been left sitting waiting there here you one ones got hey psst also too".split()
)


def _named(before: str) -> set[str]:
    """The word stems a cart claim says are in the cart: its clause up to the claim, from its last
    determiner on, less words that name nothing; empty when a pronoun is the subject."""
    clause = re.split(r"[.!?:;,()\u2013\u2014]| - ", before)[-1].lower().replace("\u2019", "'")
    words = re.findall(r"[a-z0-9]+", re.sub(r"'[a-z]*", "", clause))
    marks = [i for i, w in enumerate(words) if w in _CLAIM_DETERMINERS | _PRONOUNS]
    if marks and words[marks[-1]] in _PRONOUNS:
        return set()
    subject = words[marks[-1] + 1 :] if marks else words
    return {_singular(w) for w in subject if w not in _UNNAMED}


def _singular(word: str) -> str:
    """A plural's singular, near enough to match an item's word ("dresses" and "dress", "boxes", "shoes")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(?:s|x|z|ch|sh)es$", word):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _names_carted(named: set[str], cart: list[str]) -> bool:
    """Whether a named stem is a carted item's word: the same, or one the start of the other where both
    have 4 letters or more ("gel pens" for "Gel Ink Roller Ball Pens", "TV" for "TV")."""
    carted = {_singular(w) for item in cart for w in re.findall(r"[a-z0-9]+", item.lower())}
    return any(n == c or (min(len(n), len(c)) >= 4 and (n.startswith(c) or c.startswith(n)))
               for n in named for c in carted)  # fmt: skip


def read_cart(value: Any, line: int | None = None) -> bool | list[str] | None:
    """The `cart` of a check: the carted items' texts (empty: nothing carted; blank items are dropped),
    or only whether there are any (true/false), or None when not known."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    where = "" if line is None else f" (line {line})"
    raise ValidationError(
        f"`cart` must be true, false or a list of item texts, got {type(value).__name__}{where}"
    )


def _cart_claims(norm: str, cart: bool | list[str] | None) -> list[Violation]:
    """Claims about the shopper's cart need a cart, and where its items are known, each claim that names
    something must name one of them ("Cycling's in your cart" to a shopper who carted running socks).
    What a claim names after it ("Your cart still has cycling gloves") is not read."""
    claims = list(_CART.finditer(norm))
    if not claims or cart is None or cart is True:
        return []
    cart = read_cart(cart)  # blank items dropped: they hold nothing
    if not cart:
        return [Violation("invented_claim", f"{claims[0].group(0)!r}: the shopper has nothing in the cart")]
    out = []
    for claim in claims:
        named = _named(norm[: claim.start()])
        if named and not _names_carted(named, cart):
            held = "; ".join(cart)
            detail = f"{claim.group(0)!r} names {' '.join(sorted(named))}; the cart holds {held}"
            out.append(Violation("invented_claim", detail))
    return out


LONG_FACTOR = 4  # copy longer than this many times its channel's budget is judged on its length alone


def check_copy(
    text: str, campaign: Campaign, context: str | list[str] = "", cart: bool | list[str] | None = None
) -> list[Violation]:
    """Every rule `text` breaks for `campaign`; an empty list means it may be delivered.

    `context` is what the copy may quote from (the shopper's interest phrases): a number is not
    invented when it appears there with the same neighbouring word ("your 3-pack of gel pens").
    `cart` is what the shopper's history has carted (`read_cart`): copy that says something is in the
    shopper's cart is an invented claim when it has nothing ("Your workout kit is still in your cart" to
    a shopper who only browsed), and, with the items known, when it names something none of them is;
    None (the history is not known) leaves such claims unchecked.
    """
    if not isinstance(context, str):
        context = " ; ".join(context)
    norm = normalise(text)
    if not norm.strip():
        return [Violation("empty", "the copy is empty")]
    budget = length_budget(campaign)
    if len(norm) > LONG_FACTOR * budget:
        # Far past what the channel carries it can never go out, and the rules' cost grows faster than
        # the text (tens of kilobytes took seconds): only the length is reported.
        return [Violation("too_long", f"{len(norm)} > {budget} characters (the other rules not run)")]
    plain = _plain(norm)
    found: list[Violation] = []
    for rule in _RULES:
        found += rule(norm, plain, campaign, context)
    found += _cart_claims(norm, cart)
    return list(dict.fromkeys(found))  # one report per finding, in rule order (the cart claim last)


def length_budget(campaign: Campaign) -> int:
    """The characters a copy may hold under `_length`: the campaign's limit, and for an SMS what its
    segments carry in GSM-7, whichever is less. The decoding guard steers each message to end within
    it. (GSM-7's few extension characters, € and brackets, take two units of an SMS, so for copy that
    uses them the budget is a little generous; the gate counts exactly.)"""
    if campaign.channel != "sms":
        return campaign.limit
    segments = campaign.max_segments or 1
    single, multi = GSM_SEGMENT
    units = single if segments == 1 else multi * segments
    return units if campaign.max_chars is None else min(units, campaign.max_chars)


def fits(text: str, campaign: Campaign) -> bool:
    """Whether `text` is within what the campaign's channel carries, counted as the gate counts it (an
    SMS in GSM-7 units and segments)."""
    norm = normalise(text)
    return not _length(norm, _plain(norm), campaign, "")


def _length(norm: str, plain: str, campaign: Campaign, context: str) -> list[Violation]:
    if campaign.channel == "sms":
        segments, unit = sms_segments(norm)
        limit = campaign.max_segments or 1
        if segments > limit:
            return [Violation("too_long", f"{segments} SMS segments ({unit}) > {limit}")]
        if campaign.max_chars is None:
            return []
    if len(norm) > campaign.limit:
        return [Violation("too_long", f"{len(norm)} > {campaign.limit} characters")]
    return []


_MARK = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€\f")
GSM_SEGMENT = (160, 153)  # GSM-7 units in a single SMS, and in each segment of a longer one


def gsm7(text: str) -> bool:
    """True when an SMS can carry `text` in the GSM-7 alphabet (160 characters a segment, not 70)."""
    return all(ch in _GSM or ch in _GSM_EXTENSION for ch in text)


def sms_segments(text: str) -> tuple[int, str]:
    """SMS segments as a phone counts them: GSM-7 septets (extension characters count two), or UCS-2
    code units as soon as one character is outside GSM-7 (an emoji counts two)."""
    if gsm7(text):
        units = sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)
        (single, multi), name = GSM_SEGMENT, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, name = 70, 67, "UCS-2"
    return (1 if units <= single else -(-units // multi)), f"{units} {name} units"


# "Ready to unwClose?": a word of lower-case letters broken by a capitalised word is garbled. Names keep
# other shapes ("iPhone", "eBay": one letter first; "macOS", "mmHg": a short run or tail), and the brand,
# the code, the offer's scope and the shopper's phrases may spell a word so.
_GARBLED = re.compile(r"\b[a-z]{3,}[A-Z][a-z]{3,}\b")
# "Moveing on?": the copywriter keeps a silent e before -ing. Words that keep it by rule end in ge, ye,
# ee, oe or ue before -ing (ageing, dyeing, seeing, canoeing, queueing), so only a consonant else counts,
# and only when the word is not English and its spelling without the e is.
_KEPT_E = re.compile(r"\b([a-z]*[b-dfhj-np-tv-xz])e(ing)\b", re.I)


def _characters(norm: str, plain: str, campaign: Campaign, context: str) -> list[Violation]:
    out = []
    allowed = f"{campaign.brand} {campaign.offer.code or ''} {campaign.offer.applies_to or ''} {context}"
    for word in _GARBLED.findall(norm):
        if word not in allowed:
            out.append(Violation("characters", f"{word!r} is a garbled word"))
    vocab, spelt = _vocabulary(), set(re.findall(r"\w+", allowed.lower()))
    for hit in _KEPT_E.finditer(norm):
        word, fixed = hit.group(0), hit.group(1) + hit.group(2)
        if word.lower() not in vocab and word.lower() not in spelt and fixed.lower() in vocab:
            out.append(Violation("characters", f"{word!r} is misspelt ({fixed!r})"))
    # Variation selectors (U+FE0F after an emoji) are part of the emoji, not marks on a letter.
    marks = sorted(
        {
            f"U+{ord(ch):04X}"
            for ch in norm
            if unicodedata.category(ch) in ("Mn", "Me") and not 0xFE00 <= ord(ch) <= 0xFE0F
        }
    )
    if marks:
        out.append(Violation("characters", f"combining marks {', '.join(marks)}"))
    for word in re.findall(r"\w+", norm):
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        if "LATIN" in scripts and len(scripts) > 1:
            out.append(Violation("characters", f"{word!r} mixes Latin with look-alike letters"))
    return out


def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split()[0]


def _content(norm: str, plain: str, campaign: Campaign, context: str) -> list[Violation]:
    out = []
    for rule, pattern, what in (
        ("link", _LINK, "links, e-mail addresses, phone numbers and handles"),
        ("markup", _MARKUP, "HTML or markdown"),
        ("leftover", _LEFTOVER, "prompt or template text"),
        ("profanity", _PROFANITY, "profanity or insults"),
    ):
        hit = pattern.search(norm)
        if hit:
            out.append(Violation(rule, f"{hit.group(0).strip()!r}: no {what} in a promotion"))
    out += _language(norm, campaign)
    for name in [*campaign.competitors, *_example_brands()]:
        # A name of common words counts only written as a name ('Green Leaf', not 'green leaf tea').
        common = all(_is_word(w) for w in re.findall(r"[^\W\d_]+", name))
        as_name = rf"(?<!\w)(?:{re.escape(name)}|{re.escape(name.upper())})(?!\w)"
        said = (
            re.search(as_name, norm)
            if common
            else re.search(rf"(?<!\w){re.escape(_plain(name))}(?!\w)", plain)
        )
        if said and _plain(name) not in _plain(campaign.brand):
            out.append(Violation("competitor", f"names {name!r}, not the campaign's brand"))
    for phrase in campaign.banned_phrases:
        wanted = re.escape(_plain(phrase)).replace(r"\-", "[- ]?").replace(r"\ ", "[- ]?")
        if re.search(rf"(?<!\w){wanted}(?!\w)", plain.replace("-", " ").replace("  ", " ")) or re.search(
            rf"(?<!\w){wanted}(?!\w)", plain
        ):
            out.append(Violation("banned_phrase", f"{phrase!r} is banned by the campaign"))
    return out


def _example_brands() -> tuple[str, ...]:
    from .prompts import example_brands

    return example_brands()


def _language(norm: str, campaign: Campaign) -> list[Violation]:
    foreign = sorted({_script(ch) for ch in norm if ch.isalpha() and _script(ch) not in ("LATIN", "UNKNOWN")})
    words = [w for w in re.findall(r"[^\W\d_]+", norm.lower()) if len(w) > 1 or w in "aeoy"]
    mixed = {w for w in re.findall(r"\w+", norm) if len({_script(c) for c in w if c.isalpha()}) > 1}
    if (
        foreign
        and campaign.locale.split("-")[0] in _STOPWORDS
        and any(w not in {m.lower() for m in mixed} for w in words if any(_script(c) in foreign for c in w))
    ):
        return [Violation("language", f"{', '.join(foreign)} letters in a {campaign.locale} message")]
    lang = campaign.locale.split("-")[0].lower()
    if lang == "en":
        # The bundled vocabulary lacks many real words ('espresso'), so it only decides together with
        # another language's function words outnumbering English ones ('Kaffeebohnen ... mit').
        own = {w.lower() for w in re.findall(r"[^\W\d_]+", f"{campaign.brand} {campaign.offer.code or ''}")}
        judged = [w for w in words if len(w) > 2 and w not in own | {"bogo"}]
        english = sum(_is_word(w) for w in judged)
        own_stop = sum(w in _STOPWORDS["en"] for w in words)
        other_stop = max(sum(w in stop for w in words) for code, stop in _STOPWORDS.items() if code != "en")
        if len(judged) >= 2 and english < 0.5 * len(judged) and other_stop > own_stop:
            return [Violation("language", f"only {english} of {len(judged)} words are English")]
    if lang not in _STOPWORDS or len(words) < 4:
        return []
    counts = {code: sum(w in stop for w in words) for code, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda c: (counts[c] - (c == lang) * 0.5, c == lang))
    if best != lang and counts[best] >= 2 and counts[best] > counts[lang]:
        return [Violation("language", f"reads as {best!r}, the campaign's locale is {campaign.locale!r}")]
    return []


def _code(norm: str, plain: str, campaign: Campaign, context: str) -> list[Violation]:
    out = []
    code = campaign.offer.code
    if code:
        count = len(re.findall(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9]|{_MARK})", norm))
        if count == 0:
            out.append(Violation("code", f"{code} does not appear exactly"))
        elif count > 1:
            out.append(Violation("code", f"{code} appears {count} times; state it once"))
    brand_words = {w.lower() for w in re.findall(r"\w+", campaign.brand)}
    allowed = {(code or "").lower(), *brand_words, *re.findall(r"\w+", context.lower())}
    foreign = set()
    for m in re.finditer(r"(?<![\w-])[A-Za-z0-9]+(?![\w-])", norm):
        token = m.group(0)
        if token.lower() in allowed or token == code:
            continue
        letters, digits = sum(c.isalpha() for c in token), sum(c.isdigit() for c in token)
        mixed = (
            letters >= 2
            and digits >= 1
            and len(token) >= 4
            and not re.fullmatch(r"\d+(?:st|nd|rd|th|am|pm|s)", token, re.I)
        )
        shouted = token.isupper() and letters >= 4 and token not in _SHOUT_OK
        if mixed or shouted:
            foreign.add(token)
    for m in _CODE_TRIGGER.finditer(norm):
        trigger, token = m.group(1).lower(), m.group(2)
        if token == code or token.lower() in _NOT_A_CODE:
            continue
        # After "code" any other word is a code; after "use"/"enter" only a code-looking one.
        if (
            trigger in ("code", "coupon")
            or token.isupper()
            and len(token) >= 3
            or any(c.isdigit() for c in token)
        ):
            foreign.add(token)
    if foreign:
        out.append(Violation("foreign_code", f"{', '.join(sorted(foreign))} is not the campaign's code"))
    return out


def _brand(norm: str, plain: str, campaign: Campaign, context: str) -> list[Violation]:
    """Names that resemble the brand without being it: a small LM garbles names ('Stridde Sports').

    A single word counts when it is not an English word and reads close to a brand word; a run of
    capitalised words as long as the brand counts when it reads close to the whole brand.
    """
    brand_words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", campaign.brand)}
    known = brand_words | {w.lower() for w in re.findall(r"[A-Za-z]+", context)}
    known.add((campaign.offer.code or "").lower())
    text = re.sub(r"'s\b|'", " ", norm)
    found = set()
    for word in re.findall(r"\b[A-Z][A-Za-z]{3,}\b", text):
        low = word.lower()
        if low in known or _stem(low) in known or _is_word(low):
            continue
        if any(SequenceMatcher(None, low, b).ratio() >= 0.75 for b in brand_words):
            found.add(word)
    size, target = len(campaign.brand.split()), _plain(campaign.brand)
    words = re.findall(r"[\w&-]+", text)
    exact = {
        j
        for i in range(len(words))
        if _plain(" ".join(words[i : i + size])) == target
        for j in range(i, i + size)
    }
    for i in range(len(words) - size + 1):
        run = words[i : i + size]
        if exact & set(range(i, i + size)):
            continue  # the brand itself, or a window sliding over it
        window = _plain(" ".join(run))
        named = all(w[0].isupper() or not w[0].isalpha() for w in run) or not all(map(_is_word, run))
        if named and SequenceMatcher(None, window, target).ratio() >= 0.8:
            found.add(" ".join(run))
    if found:
        return [Violation("brand", f"{', '.join(sorted(found))} is not the brand {campaign.brand!r}")]
    return []


# ------------------------------------------------------------------------------------ offer rules
def _offer(norm: str, plain: str, campaign: Campaign, context: str) -> list[Violation]:
    """Value, scope, minimum spend, dates and urgency, claims and stray numbers, read together because
    each consumes the spans (amounts, percentages, dates) that the later ones must not judge again."""
    offer = campaign.offer
    text = _words_to_digits(plain)
    spans: list[tuple[int, int]] = []
    out = _value(text, offer, spans)
    out += _min_spend(text, offer, spans)
    out += _scope(text, offer)
    out += _urgency(text, offer, spans)
    out += _claims(text, offer)
    out += _stray_numbers(text, offer, spans, context)
    return out


def _value(text: str, offer: Offer, spans: list) -> list[Violation]:
    out = []
    percents = []
    for m in _PERCENT.finditer(text):
        if offer.kind != "percent_off" and not re.match(
            r"\s*(?:off|discount|savings?|price)\b", text[m.end() :]
        ):
            continue  # '100% merino' on a $15-off offer is a stray number, judged there
        spans.append(m.span())
        value = float(m.group(1))
        percents.append(value)
        qualifier = _QUALIFIER.search(text[: m.start()])
        if qualifier or m.group(2):
            said = (qualifier.group(0) if qualifier else "") + m.group(0)
            out.append(Violation("value", f"{said.strip()!r} qualifies the value; state it exactly"))
    amounts = _money(text)
    # A discount amount is the one followed by "off" or led by "save/take/get"; others are judged later.
    discounts = {
        (v, c)
        for v, c, s, e in amounts
        if re.match(r"\s*(?:off|discount|savings?)\b", text[e:])
        or re.search(r"\b(?:save|take|get)\s*$", text[:s])
    }
    # Amounts judged here (discounts, the offer's own value) are not stray numbers; a '(worth £10)' is.
    spans += [
        (s, e)
        for v, c, s, e in amounts
        if (v, c) in discounts or (v, c) == (offer.value, (offer.currency or "").upper())
    ]
    if offer.kind == "percent_off" and offer.value not in percents:
        out.append(Violation("value", f"{offer.value:g}% is not stated"))
    stated = (offer.value, (offer.currency or "").upper())
    if offer.kind == "amount_off" and stated not in [(v, c) for v, c, _, _ in amounts]:
        out.append(Violation("value", f"{offer.currency} {offer.value:g} off is not stated"))
    wrong_pct = sorted({p for p in percents if offer.kind != "percent_off" or p != offer.value})
    if wrong_pct:
        out.append(Violation("value", f"{', '.join(f'{p:g}%' for p in wrong_pct)} is not the offer"))
    expected = stated if offer.kind == "amount_off" else None
    wrong_money = sorted({(v, c) for v, c in discounts if (v, c) != expected})
    if wrong_money:
        out.append(
            Violation("value", f"{', '.join(f'{c} {v:g}' for v, c in wrong_money)} off is not the offer")
        )
    if re.search(r"\d\s*(?:%|percent|per cent)\s+of\s+(?!the\s+(?:price|cost)\b)", text, re.I):
        out.append(Violation("value", "'% of' says a share of the goods, not a discount"))
    if re.search(r"\b(?:extra|additional)\s+[$€£\d]|\bstack(?:s|able)?\s+with\b|\bon top of\b", text):
        out.append(Violation("value", "the offer does not stack with anything"))
    if offer.kind == "free_shipping" and not _SHIPPING.search(text):
        out.append(Violation("value", "free shipping is not stated"))
    if offer.kind == "bogo":
        if not _BOGO.search(text):
            out.append(Violation("value", "buy one, get one free is not stated"))
        elif re.search(r"get (?:one|1) (?:\d+% off|half)", text):
            out.append(Violation("value", "the second item is free, not discounted"))
    return out


def _min_spend(text: str, offer: Offer, spans: list) -> list[Violation]:
    out, thresholds, outside_terms = [], [], []
    for v, c, s, e in _money(text):
        before, after = text[max(0, s - 30) : s], text[e : e + 12]
        if _THRESHOLD_BEFORE.search(before) or _THRESHOLD_AFTER.search(after):
            thresholds.append((v, c))
            spans.append((s, e))
            if not _TERMS_CLAUSE.search(before):
                outside_terms.append((v, c))
    if offer.min_spend:
        want = (offer.min_spend, (offer.currency or "").upper())
        if want not in thresholds:
            out.append(Violation("min_spend", f"the minimum spend {want[1]} {want[0]:g} is not stated"))
        # "spend £60+, get a free water bottle on orders over £60" is padding; a terms line ("Min. spend
        # £60.") after the offer is the convention the decoding guard itself writes, so it does not count.
        if outside_terms.count(want) > 1:
            out.append(Violation("repetitive", "the minimum spend is stated twice"))
        wrong = sorted({t for t in thresholds if t != want})
        if wrong:
            out.append(
                Violation("min_spend", f"{', '.join(f'{c} {v:g}' for v, c in wrong)} is not the minimum")
            )
        hit = _NO_MINIMUM.search(text)
        if hit:
            out.append(Violation("min_spend", f"{hit.group(0)!r} contradicts the minimum spend"))
    elif thresholds:
        out.append(Violation("min_spend", "the offer has no minimum spend"))
    garbled = offer.code and re.search(_THRESHOLD_BEFORE_WORD + re.escape(offer.code) + r"\b", text, re.I)
    if garbled:
        out.append(Violation("min_spend", f"{garbled.group(0)!r} states the code, not an amount"))
    if _PER_ITEM.search(text) or (offer.kind == "amount_off" and _PER_UNIT.search(text)):
        out.append(Violation("scope", "the offer applies per order, not per item"))
    return out


_F_PLURALS = {
    "knives": "knife", "loaves": "loaf", "leaves": "leaf", "shelves": "shelf", "halves": "half",
    "scarves": "scarf", "wolves": "wolf", "lives": "life", "wives": "wife", "thieves": "thief",
}  # fmt: skip


def _stem(word: str) -> str:
    """A noun's singular and plural as one word: shoes/shoe, dresses/dress, boxes/box, loaves/loaf."""
    if word in _F_PLURALS:
        return _F_PLURALS[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us", "is")) else word


def _words(phrase: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9&'-]+", phrase.lower())]


# "tents and hiking gear are 20% off": what the offer applies to, named before its value.
_BEFORE_VALUE = re.compile(
    r"([a-z][a-z0-9&' -]*?)\s+(?:are|is)\s+(?:now\s+)?(?:\d[\d.,]*\s*%|[$€£]\s?\d[\d.,]*)\s+off\b"
)
# "20% off hiking gear, tents and more": more than the scope, in the clause that states the value.
_AND_MORE = re.compile(r"(?:%|\d)\s*off\b[^.!?:;]*?(?:,|\band\b|&)\s*(?:much\s+)?more\b")


def _objects(text: str) -> list[tuple[str, bool]]:
    """What each statement of the offer applies to, and whether it follows the value: the words after
    '20% off', 'free shipping on', ... (True), and before '... are 20% off' (False)."""
    starts = [m.end() for m in re.finditer(r"(?:%|\d)\s*off\b", text)]
    starts += [
        m.end() for m in re.finditer(r"\b(?:bogo|get (?:one|1|another)(?: free)?|free shipping)\s+on\b", text)
    ]
    out = []
    for start in starts:
        rest = text[start:]
        stop = _OBJECT_STOP.search(rest)
        out.append((rest[: stop.start()].strip() if stop else rest.strip(), True))
    named = [m.group(1) for m in _BEFORE_VALUE.finditer(text)]
    # "... and so is $20 off", "it's all 20% off": the value stated after a word that names nothing.
    nothing = ("so", "it", "this", "that", "which", "they")
    return out + [(n, False) for n in named if n.split()[-1] not in nothing]


def _scope(text: str, offer: Offer) -> list[Violation]:
    if offer.kind == "gift":
        return _gift_scope(text, offer)
    out = []
    scope = _words(offer.applies_to or "")
    if scope:
        widen = _WIDEN.search(text)
        if widen:
            out.append(Violation("scope", f"{widen.group(0)!r}: the offer is on {offer.applies_to}"))
        if _AND_MORE.search(text):
            out.append(Violation("scope", f"'and more': the offer is on {offer.applies_to}"))
        if not _contains(_words(text), scope):
            out.append(Violation("scope", f"the scope {offer.applies_to!r} is not stated"))
    for thing, after_value in _objects(text):
        words = [w for w in _words(thing) if w not in _DETERMINERS]
        if not words:
            continue
        # With a scope, the offer may only be on it, with one word of slack ("hiking gear awaits"). After
        # the value that word must follow the scope: in front it narrows it ("20% off kids' climbing
        # shoes"); a subject before the value may describe it ("Your signature lipstick is €5 off").
        # Without a scope, only the order as a whole.
        if not scope:
            fits = words[-1] in _GENERIC_HEADS
        else:
            at = words[: len(scope)] == scope if after_value else _contains(words, scope)
            fits = at and len(words) <= len(scope) + 1
        if not fits:
            out.append(Violation("scope", f"{thing!r}: the offer is on {offer.applies_to or 'everything'}"))
    return out


def _occurrences(words: list[str], part: list[str]) -> int:
    n = len(part)
    return sum(words[i : i + n] == part for i in range(len(words) - n + 1))


def _contains(words: list[str], part: list[str]) -> bool:
    return _occurrences(words, part) > 0


def _gift_scope(text: str, offer: Offer) -> list[Violation]:
    out = []
    core = [w for w in _words(gift_name(offer)) if w not in ("a", "an", "free", "the")]
    if offer.applies_to and not _contains(_words(text), core):
        out.append(Violation("scope", f"the gift ({gift_name(offer)}) is not named"))
    # The gift may be named twice ("Love tote bags? ... a free tote bag"), offered twice it is padding.
    if core and _occurrences(_words(text), ["free", *core]) > 1:
        out.append(Violation("repetitive", f"the free {' '.join(core)} is offered twice"))
    if not offer.applies_to and not re.search(r"\bfree gift\b|\bgift\b", text):
        out.append(Violation("value", "the free gift is not stated"))
    if re.search(
        r"\b(?:two|three|four|five|several|multiple|\d+)\s+(?:free\s+)?(?:\w+\s+)?gifts\b|\b(?:two|"
        r"three|four|five|\d+)\s+free\b",
        text,
    ):
        out.append(Violation("value", "the offer is one gift"))
    # "with every candle" ties the gift to a product; "with any order" is what a gift without a minimum is
    if re.search(r"\bwith (?:every|each|any) (?!orders?\b|purchases?\b)\w+(?!\s+(?:of|over|above)\s)", text):
        out.append(Violation("scope", "the gift comes with the order, not with a product"))
    if re.search(r"\bgifts?\s+(?:on|of|with)\s+(?:a\s+|an\s+)?free\b|\bfree\s+\w*\s*free\b", text):
        out.append(Violation("scope", "the gift is garbled ('a free gift on a free ...')"))
    return out


_ENDS_LINE = re.compile(r"\bends\s+$", re.I)


def _urgency(text: str, offer: Offer, spans: list) -> list[Violation]:
    out, stated = [], 0
    expiry = expiry_date(offer)
    for readings, start, end in _dates(text):
        spans.append((start, end))
        if expiry is None or not any(_same_day(expiry, r) for r in readings):
            said = text[start:end]
            out.append(Violation("urgency", f"{said!r} is not the offer's {_expiry_words(expiry)}"))
        elif not (_ENDS_LINE.search(text[:start]) and re.fullmatch(r"\s*\.?\s*", text[end:])):
            stated += 1  # a closing "Ends Dec 31." is the terms line the decoding guard writes: not counted
    if stated > 1:  # "when you reach Jan 1 with EZJY, until Jan 1": padding, as a minimum spend twice
        out.append(Violation("repetitive", "the end date is stated twice"))
    month = _MONTH_DEADLINE.search(text)
    if month and not (expiry and _month_number(month.group(1)) == expiry.month and _ends_month(expiry)):
        out.append(Violation("urgency", f"{month.group(0)!r} is not the offer's {_expiry_words(expiry)}"))
    weekday = _WEEKDAY_DEADLINE.search(text)
    if weekday and (expiry is None or _WEEKDAYS[expiry.weekday()] != weekday.group(1).lower()):
        out.append(Violation("urgency", f"{weekday.group(0)!r} is not the offer's {_expiry_words(expiry)}"))
    for pattern in (_SCARCITY, _DEADLINE):
        hit = pattern.search(text)
        if hit:
            out.append(Violation("urgency", f"{hit.group(0)!r} is invented urgency"))
    soft = _SOFT_URGENCY.search(text)
    if soft and expiry is None:
        out.append(Violation("urgency", f"{soft.group(0)!r}: the offer does not expire"))
    return out


def _ends_month(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def _same_day(expiry: dt.date, reading: tuple[int, int, str | None]) -> bool:
    month, day, year = reading
    return (month, day) == (expiry.month, expiry.day) and (
        year is None or int(year) % 100 == expiry.year % 100
    )


def _expiry_words(expiry: dt.date | None) -> str:
    return f"expiry ({expiry.isoformat()})" if expiry else "expiry (it has none)"


def _claims(text: str, offer: Offer) -> list[Violation]:
    out = []
    # "complimentary" is a claim unless it is how the copy says the offer's own free shipping.
    stated = [m.span() for m in _SHIPPING.finditer(text)] if offer.kind == "free_shipping" else []
    for hit in _CLAIMS.finditer(text):
        if any(s <= hit.start() < e for s, e in stated):
            continue
        if not (offer.kind == "gift" and _contains(_words(gift_name(offer)), _words(hit.group(0)))):
            out.append(Violation("invented_claim", f"{hit.group(0)!r} is not part of the offer"))
        break
    if offer.kind != "free_shipping" and _SHIPPING.search(text):
        out.append(Violation("invented_claim", "free shipping is not part of the offer"))
    if offer.kind != "bogo" and _BOGO.search(text):
        out.append(Violation("invented_claim", "buy one, get one is not part of the offer"))
    allowed = [m.span() for p in (_SHIPPING, _BOGO, _FREE_OK) for m in p.finditer(text)]
    if offer.kind == "gift":
        allowed += [
            m.span()
            for m in re.finditer(
                r"\bfree\s+(?:\w+\s+){0,3}?(?:gift|"
                + "|".join(re.escape(w) for w in _words(gift_name(offer)) if w not in ("a", "an", "free"))
                + r")(?:e?s)?\b",
                text,
            )
        ]
    for m in _FREE.finditer(text):
        if not any(s <= m.start() < e for s, e in allowed):
            after = " ".join(re.findall(r"[\w'-]+", text[m.end() :])[:1])
            out.append(Violation("invented_claim", f"'free {after}' is not part of the offer"))
            break
    return out


def _stray_numbers(text: str, offer: Offer, spans: list, context: str) -> list[Violation]:
    """Digits the offer does not explain and the context does not hold with the same neighbour word."""
    code = (offer.code or "").lower()
    spans += [m.span() for m in _BOGO.finditer(text)]
    if code:
        spans += [m.span() for m in re.finditer(rf"(?<![a-z0-9]){re.escape(code)}(?![a-z0-9])", text)]
    ctx = _plain(context)
    ctx_tokens = set(re.findall(r"[\w.-]+", ctx))
    stray = []
    for m in re.finditer(r"[\w.'-]*\d[\w'-]*", text):
        if any(s <= m.start() < e or s < m.end() <= e for s, e in spans):
            continue
        token = m.group(0).strip(".-'")
        # '20000mah' may be quoted alone; a bare '3' only with its word ('3-pack', 'size 10').
        quoted = not token.isdigit() and token.lower() in ctx_tokens
        if quoted or _with_neighbour_in(text, m, ctx):
            continue
        stray.append(token)
    if stray:
        return [Violation("invented_number", f"{', '.join(stray)} is not in the offer or the interests")]
    return []


def _with_neighbour_in(text: str, match: re.Match, context: str) -> bool:
    before = re.findall(r"[\w'-]+", text[: match.start()])[-1:]
    after = re.findall(r"[\w'-]+", text[match.end() :])[:1]
    token = match.group(0)
    return any(f"{b} {token}" in context for b in before) or any(f"{token} {a}" in context for a in after)


def _repetitive(norm: str, plain: str, campaign: Campaign, context: str) -> list[Violation]:
    """Junk that says the same thing over: a two-word phrase twice, or a content word three times."""
    words = re.findall(r"[a-z][a-z'-]+", plain)
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if len(a) > 2 and len(b) > 2]
    # The offer's own words may echo ('Your home gym ... 30% off home gym gear').
    offer_words = set(re.findall(r"[a-z][a-z'-]+", _plain(campaign.offer.applies_to or "")))
    common = _STOPWORDS["en"] | {"one", "the", "for", "double", "more"} | offer_words
    seen = {p for p in pairs if pairs.count(p) > 1 and not set(p.split()) & common}
    seen |= {w for w in words if len(w) > 3 and w not in common and words.count(w) > 3}
    if seen:
        return [Violation("repetitive", f"{', '.join(sorted(seen))} repeated")]
    return []


_RULES = (_length, _characters, _content, _code, _brand, _repetitive, _offer)
