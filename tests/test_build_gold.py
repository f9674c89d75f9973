"""finetune/build_gold.py's hold-out: which train campaigns a comparison keeps out of training."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "build_gold", Path(__file__).parents[1] / "finetune" / "build_gold.py"
)
build_gold = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_gold)


def _specs(campaigns: int, shoppers: int) -> list[dict]:
    return [
        {"spec_id": f"g{c:03d}-u{u}", "campaign": {"campaign_id": f"g{c:03d}"}}
        for c in reversed(range(campaigns))  # unsorted input: the pick follows sorted ids
        for u in range(shoppers)
    ]


@pytest.mark.parametrize(
    ("campaigns", "every", "held"),
    [
        (12, 6, ["g005", "g011"]),
        (12, 4, ["g003", "g007", "g011"]),
        (5, 6, []),
        (3, 1, ["g000", "g001", "g002"]),
    ],
)
def test_hold_out_keeps_every_nth_sorted_campaign_out(tmp_path, campaigns, every, held):
    trained = build_gold.hold_out(_specs(campaigns, 3), every, tmp_path)
    held_ids = (tmp_path / "held_out.txt").read_text().split()
    assert sorted({i.split("-")[0] for i in held_ids}) == held, held_ids
    assert len(held_ids) == 3 * len(held), "every shopper of a held-out campaign is listed"
    trained_campaigns = {s["campaign"]["campaign_id"] for s in trained}
    assert not trained_campaigns & set(held), "a held-out campaign was trained on"
    listed = (tmp_path / "trained.txt").read_text().split()
    assert listed == [s["spec_id"] for s in trained], "trained.txt must list exactly the trained specs"
    assert len(trained) + len(held_ids) == 3 * campaigns, "no spec lost"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--hold-out-every", "-1"], "must be 0 .none. or a positive N"),
        (["--hold-out-every", "x"], "invalid int"),
        (["--split", "dev"], "dev is the reported split"),
    ],
)
def test_bad_hold_out_is_refused_before_any_work(argv, error, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["build_gold.py", *argv])
    with pytest.raises(SystemExit):
        build_gold.main()
    assert re.search(error, capsys.readouterr().err), "the error must name the problem"


class _Encoder:
    """A fake interest encoder: a zero vector and the history's first text as the phrase."""

    def encode_users(self, users):
        return [[0.0] * 4 for _ in users], [[u.events[0].text] for u in users]


def _spec(spec_id: str, best: str) -> dict:
    campaign = {"campaign_id": spec_id[:4], "brand": "Stride", "channel": "push",
                "offer": {"kind": "percent_off", "value": 20, "code": "RUN20"}}  # fmt: skip
    return {"spec_id": spec_id, "campaign": campaign, "history": [{"type": "view", "text": "shoes"}],
            "best": best, "alt": "Long runs ahead: 20% off your order with RUN20.", "bad": []}  # fmt: skip


def _with_extra(tmp_path, monkeypatch, extra_spec: dict) -> None:
    """copy_gold with one train spec, `extra_spec` in an --extra file, and build_gold's argv for both."""
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "train.jsonl").write_text(
        json.dumps(_spec("g000-u00", "20% off with RUN20.")) + "\n"
    )
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps(extra_spec) + "\n")
    monkeypatch.setattr(build_gold.InterestEncoder, "load", classmethod(lambda cls: _Encoder()))
    argv = ["--data", str(tmp_path / "gold"), "--out", str(tmp_path / "out"), "--extra", str(extra)]
    monkeypatch.setattr("sys.argv", ["build_gold.py", *argv])


def test_extra_specs_are_added_and_their_rejected_messages_dropped(tmp_path, monkeypatch, capsys):
    _with_extra(tmp_path, monkeypatch, _spec("w000-u00", "30% off everything with RUN20."))
    build_gold.main()
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["specs"] == 2 and counts["dropped_by_gate"] == 1, (
        f"one spec each; the wrong value dropped: {counts}"
    )
    rows = [json.loads(line) for line in (tmp_path / "out" / "sft.jsonl").read_text().splitlines()]
    assert {r["user_id"] for r in rows} == {"g000-u00", "w000-u00"}, "both files' specs must be trained on"
    assert not any("30% off" in r["target"] for r in rows), "a message the gate rejects is never a target"


def test_extra_specs_of_held_out_shops_are_refused(tmp_path, monkeypatch, capsys):
    held = _spec("w020-u00", "20% off with RUN20.")
    _with_extra(tmp_path, monkeypatch, {**held, "campaign": {**held["campaign"], "brand": "Stitch Lab"}})
    with pytest.raises(SystemExit):
        build_gold.main()
    assert "held-out shops (e.g. w020-u00)" in capsys.readouterr().err, "the refusal names a held-out spec"
    assert not (tmp_path / "out" / "sft.jsonl").exists(), "nothing is written before the refusal"


def test_cart_claims_are_never_targets_even_for_a_shopper_with_a_cart(tmp_path, monkeypatch, capsys):
    carted = _spec("w000-u00", "Your shoes are still in your cart: 20% off your order with RUN20.")
    carted["history"] = [{"type": "cart", "text": "shoes"}, {"type": "view", "text": "socks"}]
    _with_extra(tmp_path, monkeypatch, carted)
    build_gold.main()
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["dropped_by_gate"] == 1, f"the cart claim must be dropped: {counts}"
    rows = [json.loads(line) for line in (tmp_path / "out" / "sft.jsonl").read_text().splitlines()]
    assert not any("cart" in r["target"] for r in rows), "the prompt has no cart: no target may claim one"
    assert any(r["user_id"] == "w000-u00" for r in rows), "the spec's other message is still a target"
