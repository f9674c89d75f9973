"""The data contract: what a user history, a campaign and a delivered result look like.

Everything that enters promogen from a file or a caller passes through the `check_*` helpers here, so a
bad input fails early with one message that names the field, the expected type and, for files, the line.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

EVENT_TYPES = ("view", "search", "cart", "purchase", "click")
OFFER_KINDS = ("percent_off", "amount_off", "free_shipping", "bogo", "gift")
# The currencies the compliance gate reads amounts in ("$10", "10 CAD", "A$10"): an offer in another
# could never be checked, so it is refused when the campaign is read.
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY")
CHANNEL_LIMITS = {"push": 150, "sms": 160, "email_subject": 90, "banner": 100}
CHANNELS = tuple(CHANNEL_LIMITS)
# 2: violations are {"rule", "detail"} objects (1: "rule: detail" strings); candidates carry `eligible`.
OUTPUT_VERSION = 2


class ValidationError(ValueError):
    """Bad input: the message names the field and, where known, the line."""


class UnknownCampaignError(ValidationError):
    """A campaign name that is neither a campaign file nor a shipped demo campaign."""


def _where(line: int | None) -> str:
    return f" (line {line})" if line is not None else ""


def _tname(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def is_number(value: Any) -> bool:
    """A finite int or float, not a bool: NaN passes every range check (all its comparisons are false)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def existing_file(path: str | Path, what: str) -> Path:
    """`path` when it is a file; else the one line every reader of a named file gives, "`what` file not
    found: path"."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"{what} file not found: {path}")
    return path


def read_text_file(path: str | Path, what: str) -> str:
    """The text of a `what` file (a campaign, a user) the caller names; a missing file or text that is not
    UTF-8 is a one-line error."""
    path = existing_file(path, what)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def read_structured_file(path: str | Path, what: str) -> Any:
    """The parsed YAML (.yaml/.yml) or else JSON of a `what` file; a parse error is one line naming the file,
    the line and the problem (the callers check what the data says)."""
    import yaml  # here, not at the top: most callers of this module never read a file

    path = Path(path)
    text = read_text_file(path, what)
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:  # ValueError: JSON's errors, and YAML's impossible dates
        mark = getattr(exc, "problem_mark", None)  # YAML's position (0-based); JSON's is `lineno`
        line = mark.line + 1 if mark else getattr(exc, "lineno", None)
        problem = getattr(exc, "problem", None) or getattr(exc, "msg", None) or str(exc)
        where = f" (line {line})" if line else ""
        raise ValidationError(f"cannot parse {what} file {path}{where}: {problem}".splitlines()[0]) from exc


def check_type(value: Any, types: type | tuple[type, ...], name: str, line: int | None = None) -> Any:
    """Raise unless `value` is one of `types` (bool never counts as a number; NaN and infinity never
    count as one either: every comparison with NaN is false, so it would pass any range check)."""
    types = types if isinstance(types, tuple) else (types,)
    numeric = any(t in (int, float) for t in types)
    if not isinstance(value, types) or (numeric and isinstance(value, bool)):
        expected = " or ".join(_article(t) for t in types)
        raise ValidationError(f"`{name}` must be {expected}, got {_tname(value)}{_where(line)}")
    if numeric and isinstance(value, float) and not is_number(value):
        raise ValidationError(f"`{name}` must be a finite number, got {value!r}{_where(line)}")
    return value


def _article(t: type) -> str:
    names = {
        str: "a string",
        list: "a list",
        dict: "an object",
        int: "an integer",
        float: "a number",
        bool: "true or false",
    }
    return names.get(t, t.__name__)


def check_str(
    value: Any, name: str, line: int | None = None, *, empty: bool = False, one_line: bool = False
) -> str:
    """`one_line`: for a campaign's words, which go into prompts and copy as they are: a line break
    there would start a new line of the prompt ("Shopper is into: ...") or of the delivered message."""
    check_type(value, str, name, line)
    if not empty and not value.strip():
        raise ValidationError(f"`{name}` must not be empty{_where(line)}")
    if one_line and any(unicodedata.category(c) == "Cc" for c in value):
        raise ValidationError(
            f"`{name}` must be one line (no line breaks or control characters){_where(line)}"
        )
    return value


def check_choice(value: Any, allowed: tuple[str, ...], name: str, line: int | None = None) -> str:
    if value not in allowed:
        raise ValidationError(f"`{name}` must be one of {', '.join(allowed)}; got {value!r}{_where(line)}")
    return value


def check_keys(
    data: dict, required: tuple[str, ...], allowed: tuple[str, ...], name: str, line: int | None = None
) -> None:
    for key in required:
        if key not in data:
            raise ValidationError(f"`{name}.{key}` is missing{_where(line)}")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError(
            f"`{name}` has unknown field(s) {unknown}; allowed: {list(allowed)}{_where(line)}"
        )


@dataclass
class Event:
    """One thing the user did: viewed, searched, carted, bought or clicked something described by `text`."""

    type: str
    text: str
    ts: float | str | None = None
    category: str | None = None
    price: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, name: str = "event", line: int | None = None) -> Event:
        check_type(data, dict, name, line)
        check_keys(data, ("type", "text"), ("type", "text", "ts", "category", "price"), name, line)
        check_choice(data["type"], EVENT_TYPES, f"{name}.type", line)
        check_str(data["text"], f"{name}.text", line)
        if isinstance(data.get("ts"), date):  # a Parquet timestamp column, a YAML date: kept as ISO text
            data = {**data, "ts": data["ts"].isoformat()}
        if isinstance(data.get("price"), Decimal):  # a Parquet decimal column
            data = {**data, "price": float(data["price"])}
        if data.get("ts") is not None:
            check_type(data["ts"], (int, float, str), f"{name}.ts", line)
        if data.get("category") is not None:
            check_str(data["category"], f"{name}.category", line)
        if data.get("price") is not None:
            check_type(data["price"], (int, float), f"{name}.price", line)
        return cls(**data)


@dataclass
class UserHistory:
    """A user and their behaviour history, oldest event first."""

    user_id: str
    events: list[Event]
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, line: int | None = None) -> UserHistory:
        check_type(data, dict, "user", line)
        check_keys(data, ("user_id", "events"), ("user_id", "events", "attributes"), "user", line)
        user_id = data["user_id"]
        check_type(user_id, (str, int), "user_id", line)
        if isinstance(user_id, str):
            check_str(user_id, "user_id", line)
        check_type(data["events"], list, "events", line)
        if not data["events"]:
            raise ValidationError(f"`events` must hold at least one event{_where(line)}")
        events = [Event.from_dict(e, f"events[{i}]", line) for i, e in enumerate(data["events"])]
        attributes = data.get("attributes") or {}
        check_type(attributes, dict, "attributes", line)
        # A Parquet struct's timestamps and decimals become ISO text and floats, as an event's do: every
        # engine writes attributes back out as JSON.
        attributes = {
            k: v.isoformat() if isinstance(v, date) else float(v) if isinstance(v, Decimal) else v
            for k, v in attributes.items()
        }
        for key, value in attributes.items():
            if isinstance(value, float) and not is_number(value):  # NaN would poison a reward model
                raise ValidationError(
                    f"`attributes.{key}` must be a finite number, got {value!r}{_where(line)}"
                )
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                raise ValidationError(
                    f"`attributes.{key}` must be JSON data (text, numbers, lists, objects); "
                    f"got {type(value).__name__}{_where(line)}"
                ) from None
        return cls(user_id=str(user_id), events=events, attributes=attributes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def cart_items(self) -> list[str]:
        """What the history has carted, each item once: copy may speak of the user's cart only when
        there is something, and name only what is there."""
        return list(dict.fromkeys(e.text.strip() for e in self.events if e.type == "cart"))


@dataclass
class Offer:
    """What the campaign gives: its kind, value and code are checked verbatim in every delivered copy."""

    kind: str
    value: float | None = None
    currency: str | None = None
    code: str | None = None
    min_spend: float | None = None
    expires: str | None = None
    applies_to: str | None = None

    FIELDS = ("kind", "value", "currency", "code", "min_spend", "expires", "applies_to")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Offer:
        check_type(data, dict, "offer")
        check_keys(data, ("kind",), cls.FIELDS, "offer")
        if isinstance(data.get("expires"), date):  # YAML reads an unquoted 2026-12-31 as a date
            data = {**data, "expires": data["expires"].isoformat()}
        kind = check_choice(data["kind"], OFFER_KINDS, "offer.kind")
        value = data.get("value")
        if kind in ("percent_off", "amount_off"):
            if value is None:
                raise ValidationError(f"`offer.value` is required when offer.kind is {kind}")
            check_type(value, (int, float), "offer.value")
            if value <= 0 or (kind == "percent_off" and value >= 100):
                raise ValidationError(
                    f"`offer.value` must be in (0, 100) for percent_off; got {value!r}"
                    if kind == "percent_off"
                    else f"`offer.value` must be > 0; got {value!r}"
                )
        elif value is not None:
            check_type(value, (int, float), "offer.value")
        if kind == "amount_off" and not data.get("currency"):
            raise ValidationError("`offer.currency` is required when offer.kind is amount_off (e.g. USD)")
        for key in ("currency", "expires", "applies_to"):
            if data.get(key) is not None:
                check_str(data[key], f"offer.{key}", one_line=True)
        if data.get("currency") is not None and data["currency"].upper() not in CURRENCIES:
            raise ValidationError(
                f"`offer.currency` must be one of {', '.join(CURRENCIES)} (the currencies the compliance "
                f"gate reads); got {data['currency']!r}"
            )
        if data.get("expires") is not None:
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["expires"]):
                    raise ValueError
                date.fromisoformat(data["expires"])
            except ValueError:
                raise ValidationError(
                    f"`offer.expires` must be a date as YYYY-MM-DD; got {data['expires']!r}"
                ) from None
        if data.get("code") is not None:
            code = check_str(data["code"], "offer.code")
            if not code.isalnum():
                raise ValidationError(f"`offer.code` must be letters and digits only; got {code!r}")
        if data.get("min_spend") is not None:
            check_type(data["min_spend"], (int, float), "offer.min_spend")
            if data["min_spend"] <= 0:
                raise ValidationError(
                    f"`offer.min_spend` must be > 0 (leave it out for none); got {data['min_spend']!r}"
                )
            if (data.get("currency") or None) is None:
                raise ValidationError("`offer.currency` is required when offer.min_spend is set")
        return cls(**data)


@dataclass
class Campaign:
    """A promotion to deliver: brand, offer, channel and the rules every delivered copy must keep."""

    campaign_id: str
    brand: str
    offer: Offer
    channel: str = "push"
    tone: str | None = None
    locale: str = "en"
    max_chars: int | None = None
    banned_phrases: list[str] = field(default_factory=list)
    competitors: list[str] = field(default_factory=list)
    max_segments: int | None = None

    FIELDS = (
        "campaign_id",
        "brand",
        "offer",
        "channel",
        "tone",
        "locale",
        "max_chars",
        "banned_phrases",
        "competitors",
        "max_segments",
    )

    @property
    def limit(self) -> int:
        """The character limit: `max_chars` if set, else the channel's default."""
        return self.max_chars if self.max_chars is not None else CHANNEL_LIMITS[self.channel]

    @classmethod
    def from_dict(cls, data: Any) -> Campaign:
        check_type(data, dict, "campaign")
        check_keys(data, ("campaign_id", "brand", "offer"), cls.FIELDS, "campaign")
        check_str(data["campaign_id"], "campaign_id", one_line=True)
        check_str(data["brand"], "brand", one_line=True)
        check_choice(data.get("channel", "push"), CHANNELS, "channel")
        if data.get("tone") is not None:
            check_str(data["tone"], "tone", one_line=True)
        check_str(data.get("locale", "en"), "locale")
        if data.get("max_chars") is not None:
            check_type(data["max_chars"], int, "max_chars")
            if data["max_chars"] < 20:
                raise ValidationError(f"`max_chars` must be at least 20; got {data['max_chars']}")
        lists = {}
        for key in ("banned_phrases", "competitors"):
            lists[key] = data.get(key) or []
            check_type(lists[key], list, key)
            for i, phrase in enumerate(lists[key]):
                check_str(phrase, f"{key}[{i}]", one_line=True)
        if data.get("max_segments") is not None:
            check_type(data["max_segments"], int, "max_segments")
            if data.get("channel") != "sms" or not 1 <= data["max_segments"] <= 10:
                raise ValidationError("`max_segments` is for sms campaigns only, from 1 to 10")
        return cls(**{**data, "offer": Offer.from_dict(data["offer"]), **lists})

    @classmethod
    def from_file(cls, path: str | Path) -> Campaign:
        """Read a campaign from YAML (.yaml/.yml) or JSON."""
        return cls.from_dict(read_structured_file(path, "campaign"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Violation:
    """One broken rule of the compliance gate: a rule id (e.g. `scope`) and what exactly is wrong."""

    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Violation:
        check_type(data, dict, "violation")
        check_keys(data, ("rule", "detail"), ("rule", "detail"), "violation")
        return cls(check_str(data["rule"], "violation.rule"), check_str(data["detail"], "violation.detail"))


@dataclass
class Candidate:
    """One generated copy with its scores and the hard-check violations it has (empty = compliant)."""

    text: str
    scores: dict[str, float] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    eligible: bool = False  # compliant and above every floor: the policy may deliver it

    @property
    def compliant(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Candidate:
        check_type(data, dict, "candidate")
        check_keys(data, ("text",), ("text", "scores", "violations", "eligible"), "candidate")
        check_str(data["text"], "candidate.text", empty=True)
        scores = check_type(data.get("scores", {}), dict, "candidate.scores")
        for key, value in scores.items():
            check_type(value, (int, float), f"candidate.scores.{key}")
        violations = [
            Violation.from_dict(v)
            for v in check_type(data.get("violations", []), list, "candidate.violations")
        ]
        eligible = check_type(data.get("eligible", False), bool, "candidate.eligible")
        return cls(data["text"], dict(scores), violations, eligible)


@dataclass
class Delivery:
    """The output contract: one per user, written as one JSON line by the batch command."""

    user_id: str
    campaign_id: str
    text: str
    chosen_by: str
    candidates: list[Candidate]
    chosen: int | None
    propensity: float
    model: str
    adapter: str | None
    seed: int
    promogen_version: str
    interests: list[str] = field(default_factory=list)
    output_version: int = OUTPUT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Delivery:
        check_type(data, dict, "delivery")
        names = tuple(f for f in cls.__dataclass_fields__)
        check_keys(
            data, tuple(n for n in names if n not in ("interests", "output_version")), names, "delivery"
        )
        if data.get("output_version", OUTPUT_VERSION) != OUTPUT_VERSION:
            raise ValidationError(
                f"`output_version` {data['output_version']} is not {OUTPUT_VERSION}; "
                "regenerate the file with this promogen"
            )
        candidates = [
            Candidate.from_dict(c) for c in check_type(data["candidates"], list, "delivery.candidates")
        ]
        check_str(data["text"], "delivery.text", empty=True)
        check_type(data["propensity"], (int, float), "delivery.propensity")
        if data["chosen"] is not None and not 0 <= check_type(data["chosen"], int, "delivery.chosen") < len(
            candidates
        ):
            raise ValidationError(
                f"`delivery.chosen` must index its {len(candidates)} candidates; got {data['chosen']}"
            )
        return cls(**{**data, "candidates": candidates})


OUTCOME_FIELDS = ("visit", "click", "conversion", "revenue")


@dataclass
class Assignment:
    """The delivery plan contract, one per user: the action ("none" or a campaign id) drawn with its
    propensity, every allowed action's probability and predicted reward, and the features the reward
    model read. The same row plus outcome fields (`visit`, `click`, `conversion` 0/1, `revenue`) is the
    logged-outcome contract that `promogen learn` and `promogen abtest` read."""

    user_id: str
    action: str
    propensity: float
    probabilities: dict[str, float] = field(default_factory=dict)
    predicted: dict[str, float] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    policy: str = "logged"
    seed: int = 0
    promogen_version: str = ""
    visit: int | None = None
    click: int | None = None
    conversion: int | None = None
    revenue: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in OUTCOME_FIELDS or v is not None}

    @classmethod
    def from_dict(cls, data: Any, line: int | None = None) -> Assignment:
        check_type(data, dict, "assignment", line)
        names = tuple(cls.__dataclass_fields__)
        check_keys(data, ("user_id", "action", "propensity"), names, "assignment", line)
        check_type(data["user_id"], (str, int), "user_id", line)
        check_str(data["action"], "action", line)
        p = data["propensity"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p <= 1:
            raise ValidationError(f"`propensity` must be in (0, 1]; got {p!r}{_where(line)}")
        for key in ("probabilities", "predicted", "features"):
            check_type(data.get(key, {}), dict, key, line)
        for key in ("visit", "click", "conversion"):
            if data.get(key) is not None and data[key] not in (0, 1):
                raise ValidationError(f"`{key}` must be 0 or 1; got {data[key]!r}{_where(line)}")
        if data.get("revenue") is not None:
            check_type(data["revenue"], (int, float), "revenue", line)
        return cls(**{**data, "user_id": str(data["user_id"])})
