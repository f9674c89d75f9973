"""Finetuning data from copy_gold and from a panel's labels of the copywriter's own candidates."""

from __future__ import annotations

import json

import pytest

from promogen.train.gold import labelled_pairs, rating_row, specs_in, train_specs

CAMPAIGN = {
    "campaign_id": "c1",
    "brand": "Stride Co",
    "offer": {"kind": "percent_off", "value": 20, "code": "RUN20", "applies_to": "running gear"},
    "channel": "push",
    "tone": "upbeat",
}


def _spec(spec_id: str) -> dict:
    return {
        "spec_id": spec_id,
        "campaign": CAMPAIGN,
        "history": [{"type": "purchase", "text": "trail running shoes"}],
        "best": "Trail season is here: 20% off running gear with code RUN20.",
        "alt": "New miles ahead? Take 20% off running gear with RUN20.",
        "bad": [],
    }


def _generated(spec_id: str) -> dict:
    return {"user_id": spec_id, "campaign": CAMPAIGN, "interests": ["trail running shoes"], "vector": [0.1]}


def test_labelled_pairs_prefer_approved_own_copy_then_the_reference():
    labelled = [
        {
            "spec_id": "a",
            "copy": "Your trail awaits: 20% off running gear, code RUN20.",
            "send": 4.5,
            "flags": [],
        },
        {
            "spec_id": "a",
            "copy": "Your latte is waiting: 20% off with RUN20.",
            "send": 1,
            "flags": ["incoherent"],
        },
        {"spec_id": "a", "copy": "20% off running gear with RUN20.", "send": 3, "flags": ["generic"]},
        {"spec_id": "b", "copy": "Trip up your run: RUN20 for 20% off.", "send": 2, "flags": []},
        {"spec_id": "c", "copy": "Run further: 20% off running gear, code RUN20.", "send": 5, "flags": []},
    ]
    specs = [_spec(s) for s in "abc"]
    pairs = labelled_pairs(specs, [_generated(s) for s in "abc"], labelled)
    got = {(p["user_id"], p["chosen"], p["rejected"], p["defect"]) for p in pairs}
    assert got == {
        ("a", labelled[0]["copy"], labelled[1]["copy"], "own:incoherent"),
        ("b", specs[1]["best"], labelled[3]["copy"], "own:rejected"),
    }, f"own approved copy is chosen first, the reference where none; 3s and unpaired specs left out: {got}"
    assert all(p["vector"] == [0.1] and p["interests"] for p in pairs), (
        "the shopper side comes from generation"
    )


def test_rating_row_shows_the_rater_only_campaign_history_and_copy():
    row = rating_row(_spec("a"), "Hello", "c0001")
    assert set(row) == {"id", "campaign", "user_recent_history", "copy"}, row
    assert row["campaign"]["offer"] == "20% off; on/of: running gear; code RUN20", row


@pytest.mark.parametrize(
    ("offer", "words"),
    [
        ({"kind": "percent_off", "value": 25, "code": "FALL25", "expires": "2026-12-15"},
         "25% off; code FALL25; expires 2026-12-15"),
        ({"kind": "amount_off", "value": 15, "currency": "USD", "applies_to": "safety gear", "min_spend": 75,
          "code": "SAVE15"}, "$15 off; on/of: safety gear; minimum spend $75; code SAVE15"),
        ({"kind": "free_shipping", "min_spend": 50, "currency": "USD", "code": "SHIPFREE"},
         "free shipping; minimum spend $50; code SHIPFREE"),
        ({"kind": "gift", "applies_to": "a free canvas tool bag", "min_spend": 60, "currency": "USD",
          "code": "GIFTBAG", "expires": "2026-12-31"},
         "a free gift; on/of: a free canvas tool bag; minimum spend $60; code GIFTBAG; expires 2026-12-31"),
        ({"kind": "bogo", "applies_to": "work gloves", "code": "GLOVES2"},
         "buy one, get one free; on/of: work gloves; code GLOVES2"),
    ],
)  # fmt: skip
def test_rating_sheets_word_the_offer_as_the_owners_sheets_do(offer, words):
    # The owners' copy_ratings rows word these offers exactly so; a minimum spend as "minimum spend", not
    # the prompt's "on orders over", which made raters read "$75+" as widening the offer.
    row = rating_row({**_spec("a"), "campaign": {**CAMPAIGN, "offer": offer}}, "Hi", "c1")
    assert row["campaign"]["offer"] == words, f"{offer['kind']}: {row['campaign']['offer']!r}"


def _rate_all(out, rows: list[dict], send: int, pair: tuple[str, str]) -> dict:
    """Rate every sheet row `send` (relevance 3) and return the panel summary, paired on `pair`."""
    import argparse
    import json

    from eval.panel import summary

    ratings = out / "ratings.jsonl"
    ratings.write_text(
        "".join(json.dumps({"id": r["id"], "send": send, "relevance": 3}) + "\n" for r in rows)
    )
    summary(argparse.Namespace(panel=out, ratings=[ratings], out=out / "summary.json", paired=pair, seed=0))
    return json.loads((out / "summary.json").read_text())


def test_panel_sheet_rates_a_copy_shared_by_variants_once_and_credits_both(tmp_path):
    import argparse
    import json

    from eval.panel import sheet

    spec = {**_spec("a"), "bad": [{"text": "x", "defect": "wrong_value"}]}
    gold = tmp_path / "dev.jsonl"
    gold.write_text(json.dumps(spec) + "\n")
    for variant, text in (("v1", "Same copy, RUN20."), ("v2", "Same copy, RUN20.")):
        (tmp_path / variant).mkdir()
        line = {"user_id": "a", "text": text, "chosen_by": "model"}
        (tmp_path / variant / "c1.jsonl").write_text(json.dumps(line) + "\n")
    out = tmp_path / "panel"
    folders = [str(tmp_path / "v1"), str(tmp_path / "v2")]
    args = dict(gold=gold, users=None, campaign=None, per_campaign=4, seed=0, out=out)
    sheet(argparse.Namespace(deliveries=folders, differing=False, **args))
    rows = [json.loads(x) for x in (out / "sheet.jsonl").read_text().splitlines()]
    assert len(rows) == 3, f"the shared copy, the template line and the reference, each once: {rows}"
    table = _rate_all(out, rows, 4, ("promogen_v1_model", "promogen_v2_model"))["by_source"]
    assert {"promogen_v1_model", "promogen_v2_model", "promogen_template", "reference_best"} <= set(table), (
        table
    )
    assert table["promogen_v1_model"]["n"] == table["promogen_v2_model"]["n"] == 1, table
    paired = json.loads((out / "summary.json").read_text())["paired"]
    assert paired["mean_send_difference"] == 0 and paired["shoppers"] == 1, (
        f"one shared copy, no difference: {paired}"
    )


def test_a_differing_sheet_samples_only_shoppers_whose_copy_the_variants_disagree_on(tmp_path):
    import argparse
    import json

    from eval.panel import sheet

    specs = [_spec(s) for s in ("a", "b")]
    gold = tmp_path / "dev.jsonl"
    gold.write_text("".join(json.dumps(s) + "\n" for s in specs))
    copies = {"v1": ("Same, RUN20.", "One, RUN20."), "v2": ("Same, RUN20.", "Other, RUN20.")}
    for variant, texts in copies.items():
        (tmp_path / variant).mkdir()
        lines = [{"user_id": u, "text": t, "chosen_by": "model"} for u, t in zip("ab", texts, strict=True)]
        (tmp_path / variant / "c1.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "panel"
    folders = [str(tmp_path / "v1"), str(tmp_path / "v2")]
    args = dict(gold=gold, users=None, campaign=None, per_campaign=4, seed=0, out=out)
    sheet(argparse.Namespace(deliveries=folders, differing=True, **args))
    key = json.loads((out / "key.json").read_text())
    assert {e["spec_id"] for e in key.values()} == {"b"}, f"only b's copy differs between v1 and v2: {key}"


def test_a_sheet_of_campaign_files_and_a_users_file_has_no_reference_and_credits_each_variant(tmp_path):
    import argparse
    import json

    from eval.panel import sheet
    from promogen.simulate import demo_campaign, simulate_users

    campaign = tmp_path / "run20.json"
    campaign.write_text(json.dumps(demo_campaign("run20").to_dict()))
    users = tmp_path / "users.jsonl"
    users.write_text("".join(json.dumps(u.to_dict()) + "\n" for u in simulate_users(2, seed=0)))
    ids = [json.loads(line)["user_id"] for line in users.read_text().splitlines()]
    chosen = {"v1": ("model", "model"), "v2": ("model", "fallback")}
    for variant, how in chosen.items():
        (tmp_path / variant).mkdir()
        lines = [
            {"user_id": u, "text": f"{variant} {u}, RUN20.", "chosen_by": c}
            for u, c in zip(ids, how, strict=True)
        ]
        (tmp_path / variant / "run20.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "panel"
    folders = [str(tmp_path / v) for v in chosen]
    args = dict(gold=None, users=str(users), campaign=[str(campaign)], per_campaign=4, seed=0, out=out)
    sheet(argparse.Namespace(deliveries=folders, differing=False, **args))
    rows = [json.loads(x) for x in (out / "sheet.jsonl").read_text().splitlines()]
    assert len(rows) == 6, f"per shopper the two variants' copy and the template line, no reference: {rows}"
    result = _rate_all(out, rows, 3, ("promogen_v1", "promogen_v2"))
    assert result["by_source"]["promogen_v2"]["n"] == 2, "a variant's delivered copy, model or fallback"
    assert result["paired"]["shoppers"] == 2, f"both shoppers pair up across variants: {result['paired']}"


@pytest.mark.parametrize(
    ("given", "folder", "error"),
    [
        ({"gold": "dev.jsonl", "users": "u.jsonl", "campaign": ["c.json"]}, "v1", "not both"),
        ({"gold": "dev.jsonl", "users": None, "campaign": ["c.json"]}, "v1", "not both"),
        ({"gold": None, "users": "u.jsonl", "campaign": None}, "v1", "with --campaign"),
        ({"gold": None, "users": None, "campaign": None}, "v1", "give --gold"),
        ({"gold": "dev.jsonl", "users": None, "campaign": None}, "template", "rename the deliveries folder"),
        ({"gold": "dev.jsonl", "users": None, "campaign": None}, "x_model", "would read as another source"),
        ({"gold": "dev.jsonl", "users": None, "campaign": None}, "a/shipped b/shipped", "named 'shipped'"),
    ],
)
def test_panel_sheet_refuses_unclear_sources(tmp_path, given, folder, error):
    import argparse

    from eval.panel import sheet

    folders = [str(tmp_path / f) for f in folder.split()]
    args = argparse.Namespace(
        deliveries=folders, per_campaign=1, seed=0, out=tmp_path, differing=False, **given
    )
    with pytest.raises(SystemExit, match=error):
        sheet(args)


def test_specs_in_collects_the_spec_ids_earlier_rounds_generated_for(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"user_id": "s1"}\n{"user_id": "s2"}\n\n', encoding="utf-8")
    second.write_text('{"user_id": "s2"}\n{"user_id": "s9"}\n', encoding="utf-8")
    assert specs_in([first, second]) == {"s1", "s2", "s9"}, "every round's specs are left out, blanks skipped"
    assert specs_in([]) == set(), "no earlier round leaves nothing out"


def test_train_specs_refuse_any_spec_of_a_held_out_shop(tmp_path):
    campaign = {"campaign_id": "w900", "brand": "Stitch Lab", "channel": "push",
                "offer": {"kind": "percent_off", "value": 20, "code": "SEW20"}}  # fmt: skip
    spec = {"spec_id": "w900-u00", "campaign": campaign, "history": [{"type": "view", "text": "thread"}],
            "best": "20% off with SEW20.", "alt": "Sew more: 20% off with SEW20.", "bad": []}  # fmt: skip
    (tmp_path / "train.jsonl").write_text(json.dumps({**spec, "spec_id": "g000-u00", "campaign": {
        **campaign, "campaign_id": "g000", "brand": "Stride"}}) + "\n")  # fmt: skip
    (tmp_path / "extra.jsonl").write_text(json.dumps(spec) + "\n")
    assert [s["spec_id"] for s in train_specs(tmp_path, "train", [])] == ["g000-u00"], "copy_gold alone reads"
    with pytest.raises(
        ValueError, match=r"1 specs of held-out shops \(e\.g\. w900-u00\): never train on them"
    ):
        train_specs(tmp_path, "train", [str(tmp_path / "extra.jsonl")])


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"id": "c0009", "send": 4, "relevance": 3}', r"id 'c0009' is not on the sheet \(line 2\)$"),
        ('{"id": ["c0002"], "send": 4, "relevance": 3}', r"id \['c0002'\] is not on the sheet \(line 2\)$"),
        ('{"id": "c0001", "send": 4, "relevance": 3}', r"id 'c0001' is rated twice in this file \(line 2\)$"),
        ('{"id": "c0002", "send": "4", "relevance": 3}', r"ratings.jsonl: `send` .* '4' \(line 2\)$"),
        ('{"id": "c0002", "send": 4.5, "relevance": 3}', r"`send` must be a whole number 1-5, got 4.5"),
        ('{"id": "c0002", "send": 6, "relevance": 3}', r"`send` must be a whole number 1-5, got 6"),
        ('{"id": "c0002", "send": 4}', r"`relevance` must be a whole number 1-5, got None"),
        ('{"id": "c0002", "send": 4, "relevance": 3, "flags": "generic"}', r"`flags` must be a list of"),
        ('{"id": "c0002", "send": 4, "relevance": 3, "flags": ["gneric"]}', r"got \['gneric'\] \(line 2\)$"),
        ('{"id": "c0002", "send": 4,}', r"ratings.jsonl: broken JSON: .* \(line 2\)"),
        ("[1, 2]", r"each line must be a JSON object \(a rating\) \(line 2\)"),
    ],
)
def test_a_bad_rating_is_an_error_naming_file_and_line(line, error, tmp_path):
    from promogen.train.gold import read_ratings
    from promogen.types import ValidationError

    path = tmp_path / "ratings.jsonl"
    path.write_text('{"id": "c0001", "send": 5, "relevance": 4, "flags": []}\n' + line + "\n")
    key = {"c0001": {"spec_id": "s1", "copy": "a"}, "c0002": {"spec_id": "s1", "copy": "b"}}
    with pytest.raises(ValidationError, match=error):
        read_ratings([path], key)


def test_good_ratings_are_read_in_order_across_files(tmp_path):
    from promogen.train.gold import read_ratings

    first, second = tmp_path / "r1.jsonl", tmp_path / "r2.jsonl"
    first.write_text('{"id": "c0001", "send": 5, "relevance": 4, "flags": ["generic"]}\n\n')
    second.write_text('{"id": "c0001", "send": 2, "relevance": 1}\n')
    ratings = read_ratings([first, second], {"c0001": {}})
    assert [r["send"] for r in ratings] == [5, 2], f"both raters' scores, blank lines skipped: {ratings}"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"spec_id": "g1-u0",', r"train.jsonl: broken JSON: .* \(line 1\)"),
        ('{"spec_id": "g1-u0", "campaign": {}}', r"train.jsonl: `history` is missing \(line 1\)"),
        ("null", r"train.jsonl: each line must be a JSON object \(a spec\) \(line 1\)"),
        (
            '{"spec_id": "g1-u0", "campaign": {}, "history": [], "best": "a", "alt": "b", '
            '"bad": [{"text": "c", "defect": "too_cheerful"}]}',
            r"train.jsonl: `bad\[0\]` needs a text and a known defect \(line 1\)",
        ),
        (
            '{"spec_id": "g1-u0", "campaign": {}, "history": [{"type": "stare", "text": "x"}], '
            '"best": "a", "alt": "b", "bad": []}',
            r"train.jsonl: `events\[0\].type` must be one of view, .* got 'stare' \(line 1\)",
        ),
    ],
)
def test_a_bad_spec_line_is_an_error_naming_file_and_line(line, error, tmp_path):
    from promogen.train.gold import read_specs
    from promogen.types import ValidationError

    (tmp_path / "train.jsonl").write_text(line + "\n")
    with pytest.raises(ValidationError, match=error):
        read_specs(tmp_path / "train.jsonl")
