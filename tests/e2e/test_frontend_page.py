"""examples/frontend in a real browser (issue 8 point 7, contract §2.3/§2.4 CORS).

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright's Python package; nothing
downloads a browser) opens the page `make run` serves on its own origin and calls the stack's
API cross-origin, exactly as a frontend developer's app would. No request is intercepted or
rewritten (Playwright's routing would answer CORS preflights itself): every preflight and every
CORS header the browser acts on is the API's own. Host names other than loopback resolve to
nothing, so the Daily Prebuilt iframe (a room of the local Daily emulator's made-up domain)
never leaves the machine; the test checks where it navigates, not what it shows.

`make e2e` installs the browser; without /usr/bin/chromium these tests skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.demo import sample_zapier_event
from local.frontend_server import FRONTEND_LINKS_JWT_ENV
from local.launcher import PROJECT_DIR
from local.processes import free_port, http_status
from local.secret import first
from tests.plugins.local_stack import RunningStack

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium (apt) and runs these",
)

pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: `make e2e` (or `make install`)"
)

from playwright.sync_api import (  # noqa: E402 - only once the skip checks passed
    Browser,
    Page,
    Request,
    expect,
    sync_playwright,
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Hermetic: only loopback resolves, so a join URL on *.daily.co fails fast and offline.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Tab:
    """One fresh browser context and page, with what the page requested and what failed."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[Request] = []
        self.failed: list[Request] = []
        self.console: list[str] = []
        page.on("request", lambda r: self.requests.append(r))  # noqa: PLW0108 - Playwright needs a function
        page.on("requestfailed", lambda r: self.failed.append(r))  # noqa: PLW0108
        page.on("console", lambda message: self.console.append(message.text))
        page.set_default_timeout(TIMEOUT_MS)

    def open(self, url: str, api_url: str) -> None:
        self.page.goto(f"{url}/")
        # config.json read: the page knows where the API is before anything is clicked.
        expect(self.page.locator("#status")).to_have_text(f"API: {api_url}")


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context()
    try:
        yield Tab(context.new_page())
    finally:
        context.close()


@pytest.fixture
def stack(local_stack: RunningStack) -> RunningStack:
    if "frontend_url" not in local_stack.info:
        pytest.fail("stack.json has no frontend_url: `make run` must serve examples/frontend")
    return local_stack


@pytest.fixture
def foreign_origin(stack: RunningStack, tmp_path: Path) -> Iterator[str]:
    """The same page, served by a second frontend server on an origin the secret does not list."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    assert url not in stack.secret["links"]["allowed_origins"]
    env = {**os.environ, FRONTEND_LINKS_JWT_ENV: stack.info["links_jwt"]}
    log = tmp_path / "foreign-frontend.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.frontend_server",
                "--port",
                str(port),
                "--api-url",
                stack.api_url,
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 15
        while http_status(f"{url}/config.json", timeout=0.5) != 200:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0, log.read_text()


def _response_json(tab: Tab, path: str) -> dict[str, Any]:
    """The JSON body of the page's (only) POST to `path`, once it has answered."""
    posts = [r for r in tab.requests if r.method == "POST" and urlsplit(r.url).path == path]
    assert len(posts) == 1, [r.url for r in tab.requests]
    response = posts[0].response()
    assert response is not None
    body: dict[str, Any] = response.json()
    return body


def test_an_instant_room_from_the_frontend_origin_embeds_its_join_url(
    stack: RunningStack, tab: Tab
) -> None:
    frontend, api = stack.info["frontend_url"], stack.api_url
    assert urlsplit(frontend).port != urlsplit(api).port  # another origin than the API's
    assert frontend in stack.secret["links"]["allowed_origins"]
    page = tab.page
    tab.open(frontend, api)
    with (
        page.expect_response(lambda r: r.url == f"{api}/v1/rooms") as rooms,
        page.expect_response(lambda r: r.url == f"{api}/v1/links") as links,
    ):
        page.get_by_role("button", name="Create an instant room").click()
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#error")).to_be_hidden()

    # The API's own CORS answer let the browser hand both bodies to the page.
    for answer in (rooms.value, links.value):
        assert answer.status == 200, answer.text()
        assert answer.request.all_headers()["origin"] == frontend
        assert answer.all_headers()["access-control-allow-origin"] == frontend
        assert answer.request.all_headers()["authorization"] == f"Bearer {stack.info['links_jwt']}"
    room, link = rooms.value.json(), links.value.json()
    assert room["booking_id"].startswith("adhoc:")
    assert (link["booking_id"], link["role"]) == (room["booking_id"], "host")
    assert link["room_url"] == room["room_url"]
    assert urlsplit(link["room_url"]).hostname == "roomlinks-local.daily.co"
    join_url = link["join_url"]
    assert join_url.startswith(f"{link['room_url']}?t=")

    # Shown as a link, and Daily Prebuilt's iframe points at it.
    expect(page.locator("#join-link")).to_have_attribute("href", join_url)
    expect(page.locator("#join-url")).to_have_text(join_url)
    src = page.locator("#call").get_attribute("src")
    assert src is not None and src.startswith(f"{link['room_url']}?t=")
    assert src == join_url
    # The iframe really navigated there (offline: the made-up domain does not resolve).
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not any(r.url == join_url and r.is_navigation_request() for r in tab.requests):
        assert time.monotonic() < deadline, [r.url for r in tab.requests]
        page.wait_for_timeout(50)

    # The room exists at the (emulated) Daily API, created by the page's click.
    emulator = requests.get(
        f"{stack.daily_api_url}/rooms/{room['room_name']}",
        headers={"Authorization": f"Bearer {stack.daily_api_key}"},
        timeout=10,
    )
    assert emulator.status_code == 200, emulator.text


def test_a_booking_id_gets_a_guest_link_and_api_errors_show_in_the_page(
    stack: RunningStack, tab: Tab
) -> None:
    frontend, api = stack.info["frontend_url"], stack.api_url
    page = tab.page
    tab.open(frontend, api)

    # An error answer carries CORS headers too, so the page can show the contract's error.
    page.locator("#booking-id").fill("zapier:no-such-meeting")
    page.get_by_role("button", name="Get my join link").click()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("not-found: ")
    expect(page.locator("#result")).to_be_hidden()

    event = sample_zapier_event(starts_in=timedelta(minutes=5))
    hook = requests.post(
        f"{api}/v1/hooks/zapier",
        json=event,
        headers={"Authorization": f"Bearer {first(stack.secret['hooks']['zapier'])}"},
        timeout=10,
    )
    assert hook.status_code == 200, hook.text
    booking = hook.json()
    page.locator("#booking-id").fill(booking["booking_id"])
    page.locator("#role").select_option("guest")
    page.locator("#user-name").fill("Ada Browser")
    with page.expect_response(lambda r: r.url == f"{api}/v1/links") as links:
        page.get_by_role("button", name="Get my join link").click()
    link = links.value.json()
    assert (link["booking_id"], link["role"]) == (booking["booking_id"], "guest")
    assert link["room_url"] == booking["room_url"]
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#join-link")).to_have_attribute("href", link["join_url"])
    expect(page.locator("#call")).to_have_attribute("src", link["join_url"])
    assert link["join_url"].startswith(f"{booking['room_url']}?t=")


def test_a_page_on_an_origin_not_in_allowed_origins_is_blocked_by_the_browser(
    stack: RunningStack, tab: Tab, foreign_origin: str
) -> None:
    api = stack.api_url
    page = tab.page
    tab.open(foreign_origin, api)
    page.get_by_role("button", name="Create an instant room").click()
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("network-error")
    expect(error).to_contain_text("links.allowed_origins")
    expect(page.locator("#result")).to_be_hidden()
    assert page.locator("#call").get_attribute("src") is None
    failed = [r for r in tab.failed if r.url == f"{api}/v1/rooms"]
    assert failed, [r.url for r in tab.failed]
    assert not any(r.url == f"{api}/v1/links" for r in tab.requests)  # stopped at step one

    # Why: the API answers the preflight, but only a listed origin gets CORS headers back.
    def preflight(origin: str) -> requests.Response:
        return requests.options(
            f"{api}/v1/rooms",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
            },
            timeout=10,
        )

    refused = preflight(foreign_origin)
    assert "access-control-allow-origin" not in refused.headers
    allowed = preflight(stack.info["frontend_url"])
    assert allowed.headers["access-control-allow-origin"] == stack.info["frontend_url"]
