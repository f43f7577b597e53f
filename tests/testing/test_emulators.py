"""What the three emulators share and where their surfaces differ: the public names, base URLs,
request-id headers, error envelopes, the command line, and the SDKs imported only on use."""

from __future__ import annotations

import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import httpx
import openai
import pytest

import hfgate.testing
from hfgate.testing import (
    AnthropicEmulator,
    Emulator,
    OpenAIEmulator,
    Reply,
    RouterEmulator,
)

MSG: list[Any] = [{"role": "user", "content": "Hello there"}]


def test_public_names() -> None:
    for name in hfgate.testing.__all__:
        assert getattr(hfgate.testing, name) is not None
    assert sorted(hfgate.testing.__all__) == hfgate.testing.__all__
    assert {"RouterEmulator", "OpenAIEmulator", "AnthropicEmulator", "Reply"} <= set(
        hfgate.testing.__all__
    )
    assert all(issubclass(c, Emulator) for c in (RouterEmulator, OpenAIEmulator, AnthropicEmulator))


def test_base_urls() -> None:
    with RouterEmulator() as router, OpenAIEmulator() as oai, AnthropicEmulator() as claude:
        assert router.base_url == router.url + "/v1"
        assert oai.base_url == oai.url + "/v1"
        assert claude.base_url == claude.url  # the anthropic SDK appends /v1/messages
        assert repr(claude) == f"AnthropicEmulator({claude.url!r}, pending=0)"


def test_openai_emulator_serves_chat_completions_too() -> None:
    with OpenAIEmulator() as api:
        api.push(Reply.text("Hi!", provider="groq", request_id="req_123"))
        with openai.OpenAI(base_url=api.base_url, api_key="sk-test", max_retries=0) as sdk:
            raw = sdk.chat.completions.with_raw_response.create(model="gpt-test", messages=MSG)
            assert raw.parse().choices[0].message.content == "Hi!"
            assert raw.headers["x-request-id"] == "req_123"
            assert "x-inference-provider" not in raw.headers  # provider is a router header
            echo = sdk.chat.completions.with_raw_response.create(model="gpt-test", messages=MSG)
            assert echo.headers["x-request-id"].startswith("req_")  # always an id, OpenAI-style
        with httpx.Client(base_url=api.url) as http:
            missing = http.post("/v1/messages", json={})
            assert missing.status_code == 404
            assert missing.json() == {
                "error": {
                    "message": "Not Found",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            }
            assert http.get("/v1/models").json()["object"] == "list"


def test_router_serves_messages_unless_that_route_is_closed(router: RouterEmulator) -> None:
    body = {"model": "org/m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.Client(base_url=router.url, headers={"anthropic-version": "2023-06-01"}) as http:
        served = http.post("/v1/messages", json=body)
        assert served.status_code == 200 and served.json()["type"] == "message"
        router.closed_routes.add("/v1/messages")  # a router from before it served Messages
        r = http.post("/v1/messages", json=body)
        assert (r.status_code, r.json()) == (404, {"error": "Not Found"})
        assert http.post("/v1/chat/completions", json={**body}).status_code != 404


def test_reply_checks_the_new_options() -> None:
    with pytest.raises(ValueError, match="reasoning_item"):
        Reply.text("x", reasoning_item="raw")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="error_event"):
        Reply.stream_error("x", error_event="response.error")  # type: ignore[arg-type]
    assert Reply.stream_error("x").error_payload() == {"error": "x", "error_type": "validation"}


def test_the_router_wires_need_no_anthropic_package() -> None:
    """`anthropic` is imported the first time `/v1/messages` is served, not before."""
    code = (
        "import sys, httpx; from hfgate.testing import RouterEmulator\n"
        "with RouterEmulator() as r:\n"
        "    httpx.post(r.base_url + '/responses', json={'model': 'm', 'input': 'x'})\n"
        "    httpx.post(r.base_url + '/chat/completions', json={'model': 'm', 'messages': []})\n"
        "print(len(r.requests), 'anthropic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]


@pytest.mark.parametrize(
    ("api", "suffix", "path", "body", "headers"),
    [
        ("openai", "/v1", "/responses", {"model": "m", "input": "hi"}, {}),
        (
            "anthropic",
            "",
            "/v1/messages",
            {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "hi"}]},
            {"anthropic-version": "2023-06-01"},
        ),
    ],
)
def test_command_line_api_choice(
    api: str, suffix: str, path: str, body: dict[str, object], headers: dict[str, str]
) -> None:
    command = [sys.executable, "-m", "hfgate.testing", "--api", api, "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith(f"hfgate {api} emulator serving on http://127.0.0.1:")
            base = line.split()[-1]
            assert urlsplit(base).path == suffix
            with httpx.Client() as client:
                r = client.post(base + path, json=body, headers=headers)
            assert r.status_code == 200 and "You said: hi" in r.text
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0


def test_a_responder_answers_from_the_request_after_the_queue() -> None:
    """Multi-turn scripts (tests/agents): the answer depends on what the client sent."""
    seen: list[str] = []

    def respond(request: hfgate.testing.RecordedRequest) -> Reply:
        seen.append(request.path)
        return Reply.text(f"{len(request.json['messages'])} messages")

    with OpenAIEmulator() as api:
        api.responder = respond
        api.push(Reply.text("queued first"))
        client = openai.OpenAI(base_url=api.base_url, api_key="k", max_retries=0)
        answers = [
            client.chat.completions.create(model="m", messages=MSG * n).choices[0].message.content
            for n in (1, 2)
        ]
        assert answers == ["queued first", "2 messages"]
        assert seen == ["/v1/chat/completions"]

        def broken(request: hfgate.testing.RecordedRequest) -> Reply:
            raise KeyError("tools")

        api.responder = broken
        with pytest.raises(openai.InternalServerError, match="responder: KeyError"):
            client.chat.completions.create(model="m", messages=MSG)
        client.close()
