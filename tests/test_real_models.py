"""End to end on the real default models (SmolLM2-135M-Instruct, all-MiniLM-L6-v2). Slow; runs in CI."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from promogen import check_copy
from promogen.cli import cli
from promogen.demo import write_users
from promogen.simulate import demo_campaign, simulate_users

pytestmark = pytest.mark.slow
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("name", ["run20", "ten_off"])
def test_every_delivered_copy_passes_every_hard_check(real_pg, name):
    campaign = demo_campaign(name)
    results = real_pg.generate(campaign, simulate_users(4, seed=5), n_candidates=4, seed=0)
    for r in results:
        assert check_copy(r.text, campaign) == [], f"delivered copy breaks a rule: {r.text!r}"
        assert campaign.offer.code in r.text, f"code {campaign.offer.code} missing: {r.text!r}"
        assert len(r.text) <= campaign.limit, f"over the {campaign.limit}-char limit: {r.text!r}"
        for i, cand in enumerate(r.candidates):
            if r.chosen != i:
                continue
            assert cand.compliant and cand.text == r.text, "the chosen candidate is the delivered one"


def test_batch_command_writes_one_line_per_user_with_the_contract(tmp_path):
    users = write_users(tmp_path / "users.jsonl", 5, seed=3)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        cli, ["batch", "--campaign", "run20", "--users", str(users), "--out", str(out), "--n-candidates", "2"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["user_id"] for r in rows] == [u.user_id for u in simulate_users(5, seed=3)], "one line per user"
    for r in rows:
        assert {"text", "chosen_by", "candidates", "chosen", "propensity", "model", "seed"} <= set(r), (
            r.keys()
        )


def test_readme_python_example_runs():
    code = re.search(r"## Python API\n+```python\n(.*?)```", README.read_text(), re.S)
    assert code, "README must hold a ```python block under '## Python API'"
    lines = [x for x in code.group(1).strip().splitlines() if x.strip()]
    assert len(lines) <= 6, f"the README example should be about five lines, has {len(lines)}"
    namespace: dict = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # noqa: S102 - the README is ours
    assert namespace.get("results"), "the example must leave its deliveries in `results`"
