"""Property tests for the compliance gate: what normalisation must forgive and what it must never forgive.

(a) Characters that vanish under normalisation (zero-width space, word joiner, soft hyphen, BOM) inserted
    anywhere, or characters swapped for their NFKC compatibility forms (fullwidth letters and digits,
    no-break spaces, ligatures), leave a compliant copy compliant: every base copy is compliant
    (test_compliant_bases_are_compliant) and every disguise gets exactly its base's verdict.
(b) Any one-character change of the code (substitution, drop, duplication, case, a Cyrillic look-alike, a
    combining mark), any other offer value, or any other minimum spend is caught by rule `code`, `value` or
    `min_spend`.

The campaigns come from gate_cases.py; the base copies are checked on their own, so a property failure
names the disguise or the mutation, not the base. SMS campaigns are left out of (a): on a phone an
invisible or fullwidth character really does switch the message to UCS-2.
"""

from __future__ import annotations

import functools
import unicodedata

from gate_cases import CAMPAIGNS
from hypothesis import given, settings
from hypothesis import strategies as st

from promogen.checks import check_copy
from promogen.types import Campaign

SETTINGS = settings(derandomize=True, max_examples=150, deadline=None)

INVISIBLE = ("\u200b", "\u2060", "\u00ad", "\ufeff")
SPACES = ("\u00a0", "\u202f", "\u3000")  # no-break, narrow no-break, ideographic: NFKC -> " "
LIGATURES = {"ff": "\ufb00", "fi": "\ufb01", "fl": "\ufb02"}
CYRILLIC = {
    "A": "\u0410",
    "B": "\u0412",
    "C": "\u0421",
    "E": "\u0415",
    "H": "\u041d",
    "I": "\u0406",
    "K": "\u041a",
    "M": "\u041c",
    "O": "\u041e",
    "P": "\u0420",
    "S": "\u0405",
    "T": "\u0422",
    "X": "\u0425",
}
COMBINING = ("\u0301", "\u0332", "\u0336")
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# Compliant copies with headroom under each limit (non-SMS, see the docstring).
COMPLIANT = [
    ("trail20", "Take 20% off hiking gear with TRAIL20 until Dec 31."),
    ("trail20", "Long trails ahead? 20% off all hiking gear at Ridgeline Outdoors, code TRAIL20 🥾"),
    ("ink15", "15% off sitewide at Inkwell Paper Co with INK15"),
    ("glow25", "25% off serums with GLOW25 until Nov 30"),
    ("beans5", "Refill the grinder: €5 off coffee beans with BEANS5."),
    ("knit15", "£15 off yarn on orders over £75 with KNIT15"),
    ("nimbusship", "Free shipping on orders over $35 with NIMBUSSHIP"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves with LOAFBOGO."),
    ("mugift", "A free ceramic mug on orders over $40 with MUGGIFT"),
    ("teagift", "Welcome back! A free tin of jasmine tea is yours with WELCOMEBACK."),
]

# Templates for (b); `{code}`, `{value}` and `{min}` are filled with the campaign's own or a mutated one.
CODE_COPIES = [
    ("trail20", "Take 20% off hiking gear with {code} until Dec 31."),
    ("teagift", "A free tin of jasmine tea is yours with {code}."),
    ("nimbusship", "Free shipping on orders over $35 with {code}"),
    ("home10", "$10 off orders over $50 with code {code}"),
    ("loafbogo", "Buy 1, get 1 free on sourdough loaves with {code}."),
    ("mugift", "Use {code} for a free ceramic mug on orders over $40"),
]
PERCENT_COPIES = [
    ("trail20", 20, "Take {value}% off hiking gear with TRAIL20."),
    ("glow25", 25, "{value}% off serums with GLOW25"),
    ("ink15", 15, "{value}% off sitewide with INK15"),
    ("fit30", 30, "Take {value}% off yoga mats with FIT30"),
]
AMOUNT_COPIES = [
    ("beans5", 5, "€{value} off coffee beans with BEANS5"),
    ("home10", 10, "${value} off orders over $50 with HOME10"),
    ("knit15", 15, "£{value} off yarn on orders over £75 with KNIT15"),
]
MIN_COPIES = [
    ("home10", 50, "$10 off orders over ${min} with HOME10"),
    ("home10", 50, "Take $10 off when you spend ${min}. Code HOME10"),
    ("knit15", 75, "£15 off yarn on orders over £{min} with KNIT15"),
    ("nimbusship", 35, "Free shipping on orders over ${min} with NIMBUSSHIP"),
    ("mugift", 40, "A free ceramic mug when you spend ${min} with MUGGIFT"),
]


@functools.cache
def campaign(name: str) -> Campaign:
    return Campaign.from_dict(CAMPAIGNS[name])


def rules_of(violations) -> list[str]:
    return [v.rule if hasattr(v, "rule") else str(v).split(":", 1)[0].strip() for v in violations]


def assert_compliant(name: str, text: str, note: str = "") -> None:
    got = check_copy(text, campaign(name))
    assert not got, f"{name}: {text!r} {note} was rejected: {rules_of(got)} {got}"


def assert_same_verdict(name: str, base: str, text: str, note: str) -> None:
    """`text` is `base` in disguise: it must get exactly the base's verdict, which for these bases is [].

    Compared with the base rather than with [] so that a base the gate wrongly rejects (reported by
    test_compliant_bases_are_compliant) does not hide what normalisation does.
    """
    want = sorted(set(rules_of(check_copy(base, campaign(name)))))
    got = check_copy(text, campaign(name))
    assert sorted(set(rules_of(got))) == want, f"{name}: {text!r} ({note} of {base!r}) got {got}; base {want}"


def assert_fires(rule: str, name: str, text: str, note: str) -> None:
    got = rules_of(check_copy(text, campaign(name)))
    assert rule in got, f"{name}: {text!r} ({note}) should fire {rule!r}; got {got}"


def compat_form(ch: str, pick: int) -> str | None:
    """A character that NFKC-normalises back to `ch`, or None when there is none here."""
    if ch == " ":
        return SPACES[pick % len(SPACES)]
    if "!" <= ch <= "~":
        return chr(ord(ch) + 0xFEE0)  # the fullwidth form
    if ch == "£":
        return "\uffe1"
    return None


@st.composite
def with_invisibles(draw):
    name, text = draw(st.sampled_from(COMPLIANT))
    inserts = draw(
        st.lists(st.tuples(st.integers(0, len(text)), st.sampled_from(INVISIBLE)), min_size=1, max_size=8)
    )
    chars = list(text)
    for pos, ch in sorted(inserts, reverse=True):
        chars.insert(pos, ch)
    return name, text, "".join(chars)


@st.composite
def with_compat_forms(draw):
    name, text = draw(st.sampled_from(COMPLIANT))
    if draw(st.booleans()):
        for plain, ligature in LIGATURES.items():
            if draw(st.booleans()):
                text = text.replace(plain, ligature)
    positions = draw(st.sets(st.integers(0, len(text) - 1), min_size=1, max_size=len(text)))
    pick = draw(st.integers(0, 2))
    chars = list(text)
    for pos in positions:
        chars[pos] = compat_form(chars[pos], pick) or chars[pos]
    return name, text, "".join(chars)


def test_compliant_bases_are_compliant():
    for name, text in COMPLIANT:
        assert_compliant(name, text, "(base copy)")
    for name, template in CODE_COPIES:
        assert_compliant(name, template.format(code=campaign(name).offer.code), "(base copy)")
    for name, value, template in PERCENT_COPIES + AMOUNT_COPIES:
        assert_compliant(name, template.format(value=value), "(base copy)")
    for name, amount, template in MIN_COPIES:
        assert_compliant(name, template.format(min=amount), "(base copy)")


@SETTINGS
@given(with_invisibles())
def test_invisible_characters_keep_copy_compliant(case):
    name, base, text = case
    stripped = unicodedata.normalize("NFKC", text).translate(dict.fromkeys(map(ord, INVISIBLE)))
    assert stripped == unicodedata.normalize("NFKC", base)
    assert_same_verdict(name, base, text, "invisible characters inserted")


@SETTINGS
@given(with_compat_forms())
def test_compatibility_forms_keep_copy_compliant(case):
    name, base, text = case
    assert unicodedata.normalize("NFKC", text) == unicodedata.normalize("NFKC", base)
    assert_same_verdict(name, base, text, "compatibility forms")


@SETTINGS
@given(with_invisibles(), st.randoms(use_true_random=False))
def test_invisible_and_compat_forms_together(case, rnd):
    name, base, text = case
    chars = [(compat_form(c, rnd.randrange(3)) or c) if rnd.random() < 0.3 else c for c in text]
    assert_same_verdict(name, base, "".join(chars), "invisible characters and compatibility forms")


@st.composite
def mutated_codes(draw):
    name, template = draw(st.sampled_from(CODE_COPIES))
    code = campaign(name).offer.code
    kind = draw(st.sampled_from(["substitute", "drop", "duplicate", "case", "lookalike", "combining"]))
    if kind == "case":
        pos = draw(st.sampled_from([i for i, c in enumerate(code) if c.isalpha()]))
        new = code[:pos] + code[pos].swapcase() + code[pos + 1 :]
    elif kind == "lookalike":
        pos = draw(st.sampled_from([i for i, c in enumerate(code) if c in CYRILLIC]))
        new = code[:pos] + CYRILLIC[code[pos]] + code[pos + 1 :]
    else:
        pos = draw(st.integers(0, len(code) - 1))
        if kind == "substitute":
            ch = draw(st.sampled_from([c for c in ALNUM if c != code[pos]]))
            new = code[:pos] + ch + code[pos + 1 :]
        elif kind == "drop":
            new = code[:pos] + code[pos + 1 :]
        elif kind == "duplicate":
            new = code[: pos + 1] + code[pos] + code[pos + 1 :]
        else:
            new = code[: pos + 1] + draw(st.sampled_from(COMBINING)) + code[pos + 1 :]
    assert new != code
    return name, template.format(code=new), f"{kind} at {pos}: {code} -> {new!r}"


@SETTINGS
@given(mutated_codes())
def test_any_one_character_change_of_the_code_fails(case):
    name, text, note = case
    assert_fires("code", name, text, note)


@SETTINGS
@given(st.sampled_from(PERCENT_COPIES), st.integers(1, 99))
def test_any_other_percent_fails(copy, value):
    name, right, template = copy
    if value == right:
        value = right % 99 + 1
    assert_fires("value", name, template.format(value=value), f"{value}% instead of {right}%")


@SETTINGS
@given(st.sampled_from(AMOUNT_COPIES), st.integers(1, 500))
def test_any_other_amount_fails(copy, value):
    name, right, template = copy
    if value == right:
        value = right + 1
    assert_fires("value", name, template.format(value=value), f"{value} instead of {right}")


@SETTINGS
@given(st.sampled_from(MIN_COPIES), st.integers(1, 999))
def test_any_other_min_spend_fails(copy, amount):
    name, right, template = copy
    if amount == right:
        amount = right + 1
    assert_fires("min_spend", name, template.format(min=amount), f"minimum {amount} instead of {right}")
