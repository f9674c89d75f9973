"""promogen serve: the REST contracts, errors naming the field, auth, limits, micro-batching and jobs."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from conftest import canned_pg
from fastapi.testclient import TestClient

from promogen import UserHistory, check_copy
from promogen.microbatch import MicroBatcher
from promogen.server import ServeConfig, create_app
from promogen.simulate import demo_campaign, simulate_users

CAMPAIGN = demo_campaign("run20").to_dict()
COMPLIANT = "Stride Sports: 20% off running gear with code RUN20."


def users(n: int, seed: int = 0) -> list[dict]:
    return [u.to_dict() for u in simulate_users(n, seed=seed)]


def users_jsonl(n: int, bad_line: int | None = None) -> bytes:
    lines = [json.dumps(u) for u in users(n)]
    if bad_line is not None:
        lines.insert(bad_line - 1, '{"user_id": "broken", "events": []}')
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def make_client(encoder, tmp_path):
    def make(token: str | None = "", texts=None, **config):
        pg = canned_pg(encoder) if texts is None else canned_pg(encoder, texts)
        app = create_app(pg, ServeConfig(data_dir=str(tmp_path / "data"), **config), token=token)
        return TestClient(app), pg

    return make


def test_generate_returns_the_delivery_contract_in_user_order(make_client):
    client, _ = make_client()
    sent = users(3)
    response = client.post("/v1/generate", json={"campaign": CAMPAIGN, "users": sent, "seed": 1})
    assert response.status_code == 200, response.text
    deliveries = response.json()["deliveries"]
    assert [d["user_id"] for d in deliveries] == [u["user_id"] for u in sent], "one per user, in order"
    campaign = demo_campaign("run20")
    for d in deliveries:
        assert d["chosen_by"] == "model" and len(d["candidates"]) == 3, d
        assert check_copy(d["text"], campaign, d["interests"]) == [], f"delivered copy must pass: {d['text']}"
        assert {"approval", "predicted_ctr", "relevance"} <= set(d["candidates"][d["chosen"]]["scores"])
    assert client.get("/healthz").json()["status"] == "ok"


def bad(path: str, value):
    """CAMPAIGN with `value` at the dotted `path` (None deletes the key)."""
    campaign = json.loads(json.dumps(CAMPAIGN))
    *parents, last = path.split(".")
    node = campaign
    for key in parents:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return {"campaign": campaign, "users": users(1)}


def broken_event() -> dict:
    sent = users(2)
    sent[1]["events"][0]["type"] = "teleport"
    return {"campaign": CAMPAIGN, "users": sent}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"users": users(1)}, "campaign", r"`request.campaign` is missing"),
        (bad("brand", None), "campaign.brand", r"`campaign.brand` is missing"),
        (bad("brand", " "), "campaign.brand", r"`brand` must not be empty"),
        (bad("offer.kind", "free_lunch"), "campaign.offer.kind", r"must be one of percent_off"),
        (bad("offer.value", 120), "campaign.offer.value", r"must be in \(0, 100\)"),
        (bad("channel", "fax"), "campaign.channel", r"must be one of push"),
        (broken_event(), "users[1].events[0].type", r"must be one of view"),
        ({"campaign": CAMPAIGN, "users": "u1"}, "users", r"`users` must be a list"),
        ({"campaign": CAMPAIGN, "users": []}, "users", r"at least one user"),
        ({"campaign": CAMPAIGN, "users": users(5)}, "users", r"holds 5 users; at most 4 per request"),
        ({"campaign": CAMPAIGN, "users": users(1) * 2}, "users[1].user_id", r"is repeated"),
        ({"campaign": CAMPAIGN, "users": users(1), "n_candidates": 0}, "n_candidates", r"in \[1, 64\]"),
        ({"campaign": CAMPAIGN, "users": users(1), "seed": "x"}, "seed", r"must be an integer"),
        ({"campaign": CAMPAIGN, "users": users(1), "model": "big"}, "request", r"unknown field"),
    ],
)
def test_bad_generate_requests_get_422_naming_the_field(make_client, body, field, message):
    client, pg = make_client(max_users=4)
    response = client.post("/v1/generate", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["field"] == field, f"422 must name the field {field}: {detail}"
    assert re.search(message, detail["msg"]), detail["msg"]
    assert pg.generator.calls == [], "a bad request never reaches the model"


def test_broken_json_gets_422(make_client):
    client, _ = make_client()
    response = client.post(
        "/v1/generate", content=b'{"campaign": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and "json" in response.text.lower(), response.text


def test_request_size_limit_declared_and_streamed(make_client):
    client, _ = make_client(max_body_bytes=2000)
    big = {"campaign": CAMPAIGN, "users": users(40)}
    declared = client.post("/v1/generate", json=big)
    assert declared.status_code == 413 and "limit of 2000 bytes" in declared.text, declared.text
    payload = json.dumps(big).encode()
    chunks = (payload[i : i + 500] for i in range(0, len(payload), 500))  # no content-length: chunked
    streamed = client.post("/v1/generate", content=chunks, headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and "limit of 2000 bytes" in streamed.text, streamed.text


def test_check_is_the_one_gate(make_client):
    client, _ = make_client()
    campaign = demo_campaign("run20")
    for text in (COMPLIANT, "Guaranteed: 50% off everything with SAVE50!"):
        verdict = client.post("/v1/check", json={"campaign": CAMPAIGN, "text": text}).json()
        expected = [v.to_dict() for v in check_copy(text, campaign)]
        assert verdict["violations"] == expected and verdict["compliant"] == (not expected), verdict
        assert verdict["chars"] == len(text) and verdict["limit"] == 150, verdict
    missing = client.post("/v1/check", json={"campaign": CAMPAIGN})
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "text"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 401), ({"Authorization": "Bearer s3cret"}, 200)],
)
def test_token_guards_every_non_get_request(make_client, headers, status):
    client, _ = make_client(token="s3cret")
    body = {"campaign": CAMPAIGN, "text": COMPLIANT}
    response = client.post("/v1/check", json=body, headers=headers)
    assert response.status_code == status, f"{headers}: {response.text}"
    if status == 401:
        assert "PROMOGEN_API_TOKEN" in response.json()["detail"]
    assert client.get("/healthz").status_code == 200, "reads need no token"
    assert client.get("/").status_code == 200, "the page loads without a token (it asks for one)"


def test_token_comes_from_the_environment(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("PROMOGEN_API_TOKEN", "from-env")
    client = TestClient(create_app(canned_pg(encoder), ServeConfig(data_dir=str(tmp_path))))
    body = {"campaign": CAMPAIGN, "text": COMPLIANT}
    assert client.post("/v1/check", json=body).status_code == 401
    ok = client.post("/v1/check", json=body, headers={"Authorization": "Bearer from-env"})
    assert ok.status_code == 200, ok.text


def busy_batcher(encoder):
    """A micro-batcher whose copywriter is held inside its first request (release: pg.generator.hold)."""
    pg = canned_pg(encoder)
    batcher = MicroBatcher(pg, max_users=64, wait_s=0.05)
    campaign = demo_campaign("run20")
    pg.generator.hold = threading.Event()
    first = batcher.submit(campaign, simulate_users(1, seed=9))
    assert pg.generator.started.wait(10), "the worker should pick up the first request"
    return pg, batcher, campaign, first


def test_concurrent_requests_share_one_batched_generate(encoder):
    pg, batcher, campaign, first = busy_batcher(encoder)
    # While the model is busy with the first request, two more arrive ...
    a, b = simulate_users(2, seed=1), simulate_users(3, seed=2)
    futures = [batcher.submit(campaign, a, seed=0), batcher.submit(campaign, b, seed=0)]
    pg.generator.hold.set()
    results = [f.result(timeout=30) for f in futures]
    first.result(timeout=30)
    # ... and run as one generate call of 5 users (the first request ran alone).
    assert pg.generator.calls == [1, 5], f"expected one batched call for both requests: {pg.generator.calls}"
    assert [[d.user_id for d in r] for r in results] == [
        [u.user_id for u in a],
        [u.user_id for u in b],
    ], "each caller gets its own deliveries back, in order"
    alone = pg.generate(campaign, b, seed=0)
    assert [d.text for d in results[1]] == [d.text for d in alone], (
        "`variety` compares a request's copy with its own earlier shoppers only, as if it ran alone"
    )
    batcher.close()


def test_a_failing_request_fails_alone_and_a_closed_batcher_refuses_more(encoder):
    pg, batcher, campaign, first = busy_batcher(encoder)
    canned = pg.generator.rule

    def rule(prompt, k):
        if "boom" in prompt.lower():
            raise RuntimeError("this shopper's prompt breaks the copywriter")
        return canned(prompt, k)

    pg.generator.rule = rule
    bad = UserHistory.from_dict({"user_id": "b", "events": [{"type": "view", "text": "boom box"}]})
    good, broken = batcher.submit(campaign, simulate_users(2, seed=1)), batcher.submit(campaign, [bad])
    pg.generator.hold.set()
    first.result(timeout=30)
    assert len(good.result(timeout=30)) == 2, "merged with a failing request, the other is still answered"
    with pytest.raises(RuntimeError, match="breaks the copywriter"):
        broken.result(timeout=30)
    assert pg.generator.calls[1] == 3, f"the two ran merged first: {pg.generator.calls}"
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit(campaign, simulate_users(1))


def test_solo_requests_and_other_campaigns_are_not_merged(encoder):
    pg = canned_pg(encoder)
    batcher = MicroBatcher(pg, max_users=64, wait_s=0.05)
    pg.generator.hold = threading.Event()
    blocker = batcher.submit(demo_campaign("run20"), simulate_users(1))
    assert pg.generator.started.wait(10)
    futures = [
        batcher.submit(demo_campaign("run20"), simulate_users(2), solo=True),
        batcher.submit(demo_campaign("run20"), simulate_users(2), solo=True),
        batcher.submit(demo_campaign("shipfree"), simulate_users(2)),
    ]
    pg.generator.hold.set()
    for f in [blocker, *futures]:
        f.result(timeout=30)
    assert pg.generator.calls == [1, 2, 2, 2], (
        f"solo and other-campaign requests run apart: {pg.generator.calls}"
    )
    batcher.close()


def test_concurrent_http_requests_are_batched_and_all_answered(make_client):
    client, pg = make_client()
    pg.generator.hold = threading.Event()
    answers: dict[int, list[str]] = {}

    def call(i: int) -> None:
        body = {"campaign": CAMPAIGN, "users": users(2, seed=i)}
        answers[i] = [d["user_id"] for d in client.post("/v1/generate", json=body).json()["deliveries"]]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    threads[0].start()
    assert pg.generator.started.wait(30), "the first request should reach the model"
    for t in threads[1:]:
        t.start()
    queue = client.app.state.batcher._queue
    end = time.time() + 30
    while queue.qsize() < 3 and time.time() < end:  # the other three wait while the model is busy
        time.sleep(0.01)
    pg.generator.hold.set()
    for t in threads:
        t.join(60)
    assert answers == {i: [u["user_id"] for u in users(2, seed=i)] for i in range(4)}, "none lost or mixed up"
    assert pg.generator.calls == [2, 6], (
        f"the three waiting requests share one generate: {pg.generator.calls}"
    )


def wait_done(client, job_id: str, timeout: float = 60.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        status = client.get(f"/v1/jobs/{job_id}").json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not done in {timeout}s: {status}")


def test_job_runs_a_users_file_and_serves_result_and_errors(make_client, tmp_path):
    client, _ = make_client(job_batch_size=4)
    files = {"users": ("shoppers.jsonl", users_jsonl(10, bad_line=3), "application/x-ndjson")}
    created = client.post("/v1/jobs", data={"campaign": json.dumps(CAMPAIGN)}, files=files)
    assert created.status_code == 202, created.text
    job = wait_done(client, created.json()["id"])
    assert job["state"] == "done", job
    assert (job["users_done"], job["users_total"], job["written"], job["errors"]) == (11, 11, 10, 1), job
    assert job["error_rows"][0]["line"] == 3 and "at least one event" in job["error_rows"][0]["reason"]
    result = client.get(f"/v1/jobs/{job['id']}/result")
    rows = [json.loads(line) for line in result.text.splitlines()]
    assert [r["user_id"] for r in rows] == [u["user_id"] for u in users(10)], (
        "every valid user once, in order"
    )
    errors = client.get(f"/v1/jobs/{job['id']}/errors").text.splitlines()
    assert [json.loads(e)["line"] for e in errors] == [3]
    folder = tmp_path / "data" / "jobs" / job["id"]
    assert (folder / "out.jsonl").is_file(), "a job lives in its own folder under the data folder"
    assert json.loads((folder / "pipeline_config.json").read_text())["n_candidates"] == 3, "config beside it"


@pytest.mark.parametrize(
    ("filename", "content", "status", "pattern"),
    [
        ("users.txt", b"{}", 422, r"must be one of .jsonl"),
        ("../../escape.jsonl", b"x" * 5000, 413, r"limit of 4000 bytes"),
        ("../../escape.jsonl", users_jsonl(1), 202, r'"id":"[0-9a-f]{32}"'),  # stored as jobs/ID/users.jsonl
    ],
)
def test_job_uploads_are_bounded_and_stay_in_the_data_folder(
    make_client, tmp_path, filename, content, status, pattern
):
    client, _ = make_client(max_upload_bytes=4000)
    files = {"users": (filename, content, "application/octet-stream")}
    response = client.post("/v1/jobs", data={"campaign": json.dumps(CAMPAIGN)}, files=files)
    assert response.status_code == status, response.text
    assert re.search(pattern, response.text), response.text
    assert not list(tmp_path.parent.rglob("escape.jsonl")), "an upload's name never becomes a path"


@pytest.mark.parametrize("job_id", ["0" * 32, "..", "..%2F..%2Fetc%2Fpasswd", "ABC"])
def test_unknown_or_malformed_job_ids_are_404(make_client, job_id):
    client, _ = make_client()
    for suffix in ("", "/result", "/errors"):
        response = client.get(f"/v1/jobs/{job_id}{suffix}")
        assert response.status_code == 404, f"{job_id}{suffix}: {response.status_code} {response.text}"


def test_job_campaign_is_validated_like_the_library(make_client):
    client, _ = make_client()
    files = {"users": ("u.jsonl", users_jsonl(2), "application/x-ndjson")}
    for campaign, field in [("{", "campaign"), (json.dumps({**CAMPAIGN, "brand": ""}), "campaign.brand")]:
        response = client.post("/v1/jobs", data={"campaign": campaign}, files=files)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == field, response.text


CART_CLAIM = "Your trail shoes are still in your cart: 20% off running gear with RUN20."


@pytest.mark.parametrize(
    ("cart", "compliant"),
    [(False, False), (True, True), (None, True), (["trail shoes"], True), (["swim cap"], False), ([], False)],
)
def test_check_and_approval_hold_a_cart_claim_to_the_shoppers_cart(make_client, cart, compliant):
    client, _ = make_client()
    body = {"campaign": CAMPAIGN, "text": CART_CLAIM} | ({} if cart is None else {"cart": cart})
    verdict = client.post("/v1/check", json=body).json()
    assert verdict["compliant"] is compliant, f"cart={cart}: {verdict}"
    approved = client.post("/v1/variants", json={**body, "decision": "approved"})
    assert (approved.status_code == 200) is compliant, f"cart={cart}: {approved.text}"
    if compliant:
        assert approved.json()["cart"] == cart, "the decision keeps what the cart claim was checked against"


def test_a_cart_that_is_not_true_false_or_items_is_named(make_client):
    client, _ = make_client()
    response = client.post("/v1/check", json={"campaign": CAMPAIGN, "text": CART_CLAIM, "cart": "yes"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "cart", response.text


def test_only_compliant_copy_can_be_approved(make_client):
    client, _ = make_client()
    refused = client.post(
        "/v1/variants",
        json={
            "campaign": CAMPAIGN,
            "text": "Guaranteed 20% off running gear with RUN20",
            "decision": "approved",
        },
    )
    assert refused.status_code == 422 and "cannot be approved" in refused.text, refused.text
    ok = client.post("/v1/variants", json={"campaign": CAMPAIGN, "text": COMPLIANT, "decision": "approved"})
    assert ok.status_code == 200, ok.text
    odd = {"campaign": CAMPAIGN, "text": COMPLIANT, "decision": "approved", "user_id": {"a": 1}}
    response = client.post("/v1/variants", json=odd)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "user_id", response.text
    rejected = {"campaign": CAMPAIGN, "text": "meh", "decision": "rejected", "user_id": "u1"}
    assert client.post("/v1/variants", json=rejected).status_code == 200
    listed = client.get("/v1/variants", params={"campaign_id": "run20"}).json()
    assert listed["approved"] == [COMPLIANT] and len(listed["decisions"]) == 2, listed


def test_review_page_and_preview_escape_model_text(make_client):
    client, _ = make_client(texts=["<script>alert('x')</script> 20% off running gear with RUN20."])
    page = client.get("/")
    assert page.status_code == 200 and 'name="offer.value"' in page.text and "Stride Sports" in page.text
    data = {"campaign": json.dumps(CAMPAIGN), "n": "2", "seed": "0"}
    fragment = client.post("/review/preview", data=data)
    assert fragment.status_code == 200, fragment.text
    assert fragment.text.count('class="shopper') == 2, "one card per sample shopper"
    assert "<script>" not in fragment.text, "model text must be escaped"
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in fragment.text, "and shown as text"
    assert "markup" in fragment.text, "the gate's violation is shown next to the candidate"
    assert "<th>copywriter perplexity</th>" in fragment.text, "the score that picks the copy is shown"
    assert "2.000" in fragment.text, "with each candidate's perplexity (the fake copywriter's 2.0)"


def test_preview_uses_the_first_rows_of_an_uploaded_csv(make_client):
    client, _ = make_client()
    rows = ["user_id,events"] + [
        f'{u["user_id"]},"{json.dumps(u["events"]).replace(chr(34), chr(34) * 2)}"' for u in users(5)
    ]
    files = {"users": ("shoppers.csv", ("\n".join(rows) + "\n").encode(), "text/csv")}
    data = {"campaign": json.dumps(CAMPAIGN), "n": "2"}
    fragment = client.post("/review/preview", data=data, files=files)
    assert fragment.status_code == 200, fragment.text
    for u in users(5)[:2]:
        assert f'data-user="{u["user_id"]}"' in fragment.text, f"first rows previewed: {u['user_id']}"
        cart = json.dumps(list(dict.fromkeys(e["text"].strip() for e in u["events"] if e["type"] == "cart")))
        card = fragment.text.split(f'data-user="{u["user_id"]}"')[1].split(">")[0]
        assert f"data-cart='{cart}'" in card, f"edits are re-checked with the shopper's cart: {card}"
    assert users(5)[2]["user_id"] not in fragment.text, "only the first n rows"


def test_preview_validation_names_the_form_field(make_client):
    client, _ = make_client()
    campaign = {**CAMPAIGN, "offer": {"kind": "percent_off"}}
    response = client.post("/review/preview", data={"campaign": json.dumps(campaign), "n": "2"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["field"] == "campaign.offer.value" and "required" in detail["msg"], detail
    too_many = client.post("/review/preview", data={"campaign": json.dumps(CAMPAIGN), "n": "99"})
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["field"] == "n", too_many.text


def test_openapi_docs_list_the_endpoints(make_client):
    client, _ = make_client()
    assert client.get("/docs").status_code == 200
    paths = set(client.get("/openapi.json").json()["paths"])
    expected = {"/v1/generate", "/v1/check", "/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/result"}
    assert expected <= paths, f"missing from the docs: {expected - paths}"


def test_serve_refuses_a_public_host_without_a_token(monkeypatch, capsys):
    from promogen.cli import main

    monkeypatch.delenv("PROMOGEN_API_TOKEN", raising=False)
    monkeypatch.setattr("sys.argv", ["promogen", "serve", "--host", "0.0.0.0"])
    monkeypatch.setattr("promogen.cli._load", lambda *a: pytest.fail("models loaded before the check"))
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and err.count("\n") == 0, err
    assert "set PROMOGEN_API_TOKEN first" in err, err


def test_serve_command_loads_models_with_its_settings(monkeypatch):
    from click.testing import CliRunner

    from promogen.cli import cli

    started = {}
    monkeypatch.setattr(
        "promogen.server.serve", lambda load, config: started.update(load=load, config=config)
    )
    monkeypatch.setattr("promogen.cli._load", lambda config, base_model, encoder: config)
    result = CliRunner().invoke(cli, ["serve", "--port", "8123", "--set", "seed=5"])
    assert result.exit_code == 0, result.output
    assert started["config"].port == 8123, "the server config comes from the options"
    assert started["load"]().seed == 5, "the models are loaded with the --set settings"


def test_an_unreadable_upload_is_422_and_leaves_no_folder_to_stop_the_next_start(make_client, tmp_path):
    client, _ = make_client()
    files = {"users": ("u.parquet", b"junk", "application/octet-stream")}
    response = client.post("/v1/jobs", data={"campaign": json.dumps(CAMPAIGN)}, files=files)
    assert response.status_code == 422 and "cannot read the `users` file" in response.text, response.text
    assert not list((tmp_path / "data" / "jobs").iterdir()), "the refused upload is removed"
    (tmp_path / "data" / "jobs" / ("f" * 32)).mkdir()  # an upload cut off by a kill
    restarted, _ = make_client()
    assert restarted.get("/v1/jobs/" + "f" * 32).status_code == 404, "a folder without a job is no job"


def test_a_finished_jobs_total_is_the_rows_it_read(make_client):
    client, _ = make_client(job_batch_size=4)
    rows = ['"' + json.dumps(u["events"], indent=2).replace('"', '""') + '"' for u in users(3)]  # multi-line
    text = "user_id,events\n" + "".join(f"{u['user_id']},{r}\n" for u, r in zip(users(3), rows, strict=True))
    files = {"users": ("u.csv", text.encode(), "text/csv")}
    created = client.post("/v1/jobs", data={"campaign": json.dumps(CAMPAIGN)}, files=files)
    job = wait_done(client, created.json()["id"])
    assert (job["state"], job["users_done"], job["users_total"]) == ("done", 3, 3), job


def test_a_long_text_is_judged_on_its_length_alone(make_client):
    client, _ = make_client()
    body = {"campaign": CAMPAIGN, "text": "Run more. " * 10_000}
    started = time.time()
    response = client.post("/v1/check", json=body)
    assert response.status_code == 200 and time.time() - started < 5, (
        response.status_code,
        time.time() - started,
    )
    assert [v["rule"] for v in response.json()["violations"]] == ["too_long"], response.text


def test_a_cancelled_request_does_not_stop_the_batcher(encoder):
    pg, batcher, campaign, first = busy_batcher(encoder)
    gone = batcher.submit(campaign, simulate_users(2, seed=1))
    assert gone.cancel(), "a caller that gives up cancels its pending request"
    pg.generator.hold.set()
    first.result(timeout=30)
    later = batcher.submit(campaign, simulate_users(1, seed=3))
    assert len(later.result(timeout=30)) == 1, "the worker still answers after a cancelled request"
    batcher.close()


def test_a_streamed_body_without_the_token_is_refused_before_it_is_read(make_client):
    client, _ = make_client(token="s3cret")
    sent = []

    def chunks():
        for _ in range(50):
            sent.append(1)
            yield b"x" * 65536

    response = client.post("/v1/check", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 401, response.text
    assert len(sent) < 50, f"the body was read ({len(sent)} of 50 chunks) before the token was checked"


def test_a_texts_latest_decision_stands_and_a_torn_line_is_skipped(make_client, tmp_path):
    client, _ = make_client()
    post = lambda campaign, text, decision, **extra: client.post(  # noqa: E731
        "/v1/variants", json={"campaign": campaign, "text": text, "decision": decision, **extra}
    )
    other = COMPLIANT.replace("20% off running gear", "Take 20% off running gear")
    for text, decision in ((COMPLIANT, "approved"), (other, "approved"), (COMPLIANT, "approved")):
        assert post(CAMPAIGN, text, decision).status_code == 200
    assert post({**CAMPAIGN, "tone": "playful"}, other, "rejected", user_id=0).json()["user_id"] == "0"
    listed = client.get("/v1/variants", params={"campaign_id": CAMPAIGN["campaign_id"]}).json()
    assert listed["approved"] == [COMPLIANT], (
        f"approved twice: listed once; approved then rejected: gone: {listed}"
    )
    assert listed["approved_earlier_definitions"] == [], "a change of tone is the same definition"
    store = client.app.state.variants.path
    store.write_bytes(store.read_bytes() + b'{"campaign_id": "run20", "te')  # a crash mid-write
    assert post(CAMPAIGN, other, "approved").status_code == 200, "the next decision is still recorded"
    listed = client.get("/v1/variants", params={"campaign_id": CAMPAIGN["campaign_id"]}).json()
    assert listed["approved"] == [COMPLIANT, other], f"the torn line is skipped, nothing else lost: {listed}"


def test_copy_approved_for_an_earlier_offer_is_kept_apart(make_client):
    client, _ = make_client()
    first = client.post(
        "/v1/variants", json={"campaign": CAMPAIGN, "text": COMPLIANT, "decision": "approved"}
    )
    assert first.status_code == 200, first.text
    bigger = {**CAMPAIGN, "offer": {**CAMPAIGN["offer"], "value": 50}}
    text = COMPLIANT.replace("20%", "50%")
    second = client.post("/v1/variants", json={"campaign": bigger, "text": text, "decision": "approved"})
    assert second.status_code == 200, second.text
    listed = client.get("/v1/variants", params={"campaign_id": CAMPAIGN["campaign_id"]}).json()
    assert listed["approved"] == [text] and listed["approved_earlier_definitions"] == [COMPLIANT], listed


def two_jobs_the_first_held(make_client, users: int):
    """(client, pg, first job id, second job id): the first is writing its first batch, held there
    until `pg.generator.hold` is set; the second is queued behind it."""
    client, pg = make_client(job_batch_size=2)
    pg.generator.hold = threading.Event()
    files = {"users": ("u.jsonl", users_jsonl(users), "application/x-ndjson")}
    ids = [
        client.post("/v1/jobs", data={"campaign": json.dumps(CAMPAIGN)}, files=files).json()["id"]
        for _ in range(2)
    ]
    assert pg.generator.started.wait(10), "the first job's first batch is being written"
    return client, pg, *ids


def test_a_job_can_be_cancelled_queued_or_between_batches(make_client, encoder):
    client, pg, running, queued = two_jobs_the_first_held(make_client, 8)
    assert client.post(f"/v1/jobs/{queued}/cancel").json()["state"] == "cancelled", (
        "queued: cancelled at once"
    )
    client.post(f"/v1/jobs/{running}/cancel")
    pg.generator.hold.set()
    end = time.time() + 30
    while (
        client.get(f"/v1/jobs/{running}").json()["state"] not in ("cancelled", "done") and time.time() < end
    ):
        time.sleep(0.1)
    job = client.get(f"/v1/jobs/{running}").json()
    assert job["state"] == "cancelled" and job["written"] == 2, f"stopped after the batch it was in: {job}"
    kept = client.get(f"/v1/jobs/{running}/result").text.splitlines()
    assert len(kept) == 2, "what it wrote before the cancel can be downloaded"
    assert client.get(f"/v1/jobs/{queued}").json()["written"] == 0, "the queued job never ran"
    again = client.post(f"/v1/jobs/{running}/cancel").json()
    assert again["state"] == "cancelled" and again["written"] == 2, "a job that ended is left as it is"
    assert client.app.state.jobs._cancel == {}, "no job holds a cancel flag once it ended"


def test_a_job_waiting_to_resume_after_a_restart_can_be_cancelled(make_client):
    client, pg, first, waiting = two_jobs_the_first_held(make_client, 4)
    store = client.app.state.jobs
    folder = store._dir(waiting)
    store._save(folder, {**store._meta(waiting), "state": "running"})  # as a restart finds it: queued again
    assert client.post(f"/v1/jobs/{waiting}/cancel").json()["state"] == "cancelled", "cancelled at once"
    pg.generator.hold.set()
    end = time.time() + 30
    while client.get(f"/v1/jobs/{first}").json()["state"] != "done" and time.time() < end:
        time.sleep(0.1)
    job = client.get(f"/v1/jobs/{waiting}").json()
    assert job["state"] == "cancelled" and job["written"] == 0, f"it never ran: {job}"
