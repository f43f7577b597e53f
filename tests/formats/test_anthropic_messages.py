"""The Anthropic Messages translation as pure functions: request bodies checked against the
`anthropic` SDK's own request types, answers and stream events built from its response types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from anthropic.types import (
    Message as SdkMessage,
)
from anthropic.types import (
    MessageCreateParams,
    RawMessageStreamEvent,
)
from pydantic import BaseModel, TypeAdapter

from hfgate.errors import ConfigError, StreamError
from hfgate.formats import anthropic as wire
from hfgate.inputs.request import ChatRequest, to_response_format
from hfgate.inputs.tools import to_tool
from hfgate.types import (
    ImagePart,
    Message,
    ReasoningDelta,
    ReasoningItem,
    ResponseMeta,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

META = ResponseMeta(model="claude-x", provider="api.anthropic.com", request_id="req_1")
_PARAMS: TypeAdapter[Any] = TypeAdapter(MessageCreateParams)
_EVENT: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)
CALL = ToolCall("toolu_1", "weather", {"city": "Paris"}, '{"city": "Paris"}')


Body = Callable[..., dict[str, Any]]


@pytest.fixture
def build(sdk_check: Any) -> Body:
    """`wire.build_body`, with the SDK's request schema checking every body it makes."""

    def build(req: ChatRequest, *, stream: bool = False) -> dict[str, Any]:
        made = wire.build_body(req, stream=stream)
        sdk_check(_PARAMS, made)
        return made

    return build


def _req(*messages: Message, **kw: Any) -> ChatRequest:
    return ChatRequest(model="claude-x", messages=messages or (Message("user", "hi"),), **kw)


def test_system_goes_top_level_and_is_cached_with_the_last_user_turn(build: Body) -> None:
    body = build(_req(Message("system", "Be brief."), Message("user", "hi")))
    assert body["system"] == [
        {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}
    ]
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}],
        }
    ]
    assert body["max_tokens"] == wire.DEFAULT_MAX_TOKENS


def test_prompt_caching_can_be_turned_off(build: Body) -> None:
    body = build(_req(Message("system", "S"), Message("user", "hi"), prompt_caching=False))
    assert body["system"] == "S"
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


def test_tools_are_cached_and_tool_choice_is_translated(build: Body) -> None:
    tool = to_tool({"type": "function", "function": {"name": "weather", "parameters": {}}})
    for choice, expected in [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
        ("weather", {"type": "tool", "name": "weather"}),
        (
            {"type": "function", "function": {"name": "weather"}},
            {"type": "tool", "name": "weather"},
        ),
    ]:
        body = build(_req(tools=(tool,), tool_choice=choice))
        assert body["tool_choice"] == expected
        assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["tools"][0]["name"] == "weather"


def test_a_tool_loop_turns_into_alternating_turns_with_thinking_replayed(build: Body) -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig=="}
    body = build(
        _req(
            Message("user", "Weather in Paris and Rome?"),
            Message("assistant", "", tool_calls=(CALL,), reasoning_items=(thinking,)),
            Message("tool", "sunny", tool_call_id="toolu_1", name="weather"),
            Message("tool", "rainy", tool_call_id="toolu_2", name="weather"),
        )
    )
    user, assistant, results = body["messages"]
    assert user["role"] == "user" and assistant["role"] == "assistant"
    assert assistant["content"] == [
        thinking,
        {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
    ]
    assert results["role"] == "user"
    assert [b["tool_use_id"] for b in results["content"]] == ["toolu_1", "toolu_2"]
    assert results["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in user["content"][-1]  # only the LAST user turn


def test_images_become_base64_or_url_sources(build: Body) -> None:
    parts = (
        TextPart("what?"),
        ImagePart("data:image/jpeg;base64,AAAA"),
        ImagePart("https://example.com/cat.png"),
    )
    body = build(_req(Message("user", parts), prompt_caching=False))
    assert body["messages"][0]["content"][1:] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAAA"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
    ]


def test_reasoning_effort_sets_a_thinking_budget_below_max_tokens(build: Body) -> None:
    body = build(_req(reasoning_effort="medium"))
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 8192}
    assert body["max_tokens"] == wire.DEFAULT_MAX_TOKENS + 8192
    body = build(_req(reasoning_effort="high", max_tokens=5000))
    assert body["thinking"]["budget_tokens"] == 2500  # at most half: room for the answer
    assert "thinking" not in build(_req(reasoning_effort="none"))
    with pytest.raises(ConfigError, match="max_tokens above 1024"):
        wire.build_body(_req(reasoning_effort="low", max_tokens=500), stream=False)
    with pytest.raises(ConfigError, match="not one of none, minimal"):
        wire.build_body(_req(reasoning_effort="ultra"), stream=False)


def test_stop_sampling_and_extrabody(build: Body) -> None:
    body = build(
        _req(stop=("END",), temperature=0.3, top_p=0.9, seed=1, extra_body={"top_k": 5}),
        stream=True,
    )
    assert body["stop_sequences"] == ["END"]
    assert (body["temperature"], body["top_p"], body["top_k"]) == (0.3, 0.9, 5)
    assert body["stream"] is True and "seed" not in body


def test_structured_output_is_a_forced_answer_tool(build: Body) -> None:
    class City(BaseModel):
        name: str

    body = build(_req(response_format=to_response_format(City)))
    assert body["tool_choice"] == {"type": "tool", "name": wire.ANSWER_TOOL}
    assert body["tools"][-1]["input_schema"]["properties"]["name"]["type"] == "string"
    answer = _sdk_message(
        [
            {
                "type": "tool_use",
                "id": "toolu_9",
                "name": wire.ANSWER_TOOL,
                "input": {"name": "Oslo"},
            }
        ],
        "tool_use",
    )
    step = wire.parse_response(answer, META)
    assert (step.text, step.tool_calls, step.finish_reason) == ('{"name": "Oslo"}', (), "stop")
    with pytest.raises(ConfigError, match="JSON schema"):
        wire.build_body(
            _req(response_format=to_response_format({"type": "json_object"})), stream=False
        )


def _sdk_message(content: list[dict[str, Any]], stop: str, **usage: int) -> dict[str, Any]:
    message = SdkMessage.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-x-2025",
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 5, **usage},
        }
    )
    return message.model_dump(mode="json")


def test_parse_response_reads_thinking_text_tools_and_cache_usage() -> None:
    body = _sdk_message(
        [
            {"type": "thinking", "thinking": "Let me see.", "signature": "sig"},
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
        ],
        "tool_use",
        cache_read_input_tokens=100,
        cache_creation_input_tokens=20,
    )
    step = wire.parse_response(body, META)
    assert step.text == "Checking." and step.reasoning == "Let me see."
    assert step.tool_calls == (CALL,)
    assert step.finish_reason == "tool-calls" and step.raw_finish_reason == "tool_use"
    assert step.usage == Usage(130, 5, 135, 100, None, 20)
    assert step.meta == ResponseMeta("claude-x-2025", "api.anthropic.com", "req_1")
    assert step.reasoning_items[0]["signature"] == "sig"
    assert step.message.reasoning_items == step.reasoning_items


@pytest.mark.parametrize(
    ("stop", "unified"),
    [
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("stop_sequence", "stop"),
        ("refusal", "content-filter"),
        ("pause_turn", "other"),
    ],
)
def test_stop_reasons(stop: str, unified: str) -> None:
    step = wire.parse_response(_sdk_message([{"type": "text", "text": "x"}], stop), META)
    assert step.finish_reason == unified


def test_an_error_body_raises() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(StreamError) as caught:
        wire.parse_response(body, META)
    assert (caught.value.message, caught.value.code) == ("Overloaded", "overloaded_error")


def _events(*raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [_EVENT.validate_python(e).model_dump(mode="json", exclude_none=False) for e in raw]


def test_stream_accumulates_thinking_text_and_split_tool_input() -> None:
    events = _events(
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-x-2025",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 7, "output_tokens": 1, "cache_read_input_tokens": 50},
            },
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Hmm."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "abc"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 1},
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": '{"city": '},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": '"Paris"}'},
        },
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 12},
        },
        {"type": "message_stop"},
    )
    acc = wire.EventAccumulator(META)
    out = [e for event in events for e in acc.feed(event)]
    assert out == [
        ReasoningDelta("Hmm."),
        ReasoningItem({"type": "thinking", "thinking": "Hmm.", "signature": "abc"}),
        TextDelta("Hi"),
        ToolCallDelta(0, "", "toolu_1", "weather"),
        ToolCallDelta(0, '{"city": '),
        ToolCallDelta(0, '"Paris"}'),
    ]
    tail, step = acc.finish()
    assert tail == [ToolCallEvent(CALL)]
    assert (step.text, step.reasoning, step.tool_calls) == ("Hi", "Hmm.", (CALL,))
    assert step.usage == Usage(57, 12, 69, 50, None, None)
    assert step.finish_reason == "tool-calls"
    assert step.reasoning_items == ({"type": "thinking", "thinking": "Hmm.", "signature": "abc"},)


def test_an_error_event_mid_stream_raises_a_stream_error() -> None:
    acc = wire.EventAccumulator(META)
    with pytest.raises(StreamError, match="Overloaded") as caught:
        acc.feed({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    assert caught.value.request_id == "req_1"


def test_a_tool_call_cut_short_by_max_tokens_keeps_its_raw_text() -> None:
    acc = wire.EventAccumulator(META)
    for event in (
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"city": "Par'},
        },
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {}},
    ):
        acc.feed(event)
    _, step = acc.finish()
    call = step.tool_calls[0]
    assert (call.arguments, call.raw_arguments) == ({}, '{"city": "Par')
    assert step.finish_reason == "length"


def test_malformed_events_are_skipped_not_crashed_on() -> None:
    acc = wire.EventAccumulator(META)
    for event in (
        {"type": "message_start", "message": "oops"},
        {"type": "content_block_delta", "index": None, "delta": "text"},
        {"type": "message_delta", "delta": None, "usage": [1]},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}},
    ):
        acc.feed(event)
    assert acc.finish()[1].text == "ok"


def test_thinking_drops_sampling_settings_and_refuses_a_forced_tool(
    build: Body, caplog: pytest.LogCaptureFixture
) -> None:
    req = _req(reasoning_effort="low", temperature=0.3, top_p=0.5, extra_body={"top_k": 3})
    body = build(req)
    assert "temperature" not in body and "top_k" not in body and body["top_p"] == 0.95
    assert "these were not sent: temperature, top_k, top_p (raised to 0.95)" in caplog.text
    tool = to_tool({"type": "function", "function": {"name": "f", "parameters": {}}})
    with pytest.raises(ConfigError, match="cannot force a tool while thinking"):
        wire.build_body(
            _req(reasoning_effort="low", tools=(tool,), tool_choice="required"), stream=False
        )
