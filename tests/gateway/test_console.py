"""The console over HTTP, once on SQLite and once on PostgreSQL: who gets in (the master key
only, by a signed session cookie), the cookie's flags, CSRF and origin checks, clear messages
for bad form values, and every client-chosen string escaped."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from console_client import ConsoleClient
from gateway_harness import Gateway

from hfgate.gateway.console.session import SESSION_SECONDS, Sessions
from hfgate.testing import Reply, RouterEmulator

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
PAGES = ("/console/usage", "/console/tail", "/console/keys", "/console/usage?by=key&range=1h")


def test_a_visitor_without_a_session_gets_nothing(gateway: Gateway) -> None:
    key = gateway.new_key("alice")
    console = ConsoleClient(gateway)
    for headers in ({}, {"authorization": f"Bearer {key}"}, {"x-api-key": key},
                    {"authorization": f"Bearer {gateway.master_key}"},
                    {"cookie": f"hfgate_console={key}"}):  # fmt: skip
        for path in PAGES:
            answer = console.http.get(path, headers=headers)
            assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
            assert "alice" not in answer.text
        tail = console.http.get("/console/tail.json", headers=headers)
        assert tail.status_code == 401 and "rows" not in tail.json()
        forged = console.post("/console/keys", {"name": "mallory"}, headers=headers)
        assert forged.status_code == 401
    assert [k["name"] for k in httpx.get(
        f"{gateway.url}/keys", headers={"authorization": f"Bearer {gateway.master_key}"}
    ).json()["data"]] == ["alice"]  # fmt: skip
    refused = console.sign_in(key)  # a virtual key cannot sign in
    assert refused.status_code == 401 and "set-cookie" not in refused.headers
    assert "virtual keys cannot sign in" in refused.text


def test_the_session_cookie_and_headers(gateway: Gateway) -> None:
    console = ConsoleClient(gateway)
    signed = console.sign_in()
    assert signed.status_code == 303 and signed.headers["location"] == "/console/usage"
    cookie = signed.headers["set-cookie"]
    flags = {f.strip().split("=")[0].lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= flags and "secure" not in flags
    assert "samesite=strict" in cookie.lower() and "path=/console" in cookie.lower()
    assert f"max-age={SESSION_SECONDS}" in cookie.lower()
    assert gateway.master_key not in cookie
    page = console.http.get("/console/usage")
    assert page.status_code == 200 and gateway.master_key not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # behind a TLS proxy (uvicorn trusts X-Forwarded-Proto from loopback, its default)
    https = httpx.post(
        f"{gateway.url}/console/login",
        data={"master_key": gateway.master_key},
        headers={"x-forwarded-proto": "https", "origin": gateway.url.replace("http:", "https:")},
    )
    assert https.status_code == 303 and "secure" in https.headers["set-cookie"].lower()
    out = console.post("/console/logout", {"csrf": console.csrf()})
    assert out.status_code == 303 and 'hfgate_console=""' in out.headers["set-cookie"]


def test_forms_need_the_csrf_token_and_this_origin(gateway: Gateway) -> None:
    console = ConsoleClient(gateway)
    assert console.post("/console/login", {"master_key": gateway.master_key},
                        headers={"origin": "https://evil.example"}).status_code == 403  # fmt: skip
    console.sign_in()
    token = console.csrf()
    for form, headers in (
        ({"name": "a"}, {}),
        ({"name": "a", "csrf": "0" * 32}, {}),
        ({"name": "a", "csrf": token}, {"origin": "http://evil.example"}),
        ({"name": "a", "csrf": token}, {"origin": "null"}),
    ):
        answer = console.post("/console/keys", form, headers=headers)
        assert answer.status_code == 403 and "another site" in answer.text
    no_origin = console.http.post("/console/keys", data={"name": "a", "csrf": token})
    assert no_origin.status_code == 403
    assert "<td>a</td>" not in console.http.get("/console/keys").text
    other = ConsoleClient(gateway)
    other.sign_in()
    assert other.post("/console/keys", {"name": "a", "csrf": token}).status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "`name` is required"),
        ({"name": "x", "rpm": "ten"}, "`rpm` must be a positive whole number"),
        ({"name": "x", "rpm": "0"}, "`rpm` must be a positive integer"),
        ({"name": "x", "budget_usd": "lots"}, "`budget_usd` must be a number"),
        ({"name": "x", "budget_usd": "-1"}, "`budget_usd` must be a number ≥ 0"),
        ({"name": "x", "budget_usd": "nan"}, "`budget_usd` must be a number ≥ 0"),
        ({"name": "x", "bill_to": "no spaces"}, "is not a Hugging Face organization name"),
        ({"name": "master"}, "reserved for the master key"),
    ],
)
def test_a_bad_form_value_is_a_message_on_the_page(
    gateway: Gateway, fields: dict[str, str], message: str
) -> None:
    console = ConsoleClient(gateway)
    console.sign_in()
    answer = console.create_key(**fields)
    assert answer.status_code == 400, answer.text
    assert message in re.sub(r"&#x27;|&quot;", "'", answer.text)
    assert "id=secret" not in answer.text


def test_duplicate_names_and_unknown_keys(gateway: Gateway) -> None:
    console = ConsoleClient(gateway)
    console.sign_in()
    assert console.create_key(name="ci").status_code == 200
    again = console.create_key(name="ci")
    assert again.status_code == 400 and "already exists" in again.text
    gone = console.post("/console/keys/nope/revoke", {"csrf": console.csrf()})
    assert gone.status_code == 404 and "No live key" in gone.text
    bad_range = console.http.get("/console/usage?range=1y")
    assert bad_range.status_code == 400 and "range is one of 1h, 24h" in bad_range.text
    bad_after = console.http.get("/console/tail.json?after=-1")
    assert bad_after.status_code == 400


def test_client_strings_are_escaped(gateway: Gateway, upstream: RouterEmulator) -> None:
    evil = '<img src=x onerror="alert(1)">'
    client = gateway.openai()
    upstream.push(Reply.text("ok"))
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(Exception):  # noqa: B017 - whatever the refusal, a usage row remains
        client.chat.completions.create(model=evil, messages=[{"role": "user", "content": "x"}])
    console = ConsoleClient(gateway)
    console.sign_in()
    assert console.create_key(name=f"k{evil}").status_code == 200
    for path in ("/console/tail", "/console/usage?by=model", "/console/keys"):
        page = console.http.get(path).text
        assert evil not in page and "<img" not in page, path
    assert (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in console.http.get("/console/keys").text
    )
    rows = console.http.get("/console/tail.json").json()["rows"]
    assert [r["cells"][2] for r in rows][:2] == [evil, MODEL]  # JSON, shown as text


def test_sessions_expire_and_a_new_master_key_ends_them() -> None:
    sessions = Sessions("master-one")
    cookie, session = sessions.start(now=1000.0)
    request = _request_with(cookie)
    assert sessions.check(request, now=1000.0 + SESSION_SECONDS - 1) == session
    assert sessions.check(request, now=1000.0 + SESSION_SECONDS) is None
    assert Sessions("master-two").check(request, now=1001.0) is None
    tampered = cookie.replace(cookie.split(".")[1], str(10**12))
    assert sessions.check(_request_with(tampered), now=1001.0) is None
    assert "master-one" not in repr(sessions) and not Sessions(None).enabled


def _request_with(cookie: str):  # type: ignore[no-untyped-def]
    from starlette.requests import Request

    return Request({"type": "http", "headers": [(b"cookie", f"hfgate_console={cookie}".encode())]})


def test_without_a_master_key_the_console_stays_shut(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from hfgate.gateway.app import create_app
    from hfgate.gateway.config import GatewayConfig

    config = GatewayConfig(database_url=str(tmp_path / "g.sqlite3"), refresh_catalog=False)
    with TestClient(create_app(config), base_url="http://gw") as client:
        page = client.get("/console/login")
        assert page.status_code == 403 and "HFGATE_MASTER_KEY" in page.text
        tried = client.post("/console/login", data={"master_key": ""},
                            headers={"origin": "http://gw"})  # fmt: skip
        assert tried.status_code == 403 and "set-cookie" not in tried.headers
        assert client.get("/console/usage", follow_redirects=False).status_code == 303
