"""The Anthropic Messages wire (`POST /v1/messages`) of `AnthropicEmulator`, checked by the
official anthropic SDK (typed parsing, `messages.stream` accumulation, its error classes) and
by raw httpx for the bytes themselves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import pytest

from hfgate.testing import AnthropicEmulator, Reply, ToolCallSpec

MESSAGES = "/v1/messages"
VERSION = {"anthropic-version": "2023-06-01"}
HELLO: list[Any] = [{"role": "user", "content": "Hello there"}]
BODY: dict[str, Any] = {"model": "claude-test", "max_tokens": 256, "messages": HELLO}
USAGE = {"prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27}
SPECS = [
    ToolCallSpec("search", {"q": "llamas in the Andes", "n": 2}),
    ToolCallSpec("clock", {"tz": "UTC"}, id="toolu_clock"),
]


@pytest.fixture
def api() -> Iterator[AnthropicEmulator]:
    with AnthropicEmulator() as emulator:
        yield emulator


@pytest.fixture
def sdk(api: AnthropicEmulator) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=api.base_url, api_key="sk-ant-test", max_retries=0) as c:
        yield c


@pytest.fixture
def http(api: AnthropicEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=5, headers=VERSION) as client:
        yield client


def raw_events(http: httpx.Client, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """Each SSE event as (its `event:` name, its JSON data)."""
    response = http.post(MESSAGES, json=body | {"stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    events = []
    for block in response.text.removesuffix("\n\n").split("\n\n"):
        name, data = block.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def create(sdk: anthropic.Anthropic, **options: Any) -> anthropic.types.Message:
    """A non-streaming `messages.create` of BODY with `options` on top."""
    message: anthropic.types.Message = sdk.messages.create(**{**BODY, **options})
    return message


# --- whole answers ---------------------------------------------------------------------------


def test_text_answer(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    api.push(Reply.text("Paris.", usage=USAGE, request_id="req_011Cabc"))
    raw = sdk.messages.with_raw_response.create(**BODY)
    message = raw.parse()
    assert message.id.startswith("msg_") and message.type == "message"
    assert (message.role, message.model) == ("assistant", "claude-test")
    assert [(b.type, getattr(b, "text", None)) for b in message.content] == [("text", "Paris.")]
    assert (message.stop_reason, message.stop_sequence) == ("end_turn", None)
    assert (message.usage.input_tokens, message.usage.output_tokens) == (20, 7)
    assert message.usage.cache_read_input_tokens == 0
    assert message.usage.cache_creation_input_tokens == 0
    assert raw.headers["request-id"] == "req_011Cabc"
    assert message._request_id == "req_011Cabc"  # the SDK reads Anthropic's header name
    assert "x-request-id" not in raw.headers and "x-inference-provider" not in raw.headers


def test_cache_usage_excludes_cached_input(
    api: AnthropicEmulator, sdk: anthropic.Anthropic
) -> None:
    """Anthropic's input_tokens leaves out cache reads and writes: 20 = 11 + 6 + 3."""
    api.push(
        Reply.text("x", usage=USAGE, cached_tokens=6, cache_write_tokens=3, reasoning_tokens=2),
        Reply.text("x", usage=USAGE, cached_tokens=6, cache_write_tokens=3, reasoning_tokens=2),
    )
    usage = create(sdk).usage
    assert (usage.input_tokens, usage.cache_read_input_tokens) == (11, 6)
    assert (usage.cache_creation_input_tokens, usage.output_tokens) == (3, 7)
    assert usage.output_tokens_details is not None
    assert usage.output_tokens_details.thinking_tokens == 2
    with sdk.messages.stream(**BODY) as stream:
        events = list(stream)
        final = stream.get_final_message()
    start = events[0]
    assert start.type == "message_start"
    assert start.message.usage.input_tokens == 11 and start.message.usage.output_tokens == 1
    assert start.message.usage.cache_read_input_tokens == 6
    assert start.message.usage.cache_creation_input_tokens == 3
    assert (final.usage.input_tokens, final.usage.output_tokens) == (11, 7)
    assert final.usage.cache_read_input_tokens == 6


def test_too_many_cached_tokens_fail_the_script(api: AnthropicEmulator, http: httpx.Client) -> None:
    api.push(Reply.text("x", cached_tokens=50))  # the prompt is 2 words: 2 - 50 < 0
    response = http.post(MESSAGES, json=BODY)
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "api_error"
    assert "could not render" in response.json()["error"]["message"]


def test_thinking_block(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    api.push(Reply.text("Three.", reasoning="count the r", thinking_signature="c2lnbmF0dXJl"))
    thinking = {"type": "enabled", "budget_tokens": 1024}
    message = create(sdk, max_tokens=2048, thinking=thinking)
    first, second = message.content
    assert first.type == "thinking"
    assert (first.thinking, first.signature) == ("count the r", "c2lnbmF0dXJl")
    assert second.type == "text" and second.text == "Three."


def test_tool_use(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    api.push(Reply.tool_calls(SPECS, text="Looking."))
    message = create(sdk)
    assert message.stop_reason == "tool_use"
    text, *uses = message.content
    assert text.type == "text" and text.text == "Looking."
    assert [(u.type, u.id, u.name, u.input) for u in uses if u.type == "tool_use"] == [
        ("tool_use", "toolu_0", "search", SPECS[0].arguments),
        ("tool_use", "toolu_clock", "clock", SPECS[1].arguments),
    ]
    api.push(Reply.tool_calls(SPECS[:1]))  # no text: no text block
    assert [b.type for b in create(sdk).content] == ["tool_use"]


@pytest.mark.parametrize(
    ("reply", "stop_reason", "stop_sequence"),
    [
        (Reply.text("cut", finish_reason="length"), "max_tokens", None),
        (Reply.text("ok", stop_sequence="\n\nHuman:"), "stop_sequence", "\n\nHuman:"),
        (Reply.text("no", finish_reason="content_filter"), "refusal", None),
        (Reply.text("wait", finish_reason="pause_turn"), "pause_turn", None),
        (Reply.text("odd", finish_reason="eos_token"), "eos_token", None),  # passed through
    ],
)
def test_stop_reasons(
    api: AnthropicEmulator,
    http: httpx.Client,
    reply: Reply,
    stop_reason: str,
    stop_sequence: str | None,
) -> None:
    api.push(reply, reply)
    body = http.post(MESSAGES, json=BODY).json()
    assert (body["stop_reason"], body["stop_sequence"]) == (stop_reason, stop_sequence)
    (delta,) = [data for name, data in raw_events(http, BODY) if name == "message_delta"]
    assert delta["delta"] == {"stop_reason": stop_reason, "stop_sequence": stop_sequence}


# --- echo ------------------------------------------------------------------------------------


def test_echo_finds_the_last_user_text(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    messages: Any = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "What"}, {"type": "text", "text": "time?"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "clock", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "noon now"}],
        },
    ]
    message = create(sdk, system="Be brief please", messages=messages)
    assert message.content[0].type == "text"
    assert message.content[0].text == "You said: What time?"  # tool results are not asked
    # usage in words: system 3 + user 2 + tool result 2; "You said: What time?" is 4
    assert (message.usage.input_tokens, message.usage.output_tokens) == (7, 4)
    with sdk.messages.stream(**BODY) as stream:
        assert stream.get_final_text() == "You said: Hello there"


# --- streams ---------------------------------------------------------------------------------


def test_stream_event_sequence(api: AnthropicEmulator, http: httpx.Client) -> None:
    api.push(Reply.text("Hello!", reasoning="hmm", chunk_size=3, usage=USAGE))
    events = raw_events(http, BODY)
    assert [name for name, _ in events] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(name == data["type"] for name, data in events)
    data = [d for _, d in events]
    assert data[0]["message"]["content"] == [] and data[0]["message"]["stop_reason"] is None
    assert data[1] == {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    }
    assert data[2] == {"type": "ping"}
    assert [d["delta"] for d in data[3:5]] == [
        {"type": "thinking_delta", "thinking": "hmm"},
        {"type": "signature_delta", "signature": Reply.text("").thinking_signature},
    ]
    assert data[6]["content_block"] == {"type": "text", "text": ""}
    assert [d["delta"]["text"] for d in data[7:9]] == ["Hel", "lo!"]
    assert {d["index"] for d in data[6:10]} == {1}
    assert data[10]["usage"] == {"output_tokens": 7}
    assert data[11] == {"type": "message_stop"}


def test_stream_with_the_helper(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    api.push(Reply.text("Hello there", reasoning="first, think", chunk_size=4))
    with sdk.messages.stream(**BODY) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    assert texts == ["Hell", "o th", "ere"]
    thinking, text = final.content
    assert thinking.type == "thinking" and thinking.thinking == "first, think"
    assert thinking.signature == Reply.text("").thinking_signature  # from signature_delta
    assert text.type == "text" and text.text == "Hello there"
    assert final.stop_reason == "end_turn"


def test_stream_parallel_tool_use(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    api.push(Reply.tool_calls(SPECS, split=4))
    with sdk.messages.stream(**BODY) as stream:
        events: list[Any] = list(stream)
        final = stream.get_final_message()
    starts = [e for e in events if e.type == "content_block_start"]
    assert [(e.index, e.content_block.type, e.content_block.input) for e in starts] == [
        (0, "tool_use", {}),
        (1, "tool_use", {}),
    ]
    for index, spec in enumerate(SPECS):
        fragments = [
            e.delta.partial_json
            for e in events
            if e.type == "content_block_delta" and e.index == index
        ]
        assert len(fragments) == 4 and json.loads("".join(fragments)) == spec.arguments
    assert [(b.id, b.name, b.input) for b in final.content if b.type == "tool_use"] == [
        ("toolu_0", "search", SPECS[0].arguments),
        ("toolu_clock", "clock", SPECS[1].arguments),
    ]
    assert final.stop_reason == "tool_use"


# --- failures --------------------------------------------------------------------------------


def test_stream_error(api: AnthropicEmulator, sdk: anthropic.Anthropic, http: httpx.Client) -> None:
    api.push(Reply.stream_error("Overloaded", after_chunks=2, text="half an"))
    seen: list[Any] = []
    with pytest.raises(anthropic.APIStatusError) as failed:
        for event in sdk.messages.create(**BODY, stream=True):
            seen.append(event)
    assert failed.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    deltas = [e.delta.text for e in seen if e.type == "content_block_delta"]
    assert deltas == ["half", " an"]
    api.push(Reply.stream_error("boom", error_type="api_error"))
    with pytest.raises(anthropic.APIStatusError) as helper_failed:
        with sdk.messages.stream(**BODY) as stream:
            stream.get_final_message()
    assert "boom" in helper_failed.value.message
    api.push(Reply.stream_error("Overloaded"))
    names = [name for name, _ in raw_events(http, BODY)]
    assert names == ["message_start", "content_block_start", "ping", "content_block_delta", "error"]


def test_stream_error_without_streaming(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    api.push(
        Reply.stream_error("Overloaded"), Reply.stream_error("slow", error_type="rate_limit_error")
    )
    with pytest.raises(anthropic.OverloadedError) as overloaded:
        create(sdk)
    assert overloaded.value.status_code == 529
    with pytest.raises(anthropic.RateLimitError):
        create(sdk)


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [
        (529, "overloaded_error", anthropic.OverloadedError),
        (429, "rate_limit_error", anthropic.RateLimitError),
        (500, "api_error", anthropic.InternalServerError),
        (401, "authentication_error", anthropic.AuthenticationError),
    ],
)
def test_http_errors(
    api: AnthropicEmulator,
    sdk: anthropic.Anthropic,
    status: int,
    kind: str,
    error: type[anthropic.APIStatusError],
) -> None:
    api.push(Reply.anthropic_error(status, kind, f"{kind} happened", request_id="req_011Cerr"))
    with pytest.raises(error) as raised:
        with sdk.messages.stream(**BODY) as stream:  # an HTTP error, even for a stream
            list(stream)
    assert raised.value.status_code == status
    assert raised.value.body == {
        "type": "error",
        "error": {"type": kind, "message": f"{kind} happened"},
    }
    assert f"{kind} happened" in raised.value.message
    assert raised.value.request_id == "req_011Cerr"


def test_anthropic_error_helper() -> None:
    reply = Reply.anthropic_error(529, "overloaded_error", "Overloaded", retry_after=2)
    assert (reply.kind, reply.status, reply.retry_after) == ("error", 529, 2)
    assert reply.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }


# --- request checks --------------------------------------------------------------------------


def rejected(message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}


TOOL_USE: Any = {"type": "tool_use", "id": "toolu_1", "name": "clock", "input": {}}


def cached(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**BODY, "model": 1}, "model: Input should be a valid string"),
        ({"max_tokens": 5, "messages": HELLO}, "model: Field required"),
        ({"model": "m", "messages": HELLO}, "max_tokens: Field required"),
        ({**BODY, "max_tokens": "lots"}, "max_tokens: Input should be a valid integer"),
        ({**BODY, "max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"model": "m", "max_tokens": 5}, "messages: Field required"),
        ({**BODY, "messages": []}, "messages: at least one message is required"),
        (
            {**BODY, "messages": [{"role": "system", "content": "x"}]},
            "messages.0.role: Input should be 'user' or 'assistant'",
        ),
        (
            {**BODY, "messages": [{"role": "assistant", "content": "x"}]},
            'messages: first message must use the "user" role',
        ),
        (
            {**BODY, "messages": [*HELLO, *HELLO]},
            'messages: roles must alternate between "user" and "assistant", but found '
            'multiple "user" roles in a row',
        ),
        (
            {
                **BODY,
                "messages": [
                    *HELLO,
                    {"role": "assistant", "content": [TOOL_USE]},
                    {
                        "role": "user",
                        "content": [
                            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"},
                            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "?"},
                        ],
                    },
                ],
            },
            "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: "
            "toolu_2. Each `tool_result` block must have a corresponding `tool_use` block in "
            "the previous message.",
        ),
        (
            {
                **BODY,
                "messages": [
                    *HELLO,
                    {"role": "assistant", "content": [TOOL_USE]},
                    {"role": "user", "content": "go on"},
                    {"role": "assistant", "content": "ok"},
                    {
                        "role": "user",
                        "content": [{"type": "tool_result", "tool_use_id": "toolu_1"}],
                    },
                ],
            },  # the tool_use was two turns back: not the immediately preceding one
            "messages.4.content.0: unexpected `tool_use_id` found in `tool_result` blocks: "
            "toolu_1. Each `tool_result` block must have a corresponding `tool_use` block in "
            "the previous message.",
        ),
        (
            {**BODY, "thinking": {"type": "enabled", "budget_tokens": 1023}},
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
        ),
        (
            {**BODY, "max_tokens": 1024, "thinking": {"type": "enabled", "budget_tokens": 1024}},
            "`max_tokens` must be greater than `thinking.budget_tokens`",
        ),
        (
            {
                **BODY,
                "system": [cached("a"), cached("b")],
                "tools": [
                    {"name": "t", "input_schema": {}, "cache_control": {"type": "ephemeral"}}
                ],
                "messages": [{"role": "user", "content": [cached("c"), cached("d")]}],
            },
            "A maximum of 4 blocks with cache_control may be provided. Found 5.",
        ),
    ],
)
def test_request_checks(
    api: AnthropicEmulator, http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    api.push(Reply.text("never served"))
    response = http.post(MESSAGES, json=body)
    assert (response.status_code, response.json()) == (400, rejected(message))
    assert response.headers["request-id"].startswith("req_")
    assert api.pending == 1  # a rejected request uses up no script


def test_valid_edge_requests_pass(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    four: Any = [{"role": "user", "content": [cached("a"), cached("b"), cached("c"), cached("d")]}]
    assert create(sdk, messages=four).content[0].type == "text"
    thinking: Any = {"type": "enabled", "budget_tokens": 1024}
    assert create(sdk, max_tokens=1025, thinking=thinking).stop_reason == "end_turn"
    answered: Any = [
        *HELLO,
        {"role": "assistant", "content": [TOOL_USE]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1"}]},
    ]
    assert create(sdk, messages=answered).content[0].type == "text"


def test_request_checks_reach_the_sdk(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as bad:
        create(sdk, messages=[{"role": "assistant", "content": "hi"}])
    assert bad.value.body == rejected('messages: first message must use the "user" role')
    assert 'first message must use the "user" role' in bad.value.message
    with pytest.raises(anthropic.BadRequestError) as no_version:
        create(sdk, extra_headers={"anthropic-version": anthropic.Omit()})
    assert no_version.value.body == rejected("anthropic-version: header is required")


def test_bad_json_and_not_found(api: AnthropicEmulator, http: httpx.Client) -> None:
    response = http.post(MESSAGES, content=b"{nope")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("The request body is not valid JSON")
    for method, path in [("POST", "/v1/chat/completions"), ("GET", MESSAGES)]:
        missing = http.request(method, path)
        assert missing.status_code == 404
        assert missing.json() == {
            "type": "error",
            "error": {"type": "not_found_error", "message": "Not Found"},
        }
        assert missing.headers["request-id"].startswith("req_")
    no_model = http.get("/v1/models/claude-nope")
    assert no_model.status_code == 404
    assert no_model.json()["error"] == {
        "type": "not_found_error",
        "message": "Model claude-nope does not exist",
    }


def test_models_catalog(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    models = list(sdk.models.list())
    assert [m.id for m in models] == [m["id"] for m in api.models]
    assert models[0].type == "model" and models[0].display_name.startswith("Claude")
    assert models[0].created_at.year >= 2025
    one = sdk.models.retrieve(models[1].id)
    assert (one.id, one.display_name) == (models[1].id, models[1].display_name)
    api.models = [
        {
            "type": "model",
            "id": "claude-x",
            "display_name": "X",
            "created_at": "2025-01-01T00:00:00Z",
        }
    ]
    with httpx.Client(base_url=api.url) as http:
        assert http.get("/v1/models").json() == {
            "data": api.models,
            "has_more": False,
            "first_id": "claude-x",
            "last_id": "claude-x",
        }


def test_require_auth() -> None:
    with AnthropicEmulator(require_auth=True) as api, httpx.Client(base_url=api.url) as http:
        denied = http.post(MESSAGES, json=BODY, headers=VERSION)
        assert denied.status_code == 401
        assert denied.json() == {
            "type": "error",
            "error": {"type": "authentication_error", "message": "x-api-key header is required"},
        }
        keyed = http.post(MESSAGES, json=BODY, headers=VERSION | {"x-api-key": "sk-ant-x"})
        assert keyed.status_code == 200
        with anthropic.Anthropic(base_url=api.base_url, api_key="sk-ant-x", max_retries=0) as sdk:
            assert create(sdk).content[0].type == "text"  # whichever header this SDK uses


def test_base_url_and_recording(api: AnthropicEmulator, sdk: anthropic.Anthropic) -> None:
    assert api.base_url == api.url and not api.base_url.endswith("/v1")
    create(sdk, system="sys")
    (request,) = api.requests
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.json == {**BODY, "system": "sys"}
    assert request.headers["anthropic-version"]
    assert "sk-ant-test" in (
        request.headers.get("x-api-key", "") + request.headers.get("authorization", "")
    )
