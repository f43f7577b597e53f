"""The console in a real headless browser (Debian's Chromium driven by Playwright), in front
of the real gateway and the router emulator: sign in, create a key, spend it, watch the
requests arrive in the live tail and the charts, revoke it and see it refused. Screenshots go
to $HFGATE_TEST_ARTIFACTS (default tests/artifacts/console/, git-ignored)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openai
import pytest
from gateway_harness import Gateway

from hfgate.testing import Reply, RouterEmulator

CHROMIUM = Path("/usr/bin/chromium")
MODEL = "deepseek-ai/DeepSeek-V4-Pro"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    root = Path(os.environ.get("HFGATE_TEST_ARTIFACTS") or Path(__file__).parents[1] / "artifacts")
    where = root / "console" / re.sub(r"[^\w.-]+", "_", request.node.name)
    where.mkdir(parents=True, exist_ok=True)
    return where


def snap(page: object, shots: Path, name: str) -> None:
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 2000, path


def test_sign_in_create_spend_watch_revoke(
    browser: object, gateway: Gateway, upstream: RouterEmulator, shots: Path
) -> None:
    context = browser.new_context(base_url=gateway.url)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto("/console")
    assert page.url.endswith("/console/login")
    snap(page, shots, "1-sign-in")
    page.fill("input[name=master_key]", "not-the-key")
    page.click("#sign-in")
    assert "not this gateway's master key" in page.inner_text("#problem")
    page.fill("input[name=master_key]", gateway.master_key)
    page.click("#sign-in")
    assert page.url.endswith("/console/usage")
    (cookie,) = context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (
        "hfgate_console", True, "Strict", False,
    )  # fmt: skip
    assert gateway.master_key not in cookie["value"]
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it

    page.click("text=Keys")
    page.fill("#f-name", "browser-bot")
    page.fill("#f-models", "deepseek-ai/*")
    page.fill("#f-rpm", "x")  # a mistake first: a message, the form kept
    page.fill("#f-budget_usd", "5")
    page.fill("#f-bill_to", "acme-org")
    page.click("#create")
    assert "`rpm` must be a positive whole number" in page.inner_text("#problem")
    assert page.input_value("#f-name") == "browser-bot"
    page.fill("#f-rpm", "100")
    page.click("#create")
    secret = page.inner_text("#secret")
    assert secret.startswith("hfg_")
    snap(page, shots, "2-key-created")
    page.goto("/console/keys")
    assert secret not in page.content()  # shown once
    row = page.locator('#keys tr[data-key="browser-bot"]')
    assert "deepseek-ai/*" in row.inner_text() and "acme-org" in row.inner_text()

    page.goto("/console/tail")
    client = gateway.openai(secret)
    usage = {"prompt_tokens": 40, "completion_tokens": 4,
             "prompt_tokens_details": {"cached_tokens": 10}}  # fmt: skip
    for n in range(3):
        upstream.push(Reply.text(f"answer {n}", usage=usage))
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    upstream.push(Reply.text("streamed", usage=usage))
    for _ in client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "secret prompt"}], stream=True,
        stream_options={"include_usage": True},
    ):  # fmt: skip
        pass
    # the polling script brings them in, without a reload
    page.locator("#tail tbody tr").nth(3).wait_for(timeout=10_000)
    tail = page.inner_text("#tail")
    assert tail.count("browser-bot") == 4 and "chat (stream)" in tail and "40/4/10" in tail
    assert "secret prompt" not in page.content() and "answer 0" not in page.content()
    snap(page, shots, "3-live-tail")

    page.goto("/console/usage?range=1h&by=key")
    line = page.locator('#requests g.line[data-label="browser-bot"]')
    assert line.locator("title").text_content() == "browser-bot: 4 in all"
    group = page.locator('#groups tr[data-group="browser-bot"]').inner_text()
    assert group.split("\t")[1:3] == ["4", "0"] and "25%" in group  # 40 cached of 160 input
    for chart in ("requests", "cost", "tokens", "latency"):
        assert page.locator(f"svg#{chart}").count() == 1
    assert page.locator("#latency g.line polyline, #latency g.line circle").count() >= 2
    snap(page, shots, "4-usage-by-key")
    page.goto("/console/usage?range=24h&by=provider")
    assert page.locator('#groups tr[data-group="together"]').count() == 1
    snap(page, shots, "5-usage-by-provider")

    page.goto("/console/keys")
    page.click('button.revoke[data-key="browser-bot"]')
    assert "revoked" in page.locator('#keys tr[data-key="browser-bot"]').inner_text()
    snap(page, shots, "6-revoked")
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])

    page.click("text=Sign out")
    assert page.url.endswith("/console/login")
    page.goto("/console/keys")
    assert page.url.endswith("/console/login") and "browser-bot" not in page.content()
    context.close()


def test_strangers_and_virtual_keys_get_nothing(
    browser: object, gateway: Gateway, shots: Path
) -> None:
    key = gateway.new_key("someone")
    visitor = browser.new_context(base_url=gateway.url)  # type: ignore[attr-defined]
    host = gateway.url.split("//")[1].split(":")[0]
    visitor.add_cookies([{"name": "hfgate_console", "value": key, "domain": host, "path": "/"}])
    page = visitor.new_page()
    for path in ("/console/usage", "/console/keys", "/console/tail"):
        page.goto(path)
        assert page.url.endswith("/console/login") and "someone" not in page.content()
    page.fill("input[name=master_key]", key)
    page.click("#sign-in")
    assert "virtual keys cannot sign in" in page.inner_text("#problem")
    snap(page, shots, "virtual-key-refused")
    bearer = browser.new_context(  # type: ignore[attr-defined]
        base_url=gateway.url, extra_http_headers={"authorization": f"Bearer {key}"}
    )
    answer = bearer.request.get("/console/tail.json")
    assert answer.status == 401 and b"rows" not in answer.body()
    bearer.close()
    visitor.close()


def test_a_form_posted_from_another_origin_is_refused(
    browser: object, gateway: Gateway, shots: Path
) -> None:
    """Another port on the same host is the same site (the cookie goes along), so the
    Origin check and the CSRF token are what stop it."""
    evil = _evil_site(f"{gateway.url}/console/keys")
    try:
        context = browser.new_context(base_url=gateway.url)  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto("/console/login")
        page.fill("input[name=master_key]", gateway.master_key)
        page.click("#sign-in")
        page.goto(evil.url)
        page.wait_for_load_state()
        page.wait_for_selector("#problem")
        assert page.url.startswith(gateway.url) and "another site" in page.inner_text("#problem")
        snap(page, shots, "csrf-refused")
        page.goto("/console/keys")
        assert "mallory" not in page.content()
        context.close()
    finally:
        evil.close()


class _Site:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _evil_site(target: str) -> _Site:
    page = (
        f'<form id=f method=post action="{target}"><input name=name value=mallory>'
        '<input name=csrf value="guessed"></form><script>f.submit()</script>'
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return _Site(server)
