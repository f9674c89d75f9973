"""The review page in real headless Chromium (Debian's `chromium` + `chromium-driver`, driven by Selenium).

A marketer's path end to end: load the page, see a campaign field's validation message, preview 3
shoppers from an uploaded users file, edit one message into a non-compliant one (the violation shows,
approve is disabled), fix it, approve it, run the batch, watch the progress reach 100% and download the
result; cancel a running batch; read a server error that is not JSON. Screenshots of the main screens go
to $PROMOGEN_SCREENSHOTS (the README's come from `PROMOGEN_SCREENSHOTS=reports/serve`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from conftest import FakeCopywriter, canned_pg

from promogen.server import ServeConfig, create_app
from promogen.simulate import simulate_users

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
MISSING = "needs Debian's chromium and chromium-driver packages (`make browser` installs them)"
COMPLIANT = "Stride Sports: 20% off running gear with code RUN20."
BROKEN = "Guaranteed: 50% off everything!"


@contextmanager
def serving(pg, tmp_path):
    """`pg` behind the app on uvicorn in a thread, on a free localhost port; yields the base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = ServeConfig(data_dir=str(tmp_path / "data"), job_batch_size=2)
    app = create_app(pg, config, token="")
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    end = time.time() + 30
    while not uv.started and time.time() < end:
        time.sleep(0.05)
    assert uv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)


@pytest.fixture
def server(encoder, tmp_path):
    """The app with the fake copywriter (0.2 s a call)."""
    with serving(canned_pg(encoder, delay=0.2), tmp_path) as url:
        yield url


@pytest.fixture
def browser(monkeypatch):
    if not (CHROMIUM and DRIVER):
        # `make test` installs them first (`make browser`, as root); a missing browser is a failure,
        # never a silent skip.
        pytest.fail(
            f"browser test {MISSING}: run `make browser` as root (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium must never fetch a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1500"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    yield driver
    driver.quit()


def test_preview_edit_approve_and_run_the_batch(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    shots = Path(os.environ.get("PROMOGEN_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    users = tmp_path / "shoppers.jsonl"
    shoppers = simulate_users(6, seed=5)
    users.write_text("".join(json.dumps(u.to_dict()) + "\n" for u in shoppers))
    wait = WebDriverWait(browser, 30, poll_frequency=0.1)

    def find(css, root=browser):
        return root.find_element(By.CSS_SELECTOR, css)

    browser.get(server)
    value = find("input[name='offer.value']")
    value.clear()
    find("#preview").click()  # a percent_off offer without a value: the contract's message, by the field
    error = find("[data-error-for='offer.value']")
    wait.until(lambda _: "`offer.value` is required" in error.text)
    value.send_keys("20")
    find("#users-file").send_keys(str(users))
    n = find("input[name=n]")
    n.clear()
    n.send_keys("3")
    find("#preview").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".shopper")) == 3)
    assert error.text == "", "the field's message goes once the campaign is valid"
    cards = browser.find_elements(By.CSS_SELECTOR, ".shopper")
    assert [c.get_attribute("data-user") for c in cards] == [u.user_id for u in shoppers[:3]]
    browser.save_screenshot(str(shots / "review_preview.png"))

    card = cards[0]
    copy = find(".copy", card)
    copy.send_keys(Keys.CONTROL, "a")
    copy.send_keys(BROKEN)
    wait.until(lambda _: "banned_phrase" in find(".violations", card).text)
    assert not find(".approve", card).is_enabled(), "a non-compliant edit cannot be approved"
    assert "noncompliant" in card.get_attribute("class") and find(".state", card).text == "NOT compliant"
    assert find(".chars", card).text == f"{len(BROKEN)}/150", "character count against the channel limit"
    browser.execute_script("arguments[0].scrollIntoView()", card)
    browser.save_screenshot(str(shots / "review_violation.png"))

    copy.send_keys(Keys.CONTROL, "a")
    copy.send_keys(COMPLIANT)
    wait.until(lambda _: find(".approve", card).is_enabled())
    assert find(".violations", card).text == "" and find(".state", card).text == "compliant"
    find(".approve", card).click()
    wait.until(lambda _: find("#approved").text == COMPLIANT)
    approved = httpx.get(f"{server}/v1/variants", params={"campaign_id": "run20"}).json()["approved"]
    assert approved == [COMPLIANT], f"the approved copy is kept as the campaign's variant: {approved}"

    find("#run-batch").click()
    wait.until(lambda _: find("#download").is_displayed())
    bar = find("#job-progress")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "6", "progress reaches 100%"
    assert "done: 6/6 users (100%)" in find("#job-text").text, find("#job-text").text
    assert not find("#cancel-batch").is_displayed(), "a finished job has nothing to cancel"
    browser.execute_script("arguments[0].scrollIntoView()", bar)
    browser.save_screenshot(str(shots / "review_batch.png"))
    result = httpx.get(find("#download").get_attribute("href"))
    rows = [json.loads(line) for line in result.text.splitlines()]
    assert [r["user_id"] for r in rows] == [u.user_id for u in shoppers], "download holds every shopper"

    junk = tmp_path / "broken.parquet"
    junk.write_bytes(b"not a parquet file")
    find("#users-file").send_keys(str(junk))
    find("#run-batch").click()  # the server cannot read it: its message, not a silent page
    wait.until(lambda _: "cannot read the `users` file" in find("body").text)


def _users_file(path: Path, n: int) -> list:
    shoppers = simulate_users(n, seed=5)
    path.write_text("".join(json.dumps(u.to_dict()) + "\n" for u in shoppers))
    return shoppers


def test_cancel_stops_the_running_batch_and_keeps_what_it_wrote(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    shoppers = _users_file(tmp_path / "shoppers.jsonl", 60)  # 30 calls of 0.2 s: long enough to cancel
    wait = WebDriverWait(browser, 30, poll_frequency=0.1)
    browser.get(server)
    browser.find_element(By.CSS_SELECTOR, "#users-file").send_keys(str(tmp_path / "shoppers.jsonl"))
    browser.find_element(By.CSS_SELECTOR, "#run-batch").click()
    cancel = browser.find_element(By.CSS_SELECTOR, "#cancel-batch")
    wait.until(lambda _: cancel.is_displayed())
    cancel.click()
    text = browser.find_element(By.CSS_SELECTOR, "#job-text")
    wait.until(lambda _: text.text.startswith("cancelled:"))
    assert not cancel.is_displayed(), "a cancelled job has nothing left to cancel"
    assert browser.find_element(By.CSS_SELECTOR, "#run-batch").is_enabled(), "a new run can start"
    download = browser.find_element(By.CSS_SELECTOR, "#download")
    assert download.is_displayed(), "what the cancelled job wrote can be downloaded"
    rows = [
        json.loads(line)["user_id"] for line in httpx.get(download.get_attribute("href")).text.splitlines()
    ]
    assert len(rows) < len(shoppers), f"the job stopped early: {len(rows)} of {len(shoppers)} written"
    assert rows == [u.user_id for u in shoppers[: len(rows)]], "what was written is a prefix, in file order"


def test_an_error_page_that_is_not_json_shows_its_status_line(encoder, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from promogen import PipelineConfig, PromoGen

    def fail(prompt, k):
        raise RuntimeError("the copywriter broke")  # not promogen's error: the server's plain-text 500

    broken = PromoGen(FakeCopywriter(rule=fail), encoder, PipelineConfig(n_candidates=3))
    with serving(broken, tmp_path) as url:
        browser.get(url)
        browser.find_element(By.CSS_SELECTOR, "#preview").click()
        message = browser.find_element(By.CSS_SELECTOR, "#form-error")
        WebDriverWait(browser, 30).until(lambda _: message.text)
        assert message.text.startswith("500 Internal Server Error"), f"the status line: {message.text!r}"
