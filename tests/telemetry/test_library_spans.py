"""Spans of library calls, as the real OTLP exporter sends them to a receiver on loopback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from otlp_receiver import Traces, attrs

import hfgate
from hfgate.testing import Reply, RouterEmulator, ToolCallSpec

MODEL = "Qwen/Qwen3-32B:groq"
PROMPT = "What is the capital of France? (a private question)"
USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}


def answer(**options: Any) -> Reply:
    return Reply.text(
        "Paris, said privately.",
        usage=USAGE,
        cached_tokens=4,
        provider="groq",
        model="qwen/qwen3-32b",
        **options,
    )


def assert_no_secret_or_content(otlp: Traces) -> None:
    dump = otlp.dump()
    assert dump, "nothing was exported"
    for forbidden in (b"hf_test_key", b"private", b"Bearer", b"authorization", b"Paris"):
        assert forbidden not in dump, forbidden


def traceparent_of(router: RouterEmulator, index: int = -1) -> tuple[str, str]:
    version, trace_id, span_id, flags = router.requests[index].headers["traceparent"].split("-")
    assert version == "00" and int(flags, 16) & 1  # sampled
    return trace_id, span_id


@pytest.mark.parametrize("timeout", [None, 30.0])  # with a bound, sync I/O runs on a worker
def test_generate_text_sends_one_client_span(
    hf: Any, router: RouterEmulator, otlp: Traces, timeout: float | None
) -> None:
    router.push(answer())
    result = hf(timeout=timeout).generate_text(
        model=MODEL, prompt=PROMPT, max_tokens=50, temperature=0.2
    )
    assert result.text == "Paris, said privately."
    [span] = otlp.spans(1)
    assert (span.name, span.kind, span.status, span.parent_id) == (
        f"chat {MODEL}",
        "CLIENT",
        "UNSET",
        "",
    )
    assert span.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "groq",
        "gen_ai.system": "groq",
        "gen_ai.request.model": MODEL,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.response.model": "qwen/qwen3-32b",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 3,
        "gen_ai.usage.cache_read.input_tokens": 4,
        "hfgate.api": "chat",
        "hfgate.stream": False,
        "hfgate.upstream.request_id": result.request_id,
        "server.address": "127.0.0.1",
        "server.port": int(router.base_url.split(":")[2].split("/")[0]),
    }
    assert span.resource["service.name"] == "hfgate"
    assert span.scope == "hfgate"
    # W3C trace context: the upstream saw this very span as its parent
    assert traceparent_of(router) == (span.trace_id, span.span_id)
    assert_no_secret_or_content(otlp)


@pytest.mark.anyio
async def test_async_call_is_a_child_of_the_applications_span(
    router: RouterEmulator, otlp: Traces
) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    app_tracer = TracerProvider().get_tracer("the-application")
    router.push(answer())
    async with hfgate.AsyncClient(
        api_key="hf_test_key", base_url=router.base_url, hf_router=True
    ) as client:
        with app_tracer.start_as_current_span("handle order") as outer:
            await client.generate_text(model=MODEL, prompt=PROMPT)
    [span] = otlp.spans(1)
    context = outer.get_span_context()
    assert span.trace_id == f"{context.trace_id:032x}"
    assert span.parent_id == f"{context.span_id:016x}"
    assert attrs(span, "gen_ai.usage.input_tokens", "gen_ai.provider.name") == {
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.provider.name": "groq",
    }
    assert traceparent_of(router) == (span.trace_id, span.span_id)


@pytest.mark.parametrize("timeout", [None, 30.0])
def test_a_stream_span_ends_with_the_stream_and_its_usage(
    hf: Any, router: RouterEmulator, otlp: Traces, timeout: float | None
) -> None:
    router.push(answer(chunk_size=4))
    with hf(timeout=timeout).stream_text(model=MODEL, prompt=PROMPT) as stream:
        events = iter(stream)
        next(events)
        assert otlp.spans() == []  # open while the answer streams
        for _ in events:
            pass
    [span] = otlp.spans(1)
    assert attrs(
        span,
        "hfgate.stream",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.response.finish_reasons",
        "hfgate.cancelled",
    ) == {
        "hfgate.stream": True,
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 3,
        "gen_ai.response.finish_reasons": ("stop",),
        "hfgate.cancelled": None,
    }
    assert span.status == "UNSET"
    assert traceparent_of(router) == (span.trace_id, span.span_id)
    assert_no_secret_or_content(otlp)


@pytest.mark.anyio
async def test_a_stream_closed_early_ends_its_span_as_cancelled(
    router: RouterEmulator, otlp: Traces
) -> None:
    router.push(answer(chunk_size=2, chunk_delay=0.01))
    async with hfgate.AsyncClient(
        api_key="hf_test_key", base_url=router.base_url, hf_router=True
    ) as client:
        stream = client.stream_text(model=MODEL, prompt=PROMPT)
        async for _ in stream.text_stream:
            break
        await stream.aclose()
    [span] = otlp.spans(1)
    assert span.attributes["hfgate.cancelled"] is True
    assert "gen_ai.response.finish_reasons" not in span.attributes
    assert "error.type" not in span.attributes
    assert span.status == "UNSET"


def test_a_stream_cut_by_the_server_is_an_error(
    hf: Any, router: RouterEmulator, otlp: Traces
) -> None:
    router.push(answer(chunk_size=2, drop_after=2))
    with pytest.raises(hfgate.IncompleteStreamError):
        for _ in hf(max_retries=0).stream_text(model=MODEL, prompt=PROMPT):
            pass
    [span] = otlp.spans(1)
    assert span.attributes["error.type"] == "hfgate.errors.IncompleteStreamError"
    assert (span.status, span.status_message) == ("ERROR", "hfgate.errors.IncompleteStreamError")
    assert_no_secret_or_content(otlp)


def test_a_typed_error_is_the_spans_error_type(
    hf: Any, router: RouterEmulator, otlp: Traces
) -> None:
    router.push(Reply.error_object(429, "Slow down: your prompt 'Paris private' was refused"))
    with pytest.raises(hfgate.RateLimitError):
        hf(max_retries=0).generate_text(model=MODEL, prompt=PROMPT)
    [span] = otlp.spans(1)
    assert span.attributes["error.type"] == "hfgate.errors.RateLimitError"
    assert span.status == "ERROR"
    assert span.events == ()  # no exception event: its message may quote the prompt
    assert_no_secret_or_content(otlp)


def weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}, privately"


@pytest.mark.parametrize("streamed", [False, True])
def test_a_tool_loop_is_one_agent_span_with_a_chat_span_per_step(
    hf: Any, router: RouterEmulator, otlp: Traces, streamed: bool
) -> None:
    call = ToolCallSpec("weather", {"city": "Paris"})
    router.push(Reply.tool_calls([call], usage=USAGE), answer())
    options: dict[str, Any] = {"model": MODEL, "prompt": PROMPT, "tools": [weather]}
    if streamed:
        result = hf().stream_text(**options, max_steps=3).result
    else:
        result = hf().generate_text(**options, max_steps=3)
    assert len(result.steps) == 2
    spans = otlp.spans(4)
    [agent] = [s for s in spans if s.name == f"invoke_agent {MODEL}"]
    steps = [s for s in spans if s.name == f"chat {MODEL}"]
    [tool] = [s for s in spans if s.name == "execute_tool weather"]
    assert agent.kind == "INTERNAL" and [s.kind for s in steps] == ["CLIENT", "CLIENT"]
    assert {s.parent_id for s in [*steps, tool]} == {agent.span_id}
    assert {s.trace_id for s in [*steps, tool]} == {agent.trace_id}
    assert (tool.kind, tool.status, tool.attributes) == (
        "INTERNAL",
        "UNSET",
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "weather",
            "gen_ai.tool.call.id": "call_0",
            "gen_ai.tool.type": "function",
        },
    )
    assert [s.attributes["gen_ai.response.finish_reasons"] for s in steps] == [
        ("tool_call",),
        ("stop",),
    ]
    assert attrs(
        agent,
        "gen_ai.operation.name",
        "hfgate.steps",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.response.finish_reasons",
    ) == {
        "gen_ai.operation.name": "invoke_agent",
        "hfgate.steps": 2,
        "gen_ai.usage.input_tokens": 24,
        "gen_ai.usage.output_tokens": 6,
        "gen_ai.response.finish_reasons": ("stop",),
    }
    # each step's request names its own span as the parent
    assert [traceparent_of(router, i) for i in (0, 1)] == [(s.trace_id, s.span_id) for s in steps]
    assert_no_secret_or_content(otlp)


def test_a_tool_runs_in_its_span_and_its_failure_is_marked(
    hf: Any, router: RouterEmulator, otlp: Traces
) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    app_tracer = TracerProvider().get_tracer("the-application")
    inside: list[Any] = []

    def lookup(city: str) -> str:
        """Fails, after a span of the application's own."""
        with app_tracer.start_as_current_span("database query") as span:
            inside.append(span.parent)  # type: ignore[attr-defined]  # the SDK's span
        raise LookupError(f"no weather for {city}")

    router.push(Reply.tool_calls([ToolCallSpec("lookup", {"city": "Paris"})]), answer())
    hf().generate_text(model=MODEL, prompt=PROMPT, tools=[lookup], max_steps=2)
    [tool] = otlp.named("execute_tool lookup")
    assert (tool.status, tool.attributes["error.type"]) == ("ERROR", "tool_error")
    # the application's span inside the tool is the tool span's child
    assert (f"{inside[0].trace_id:032x}", f"{inside[0].span_id:016x}") == (
        tool.trace_id,
        tool.span_id,
    )
    assert_no_secret_or_content(otlp)


def test_the_service_name_comes_from_the_environment(
    hf: Any, router: RouterEmulator, otlp: Traces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "checkout")
    hfgate.telemetry.reconfigure()
    router.push(answer())
    hf().generate_text(model=MODEL, prompt=PROMPT)
    [span] = otlp.spans(1)
    assert span.resource["service.name"] == "checkout"


def test_messages_go_in_only_when_asked_for(
    hf: Any, router: RouterEmulator, otlp: Traces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    hfgate.telemetry.reconfigure()
    call = ToolCallSpec("weather", {"city": "Paris"}, id="call_1")
    router.push(Reply.tool_calls([call], usage=USAGE), answer())
    hf().generate_text(model=MODEL, system="Be brief.", prompt=PROMPT, tools=[weather], max_steps=2)
    first, second = otlp.named("chat ")
    assert json.loads(first["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief."}
    ]
    assert json.loads(first["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": PROMPT}]}
    ]
    assert json.loads(first["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "weather",
                    "arguments": {"city": "Paris"},
                }
            ],
            "finish_reason": "tool_call",
        }
    ]
    assert json.loads(second["gen_ai.input.messages"])[1:] == [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "weather",
                    "arguments": {"city": "Paris"},
                }
            ],
        },
        {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_call_response",
                    "id": "call_1",
                    "response": "Sunny in Paris, privately",
                }
            ],
        },
    ]
    assert json.loads(second["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Paris, said privately."}],
            "finish_reason": "stop",
        }
    ]
    dump = otlp.dump()
    for forbidden in (b"hf_test_key", b"Bearer", b"authorization"):
        assert forbidden not in dump


def test_grpc_is_named_as_unsupported(
    hf: Any, router: RouterEmulator, otlp: Traces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    hfgate.telemetry.reconfigure()
    router.push(answer())
    with pytest.warns(RuntimeWarning, match=r"OTLP/HTTP .* port \(4318"):
        hf().generate_text(model=MODEL, prompt=PROMPT)
    assert len(otlp.spans()) == 1  # still sent, over HTTP
