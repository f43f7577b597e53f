"""The gateway half of `hfgate.formats.anthropic`, checked against its client half and the
anthropic SDK's request, response and stream types."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message as SdkMessage
from anthropic.types import RawMessageStreamEvent
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from pydantic import TypeAdapter

from hfgate.errors import StreamError
from hfgate.formats import FORMATS
from hfgate.formats import MESSAGES as DIALECT
from hfgate.formats import anthropic as dialect
from hfgate.formats import anthropic as wire
from hfgate.formats.anthropic import (
    EventRenderer,
    parse_request,
    render_error,
    render_response,
)
from hfgate.formats.anthropic.vocabulary import UNKNOWN_USAGE
from hfgate.formats.base import Inbound, ReplyInfo, RequestError
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat
from hfgate.inputs.tools import Tool
from hfgate.types import (
    ImagePart,
    Message,
    ReasoningDelta,
    ResponseMeta,
    StepFinish,
    StepResult,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

INFO = ReplyInfo(id="abc123", model="claude-x", created=1_700_000_000)
DIRECT = {"type": "direct"}
META = ResponseMeta(model="claude-x")
_PARAMS: TypeAdapter[Any] = TypeAdapter(MessageCreateParamsNonStreaming)
_EVENT: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)

WEATHER = Tool(
    "get_weather",
    "Weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
TIME = Tool("get_time", "The time in a zone.", {"type": "object", "properties": {}})
CALL_A = ToolCall("toolu_a", "get_weather", {"city": "Paris"}, '{"city": "Paris"}')
CALL_B = ToolCall("toolu_b", "get_time", {"tz": "CET"}, '{"tz": "CET"}')
CALL_C = ToolCall("toolu_c", "get_time", {"tz": "UTC"}, '{"tz": "UTC"}')
THOUGHT = {"type": "thinking", "thinking": "Ask the tool.", "signature": "sig-1"}
REDACTED = {"type": "redacted_thinking", "data": "opaque"}
USAGE = Usage(100, 20, 120, cached_input_tokens=30, cache_write_tokens=10)
"""100 input tokens in all: 60 fresh, 30 read from the cache, 10 written to it."""

RICH = ChatRequest(
    model="claude-x",
    messages=(
        Message("system", "Be brief."),
        Message(
            "user",
            (
                TextPart("What is the weather here?"),
                ImagePart("data:image/png;base64,iVBORw0KGgo="),
            ),
        ),
        Message(
            "assistant",
            "Let me check.",
            tool_calls=(CALL_A, CALL_B),
            reasoning="Ask the tool.",
            reasoning_items=(THOUGHT, REDACTED),
        ),
        Message("tool", "18C and sunny", tool_call_id="toolu_a"),
        Message("tool", "14:00", tool_call_id="toolu_b"),
        Message("user", "Thanks. And tomorrow?"),
    ),
    tools=(WEATHER, TIME),
    tool_choice={"type": "function", "function": {"name": "get_weather"}},
    temperature=0.3,
    max_tokens=256,
    top_p=0.9,
    stop=("END", "STOP"),
)


def _body(**extra: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hi"}],
    } | extra


def _user(content: Any) -> dict[str, Any]:
    return _body(messages=[{"role": "user", "content": content}])


def _assistant(content: Any) -> dict[str, Any]:
    turns = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": content}]
    return _body(messages=[*turns, {"role": "user", "content": "go on"}])


def _step(**kw: Any) -> StepResult:
    fields: dict[str, Any] = {
        "text": "",
        "reasoning": None,
        "tool_calls": (),
        "finish_reason": "stop",
        "raw_finish_reason": None,
        "usage": Usage(),
        "meta": META,
    }
    return StepResult(**(fields | kw))


def test_dialect_is_named_after_the_wire_it_mirrors() -> None:
    assert FORMATS[DIALECT.name] is DIALECT and DIALECT.path == DIALECT.served_at == wire.PATH
    assert DIALECT.stream_renderer is EventRenderer and DIALECT.render_error is render_error
    assert sorted(dialect.__all__) == dialect.__all__
    assert all(getattr(dialect, name) is not None for name in dialect.__all__)


# --- request: round trips through hfgate's own client half --------------------------------


def test_rich_request_round_trips_through_the_client_half() -> None:
    body = wire.build_body(RICH, stream=False)
    assert "cache_control" in json.dumps(body)  # the wire's own breakpoints, ignored here
    inbound = parse_request(body)
    assert inbound == Inbound(RICH, stream=False, passthrough={})


def test_round_trip_with_thinking_keeps_the_level_and_the_exact_budget() -> None:
    req = dataclasses.replace(RICH, tool_choice="auto", max_tokens=40_000, reasoning_effort="high")
    inbound = parse_request(wire.build_body(req, stream=True))
    # Intended differences: the wire drops temperature and raises top_p to 0.95 while
    # thinking (Anthropic refuses them), so they come back that way.
    assert inbound.request == dataclasses.replace(req, temperature=None, top_p=0.95)
    assert inbound.stream is True
    assert inbound.passthrough == {"thinking": {"type": "enabled", "budget_tokens": 16_384}}


def test_thinking_budget_maps_to_the_smallest_level_that_covers_it() -> None:
    def effort(budget: int) -> str | None:
        thinking = {"type": "enabled", "budget_tokens": budget}
        return parse_request(_body(max_tokens=64_000, thinking=thinking)).request.reasoning_effort

    assert [effort(b) for b in (1024, 1025, 2048, 8000, 16_384, 20_000, 30_000)] == [
        "minimal",
        "low",
        "low",
        "medium",
        "high",
        "xhigh",
        "xhigh",
    ]
    for kind in ("disabled", "adaptive", "between_tools"):
        inbound = parse_request(_body(thinking={"type": kind}))
        assert inbound.request.reasoning_effort is None
        assert inbound.passthrough == {"thinking": {"type": kind}}  # for an Anthropic upstream


def test_passthrough_restores_the_exact_budget_on_an_anthropic_upstream(sdk_check: Any) -> None:
    """What the gateway does for a same-wire upstream: passthrough rides in extra_body."""
    inbound = parse_request(
        _body(max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 2000})
    )
    assert inbound.request.reasoning_effort == "low"  # 2048: the nearest level
    req = dataclasses.replace(inbound.request, extra_body=inbound.passthrough)
    body = wire.build_body(req, stream=False)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    sdk_check(_PARAMS, body)


def test_structured_output_from_output_config() -> None:
    schema = {"title": "Answer", "type": "object", "properties": {"n": {"type": "integer"}}}
    fmt = {"type": "json_schema", "schema": schema}
    inbound = parse_request(_body(output_config={"format": fmt, "effort": "high"}))
    assert inbound.request.response_format == JsonSchemaFormat("Answer", schema)
    assert inbound.passthrough == {"output_config": {"effort": "high"}}
    older = parse_request(
        _body(output_format={"type": "json_schema", "schema": {"type": "object"}})
    )
    assert older.request.response_format == JsonSchemaFormat("response", {"type": "object"})
    # On an Anthropic upstream hfgate's wire asks with its forced answer tool.
    assert wire.build_body(inbound.request, stream=False)["tools"][-1]["name"] == wire.ANSWER_TOOL


def test_tool_choice_modes_and_their_extras() -> None:
    tools = [{"name": "get_weather", "input_schema": dict(WEATHER.parameters)}]
    for kind, mode in (("auto", "auto"), ("any", "required"), ("none", "none")):
        choice = {"type": kind, "disable_parallel_tool_use": True}
        inbound = parse_request(_body(tools=tools, tool_choice=choice))
        assert inbound.request.tool_choice == mode
        assert inbound.request.parallel_tool_calls is False and inbound.passthrough == {}
        # and back through the wire, on the choice it belongs to ("none" calls no tool at all)
        sent = wire.build_body(inbound.request, stream=False)["tool_choice"]
        assert sent == (choice if kind != "none" else {"type": "none"})


def test_user_turns_put_tool_results_first_and_their_images_after() -> None:
    content = [
        {"type": "text", "text": "Here:", "cache_control": {"type": "ephemeral"}},
        {
            "type": "tool_result",
            "tool_use_id": "toolu_a",
            "is_error": True,
            "content": [
                {"type": "text", "text": "line 1"},
                {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}},
                {"type": "text", "text": "line 2"},
            ],
        },
        {"type": "tool_result", "tool_use_id": "toolu_b"},
    ]
    assert parse_request(_user(content)).request.messages == (
        Message("tool", "line 1\nline 2", tool_call_id="toolu_a", is_error=True),
        Message("tool", "", tool_call_id="toolu_b"),
        Message("user", (TextPart("Here:"), ImagePart("https://x.test/a.png"))),
    )


def test_assistant_turns_keep_signed_thinking_verbatim_and_unsigned_as_text() -> None:
    content: list[dict[str, Any]] = [
        {"type": "thinking", "thinking": "First. ", "signature": "sig-1"},
        {"type": "thinking", "thinking": "Second.", "signature": ""},  # ours, from another API
        REDACTED,
        {"type": "text", "text": "On it."},
        {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {"city": "Paris"}},
    ]
    got = parse_request(_assistant(content)).request.messages[1]
    assert got == Message(
        "assistant",
        "On it.",
        tool_calls=(CALL_A,),
        reasoning="First. Second.",
        reasoning_items=(content[0], REDACTED),
    )


def test_system_blocks_and_system_turns() -> None:
    blocks = [{"type": "text", "text": "A"}, {"type": "text", "text": "B", "cache_control": {}}]
    body = _body(system=blocks)
    body["messages"].insert(0, {"role": "system", "content": "C"})  # the SDK's SystemMessageParam
    assert parse_request(body).request.messages[:2] == (
        Message("system", "A\n\nB"),
        Message("system", "C"),
    )
    assert parse_request(_body(system="")).request.messages == (Message("user", "hi"),)


def test_a_final_assistant_turn_may_be_empty_or_a_prefill() -> None:
    turns = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "The answer is"}]
    assert parse_request(_body(messages=turns)).request.messages[1] == Message(
        "assistant", "The answer is"
    )


def test_unmodeled_fields_pass_through_unchanged() -> None:
    extras = {
        "top_k": 40,
        "metadata": {"user_id": "u-1"},
        "service_tier": "auto",
        "container": "c-1",
        "mcp_servers": [{"type": "url", "url": "https://mcp.test", "name": "m"}],
        "inference_geo": "us",
    }
    inbound = parse_request(_body(cache_control={"type": "ephemeral"}, stream=False, **extras))
    assert inbound.passthrough == extras  # cache_control is hfgate's wire's business


# --- request: bodies the anthropic SDK types ------------------------------------------------


_SDK_BODY: MessageCreateParamsNonStreaming = {
    "model": "claude-x",
    "max_tokens": 4096,
    "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look"},
                {"type": "image", "source": {"type": "url", "url": "https://x.test/a.jpg"}},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Ask the tool.", "signature": "sig-1"},
                {"type": "redacted_thinking", "data": "opaque"},
                {
                    "type": "tool_use",
                    "id": "toolu_a",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_a",
                    "content": [{"type": "text", "text": "sunny"}],
                    "cache_control": {"type": "ephemeral"},
                }
            ],
        },
    ],
    "tools": [
        {
            "name": "get_weather",
            "description": "Weather for a city.",
            "input_schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
            "cache_control": {"type": "ephemeral"},
            "strict": True,  # dropped: hfgate.inputs.tools.Tool has no strict flag
        },
        {
            "type": "custom",
            "name": "get_time",
            "description": "The time in a zone.",
            "input_schema": {"type": "object", "properties": {}},
        },
    ],
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
    "thinking": {"type": "enabled", "budget_tokens": 2048},
    "stop_sequences": ["END"],
    "metadata": {"user_id": "u-1"},
    "stream": False,
}


def test_sdk_typed_body_parses(sdk_check: Any) -> None:
    body = json.loads(json.dumps(_SDK_BODY))
    sdk_check(_PARAMS, body)
    body["top_k"] = 5  # no longer in the SDK's types, still taken by older models
    inbound = parse_request(body)
    req = inbound.request
    assert req.messages == (
        Message("system", "Be brief."),
        Message(
            "user",
            (
                TextPart("Look"),
                ImagePart("https://x.test/a.jpg"),
                ImagePart("data:image/jpeg;base64,/9j/4AAQ"),
            ),
        ),
        Message(
            "assistant",
            "",
            tool_calls=(CALL_A,),
            reasoning="Ask the tool.",
            reasoning_items=(THOUGHT, REDACTED),
        ),
        Message("tool", "sunny", tool_call_id="toolu_a"),
    )
    assert req.tools == (WEATHER, TIME)
    assert (req.tool_choice, req.max_tokens, req.stop, req.reasoning_effort) == (
        "auto",
        4096,
        ("END",),
        "low",
    )
    assert inbound.stream is False
    assert inbound.passthrough == {
        "top_k": 5,
        "metadata": {"user_id": "u-1"},
        "thinking": {"type": "enabled", "budget_tokens": 2048},
    }
    assert req.parallel_tool_calls is False


def test_a_response_sent_back_by_an_sdk_user_parses() -> None:
    """SDK users append `message.content` to their history as the assistant turn."""
    step = _step(
        text="Let me check.",
        reasoning="Ask the tool.",
        reasoning_items=(THOUGHT,),
        tool_calls=(CALL_A,),
        finish_reason="tool-calls",
    )
    message = SdkMessage.model_validate(render_response(step, INFO))
    history: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
    history.append({"role": "assistant", "content": [b.model_dump() for b in message.content]})
    got = parse_request(_body(messages=history)).request.messages[1]
    assert got == step.message


# --- request: errors -----------------------------------------------------------------------


_IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}}
_ERRORS = [
    ([1], None, "must be a JSON object"),
    (_body(model=""), "model", "non-empty string"),
    ({"max_tokens": 1, "messages": []}, "model", "is required"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}]}, "max_tokens", "is required"),
    (_body(max_tokens=0), "max_tokens", "at least 1"),
    (_body(max_tokens=True), "max_tokens", "an integer"),
    (_body(messages=[]), "messages", "non-empty list"),
    (_body(messages=["hi"]), "messages.0", "`role` and `content`"),
    (
        _body(messages=[{"role": "tool", "content": "x"}]),
        "messages.0.role",
        "'user' or 'assistant'",
    ),
    (_user(""), "messages.0.content", "must not be empty"),
    (_user([]), "messages.0.content", "only a final assistant turn"),
    (_user(5), "messages.0.content", "string or a list of content blocks"),
    (_user(["hi"]), "messages.0.content.0", "an object with a `type`"),
    (_user([{"type": "text"}]), "messages.0.content.0.text", "must be a string"),
    (
        _user([_IMAGE | {"source": {"type": "base64", "media_type": "image/bmp", "data": "A"}}]),
        "messages.0.content.0.source.media_type",
        "image/jpeg, image/png, image/gif, image/webp",
    ),
    (
        _user([_IMAGE | {"source": {"type": "base64", "media_type": "image/png"}}]),
        "messages.0.content.0.source.data",
        "must be a string",
    ),
    (
        _user([_IMAGE | {"source": {"type": "url", "url": "file:///etc/passwd"}}]),
        "messages.0.content.0.source.url",
        "http:// or https://",
    ),
    (
        _user([_IMAGE | {"source": {"type": "file", "file_id": "file_1"}}]),
        "messages.0.content.0.source",
        "{type: base64, media_type, data} or {type: url, url}",
    ),
    (
        _user([{"type": "document", "source": {"type": "text", "data": "x"}}]),
        "messages.0.content.0.type",
        "'document' blocks are not supported by this gateway",
    ),
    (
        _user([{"type": "search_result", "source": "s", "title": "t", "content": []}]),
        "messages.0.content.0.type",
        "'search_result' blocks are not supported by this gateway; use text, image or tool_result",
    ),
    (
        _user([{"type": "tool_use", "id": "t", "name": "f", "input": {}}]),
        "messages.0.content.0.type",
        "belong in assistant turns",
    ),
    (
        _user([{"type": "tool_result", "tool_use_id": "t", "content": 3}]),
        "messages.0.content.0.content",
        "string or a list of content blocks",
    ),
    (
        _user([{"type": "tool_result", "tool_use_id": "t", "content": [{"type": "document"}]}]),
        "messages.0.content.0.content.0.type",
        "'document' blocks are not supported by this gateway; use text or image.",
    ),
    (
        _user([{"type": "tool_result", "content": "x"}]),
        "messages.0.content.0.tool_use_id",
        "must be a string",
    ),
    (_assistant([_IMAGE]), "messages.1.content.0.type", "'image' blocks belong in user turns"),
    (
        _assistant([{"type": "tool_result", "tool_use_id": "t"}]),
        "messages.1.content.0.type",
        "belong in user turns",
    ),
    (
        _assistant([{"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}}]),
        "messages.1.content.0.type",
        "'server_tool_use' blocks are not supported by this gateway; use text, tool_use, thinking",
    ),
    (
        _assistant([{"type": "tool_use", "id": "t", "name": "f", "input": "{}"}]),
        "messages.1.content.0.input",
        "must be an object",
    ),
    (
        _assistant([{"type": "thinking", "signature": "s"}]),
        "messages.1.content.0.thinking",
        "string",
    ),
    (_body(system=[_IMAGE]), "system.0.type", "must be 'text'"),
    (_body(system=7), "system", "string or a list"),
    (_body(tools={"name": "f"}), "tools", "must be a list"),
    (_body(tools=["f"]), "tools.0", "{name, description, input_schema}"),
    (_body(tools=[{"type": 5, "name": "f"}]), "tools.0.type", "must be a string"),
    (
        _body(
            tools=[{"type": "web_search_20250305", "name": "f"}, {"name": "f", "input_schema": {}}]
        ),
        "tools.1.name",
        "'f' names two tools",
    ),
    (_body(tools=[{"input_schema": {}}]), "tools.0.name", "must be a string"),
    (_body(tools=[{"name": "f"}]), "tools.0.input_schema", "JSON schema object"),
    (
        _body(tools=[{"name": "f", "input_schema": {}, "description": 1}]),
        "tools.0.description",
        "must be a string",
    ),
    (
        _body(tools=[{"name": "f", "input_schema": {}}, {"name": "f", "input_schema": {}}]),
        "tools.1.name",
        "'f' names two tools",
    ),
    (_body(tool_choice="auto"), "tool_choice", "{type: auto | any | none} or {type: tool, name}"),
    (_body(tool_choice={"type": "sometimes"}), "tool_choice", "{type: tool, name}"),
    (_body(tool_choice={"type": ["auto"]}), "tool_choice", "{type: tool, name}"),
    (_body(tool_choice={"type": "tool"}), "tool_choice.name", "must be a string"),
    (
        _body(tool_choice={"type": "tool", "name": "nope"}),
        "tool_choice.name",
        "'nope' is not one of the request's tools",
    ),
    (_body(thinking={"type": "maybe"}), "thinking.type", "enabled, disabled, adaptive"),
    (_body(thinking=True), "thinking.type", "enabled, disabled, adaptive"),
    (_body(thinking={"type": "enabled"}), "thinking.budget_tokens", "from 1024"),
    (
        _body(thinking={"type": "enabled", "budget_tokens": 500}),
        "thinking.budget_tokens",
        "from 1024 up to max_tokens - 1",
    ),
    (
        _body(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 2000}),
        "thinking.budget_tokens",
        "up to max_tokens - 1",
    ),
    (_body(temperature="hot"), "temperature", "must be a number"),
    (_body(top_p=False), "top_p", "must be a number"),
    (_body(stop_sequences="END"), "stop_sequences", "list of strings"),
    (_body(stream="yes"), "stream", "true or false"),
    (_body(output_config="json"), "output_config", "must be an object"),
    (
        _body(output_config={"format": {"type": "json_object"}}),
        "output_config.format",
        "{type: json_schema, schema: {...}}",
    ),
    (_body(output_format={"type": "json_schema"}), "output_format", "type: json_schema"),
    (_body(output_format="json"), "output_format", "type: json_schema"),
    (_body(output_config={"format": ["x"]}), "output_config.format", "type: json_schema"),
]


@pytest.mark.parametrize(("body", "param", "fragment"), _ERRORS)
def test_bad_requests_name_the_field_and_what_is_allowed(
    body: Any, param: str | None, fragment: str
) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(body)
    error = caught.value
    assert (error.param, error.status) == (param, 400)
    assert fragment in error.message
    if param is not None:
        assert error.message.startswith(f"{param} ")
        # Anthropic has no `param` field; the message already names it, so no prefix twice.
        shown = render_error(400, error.message, error.param, None)["error"]["message"]
        assert shown == error.message


# --- response ------------------------------------------------------------------------------


def test_response_round_trips_through_the_client_half_and_validates() -> None:
    step = _step(
        text="It is sunny.",
        reasoning="Ask the tool.",
        reasoning_items=(THOUGHT, REDACTED),
        tool_calls=(CALL_A, CALL_B),
        finish_reason="tool-calls",
        raw_finish_reason="tool_calls",
        usage=USAGE,
    )
    body = render_response(step, INFO)
    message = SdkMessage.model_validate(body)
    assert (message.id, message.model, message.stop_reason) == (
        "msg_abc123",
        "claude-x",
        "tool_use",
    )
    assert [b.type for b in message.content] == [
        "thinking",
        "redacted_thinking",
        "text",
        "tool_use",
        "tool_use",
    ]
    assert body["usage"] == {
        "input_tokens": 60,
        "output_tokens": 20,
        "cache_read_input_tokens": 30,
        "cache_creation_input_tokens": 10,
        **UNKNOWN_USAGE,
    }
    back = wire.parse_response(body, ResponseMeta())
    assert back == dataclasses.replace(step, raw_finish_reason="tool_use")


def test_reasoning_from_other_apis_is_an_unsigned_thinking_block() -> None:
    body = render_response(_step(text="Hi", reasoning="Because."), INFO)
    SdkMessage.model_validate(body)
    assert body["content"][0] == {"type": "thinking", "thinking": "Because.", "signature": ""}
    items = ({"type": "reasoning", "id": "rs_1", "summary": []},)  # a Responses item: not ours
    body = render_response(_step(reasoning="Because.", reasoning_items=items), INFO)
    assert body["content"] == [{"type": "thinking", "thinking": "Because.", "signature": ""}]


def test_unknown_usage_is_zero_only_where_the_sdk_requires_a_count() -> None:
    body = render_response(_step(text="Hi"), INFO)
    assert body["usage"] == {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_input_tokens": None,
        "cache_creation_input_tokens": None,
        **UNKNOWN_USAGE,
    }
    SdkMessage.model_validate(body)
    # Counts from an API whose input includes cached tokens; never negative.
    odd = Usage(input_tokens=5, output_tokens=1, cached_input_tokens=8)
    assert render_response(_step(usage=odd), INFO)["usage"]["input_tokens"] == 0


@pytest.mark.parametrize(
    ("finish", "raw", "stop"),
    [
        ("stop", "stop", "end_turn"),
        ("stop", "end_turn", "end_turn"),
        ("stop", "stop_sequence", "stop_sequence"),
        ("length", "length", "max_tokens"),
        ("tool-calls", "tool_calls", "tool_use"),
        ("stop", "tool_use", "end_turn"),  # hfgate's structured answer: text, not a call
        ("content-filter", "content_filter", "refusal"),
        ("other", "pause_turn", "pause_turn"),
        ("other", "model_context_window_exceeded", "model_context_window_exceeded"),
        ("other", "weird", "end_turn"),
        ("error", None, "end_turn"),
    ],
)
def test_stop_reasons(finish: Any, raw: str | None, stop: str) -> None:
    body = render_response(_step(text="x", finish_reason=finish, raw_finish_reason=raw), INFO)
    assert SdkMessage.model_validate(body).stop_reason == stop


# --- stream --------------------------------------------------------------------------------


def _frames(renderer: EventRenderer, events: list[StreamEvent]) -> list[str]:
    frames = renderer.start()
    for event in events:
        frames.extend(renderer.event(event))
    return frames + renderer.finish()


def _decode(frames: list[str]) -> list[dict[str, Any]]:
    """Each frame is `event: <type>` and compact JSON data of that type."""
    out = []
    for frame in frames:
        head, data, end = frame.split("\n", 2)
        assert head.startswith("event: ") and data.startswith("data: ") and end == "\n"
        decoded = json.loads(data[6:])
        assert decoded["type"] == head[7:]
        assert data[6:] == json.dumps(decoded, separators=(",", ":"))  # compact
        out.append(decoded)
    return out


def _fold(datas: list[dict[str, Any]]) -> tuple[StepResult, list[StreamEvent], Any]:
    """Both accumulators: hfgate's own client half and the anthropic SDK's."""
    acc = wire.EventAccumulator(ResponseMeta())
    events: list[StreamEvent] = []
    snapshot: Any = None
    bufs: dict[int, bytes] = {}
    for data in datas:
        event = _EVENT.validate_python(data)
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=bufs)
        events.extend(acc.feed(data))
    tail, step = acc.finish()
    return step, events + tail, snapshot


STREAMED = _step(
    text="Checking both.",
    reasoning="Let me think.",
    reasoning_items=({"type": "thinking", "thinking": "Let me think.", "signature": "sig-9"},),
    tool_calls=(CALL_A, CALL_B, CALL_C),
    finish_reason="tool-calls",
    raw_finish_reason="tool_use",
    usage=USAGE,
)
STREAM_EVENTS: list[StreamEvent] = [
    ReasoningDelta("Let me "),
    ReasoningDelta("think."),
    TextDelta("Checking "),
    TextDelta(""),
    TextDelta("both."),
    ToolCallDelta(0, "", "toolu_a", "get_weather"),
    ToolCallDelta(0, '{"city": '),
    ToolCallDelta(0, '"Paris"}'),
    ToolCallDelta(1, '{"tz": "CET"}', "toolu_b", "get_time"),
    ToolCallEvent(CALL_A),
    ToolCallEvent(CALL_B),
    ToolCallEvent(CALL_C),  # never streamed: one whole block
    StepFinish(STREAMED),
]


def test_stream_folds_back_in_both_accumulators() -> None:
    datas = _decode(_frames(EventRenderer(INFO), STREAM_EVENTS))
    kinds = [d["type"] for d in datas]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    starts = [d for d in datas if d["type"] == "content_block_start"]
    assert [d["index"] for d in starts] == [0, 1, 2, 3, 4]
    assert [d["content_block"]["type"] for d in starts] == [
        "thinking",
        "text",
        "tool_use",
        "tool_use",
        "tool_use",
    ]
    assert kinds.count("content_block_stop") == 5

    step, events, snapshot = _fold(datas)
    # hfgate's client half gets the same step back, but for the signature: the thinking
    # block closed (when text began) before StepFinish brought it.
    unsigned = ({"type": "thinking", "thinking": "Let me think.", "signature": ""},)
    assert step == dataclasses.replace(
        STREAMED, reasoning_items=unsigned, meta=ResponseMeta("claude-x")
    )
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Checking both."
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Let me ", "think."]
    assert [e.tool_call for e in events if isinstance(e, ToolCallEvent)] == [CALL_A, CALL_B, CALL_C]

    final = SdkMessage.model_validate(snapshot.model_dump())
    assert final.id == "msg_abc123" and final.stop_reason == "tool_use"
    assert [getattr(b, "input", None) for b in final.content[2:]] == [
        {"city": "Paris"},
        {"tz": "CET"},
        {"tz": "UTC"},
    ]
    usage = final.usage
    assert (usage.input_tokens, usage.output_tokens) == (60, 20)
    assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (30, 10)


def test_a_thinking_block_open_at_the_finish_is_signed() -> None:
    step = _step(
        reasoning="Hmm.",
        reasoning_items=({"type": "thinking", "thinking": "Hmm.", "signature": "sig-9"},),
        finish_reason="length",
        raw_finish_reason="max_tokens",
        usage=Usage(10, 5, 15),
    )
    datas = _decode(_frames(EventRenderer(INFO), [ReasoningDelta("Hmm."), StepFinish(step)]))
    folded, _, snapshot = _fold(datas)
    assert folded.reasoning_items == step.reasoning_items
    assert snapshot.content[0].signature == "sig-9" and snapshot.stop_reason == "max_tokens"
    counts = {k: v for k, v in datas[-2]["usage"].items() if v is not None}  # null: unknown
    assert counts == {"input_tokens": 10, "output_tokens": 5}


def test_calls_streamed_without_an_id_are_not_repeated() -> None:
    """The Responses wire may stream arguments before it names the call."""
    events: list[StreamEvent] = [
        ToolCallDelta(0, '{"tz": "CET"}'),
        ToolCallEvent(CALL_B),
        StepFinish(_step(tool_calls=(CALL_B,), finish_reason="tool-calls")),
    ]
    datas = _decode(_frames(EventRenderer(INFO), events))
    step, _, snapshot = _fold(datas)
    blocks = [d["content_block"] for d in datas if d["type"] == "content_block_start"]
    assert blocks == [
        {"type": "tool_use", "id": "toolu_abc123_0", "name": "", "input": {}, "caller": DIRECT}
    ]
    assert step.tool_calls[0].arguments == {"tz": "CET"}
    assert snapshot.usage.output_tokens == 0


def test_an_empty_stream_is_still_a_valid_message() -> None:
    datas = _decode(_frames(EventRenderer(INFO), [StepFinish(_step())]))
    assert [d["type"] for d in datas] == ["message_start", "message_delta", "message_stop"]
    step, _, snapshot = _fold(datas)
    assert step.text == "" and snapshot.content == [] and snapshot.stop_reason == "end_turn"


def test_error_frame_is_anthropics_error_event() -> None:
    renderer = EventRenderer(INFO)
    renderer.start()
    renderer.event(TextDelta("Hel"))
    frames = renderer.error(429, "Slow down.", "rate_limited")
    assert frames == [
        'event: error\ndata: {"type":"error","error":'
        '{"type":"rate_limit_error","message":"Slow down."},"request_id":"abc123"}\n\n'
    ]
    with pytest.raises(StreamError, match="Slow down"):
        wire.EventAccumulator(META).feed(_decode(frames)[0])
    assert render_error(529, "Busy", None, None)["error"]["type"] == "overloaded_error"


def _blocks_in_order(datas: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(event type, block index) of the block events, checked to follow Anthropic's protocol:
    one block at a time, each block's deltas between its start and its stop."""
    seen, open_block = [], None
    for data in datas:
        kind = data["type"]
        if kind == "content_block_start":
            assert open_block is None, f"block {data['index']} opened inside {open_block}"
            open_block = data["index"]
        elif kind in ("content_block_delta", "content_block_stop"):
            assert data["index"] == open_block, f"{kind} {data['index']} inside {open_block}"
            open_block = None if kind == "content_block_stop" else open_block
        else:
            continue
        seen.append((kind.removeprefix("content_block_"), data["index"]))
    return seen


def test_parallel_calls_that_stream_one_after_another_stream_live() -> None:
    """The Messages and Responses wires stream calls in turn: each call's fragments go out
    as they come, in its own block."""
    events: list[StreamEvent] = [
        ToolCallDelta(0, "", "toolu_a", "get_weather"),
        ToolCallDelta(0, '{"city": '),
        ToolCallDelta(0, '"Paris"}'),
        ToolCallDelta(1, "", "toolu_b", "get_time"),
        ToolCallDelta(1, '{"tz": '),
        ToolCallDelta(1, '"CET"}'),
        ToolCallEvent(CALL_A),
        ToolCallEvent(CALL_B),
        StepFinish(_step(tool_calls=(CALL_A, CALL_B), finish_reason="tool-calls")),
    ]
    datas = _decode(_frames(EventRenderer(INFO), events))
    first, second = [("start", 0), ("delta", 0), ("delta", 0), ("stop", 0)], [("start", 1)]
    assert _blocks_in_order(datas) == [*first, *second, ("delta", 1), ("delta", 1), ("stop", 1)]
    step, _, snapshot = _fold(datas)
    assert step.tool_calls == (CALL_A, CALL_B)
    assert [b.input for b in snapshot.content] == [{"city": "Paris"}, {"tz": "CET"}]


def test_parallel_calls_whose_fragments_interleave_still_come_one_block_at_a_time() -> None:
    """A chat upstream may stream parallel calls' fragments in turns (index 0, 1, 0, 1...);
    Anthropic's blocks cannot interleave, so the call that began second is held back and
    sent whole once complete, after the first call's block."""
    events: list[StreamEvent] = [
        ToolCallDelta(0, "", "toolu_a", "get_weather"),
        ToolCallDelta(1, "", "toolu_b", "get_time"),
        ToolCallDelta(0, '{"city": '),
        ToolCallDelta(1, '{"tz": '),
        ToolCallDelta(0, '"Paris"}'),
        ToolCallDelta(1, '"CET"}'),
        ToolCallEvent(CALL_A),
        ToolCallEvent(CALL_B),
        StepFinish(_step(tool_calls=(CALL_A, CALL_B), finish_reason="tool-calls")),
    ]
    datas = _decode(_frames(EventRenderer(INFO), events))
    first = [("start", 0), ("delta", 0), ("delta", 0), ("stop", 0)]
    assert _blocks_in_order(datas) == [*first, ("start", 1), ("delta", 1), ("stop", 1)]
    step, _, snapshot = _fold(datas)
    assert step.tool_calls == (CALL_A, CALL_B)
    assert [(b.id, b.input) for b in snapshot.content] == [
        ("toolu_a", {"city": "Paris"}),
        ("toolu_b", {"tz": "CET"}),
    ]
