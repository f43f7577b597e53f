"""The chat-completions dialect, checked against hfgate's own client half and the openai SDK."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx2  # the openai SDK's own HTTP client
import openai
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk, completion_create_params
from pydantic import TypeAdapter

from hfgate.formats import CHAT as DIALECT
from hfgate.formats import chat_completions as wire
from hfgate.formats.base import Inbound, ReplyInfo, RequestError
from hfgate.formats.chat_completions import (
    ChunkRenderer,
    parse_request,
    render_error,
    render_response,
)
from hfgate.formats.error_bodies import openai_error
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat
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

INFO = ReplyInfo(id="abc123", model="org/model", created=1_700_000_000)
META = ResponseMeta()
WEATHER = Tool(
    "get_weather",
    "Weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
TIME = Tool("get_time", None, {"type": "object", "properties": {"tz": {"type": "string"}}})
CALL_A = ToolCall("call_a", "get_weather", {"city": "Paris"}, '{"city": "Paris"}')
CALL_B = ToolCall("call_b", "get_time", {"tz": "CET"}, '{"tz": "CET"}')
CALL_C = ToolCall("call_c", "get_time", {"tz": "UTC"}, '{"tz":"UTC"}')
USAGE = Usage(12, 30, 42, cached_input_tokens=4, reasoning_tokens=10)

RICH = ChatRequest(
    model="org/model",
    messages=(
        Message("system", "Be brief."),
        Message(
            "user",
            (
                TextPart("What is the weather here?"),
                ImagePart("https://example.com/a.png", "high"),
                ImagePart("data:image/png;base64,iVBORw0KGgo="),
            ),
        ),
        Message("assistant", "", tool_calls=(CALL_A,), reasoning="Ask the tool."),
        Message("tool", "18C and sunny", tool_call_id="call_a"),
        Message("user", "Thanks", name="ann"),
    ),
    tools=(WEATHER, TIME),
    tool_choice={"type": "function", "function": {"name": "get_weather"}},
    response_format=JsonSchemaFormat("answer", {"type": "object"}, True),
    temperature=0.3,
    max_tokens=256,
    top_p=0.9,
    stop=("END", "STOP"),
    seed=7,
    reasoning_effort="low",
)


def _body(**extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], **extra}


def _user(content: Any) -> dict[str, Any]:
    return _body(messages=[{"role": "user", "content": content}])


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
    return StepResult(**{**fields, **kw})


# --- request: round trips through hfgate's own client half --------------------------------


def test_rich_request_round_trips_through_the_client_half() -> None:
    body = wire.build_body(RICH, stream=False)
    # build_body never echoes past reasoning (providers reject it); clients send it this way.
    body["messages"][2]["reasoning_content"] = "Ask the tool."
    inbound = parse_request(body)
    assert inbound.request == RICH
    assert inbound == Inbound(RICH, stream=False, include_usage=False, passthrough={})


def test_stream_request_round_trips_and_asks_for_usage() -> None:
    req = dataclasses.replace(RICH, response_format=RawFormat({"type": "json_object"}))
    for choice in ("auto", "none", "required"):
        inbound = parse_request(
            wire.build_body(dataclasses.replace(req, tool_choice=choice), stream=True)
        )
        assert inbound.request.messages[2].reasoning is None  # not sent, so not there
        assert inbound.request == dataclasses.replace(
            req,
            tool_choice=choice,
            messages=(
                *req.messages[:2],
                dataclasses.replace(req.messages[2], reasoning=None),
                *req.messages[3:],
            ),
        )
        assert inbound.stream is True and inbound.include_usage is True


def test_unknown_top_level_fields_pass_through_unchanged() -> None:
    extras = {
        "presence_penalty": 0.5,
        "frequency_penalty": None,
        "logit_bias": {"50256": -100},
        "logprobs": True,
        "top_logprobs": 2,
        "user": "u-1",
        "metadata": {"team": "a"},
        "top_k": 40,
        "repetition_penalty": 1.1,
        "chat_template_kwargs": {"enable_thinking": False},
    }
    body = _body(n=1, stream=False, stream_options={"include_usage": None}, **extras)
    inbound = parse_request({**body, "functions": None, "function_call": None})
    assert inbound.passthrough == extras
    assert inbound.stream is False and inbound.include_usage is False


def test_max_completion_tokens_wins_and_developer_is_system() -> None:
    body = _body(max_tokens=5, max_completion_tokens=50, stop="x")
    body["messages"].insert(0, {"role": "developer", "content": [{"type": "text", "text": "Hi"}]})
    req = parse_request(body).request
    assert req.max_tokens == 50 and req.stop == ("x",)
    assert req.messages[0] == Message("system", (TextPart("Hi"),))
    assert parse_request(_body(max_tokens=5)).request.max_tokens == 5


def test_assistant_history_variants() -> None:
    msgs = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "reasoning": "thinking",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{bad"}},
                {"id": "c2", "function": {"name": "g", "arguments": {"x": 1}}},
            ],
        },
        {"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]},
        {"role": "assistant", "content": None, "refusal": "I can't."},
    ]
    got = parse_request(_body(messages=msgs)).request.messages
    assert got[1] == Message(
        "assistant",
        "",
        tool_calls=(ToolCall("c1", "f", {}, "{bad"), ToolCall("c2", "g", {"x": 1}, '{"x": 1}')),
        reasoning="thinking",
    )
    assert got[2].content == (TextPart("No."),)
    assert got[3].content == "I can't."


def test_tool_choice_and_response_format_variants() -> None:
    tools = [WEATHER.to_openai()]
    req = parse_request(_body(tools=tools, tool_choice="none", response_format={"type": "text"}))
    assert req.request.tool_choice == "none"
    assert req.request.response_format == RawFormat({"type": "text"})
    schema = {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}}
    fmt = parse_request(_body(response_format=schema)).request.response_format
    assert fmt == JsonSchemaFormat("response", {"type": "object"}, None)
    # A tool without parameters gets the empty object schema, as hfgate.inputs.tools does.
    bare = parse_request(_body(tools=[{"type": "function", "function": {"name": "t"}}]))
    assert bare.request.tools == (Tool("t", None, {"type": "object", "properties": {}}),)


# --- request: bodies the openai SDK builds ------------------------------------------------


_SDK_BODY: completion_create_params.CompletionCreateParamsStreaming = {
    "model": "org/model",
    "messages": [
        {"role": "developer", "content": "Be brief."},
        {"role": "system", "content": [{"type": "text", "text": "Really."}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://x.test/a.jpg", "detail": "low"},
                },
            ],
            "name": "ann",
        },
        {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": [{"type": "text", "text": "sunny"}]},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city.",
                "parameters": dict(WEATHER.parameters),
                "strict": True,  # dropped: hfgate.inputs.tools.Tool has no strict flag
            },
        }
    ],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
    },
    "stream": True,
    "stream_options": {"include_usage": True},
    "max_completion_tokens": 100,
    "temperature": 0,
    "seed": 1,
    "stop": ["a", "b"],
    "reasoning_effort": "high",
    "presence_penalty": 0.1,
    "parallel_tool_calls": True,
    "n": 1,
    "user": "u",
}


def test_sdk_typed_body_parses() -> None:
    adapter = TypeAdapter(completion_create_params.CompletionCreateParamsStreaming)
    body = json.loads(json.dumps(_SDK_BODY))
    for message in adapter.validate_python(body)["messages"]:  # walk the lazy Iterable
        assert message["role"]
    inbound = parse_request(body)
    req = inbound.request
    assert [m.role for m in req.messages] == ["system", "system", "user", "assistant", "tool"]
    assert req.messages[2] == Message(
        "user", (TextPart("Look"), ImagePart("https://x.test/a.jpg", "low")), name="ann"
    )
    assert req.messages[3].tool_calls == (CALL_A,)
    assert req.messages[4] == Message("tool", (TextPart("sunny"),), tool_call_id="call_a")
    assert req.tools == (WEATHER,)
    assert req.tool_choice == {"type": "function", "function": {"name": "get_weather"}}
    assert req.response_format == JsonSchemaFormat("answer", {"type": "object"}, True)
    assert (req.max_tokens, req.temperature, req.seed, req.stop) == (100, 0, 1, ("a", "b"))
    assert req.reasoning_effort == "high"
    assert inbound.stream and inbound.include_usage
    assert req.parallel_tool_calls is True
    assert inbound.passthrough == {"presence_penalty": 0.1, "user": "u"}


def test_a_response_message_sent_back_by_an_sdk_user_parses() -> None:
    """SDK users append `completion.choices[0].message` to their history; it dumps with
    nulls for audio, function_call, refusal and annotations, and keeps our reasoning field."""
    step = _step(text="", reasoning="why", tool_calls=(CALL_A,), finish_reason="tool-calls")
    message = ChatCompletion.model_validate(render_response(step, INFO)).choices[0].message
    dumped = message.model_dump()
    assert dumped["function_call"] is None and dumped["audio"] is None
    got = parse_request(_body(messages=[{"role": "user", "content": "hi"}, dumped])).request
    assert got.messages[1] == Message("assistant", "", tool_calls=(CALL_A,), reasoning="why")


# --- request: errors -----------------------------------------------------------------------


_ERRORS = [
    ([1], None, "must be a JSON object"),
    (
        {"messages": [{"role": "user", "content": "hi"}]},
        "model",
        "model must be a non-empty string",
    ),
    (_body(model=""), "model", "non-empty string"),
    (_body(model=3), "model", "non-empty string"),
    ({"model": "m"}, "messages", "non-empty list"),
    (_body(messages=[]), "messages", "non-empty list"),
    (_body(messages={"role": "user"}), "messages", "non-empty list"),
    (_body(messages=["hi"]), "messages.0", "must be a message object"),
    (_body(messages=[{"role": "bot", "content": "x"}]), "messages.0.role", "got 'bot'"),
    (_body(messages=[{"role": ["user"], "content": "x"}]), "messages.0.role", "must be system"),
    (
        _body(messages=[{"role": "function", "content": "x", "name": "f"}]),
        "messages.0.role",
        "use 'tool'",
    ),
    (_user(None), "messages.0.content", "string or a list of content parts (text, image_url)"),
    (_user(5), "messages.0.content", "string or a list"),
    (_user(["hi"]), "messages.0.content.0", "content part object"),
    (_user([{"type": "text"}]), "messages.0.content.0.text", "must be a string"),
    (
        _user([{"type": "video"}]),
        "messages.0.content.0.type",
        "one of text, image_url; got 'video'",
    ),
    (
        _user([{"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}]),
        "messages.0.content.0.type",
        "input_audio content parts are not supported",
    ),
    (
        _user([{"type": "file", "file": {"file_id": "f1"}}]),
        "messages.0.content.0.type",
        "file content parts are not supported",
    ),
    (
        _user([{"type": "image_url", "image_url": {"url": "/etc/passwd"}}]),
        "messages.0.content.0.image_url.url",
        "http(s) URL or a data: URL",
    ),
    (
        _user([{"type": "image_url", "image_url": {"url": "file:///etc/passwd"}}]),
        "messages.0.content.0.image_url.url",
        "http(s) URL or a data: URL",
    ),
    (
        _user([{"type": "image_url", "image_url": "https://x.test/a.png"}]),
        "messages.0.content.0.image_url.url",
        "http(s) URL",
    ),
    (
        _user([{"type": "image_url", "image_url": {"url": "https://x", "detail": "max"}}]),
        "messages.0.content.0.image_url.detail",
        "auto, low or high",
    ),
    (
        _body(messages=[{"role": "system", "content": [{"type": "image_url"}]}]),
        "messages.0.content.0.type",
        "must be one of text;",
    ),
    (_body(messages=[{"role": "tool", "content": "x"}]), "messages.0.tool_call_id", "non-empty"),
    (_body(messages=[{"role": "user", "content": "x", "name": 1}]), "messages.0.name", "string"),
    (
        _body(messages=[{"role": "assistant", "tool_calls": {"id": "c"}}]),
        "messages.0.tool_calls",
        "list of tool calls",
    ),
    (
        _body(messages=[{"role": "assistant", "tool_calls": [{"type": "custom", "id": "c"}]}]),
        "messages.0.tool_calls.0",
        "function tool call",
    ),
    (
        _body(messages=[{"role": "assistant", "tool_calls": [{"function": {"name": "f"}}]}]),
        "messages.0.tool_calls.0.id",
        "non-empty string",
    ),
    (
        _body(messages=[{"role": "assistant", "tool_calls": [{"id": "c", "function": {}}]}]),
        "messages.0.tool_calls.0.function.name",
        "non-empty string",
    ),
    (
        _body(messages=[{"role": "assistant", "tool_calls": [{"id": "c"}]}]),
        "messages.0.tool_calls.0.function",
        "{name, arguments}",
    ),
    (
        _body(
            messages=[
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": 3}}],
                }
            ]
        ),
        "messages.0.tool_calls.0.function.arguments",
        "JSON string",
    ),
    (
        _body(messages=[{"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}]),
        "messages.0.function_call",
        "deprecated",
    ),
    (
        _body(messages=[{"role": "assistant", "content": "x", "reasoning_content": 1}]),
        "messages.0.reasoning_content",
        "must be a string",
    ),
    (_body(n=2), "n", "n must be 1"),
    (_body(n=True), "n", "n must be 1"),
    (_body(functions=[{"name": "f"}]), "functions", "deprecated and not supported; use tools"),
    (_body(function_call="auto"), "function_call", "use tools and tool_choice"),
    (_body(temperature="hot"), "temperature", "temperature must be a number"),
    (_body(top_p=True), "top_p", "top_p must be a number"),
    (_body(seed=1.5), "seed", "seed must be an integer"),
    (_body(max_tokens="5"), "max_tokens", "max_tokens must be an integer"),
    (_body(max_completion_tokens=False), "max_completion_tokens", "must be an integer"),
    (_body(reasoning_effort=1), "reasoning_effort", "must be a string"),
    (_body(stream="yes"), "stream", "stream must be true or false"),
    (_body(stream_options=True), "stream_options", "must be an object"),
    (_body(stream_options={"include_usage": 1}), "stream_options.include_usage", "a boolean"),
    (_body(stop=5), "stop", "a string or a list of strings"),
    (_body(stop=["a", 1]), "stop", "a string or a list of strings"),
    (_body(tools={"type": "function"}), "tools", "list of function tools"),
    (
        _body(tools=[{"type": "custom", "custom": {"name": "x"}}]),
        "tools.0.type",
        "Only function tools",
    ),
    (_body(tools=["f"]), "tools.0.type", "Only function tools"),
    (_body(tools=[{"type": "function"}]), "tools.0.function", "{name, parameters}"),
    (
        _body(tools=[{"type": "function", "function": {"name": ""}}]),
        "tools.0.function.name",
        "non-empty",
    ),
    (
        _body(tools=[{"type": "function", "function": {"name": "f", "parameters": [1]}}]),
        "tools.0.function.parameters",
        "JSON schema object",
    ),
    (
        _body(tools=[WEATHER.to_openai(), WEATHER.to_openai()]),
        "tools.1.function.name",
        "Two tools share the name 'get_weather'",
    ),
    (
        _body(tools=[{"type": "function", "function": {"name": "f", "description": 3}}]),
        "tools.0.function.description",
        "must be a string",
    ),
    (_body(tool_choice="any"), "tool_choice", "auto, none, required or"),
    (_body(tool_choice={"type": "allowed_tools"}), "tool_choice", "auto, none, required or"),
    (_body(tool_choice="required"), "tool_choice", "needs at least one tool"),
    (
        _body(
            tools=[WEATHER.to_openai()],
            tool_choice={"type": "function", "function": {"name": "nope"}},
        ),
        "tool_choice.function.name",
        "must name one of tools: ['get_weather']",
    ),
    (_body(response_format="json"), "response_format.type", "text, json_object or json_schema"),
    (_body(response_format={"type": "xml"}), "response_format.type", "text, json_object or"),
    (
        _body(response_format={"type": "json_schema", "json_schema": {"name": "a"}}),
        "response_format.json_schema",
        "{name, schema, strict}",
    ),
    (
        _body(response_format={"type": "json_schema", "json_schema": {"name": 1, "schema": {}}}),
        "response_format.json_schema.name",
        "must be a string",
    ),
]


@pytest.mark.parametrize(("body", "param", "text"), _ERRORS)
def test_bad_requests_name_the_field(body: Any, param: str | None, text: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(body)
    assert caught.value.param == param
    assert text in caught.value.message
    assert caught.value.status == 400


# --- response ------------------------------------------------------------------------------


def test_response_round_trips_through_the_client_half_and_the_sdk() -> None:
    step = _step(
        text="It is sunny.",
        reasoning="Look it up.",
        tool_calls=(CALL_A, CALL_B),
        finish_reason="tool-calls",
        raw_finish_reason="tool_calls",
        usage=USAGE,
    )
    body = render_response(step, INFO)
    back = wire.parse_response(body, META)
    assert (back.text, back.reasoning, back.tool_calls) == (
        step.text,
        step.reasoning,
        step.tool_calls,
    )
    assert back.finish_reason == "tool-calls" and back.raw_finish_reason == "tool_calls"
    assert back.usage == USAGE
    sdk = ChatCompletion.model_validate(body)
    assert sdk.id == "chatcmpl-abc123" and sdk.model == "org/model" and sdk.created == INFO.created
    assert sdk.object == "chat.completion"
    assert sdk.usage is not None and sdk.usage.total_tokens == 42
    assert sdk.usage.prompt_tokens_details and sdk.usage.prompt_tokens_details.cached_tokens == 4
    tool_calls = sdk.choices[0].message.tool_calls or []
    assert [(c.id, c.function.arguments) for c in tool_calls] == [  # type: ignore[union-attr]
        ("call_a", '{"city": "Paris"}'),
        ("call_b", '{"tz": "CET"}'),
    ]


def test_response_without_text_or_usage() -> None:
    call = ToolCall("c", "f", {"a": 1}, "")  # arguments known only parsed
    body = render_response(_step(tool_calls=(call,), finish_reason="tool-calls"), INFO)
    message = body["choices"][0]["message"]
    assert message["content"] is None and "reasoning_content" not in message
    assert message["tool_calls"][0]["function"]["arguments"] == '{"a":1}'
    assert "usage" not in body
    ChatCompletion.model_validate(body)
    assert render_response(_step(), INFO)["choices"][0]["message"]["content"] == ""


@pytest.mark.parametrize(
    ("unified", "calls", "expected"),
    [
        ("stop", (), "stop"),
        ("length", (), "length"),
        ("tool-calls", (CALL_A,), "tool_calls"),
        ("content-filter", (), "content_filter"),
        ("error", (), "stop"),
        ("other", (), "stop"),
        ("other", (CALL_A,), "tool_calls"),
    ],
)
def test_finish_reasons(unified: Any, calls: tuple[ToolCall, ...], expected: str) -> None:
    body = render_response(_step(finish_reason=unified, tool_calls=calls), INFO)
    assert body["choices"][0]["finish_reason"] == expected
    ChatCompletion.model_validate(body)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (Usage(3, 4), {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}),
        (Usage(None, 4, 7), {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}),
        (Usage(3, None, 7), {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}),
        (Usage(None, 4), {"prompt_tokens": None, "completion_tokens": 4, "total_tokens": None}),
        (
            Usage(3, 4, 7, cache_write_tokens=2, reasoning_tokens=1),
            {
                "prompt_tokens": 3,
                "completion_tokens": 4,
                "total_tokens": 7,
                "prompt_tokens_details": {"cache_write_tokens": 2},
                "completion_tokens_details": {"reasoning_tokens": 1},
            },
        ),
    ],
)
def test_usage_is_derived_never_invented(usage: Usage, expected: dict[str, Any]) -> None:
    body = render_response(_step(usage=usage), INFO)
    assert body["usage"] == expected
    assert wire.parse_usage(body["usage"]) == dataclasses.replace(
        usage,
        input_tokens=expected["prompt_tokens"],
        output_tokens=expected["completion_tokens"],
        total_tokens=expected["total_tokens"],
    )


# --- stream --------------------------------------------------------------------------------


def _frames(renderer: ChunkRenderer, events: list[StreamEvent]) -> list[str]:
    frames = renderer.start()
    for event in events:
        frames += renderer.event(event)
    return frames + renderer.finish()


def _chunks(frames: list[str]) -> list[dict[str, Any]]:
    assert all(f.startswith("data: ") and f.endswith("\n\n") for f in frames)
    assert frames[-1] == "data: [DONE]\n\n"
    assert not any("[DONE]" in f for f in frames[:-1])
    chunks = [json.loads(f[6:]) for f in frames[:-1]]
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)
    return chunks


def _fold(chunks: list[dict[str, Any]]) -> tuple[list[StreamEvent], StepResult]:
    acc = wire.ChunkAccumulator(META)
    events = [e for chunk in chunks for e in acc.feed(chunk)]
    tail, step = acc.finish()
    return events + tail, step


PARALLEL: list[StreamEvent] = [
    ReasoningDelta("Hmm. "),
    ReasoningDelta("Paris."),
    TextDelta("Checking "),
    TextDelta(""),
    TextDelta("both."),
    ToolCallDelta(0, "", "call_a", "get_weather"),
    ToolCallDelta(1, "", "call_b", "get_time"),
    ToolCallDelta(0, '{"city":'),
    ToolCallDelta(1, '{"tz": "CET"}'),
    ToolCallDelta(0, ' "Paris"}'),
    ToolCallEvent(CALL_A),  # streamed already: nothing more
    ToolCallEvent(CALL_B),
    ToolCallEvent(CALL_C),  # never streamed: sent whole
    StepFinish(
        _step(
            text="Checking both.",
            reasoning="Hmm. Paris.",
            tool_calls=(CALL_A, CALL_B, CALL_C),
            finish_reason="tool-calls",
            usage=USAGE,
        )
    ),
]


def test_stream_folds_back_through_the_client_half() -> None:
    chunks = _chunks(_frames(ChunkRenderer(INFO), PARALLEL))
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all(
        c["id"] == "chatcmpl-abc123" and c["object"] == "chat.completion.chunk" for c in chunks
    )
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 42
    end = {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "tool_calls"}
    assert chunks[-2]["choices"][0] == end
    events, step = _fold(chunks)
    assert [e for e in events if isinstance(e, ReasoningDelta | TextDelta)] == [
        ReasoningDelta("Hmm. "),
        ReasoningDelta("Paris."),
        TextDelta("Checking "),
        TextDelta("both."),
    ]
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas == [*PARALLEL[5:10], ToolCallDelta(2, '{"tz":"UTC"}', "call_c", "get_time")]
    assert [e for e in events if isinstance(e, ToolCallEvent)] == [
        ToolCallEvent(c) for c in (CALL_A, CALL_B, CALL_C)
    ]
    assert (step.text, step.reasoning) == ("Checking both.", "Hmm. Paris.")
    assert step.tool_calls == (CALL_A, CALL_B, CALL_C)
    assert step.finish_reason == "tool-calls" and step.usage == USAGE


def test_stream_folds_in_the_openai_sdk() -> None:
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    for chunk in _chunks(_frames(ChunkRenderer(INFO), PARALLEL)):
        state.handle_chunk(ChatCompletionChunk.model_validate(chunk))
    final = state.get_final_completion()
    choice = final.choices[0]
    assert choice.message.content == "Checking both."
    assert choice.message.model_extra == {"reasoning_content": "Hmm. Paris."}
    assert [
        (c.id, c.function.name, c.function.arguments) for c in choice.message.tool_calls or []
    ] == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_time", '{"tz": "CET"}'),
        ("call_c", "get_time", '{"tz":"UTC"}'),
    ]
    assert choice.finish_reason == "tool_calls"
    assert final.usage is not None and final.usage.prompt_tokens == 12
    assert final.id == "chatcmpl-abc123" and final.model == "org/model"


def test_stream_of_an_upstream_that_answered_in_one_piece() -> None:
    """backends._step_from_complete: whole text and ToolCallEvents, no deltas; a call only in
    StepFinish is sent before the finish chunk."""
    events: list[StreamEvent] = [
        TextDelta("Sure."),
        ToolCallEvent(CALL_A),
        StepFinish(_step(text="Sure.", tool_calls=(CALL_A, CALL_B), finish_reason="tool-calls")),
    ]
    chunks = _chunks(_frames(ChunkRenderer(replace(INFO, include_usage=True)), events))
    assert "usage" not in chunks[-1]  # usage unknown: no usage chunk, never zeros
    _, step = _fold(chunks)
    assert step.text == "Sure." and step.tool_calls == (CALL_A, CALL_B)
    indexes = [c["choices"][0]["delta"]["tool_calls"][0]["index"] for c in chunks[2:4]]
    assert indexes == [0, 1]


def test_calls_streamed_without_an_id_are_not_sent_twice() -> None:
    call = ToolCall("call_5", "f", {}, "{}")  # the accumulator's fallback id for index 5
    late = ToolCall("id-learned-late", "g", {}, "{}")
    events: list[StreamEvent] = [
        ToolCallDelta(5, "{}", None, "f"),
        ToolCallDelta(7, "{}", None, "g"),
        ToolCallEvent(late),
        ToolCallEvent(call),
        StepFinish(_step(tool_calls=(call, late), finish_reason="tool-calls")),
    ]
    chunks = _chunks(_frames(ChunkRenderer(INFO), events))
    calls = [
        c for ch in chunks[1:] for d in ch["choices"] for c in d["delta"].get("tool_calls", ())
    ]
    assert [(c["index"], c["id"]) for c in calls] == [(0, "call_5"), (1, "call_7")]


def test_usage_chunk_only_when_asked() -> None:
    finish = StepFinish(_step(text="x", usage=USAGE))
    asked = ChunkRenderer(replace(INFO, include_usage=True))
    not_asked = ChunkRenderer(replace(INFO, include_usage=False))
    assert len(_frames(asked, [finish])) == len(_frames(not_asked, [finish])) + 1
    assert _frames(not_asked, [finish])[-2].endswith('"finish_reason":"stop"}]}\n\n')


def test_chunks_are_compact_json() -> None:
    frame = ChunkRenderer(INFO).event(TextDelta('say "hi"\n'))[0]
    assert frame == (
        'data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1700000000,'
        '"model":"org/model","service_tier":"default","choices":[{"index":0,'
        '"delta":{"content":"say \\"hi\\"\\n"},"logprobs":null,"finish_reason":null}]}\n\n'
    )


# --- errors --------------------------------------------------------------------------------


def test_error_frame_and_render_error_shape() -> None:
    frames = ChunkRenderer(INFO).error(502, "upstream died", "upstream_error")
    assert frames[-1] == "data: [DONE]\n\n"
    assert json.loads(frames[0][6:]) == {
        "error": {
            "message": "upstream died",
            "type": "server_error",
            "param": None,
            "code": "upstream_error",
        }
    }
    assert render_error is openai_error
    assert render_error(400, "bad", "messages.0.role", None) == {
        "error": {
            "message": "bad",
            "type": "invalid_request_error",
            "param": "messages.0.role",
            "code": None,
        }
    }


def test_dialect_row() -> None:
    assert (DIALECT.name, DIALECT.served_at) == ("chat", "/v1/chat/completions")
    assert DIALECT.parse_request is parse_request
    assert DIALECT.render_response is render_response
    assert DIALECT.render_error is render_error
    assert isinstance(DIALECT.stream_renderer(INFO), ChunkRenderer)


# --- the real openai client, over an in-process transport ---------------------------------


def _client(handler: Any) -> Iterator[openai.OpenAI]:
    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    with openai.OpenAI(api_key="k", base_url="http://gateway.test/v1", http_client=http) as c:
        yield c


def _gateway(step: StepResult, events: list[StreamEvent]) -> Any:
    """A stand-in gateway: the dialect's parse and render around a fixed answer."""
    seen: list[Inbound] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == DIALECT.served_at
        try:
            inbound = parse_request(json.loads(request.content))
        except RequestError as exc:
            body = render_error(exc.status, exc.message, exc.param, exc.code)
            return httpx2.Response(exc.status, json=body)
        seen.append(inbound)
        if not inbound.stream:
            return httpx2.Response(200, json=render_response(step, INFO))
        renderer = ChunkRenderer(replace(INFO, include_usage=inbound.include_usage))
        text = "".join(_frames(renderer, events))
        return httpx2.Response(200, text=text, headers={"content-type": "text/event-stream"})

    handle.seen = seen  # type: ignore[attr-defined]
    return handle


def test_the_openai_client_end_to_end() -> None:
    step = PARALLEL[-1].step  # type: ignore[union-attr]
    handler = _gateway(step, PARALLEL)
    for client in _client(handler):
        done = client.chat.completions.create(
            model="org/model",
            messages=[{"role": "user", "content": "Weather?"}],
            tools=[WEATHER.to_openai()],  # type: ignore[list-item]
            max_completion_tokens=64,
            frequency_penalty=0.1,
        )
        assert done.choices[0].message.content == "Checking both."
        assert done.usage is not None and done.usage.completion_tokens == 30
        stream = client.chat.completions.create(
            model="org/model",
            messages=[{"role": "user", "content": "Weather?"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        assert chunks[-1].usage is not None and chunks[-1].choices == []
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(model="org/model", messages=[], n=1)
        assert caught.value.body == {  # the SDK keeps the error object as the body
            "message": "messages must be a non-empty list of message objects.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": None,
        }
    first = handler.seen[0]
    assert first.request.tools == (WEATHER,) and first.request.max_tokens == 64
    assert first.passthrough == {"frequency_penalty": 0.1}


def test_the_openai_client_raises_on_an_error_frame() -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        renderer = ChunkRenderer(INFO)
        frames = renderer.start() + renderer.event(TextDelta("Hel"))
        frames += renderer.error(502, "upstream died", "upstream_error")
        return httpx2.Response(
            200, text="".join(frames), headers={"content-type": "text/event-stream"}
        )

    for client in _client(handle):
        stream = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        with pytest.raises(openai.APIError, match="upstream died"):
            list(stream)
