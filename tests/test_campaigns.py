"""Written reference copy: the seeded campaigns for other shops, the check of a writer's rows, collection."""

import collections
import importlib.util
import json
import re
from pathlib import Path

import pytest

from promogen.train.campaigns import (
    HELD_OUT_SHOPS,
    MORE_SHOPS,
    SHOPS,
    as_spec,
    brief_problems,
    sample_campaigns,
    spec_problems,
    writer_campaigns,
)
from promogen.train.gold import read_specs
from promogen.types import Campaign

spec = importlib.util.spec_from_file_location(
    "write_campaigns", Path(__file__).parents[1] / "finetune" / "write_campaigns.py"
)
write_campaigns = importlib.util.module_from_spec(spec)
spec.loader.exec_module(write_campaigns)

COPY_GOLD_BRANDS = {
    "Bean Street Coffee", "Copper Kettle Home", "Greenrow Garden", "Inkwell Office", "Little Sprouts",
    "Lumen Skin", "Maple & Thread", "Pawsome Pets", "Pulse Athletics", "Trailhead Outfitters", "Voltbox",
    "Wayfare Luggage",
}  # fmt: skip


def test_campaigns_are_seeded_valid_and_mixed_like_copy_gold():
    campaigns = sample_campaigns(0)
    assert campaigns == sample_campaigns(0), "the same seed must give the same campaigns"
    assert campaigns != sample_campaigns(1), "another seed must give other offers"
    assert len(campaigns) == 2 * len(SHOPS), "two campaigns a shop by default"
    for c in campaigns:
        Campaign.from_dict({k: v for k, v in c.items() if k != "about"})  # raises on a broken campaign
    kinds = collections.Counter(c["offer"]["kind"] for c in campaigns)
    assert kinds == {"percent_off": 20, "free_shipping": 10, "amount_off": 9, "bogo": 5, "gift": 4}, kinds
    channels = collections.Counter(c["channel"] for c in campaigns)
    assert set(channels.values()) == {12}, f"channels must be balanced: {channels}"
    per_shop = collections.defaultdict(set)
    for c in campaigns:
        per_shop[c["brand"]].add(c["channel"])
    assert all(len(v) == 2 for v in per_shop.values()), "a shop's two campaigns must use two channels"
    assert not COPY_GOLD_BRANDS & set(per_shop), "the shops must be other than copy_gold's"
    assert set(HELD_OUT_SHOPS) <= set(per_shop), "every held-out shop must have campaigns"


def test_a_later_batch_has_its_own_ids_and_the_kinds_asked_for():
    kinds = ("gift",) * 8 + ("bogo",) * 16
    batch = sample_campaigns(1, kinds)
    assert [c["campaign_id"] for c in batch] == [f"w{n}" for n in range(100, 124)], "batch 1 is w100-w123"
    assert collections.Counter(c["offer"]["kind"] for c in batch) == {"gift": 8, "bogo": 16}, "kinds as asked"
    gifts = [c["offer"] for c in batch if c["offer"]["kind"] == "gift"]
    assert 0 < sum("min_spend" in g for g in gifts) < len(gifts), f"some gifts without a minimum: {gifts}"
    assert not COPY_GOLD_BRANDS & {c["brand"] for c in batch}, "the shops stay other than copy_gold's"


@pytest.mark.parametrize(
    ("kinds", "error", "pattern"),
    [
        (("gift",) * 101, ValueError, r"kinds: 1 to 100 campaigns a batch \(ids are w200-w299\), not 101"),
        ((), ValueError, r"not 0"),
    ],
)
def test_batches_that_would_overflow_their_ids_are_refused(kinds, error, pattern):
    with pytest.raises(error, match=pattern):
        sample_campaigns(2, kinds)


@pytest.mark.parametrize(("text", "kinds"), [("gift=2,bogo=1", ("gift", "gift", "bogo")), ("", None)])
def test_kinds_are_read_as_kind_counts(text, kinds):
    assert write_campaigns.parse_kinds(text) == kinds, f"{text!r}"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("gifts=2", r"'gifts=2': write KIND=COUNT \(COUNT >= 1\), KIND one of"),
        ("gift=two", r"write KIND=COUNT"),
        ("gift", r"write KIND=COUNT"),
        ("gift=-1", r"write KIND=COUNT"),
        ("gift=0", r"'gift=0': write KIND=COUNT \(COUNT >= 1\)"),
        ("gift=60,bogo=41", r"101 campaigns: a batch holds at most 100"),
    ],
)
def test_bad_kinds_name_the_part_and_the_form(text, pattern):
    with pytest.raises(write_campaigns.argparse.ArgumentTypeError, match=pattern):
        write_campaigns.parse_kinds(text)


def test_shops_are_read_by_name_or_as_the_held_out_ones():
    held = write_campaigns.parse_shops("held-out")
    assert [s[0] for s in held] == list(HELD_OUT_SHOPS), "held-out names the held-out shops"
    two = write_campaigns.parse_shops("Stitch Lab, Northpeak Cycles")
    assert [s[0] for s in two] == ["Stitch Lab", "Northpeak Cycles"], "names in the order given"
    assert write_campaigns.parse_shops("") == SHOPS, "empty: every shop"
    assert write_campaigns.parse_shops("more") == MORE_SHOPS, "more: batch 3's shops"
    one = write_campaigns.parse_shops("Sockwise")
    assert [s[0] for s in one] == ["Sockwise"], "a shop of MORE_SHOPS by name"


def test_batch_3s_shops_are_new_and_leave_earlier_batches_as_drawn():
    names = [s[0] for s in MORE_SHOPS]
    assert len(set(names)) == len(names) == 20, f"20 shops, each once: {names}"
    assert not set(names) & ({s[0] for s in SHOPS} | COPY_GOLD_BRANDS), "none an earlier shop or copy_gold's"
    assert all(len(lines) == 3 for _, _, lines in MORE_SHOPS), "three product lines a shop, as SHOPS has"


@pytest.mark.parametrize(
    ("folder", "kinds", "shops"),
    [  # the commands in docs/copywriter.md (batch 0 was drawn by an older drawer: commit 72de4b8)
        ("batch1", "gift=8,percent_off=6,free_shipping=4,amount_off=4,bogo=2", SHOPS),
        ("batch3", "percent_off=14,free_shipping=8,amount_off=8,bogo=5,gift=5", MORE_SHOPS),
    ],
)
def test_each_committed_batch_is_its_seeds_draw(folder, kinds, shops):
    folder = Path(__file__).parents[1] / "finetune" / "data" / "written" / folder
    drawn = json.loads((folder / "config.json").read_text())["sheets"]
    specs = read_specs(folder / "train.jsonl")
    if (folder / "heldout.jsonl").is_file():
        specs += read_specs(folder / "heldout.jsonl")
    written = {s["campaign"]["campaign_id"]: s["campaign"] for s in specs}
    again = sample_campaigns(drawn["seed"], write_campaigns.parse_kinds(kinds), shops)
    assert written == {c["campaign_id"]: {k: v for k, v in c.items() if k != "about"} for c in again}, (
        f"{folder.name}: the campaigns written for are seed {drawn['seed']}'s draw"
    )


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("Nowhere Shop", r"unknown shop\(s\) Nowhere Shop: see"), ("Stitch Lab,Stitch Lab", r"named twice")],
)
def test_bad_shops_are_named(text, pattern):
    with pytest.raises(write_campaigns.argparse.ArgumentTypeError, match=pattern):
        write_campaigns.parse_shops(text)


def test_sheets_record_how_the_batch_was_drawn_and_collect_keeps_it(tmp_path, monkeypatch):
    argv = ["sheets", "--seed", "3", "--out", str(tmp_path), "--writers", "2", "--shops", "held-out"]
    monkeypatch.setattr("sys.argv", ["write_campaigns.py", *argv, "--kinds", "gift=3,bogo=1"])
    write_campaigns.main()
    drawn = json.loads((tmp_path / "sheets.json").read_text())
    wanted = {"seed": 3, "writers": 2, "shops": list(HELD_OUT_SHOPS), "kinds": {"gift": 3, "bogo": 1}}
    assert drawn == wanted, drawn
    ids = [json.loads(line)["campaign_id"] for line in (tmp_path / "writer0" / "campaigns.jsonl").open()]
    assert ids == ["w300", "w302"], f"batch 3's ids, dealt in turn: {ids}"
    monkeypatch.setattr("sys.argv", ["write_campaigns.py", "collect", "--out", str(tmp_path)])
    write_campaigns.main()
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["sheets"] == drawn, "the collected specs keep how their campaigns were drawn"


def test_check_without_specs_says_what_to_write(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.argv", ["write_campaigns.py", "check", "--sheet", str(tmp_path)])
    with pytest.raises(SystemExit, match=r"no specs.jsonl yet \(write it as finetune/WRITER_BRIEF.md says\)"):
        write_campaigns.main()


def test_each_writer_gets_several_shops_and_no_campaign_twice():
    campaigns = sample_campaigns(0)
    sheets = writer_campaigns(campaigns, 8)
    dealt = [c["campaign_id"] for sheet in sheets for c in sheet]
    assert sorted(dealt) == sorted(c["campaign_id"] for c in campaigns), "every campaign dealt exactly once"
    assert all(len({c["brand"] for c in sheet}) >= 3 for sheet in sheets), "each writer gets several shops"


CAMPAIGN = {
    "campaign_id": "w900",
    "brand": "Northpeak Cycles",
    "offer": {"kind": "percent_off", "value": 20, "applies_to": "helmets", "code": "RIDE20"},
    "channel": "push",
    "about": "bikes",
}
GOOD = {
    "campaign_id": "w900",
    "shopper": 3,
    "history": [{"type": "view", "text": "road bike"}, {"type": "cart", "text": "bike lights"}],
    "best": "Safer rides ahead: 20% off helmets with RIDE20.",
    "alt": "Northpeak Cycles: new bike, new lid? 20% off helmets with code RIDE20.",
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"campaign_id": "w999"}, r"unknown campaign_id 'w999'"),
        ({"history": []}, r"`history` must be a list of 2-6 events"),
        ({"history": [{"type": "view", "text": "x"}]}, r"`history` must be a list of 2-6 events"),
        (
            {"history": [{"type": "like", "text": "x"}] * 2},
            r"needs `type` \(one of view, search, cart, purchase\)",
        ),
        ({"best": ""}, r"`best` is missing"),
        ({"alt": "20% off everything with RIDE20."}, r"^alt: scope: "),
        ({"best": "20% off helmets."}, r"^best: code: "),
        # the prompt says nothing of the cart, so written copy never claims one, even with a cart event
        (
            {"best": "Your lights are still in your cart: 20% off helmets with RIDE20."},
            r"^best: invented_claim: ",
        ),
    ],
)
def test_written_rows_with_faults_are_named(change, problem):
    found = spec_problems({**GOOD, **change}, {"w900": CAMPAIGN})
    assert any(re.search(problem, p) for p in found), f"expected {problem!r} in {found}"


def test_email_subjects_are_held_to_the_briefs_length_not_only_the_gates():
    subject = {**CAMPAIGN, "channel": "email_subject"}
    long = "Northpeak Cycles: safer rides start with a better helmet: 20% off helmets with RIDE20"  # 85 chars
    found = spec_problems({**GOOD, "best": long}, {"w900": subject})
    assert found == [f"best: email subjects are at most 75 characters, not 85: {long}"], found
    assert spec_problems(GOOD, {"w900": subject}) == [], "a short subject passes"


def test_a_sound_row_passes_and_becomes_a_copy_gold_spec(tmp_path):
    assert spec_problems(GOOD, {"w900": CAMPAIGN}) == [], "a sound row must have no problems"
    row = as_spec(GOOD, CAMPAIGN)
    assert row["spec_id"] == "w900-u03" and row["bad"] == [], row
    assert "about" not in row["campaign"], "the writers' note on the shop is not part of the campaign"
    path = tmp_path / "specs.jsonl"
    path.write_text(json.dumps(row) + "\n")
    assert read_specs(path)[0] == row, "the spec must read back through copy_gold's reader"


def test_collect_splits_held_out_shops_and_drops_broken_rows(tmp_path, monkeypatch, capsys):
    campaigns = sample_campaigns(0)
    held = next(c for c in campaigns if c["brand"] in HELD_OUT_SHOPS)
    kept = next(c for c in campaigns if c["brand"] not in HELD_OUT_SHOPS)
    rows = [
        {
            "campaign_id": c["campaign_id"],
            "shopper": 0,
            "history": [{"type": "view", "text": "gift"}] * 2,
            "best": "anything",
            "alt": "anything",
        }
        for c in (held, kept)
    ] + [{"campaign_id": kept["campaign_id"], "shopper": 1, "history": "not a list", "best": "a", "alt": "b"}]
    (tmp_path / "writer0").mkdir()
    (tmp_path / "writer0" / "campaigns.jsonl").write_text("".join(json.dumps(c) + "\n" for c in (held, kept)))
    (tmp_path / "writer0" / "specs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr("sys.argv", ["write_campaigns.py", "collect", "--out", str(tmp_path)])
    write_campaigns.main()
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts == {"train": 1, "heldout": 1, "dropped_rows": 1}, counts
    heldout = read_specs(tmp_path / "heldout.jsonl")
    assert [s["campaign"]["brand"] for s in heldout] == [held["brand"]], "held-out shops go to heldout.jsonl"
    train = read_specs(tmp_path / "train.jsonl")
    assert train[0]["best"] == "anything", "messages the gate rejects are kept for build_gold to drop"


SMS = {
    "campaign_id": "w900",
    "brand": "Sockwise",
    "channel": "sms",
    "offer": {"kind": "free_shipping", "code": "SOX"},
}


@pytest.mark.parametrize(
    ("messages", "pattern"),
    [
        (
            ["Warm toes ahead: free shipping with SOX", "Sockwise: cosy nights in"],
            r"line 1: best: an SMS must name its sender, Sockwise; this one does not",
        ),
        (
            ["Sockwise: Ready to relax? Free shipping with SOX", "Sockwise: cosy nights"],
            r"a stock opener \('ready to relax\?'\)",
        ),
        (
            ["Sockwise: cosy toes for winter", "Cosy toes for everyone at Sockwise"],
            r"line 1: alt: opens with 'cosy toes for', as line 1: best does",
        ),
    ],
)
def test_brief_problems_name_what_the_gate_does_not_check(messages, pattern):
    rows = [{"campaign_id": "w900", "best": messages[0], "alt": messages[1]}]
    found = brief_problems(rows, {"w900": SMS})
    assert len(found) == 1 and re.search(pattern, found[0]), f"one problem, named: {found}"


def test_a_brand_prefix_is_not_a_shared_opening():
    rows = [{"campaign_id": "w900", "best": "Sockwise: cosy toes for you", "alt": "Sockwise: warm feet, SOX"}]
    assert brief_problems(rows, {"w900": SMS}) == [], "the sender's name in front is not the message's frame"
