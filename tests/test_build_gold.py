"""finetune/build_gold.py's hold-out: which train campaigns a comparison keeps out of training."""

import importlib.util
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
    ],
)
def test_bad_hold_out_is_refused_before_any_work(argv, error, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["build_gold.py", *argv])
    with pytest.raises(SystemExit):
        build_gold.main()
    assert re.search(error, capsys.readouterr().err), "the error must name the problem"
