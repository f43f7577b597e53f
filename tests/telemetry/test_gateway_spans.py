"""Spans of gateway requests, as the real OTLP exporter sends them: one SERVER span per
request, a child of the client's W3C trace context, the parent of the upstream call's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_fixtures import HF_KEY
from gateway_harness import MASTER, Gateway, router_gateway, wait_for
from otlp_receiver import ReceivedSpan, Traces, attrs

from hfgate.testing import Reply, RouterEmulator

MODEL = "Qwen/Qwen3-32B"
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
USAGE = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}


@pytest.fixture
def gateway(upstream: RouterEmulator, otlp: Traces, tmp_path: Path) -> Iterator[Gateway]:
    database = f"sqlite:///{tmp_path / 'gateway.sqlite3'}"
    with router_gateway(upstream.base_url, database) as running:
        yield running


def ask(gateway: Gateway, key: str, **body: object) -> tuple[int, str]:
    answer = gateway.post(
        "/v1/chat/completions",
        {"model": MODEL, "messages": [{"role": "user", "content": "a private question"}], **body},
        key=key,
        headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"},
    )
    return answer.status_code, answer.text


def server_span(otlp: Traces) -> ReceivedSpan:
    [span] = otlp.named("POST ")
    assert span.kind == "SERVER"
    assert span.resource["service.name"] == "hfgate-gateway"
    return span


def assert_clean(otlp: Traces, *secrets: str) -> None:
    dump = otlp.dump()
    for forbidden in (*secrets, HF_KEY, MASTER, "private", "Paris", "Bearer", "authorization"):
        assert forbidden.encode() not in dump, forbidden


def test_a_request_is_a_server_span_between_client_and_upstream(
    gateway: Gateway, upstream: RouterEmulator, otlp: Traces
) -> None:
    key = gateway.new_key("team-a")
    upstream.push(Reply.text("Paris.", usage=USAGE, cached_tokens=3, provider="groq"))
    status, text = ask(gateway, key, max_tokens=20)
    assert status == 200, text
    span = server_span(otlp)
    assert (span.name, span.trace_id, span.parent_id) == (
        "POST /v1/chat/completions",
        CLIENT_TRACE,
        CLIENT_SPAN,
    )
    assert span.status == "UNSET"
    row = {k: v for k, v in span.attributes.items() if k not in ("hfgate.latency_ms",)}
    request_id = row.pop("hfgate.request_id")
    assert len(request_id) == 24
    row.pop("hfgate.upstream.request_id")
    assert row == {
        "http.request.method": "POST",
        "http.route": "/v1/chat/completions",
        "url.path": "/v1/chat/completions",
        "http.response.status_code": 200,
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": MODEL,
        "gen_ai.response.model": MODEL,
        "gen_ai.provider.name": "groq",
        "gen_ai.system": "groq",
        "gen_ai.usage.input_tokens": 9,
        "gen_ai.usage.output_tokens": 2,
        "gen_ai.usage.cache_read.input_tokens": 3,
        "gen_ai.response.finish_reasons": ("stop",),
        "hfgate.api": "chat",
        "hfgate.stream": False,
        "hfgate.key.name": "team-a",
        "hfgate.cost_usd": pytest.approx(3.79e-06),  # the emulated catalog's groq price
    }
    assert span.attributes["hfgate.latency_ms"] > 0
    # the upstream call continues the client's trace, under the gateway's span
    traceparent = upstream.requests[-1].headers["traceparent"]
    assert traceparent.split("-")[1:3] == [CLIENT_TRACE, span.span_id]
    assert_clean(otlp, key)


def test_a_stream_span_ends_with_the_stream(
    gateway: Gateway, upstream: RouterEmulator, otlp: Traces
) -> None:
    key = gateway.new_key("streamer")
    upstream.push(Reply.text("Paris, in pieces.", usage=USAGE, chunk_size=3, provider="groq"))
    status, text = ask(gateway, key, stream=True, stream_options={"include_usage": True})
    assert status == 200 and "[DONE]" in text
    span = server_span(otlp)
    assert attrs(
        span,
        "hfgate.stream",
        "http.response.status_code",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.response.finish_reasons",
        "hfgate.key.name",
    ) == {
        "hfgate.stream": True,
        "http.response.status_code": 200,
        "gen_ai.usage.input_tokens": 9,
        "gen_ai.usage.output_tokens": 2,
        "gen_ai.response.finish_reasons": ("stop",),
        "hfgate.key.name": "streamer",
    }
    assert upstream.requests[-1].headers["traceparent"].split("-")[2] == span.span_id
    assert_clean(otlp, key)


def test_a_stream_failing_upstream_is_an_error_span(
    gateway: Gateway, upstream: RouterEmulator, otlp: Traces
) -> None:
    key = gateway.new_key("streamer")
    upstream.push(Reply.text("Paris, cut.", chunk_size=2, drop_after=2))
    status, text = ask(gateway, key, stream=True)
    assert status == 200  # the failure arrives as the stream's error frame
    span = server_span(otlp)
    assert span.attributes["error.type"] == "IncompleteStreamError"
    assert span.attributes["http.response.status_code"] >= 500
    assert span.status == "ERROR"
    assert_clean(otlp, key)


@pytest.mark.parametrize(
    ("reply", "status", "error", "span_status"),
    [
        (Reply.error_object(429, "slow down, Paris private"), 429, "RateLimitError", "UNSET"),
        (Reply.error_string(503, "down: Paris private"), 503, "ServerError", "ERROR"),
    ],
)
def test_upstream_errors_are_the_spans_error_type(
    gateway: Gateway,
    upstream: RouterEmulator,
    otlp: Traces,
    reply: Reply,
    status: int,
    error: str,
    span_status: str,
) -> None:
    key = gateway.new_key("team-a")
    upstream.push(reply)
    got, text = ask(gateway, key)
    assert got == status, text
    span = server_span(otlp)
    assert attrs(span, "http.response.status_code", "error.type", "hfgate.key.name") == {
        "http.response.status_code": status,
        "error.type": error,
        "hfgate.key.name": "team-a",
    }
    assert span.status == span_status  # 4xx are the client's, not the server's failure
    assert_clean(otlp, key)


def test_a_refused_key_is_a_401_span_without_the_key(gateway: Gateway, otlp: Traces) -> None:
    wrong = "hfg_notakey_0123456789abcdef"
    got, _ = ask(gateway, wrong)
    assert got == 401
    span = server_span(otlp)
    assert attrs(span, "http.response.status_code", "error.type", "hfgate.key.name") == {
        "http.response.status_code": 401,
        "error.type": "GatewayError",  # as its usage row and metrics say
        "hfgate.key.name": "-",
    }
    assert_clean(otlp, wrong, "notakey")


@pytest.mark.parametrize("streamed", [False, True])
def test_anthropic_clients_get_the_same_span(
    gateway: Gateway, upstream: RouterEmulator, otlp: Traces, streamed: bool
) -> None:
    key = gateway.new_key("claude-code")
    upstream.push(Reply.text("Paris, privately.", usage=USAGE, chunk_size=4, provider="together"))
    request: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 50,
        "system": "Be terse and private.",
        "messages": [{"role": "user", "content": "a private question"}],
    }
    client = gateway.anthropic(key)
    if streamed:
        with client.messages.stream(**request) as stream:
            assert "".join(stream.text_stream) == "Paris, privately."
    else:
        assert client.messages.create(**request).content[0].type == "text"
    span = server_span(otlp)
    assert span.name == "POST /v1/messages"
    assert attrs(
        span,
        "hfgate.api",
        "hfgate.stream",
        "gen_ai.provider.name",
        "gen_ai.usage.output_tokens",
        "gen_ai.response.finish_reasons",
        "hfgate.key.name",
    ) == {
        "hfgate.api": "messages",
        "hfgate.stream": streamed,
        "gen_ai.provider.name": "together",
        "gen_ai.usage.output_tokens": 2,
        "gen_ai.response.finish_reasons": ("stop",),
        "hfgate.key.name": "claude-code",
    }
    assert upstream.requests[-1].path == "/v1/messages"
    assert upstream.requests[-1].headers["traceparent"].split("-")[1:3] == [
        span.trace_id,
        span.span_id,
    ]
    assert_clean(otlp, key)


def test_a_client_hanging_up_ends_the_span_as_499(
    gateway: Gateway, upstream: RouterEmulator, otlp: Traces
) -> None:
    key = gateway.new_key("quitter")
    upstream.push(Reply.text("word " * 200, chunk_size=5, chunk_delay=0.02))
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "long"}]}
    headers = {"authorization": f"Bearer {key}"}
    with httpx.stream(
        "POST", f"{gateway.url}/v1/chat/completions", json=body, headers=headers
    ) as r:
        assert r.status_code == 200
        next(r.iter_bytes())
    spans = wait_for(lambda: otlp.named("POST "))
    [span] = spans
    assert attrs(span, "http.response.status_code", "error.type", "hfgate.key.name") == {
        "http.response.status_code": 499,
        "error.type": "ClientDisconnected",
        "hfgate.key.name": "quitter",
    }
    assert span.status == "UNSET"
    assert_clean(otlp, key)
