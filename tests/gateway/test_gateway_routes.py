"""A model name's resolution is reused for `ROUTES_TTL` (settings, catalog and token are not
re-read on every request), and never longer: an edited settings file is served within it,
and a name that failed to resolve is tried afresh on the next request."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest
from gateway_fixtures import WriteModels
from gateway_harness import Gateway

from hfgate.gateway.upstream import ROUTES_TTL
from hfgate.testing import OpenAIEmulator, Reply

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
ASK = [{"role": "user", "content": "x"}]


def entry(emulator: OpenAIEmulator, name: str) -> dict[str, str]:
    return {"model": "gpt-test", "displayName": name, "provider": "generic-chat-completion-api",
            "baseUrl": emulator.base_url, "apiKey": "sk-upstream"}  # fmt: skip


def test_edited_settings_are_served_within_the_ttl(
    gateway: Gateway, write_models: WriteModels, openai_upstream: OpenAIEmulator
) -> None:
    client = gateway.openai()
    with pytest.raises(openai.NotFoundError):  # not remembered: the next request looks again
        client.chat.completions.create(model="Named", messages=ASK)
    write_models(entry(openai_upstream, "Named"))
    openai_upstream.push(Reply.text("one"), Reply.text("two"))
    first = client.chat.completions.create(model="Named", messages=ASK)
    assert first.choices[0].message.content == "one"

    write_models()  # the entry is gone: reused for at most ROUTES_TTL, then refused
    assert client.chat.completions.create(model="Named", messages=ASK).choices[0].message.content
    time.sleep(ROUTES_TTL + 0.1)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="Named", messages=ASK)


def test_an_upstream_cookie_never_rides_on_the_next_clients_request(
    gateway: Gateway, upstream: Any
) -> None:
    """One pool serves every client: a `Set-Cookie` in one answer (a load balancer's session,
    say) is not kept, so it can never reach the upstream with another key's request."""
    upstream.push(Reply.text("a", headers={"set-cookie": "session=alice-only; Path=/"}))
    upstream.push(Reply.text("b"))
    for key in (gateway.new_key("alice"), gateway.new_key("bob")):
        gateway.openai(key).chat.completions.create(model=MODEL, messages=ASK)
    calls = [r for r in upstream.requests if r.method == "POST"]
    assert len(calls) == 2 and all("cookie" not in r.headers for r in calls)


def test_one_shot_and_streamed_calls_reach_the_upstream_as_the_same_client(
    gateway: Gateway, upstream: Any
) -> None:
    """One-shot calls go to aiohttp directly, streams through httpx: the upstream sees the
    same request headers either way (httpx's defaults, the key, the JSON type), but for
    `accept`, which names the event stream."""
    upstream.push(Reply.text("a"))
    upstream.push(Reply.text("b"))
    client = gateway.openai(gateway.new_key("k"))
    client.chat.completions.create(model=MODEL, messages=ASK)
    assert (
        "".join(
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(model=MODEL, messages=ASK, stream=True)
            if c.choices
        )
        == "b"
    )
    one_shot, streamed = [r for r in upstream.requests if r.method == "POST"]
    for name in ("user-agent", "accept-encoding", "content-type", "authorization"):
        assert one_shot.headers[name] == streamed.headers[name], name
    assert one_shot.headers["user-agent"].startswith("python-httpx/")
