"""Prompt rendering: Jinja2 templates in `prompts/` turn a campaign and a user's interests into chat turns.

Templates are data: wording changes never touch Python. `StrictUndefined` makes a missing variable an
error that names it instead of silently rendering an empty string into a customer-facing prompt.
"""

from __future__ import annotations

import dataclasses
import os
from functools import lru_cache
from pathlib import Path

import jinja2
import yaml

from .types import Campaign, ValidationError
from .wording import describe, money, offer_key, offer_line, until

_HERE = Path(__file__).resolve().parent


def prompts_dir() -> Path:
    """`promogen/prompts` inside an installed wheel, else the checkout's top-level `prompts/`."""
    for candidate in (_HERE / "prompts", _HERE.parent / "prompts"):
        if (candidate / "system.j2").is_file():
            return candidate
    raise FileNotFoundError(f"prompt templates not found next to {_HERE}; reinstall promogen")


@lru_cache(maxsize=4)
def environment(directory: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory or str(prompts_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )
    # Custom prompt folders may word offers with any of these.
    env.globals.update(
        money=money, offer_key=offer_key, describe=describe, until=until, offer_line=offer_line
    )
    return env


@lru_cache(maxsize=4)
def examples(directory: str | None = None) -> dict[str, tuple[Campaign, list[str], str]]:
    """The demonstration turn for each offer kind, from `examples.yaml`."""
    raw = yaml.safe_load((Path(directory or prompts_dir()) / "examples.yaml").read_text(encoding="utf-8"))
    return {kind: (Campaign.from_dict(e["campaign"]), e["interests"], e["reply"]) for kind, e in raw.items()}


def render(name: str, directory: str | None = None, **variables) -> str:
    """Render one template; a missing variable raises jinja2.UndefinedError naming it."""
    return environment(directory).get_template(name).render(**variables).strip()


def example_brands(directory: str | None = None) -> tuple[str, ...]:
    """Brands of the demonstrations: a copy that names one has copied the example, not the campaign."""
    return tuple(sorted({c.brand for c, _, _ in examples(directory).values()}))


def build_messages(
    campaign: Campaign, interests: list[str], directory: str | None = None, demonstration: bool = True
) -> list[dict]:
    """System and user turns for one user; an empty `interests` gives the non-personalised prompt.

    `demonstration=False` leaves out the worked example: a finetuned copywriter has learned the format
    and reads a prompt a third as long.
    """
    template = f"{campaign.channel}.j2"
    system = {"role": "system", "content": render("system.j2", directory, campaign=campaign)}
    request = {"role": "user", "content": render(template, directory, campaign=campaign, interests=interests)}
    if not demonstration:
        return [system, request]
    example, example_interests, reply = examples(directory)[campaign.offer.kind]
    example = dataclasses.replace(example, channel=campaign.channel)
    return [
        system,
        {
            "role": "user",
            "content": render(
                template, directory, campaign=example, interests=example_interests if interests else []
            ),
        },
        {"role": "assistant", "content": reply},
        request,
    ]


def shared_chars(prompt: str, plain: str) -> int:
    """How many leading characters of a shopper's chat `prompt` every shopper of its campaign shares:
    up to where it first differs from `plain`, the campaign's prompt without interests (the whole
    prompt when it has none). An adapter trained with `soft_prompt: after_campaign` reads its soft
    prompt there, and the copywriter computes the text before it once per campaign."""
    return len(os.path.commonprefix([prompt, plain]))


def fallback_forms(campaign: Campaign) -> list[str]:
    """The safe template lines, most complete first: with the brand, without it, the shortest wording."""
    offer = campaign.offer
    code = f" with code {offer.code}" if offer.code else ""
    short_code = f" with {offer.code}" if offer.code else ""
    words = describe(offer)
    line = words[0].upper() + words[1:]
    return [
        f"{campaign.brand}: {offer_line(offer)}.",
        f"{line}{code}{until(offer)}.",
        f"{line}{short_code}{until(offer).replace(', until', ' to')}",
    ]


def fallback_copy(campaign: Campaign) -> str:
    """The deterministic safe copy: the first template line that passes every rule of the gate.

    Raises ValidationError naming the field to shorten when none fits the channel.
    """
    from .checks import check_copy

    problems = []
    for text in fallback_forms(campaign):
        problems = check_copy(text, campaign)
        if not problems:
            return text
    field = "max_chars" if campaign.channel != "sms" else "max_segments"
    raise ValidationError(
        f"campaign {campaign.campaign_id!r}: no template line fits its rules ({problems[0]}); "
        f"shorten `offer.applies_to` or `brand`, or raise `{field}`"
    )
