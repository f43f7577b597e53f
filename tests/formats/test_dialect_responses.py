"""The Responses dialect, checked against hfgate's own client half
(`hfgate.formats.responses`' `build_body`, `parse_response` and `EventAccumulator`) and the
openai SDK's types and stream accumulator."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import httpx2  # the openai SDK's own HTTP client
import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent
from openai.types.responses.response_create_params import (
    ResponseCreateParamsBase,
    ResponseCreateParamsStreaming,
)
from pydantic import TypeAdapter

from hfgate.errors import StreamError
from hfgate.formats import RESPONSES as DIALECT
from hfgate.formats import responses as wire
from hfgate.formats.base import Inbound, ReplyInfo, RequestError
from hfgate.formats.error_bodies import openai_error
from hfgate.formats.responses import (
    EventRenderer,
    parse_request,
    render_error,
    render_response,
)
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
USAGE = Usage(12, 30, 42, cached_input_tokens=4, reasoning_tokens=10, cache_write_tokens=2)

RICH = ChatRequest(
    model="org/model",
    messages=(
        Message("system", "Be brief."),
        Message(
            "user",
            (
                TextPart("What is the weather here?"),
                ImagePart("https://example.com/a.png", "high"),
                ImagePart("data:image/png;base64,iVBORw0KGgo=", "auto"),
            ),
        ),
        Message("assistant", "Let me check.", tool_calls=(CALL_A, CALL_B)),
        Message("tool", "18C and sunny", tool_call_id="call_a", name="get_weather"),
        Message("tool", "noon", tool_call_id="call_b", name="get_time"),
        Message("user", "Thanks"),
    ),
    tools=(WEATHER, TIME),
    tool_choice={"type": "function", "name": "get_weather"},
    response_format=JsonSchemaFormat("answer", {"type": "object"}, True),
    temperature=0.3,
    max_tokens=256,
    top_p=0.9,
    reasoning_effort="low",
)
STEP = StepResult(
    text="It is sunny.",
    reasoning="The tool said so.",
    tool_calls=(CALL_A, CALL_B, CALL_C),
    finish_reason="tool-calls",
    raw_finish_reason="tool_calls",
    usage=USAGE,
    meta=META,
)

_PARAMS: TypeAdapter[Any] = TypeAdapter(ResponseCreateParamsBase)
_EVENT: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)
_FRAME = re.compile(r"event: ([a-z_.]+)\ndata: (\{.*\})\n\n", re.DOTALL)


# --- requests ------------------------------------------------------------------------------


@pytest.mark.parametrize("tool_choice", [{"type": "function", "name": "get_weather"}, "required"])
@pytest.mark.parametrize(
    "response_format",
    [JsonSchemaFormat("answer", {"type": "object"}, True), RawFormat({"type": "json_object"})],
)
def test_the_client_half_round_trips(
    tool_choice: Any, response_format: Any, sdk_check: Any
) -> None:
    req = ChatRequest(
        **{
            **{f: getattr(RICH, f) for f in ("model", "messages", "tools", "temperature")},
            **{f: getattr(RICH, f) for f in ("max_tokens", "top_p", "reasoning_effort")},
            "tool_choice": tool_choice,
            "response_format": response_format,
        }
    )
    body = wire.build_body(req, stream=False)
    sdk_check(_PARAMS, body)
    inbound = parse_request(body)
    echoed = {k: body[k] for k in ("max_output_tokens", "temperature", "top_p", "text")}
    echoed |= {"tool_choice": body["tool_choice"], "reasoning": body["reasoning"]}
    tools = [{**t, "description": t.get("description")} for t in body["tools"]]
    assert inbound == Inbound(req, stream=False, passthrough={}, echo={**echoed, "tools": tools})


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"metadata": {"run": 7}}, "metadata"),
        ({"metadata": "run-7"}, "metadata"),
        ({"user": 5}, "user"),
        ({"truncation": "sometimes"}, "truncation"),
        ({"top_logprobs": True}, "top_logprobs"),
        ({"tools": [{"type": "function", "name": "f", "strict": "yes"}]}, "tools.0.strict"),
    ],
)
def test_echoed_parameters_are_checked(extra: dict[str, Any], param: str) -> None:
    """What a response object repeats is checked before it is repeated."""
    with pytest.raises(RequestError) as caught:
        parse_request({"model": "m", "input": "hi", **extra})
    assert caught.value.param == param


def test_the_response_repeats_the_request_over_openais_defaults() -> None:
    inbound = parse_request(
        {
            "model": "m",
            "input": "hi",
            "instructions": "Be brief.",
            "metadata": {"run": "7"},
            "reasoning": {"effort": "low"},
            "text": {"verbosity": "low"},
            "user": "u1",
            "tools": [{"type": "function", "name": "f"}, {"type": "web_search"}],
        }  # fmt: skip
    )
    step = StepResult("Hi.", None, (), "stop", "stop", Usage(7, 3), META)
    body = render_response(step, dataclasses.replace(INFO, echo=inbound.echo))
    Response.model_validate(body)
    assert (body["instructions"], body["metadata"], body["user"]) == (
        "Be brief.",
        {"run": "7"},
        "u1",
    )
    assert body["reasoning"] == {"effort": "low", "summary": None}
    assert body["text"] == {"format": {"type": "text"}, "verbosity": "low"}
    function = {"type": "function", "name": "f", "description": None, "parameters": None}
    assert body["tools"] == [{**function, "strict": None}]  # the hosted tool was left out
    assert (body["temperature"], body["top_p"], body["tool_choice"]) == (1.0, 1.0, "auto")


def test_a_string_input_is_one_user_message_and_instructions_lead() -> None:
    inbound = parse_request(
        {"model": "m", "input": "hi", "instructions": "Be brief.", "stream": True}
    )
    assert inbound.request.messages == (Message("system", "Be brief."), Message("user", "hi"))
    assert inbound.stream is True


def test_a_body_built_from_sdk_params_parses(sdk_check: Any) -> None:
    body: ResponseCreateParamsStreaming = {
        "model": "org/model",
        "instructions": "You are terse.",
        "input": [
            {"role": "developer", "content": "Be brief."},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Weather?"},
                    {"type": "input_image", "image_url": "https://e.x/a.png", "detail": "low"},
                ],
            },
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "Ask the tool."}],
                "encrypted_content": "opaque",
            },
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {"type": "output_text", "text": "Checking.", "annotations": []},
                    {"type": "refusal", "refusal": " Not that."},
                ],
            },
            {
                "type": "function_call",
                "call_id": "call_a",
                "name": "get_weather",
                "arguments": '{"city": "Paris"}',
            },
            {
                "type": "function_call_output",
                "call_id": "call_a",
                "output": [{"type": "input_text", "text": "18C"}],
            },
        ],
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Weather for a city.",
                "parameters": dict(WEATHER.parameters),
                "strict": True,
            }
        ],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "text": {
            "format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}},
            "verbosity": "low",
        },
        "reasoning": {"effort": "high", "summary": "auto"},
        "max_output_tokens": 64,
        "metadata": {"k": "v"},
        "store": False,
        "parallel_tool_calls": False,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "key-1",
        "stream": True,
    }
    sdk_check(_PARAMS, body)
    inbound = parse_request(body)
    assert inbound.request == ChatRequest(
        model="org/model",
        messages=(
            Message("system", "You are terse."),
            Message("system", "Be brief."),
            Message("user", (TextPart("Weather?"), ImagePart("https://e.x/a.png", "low"))),
            Message("assistant", "Checking. Not that.", (CALL_A,), reasoning="Ask the tool."),
            Message("tool", "18C", tool_call_id="call_a", name="get_weather"),
        ),
        tools=(WEATHER,),
        tool_choice={"type": "function", "name": "get_weather"},
        response_format=JsonSchemaFormat("answer", {"type": "object"}),
        max_tokens=64,
        reasoning_effort="high",
        parallel_tool_calls=False,
    )
    assert inbound.stream is True
    assert inbound.passthrough == {
        "metadata": {"k": "v"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "key-1",
        "text": {"verbosity": "low"},
        "reasoning": {"summary": "auto"},
    }


def test_reasoning_between_calls_stays_in_one_assistant_turn() -> None:
    summary = [{"type": "summary_text", "text": "First."}]
    content = [{"type": "reasoning_text", "text": "Second."}]
    call_a = {"type": "function_call", "call_id": "call_a", "name": "get_weather"}
    call_b = {"type": "function_call", "call_id": "call_b", "name": "get_time"}
    inbound = parse_request(
        {
            "model": "m",
            "input": [
                {"role": "user", "content": "hi"},
                {"type": "reasoning", "id": "rs_1", "summary": summary},
                {**call_a, "arguments": CALL_A.raw_arguments},
                {"type": "reasoning", "id": "rs_2", "summary": [], "content": content},
                {**call_b, "arguments": CALL_B.raw_arguments},
                {"type": "reasoning", "id": "rs_3", "summary": summary},  # no answer after it
            ],
        }
    )
    assert inbound.request.messages[1:] == (
        Message("assistant", "", (CALL_A, CALL_B), reasoning="First.\n\nSecond."),
    )


def _input(*items: Any) -> dict[str, Any]:
    return {"model": "m", "input": list(items)}


def _user(*parts: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(parts)}


_CALL = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}
_STATE = "send the whole conversation in `input`"

BAD: list[tuple[Any, str | None, str]] = [
    ([], None, "JSON object"),
    ({"input": "hi"}, "model", "model"),
    (
        {"model": "m", "input": "hi", "previous_response_id": "resp_1"},
        "previous_response_id",
        _STATE,
    ),
    ({"model": "m", "input": "hi", "conversation": "conv_1"}, "conversation", _STATE),
    ({"model": "m", "input": "hi", "background": True}, "background", _STATE),
    ({"model": "m"}, "input", "input"),
    ({"model": "m", "input": []}, "input", "non-empty list"),
    ({"model": "m", "input": "hi", "instructions": ["x"]}, "instructions", "string"),
    (_input("hi"), "input.0", "object"),
    (_input({"type": "item_reference", "id": "x"}), "input.0.type", "'item_reference'"),
    (_input({"type": "web_search_call"}), "input.0.type", "function_call_output"),
    (_input({"role": "tool", "content": "x"}), "input.0.role", "developer"),
    (_input({"role": ["user"], "content": "x"}), "input.0.role", "developer"),
    (_input({"role": "user", "content": 3}), "input.0.content", "list of content parts"),
    (_input(_user({"type": "input_text"})), "input.0.content.0.text", "string"),
    (
        _input(_user({"type": "input_image", "file_id": "file_1"})),
        "input.0.content.0.file_id",
        "not supported",
    ),
    (
        _input(_user({"type": "input_image", "image_url": "/etc/passwd"})),
        "input.0.content.0.image_url",
        "http(s) URL or a data: URL",
    ),
    (
        _input(_user({"type": "input_image", "image_url": "file:///etc/passwd"})),
        "input.0.content.0.image_url",
        "data: URL",
    ),
    (
        _input(_user({"type": "input_file", "file_url": "https://e.x/a.pdf"})),
        "input.0.content.0.type",
        "'input_file' is not supported",
    ),
    (_input(_user({"type": "input_audio"})), "input.0.content.0.type", "input_image"),
    (
        _input({"role": "system", "content": [{"type": "input_image", "image_url": "https://x"}]}),
        "input.0.content.0",
        "only in user messages",
    ),
    (_input({**_CALL, "call_id": None}), "input.0.call_id", "call_id"),
    (_input({**_CALL, "arguments": {"a": 1}}), "input.0.arguments", "JSON string"),
    (
        _input(
            _CALL,
            {
                "type": "function_call_output",
                "call_id": "c",
                "output": [{"type": "input_image", "image_url": "https://x"}],
            },
        ),
        "input.1.output.0",
        "input_text",
    ),
    (_input({"type": "function_call_output", "call_id": "c", "output": 3}), "input.0.output", ""),
    ({"model": "m", "input": "x", "tools": {}}, "tools", "list"),
    ({"model": "m", "input": "x", "tools": [{"type": 5}]}, "tools.0.type", "namespace or custom"),
    (
        {"model": "m", "input": "x", "tools": [{"type": "namespace", "name": "ns"}]},
        "tools.0.tools",
        "list of function tools",
    ),
    (
        {
            "model": "m",
            "input": "x",
            "tools": [{"type": "namespace", "name": "ns", "tools": [{"type": "web_search"}]}],
        },
        "tools.0.tools.0.type",
        "function and custom tools only",
    ),
    (
        {"model": "m", "input": "x", "tools": [{"type": "custom", "name": "c", "format": {}}]},
        "tools.0.format.type",
        "text or grammar",
    ),
    (
        {"model": "m", "input": "x", "tools": [{"type": "web_search"}], "tool_choice": "required"},
        "tool_choice",
        "only tools sent are hosted",
    ),
    (
        _input(
            {
                "type": "function_call",
                "call_id": "c",
                "name": "f",
                "arguments": "{}",
                "namespace": 1,
            }
        ),
        "input.0.namespace",
        "string",
    ),
    (_input({"type": "custom_tool_call", "call_id": "c", "name": "f"}), "input.0.input", "string"),
    (
        {"model": "m", "input": "x", "tools": [{"type": "function", "function": {"name": "f"}}]},
        "tools.0.name",
        "flat",
    ),
    (
        {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f"}] * 2},
        "tools.1.name",
        "share the name 'f'",
    ),
    (
        {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f", "parameters": 1}]},
        "tools.0.parameters",
        "JSON schema",
    ),
    ({"model": "m", "input": "x", "tool_choice": "sometimes"}, "tool_choice", "required"),
    ({"model": "m", "input": "x", "tool_choice": ["auto"]}, "tool_choice", "required"),
    (
        {"model": "m", "input": "x", "tool_choice": {"type": "web_search_preview"}},
        "tool_choice",
        "forces the hosted tool",
    ),
    ({"model": "m", "input": "x", "text": "json"}, "text", "object"),
    ({"model": "m", "input": "x", "text": {"format": {"type": "xml"}}}, "text.format.type", "json"),
    (
        {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "a"}}},
        "text.format",
        "schema",
    ),
    ({"model": "m", "input": "x", "temperature": "hot"}, "temperature", "number"),
    ({"model": "m", "input": "x", "top_p": True}, "top_p", "number"),
    ({"model": "m", "input": "x", "max_output_tokens": 0}, "max_output_tokens", "positive"),
    ({"model": "m", "input": "x", "stream": "yes"}, "stream", "true or false"),
    ({"model": "m", "input": "x", "reasoning": "high"}, "reasoning", "effort"),
]


@pytest.mark.parametrize(("body", "param", "says"), BAD)
def test_bad_requests_name_the_field(body: Any, param: str | None, says: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(body)
    assert (caught.value.param, caught.value.status) == (param, 400)
    assert says in caught.value.message


# --- answers -------------------------------------------------------------------------------


def test_an_answer_validates_and_reads_back() -> None:
    body = render_response(STEP, INFO)
    sdk = Response.model_validate(body)
    assert (sdk.id, sdk.status, sdk.output_text, sdk.model) == (
        "resp_abc123",
        "completed",
        "It is sunny.",
        "org/model",
    )
    assert [item.id for item in sdk.output] == [
        "rs_abc123_0",
        "msg_abc123_1",
        "fc_abc123_2",
        "fc_abc123_3",
        "fc_abc123_4",
    ]
    back = wire.parse_response(body, META)
    assert (back.text, back.reasoning, back.tool_calls) == (
        STEP.text,
        STEP.reasoning,
        STEP.tool_calls,
    )
    assert (back.finish_reason, back.usage) == ("tool-calls", USAGE)


@pytest.mark.parametrize(
    ("finish", "reason"), [("length", "max_output_tokens"), ("content-filter", "content_filter")]
)
def test_a_cut_answer_is_incomplete(finish: Any, reason: str) -> None:
    step = StepResult("It is", None, (), finish, None, Usage(), META)
    body = render_response(step, INFO)
    sdk = Response.model_validate(body)
    assert (sdk.status, sdk.incomplete_details and sdk.incomplete_details.reason) == (
        "incomplete",
        reason,
    )
    assert sdk.usage is None  # no count known
    assert wire.parse_response(body, META).finish_reason == finish


def test_unknown_usage_details_are_sent_as_zero() -> None:
    step = StepResult("hi", None, (), "stop", "stop", Usage(7, 3), META)
    usage = Response.model_validate(render_response(step, INFO)).usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (7, 3, 10)
    assert usage.input_tokens_details.cached_tokens == 0


def test_errors_use_the_openai_shape() -> None:
    assert render_error is openai_error
    assert render_error(400, "bad", "input.0", None)["error"]["param"] == "input.0"
    assert (DIALECT.name, DIALECT.served_at, DIALECT.stream_renderer) == (
        "responses",
        "/v1/responses",
        EventRenderer,
    )


# --- streams -------------------------------------------------------------------------------


def _frames(renderer: EventRenderer, events: list[StreamEvent]) -> list[str]:
    frames = renderer.start()
    for event in events:
        frames += renderer.event(event)
    return frames


def _decode(frames: list[str]) -> list[dict[str, Any]]:
    """Each frame is one `event:` and one `data:` line naming the same type, numbered in
    order from 0, and a valid SDK stream event."""
    out = []
    for frame in frames:
        match = _FRAME.fullmatch(frame)
        assert match, frame
        data = json.loads(match.group(2))
        assert data["type"] == match.group(1)
        _EVENT.validate_python(data)
        out.append(data)
    assert [d["sequence_number"] for d in out] == list(range(len(out)))
    return out


def _fold(events: list[dict[str, Any]]) -> tuple[list[StreamEvent], StepResult]:
    acc = wire.EventAccumulator(META)
    unified = [u for event in events for u in acc.feed(event)]
    tail, step = acc.finish()
    return unified + tail, step


def _sdk(frames: list[str]) -> openai.OpenAI:
    """The openai client, answered with these frames by an in-memory transport."""
    body = "".join(frames).encode()

    def answer(request: httpx2.Request) -> httpx2.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx2.Response(200, headers=headers, content=body)

    client = httpx2.Client(transport=httpx2.MockTransport(answer))
    return openai.OpenAI(api_key="k", base_url="http://gateway.test/v1", http_client=client)


STREAM: list[StreamEvent] = [
    ReasoningDelta("The tool "),
    ReasoningDelta("said so."),
    TextDelta("It is "),
    TextDelta("sunny."),
    ToolCallDelta(0, "", "call_a", "get_weather"),
    ToolCallDelta(0, '{"city": '),
    ToolCallDelta(0, '"Paris"}'),
    ToolCallDelta(1, '{"tz": "CET"}', "call_b", "get_time"),
    ToolCallEvent(CALL_A),
    ToolCallEvent(CALL_B),
    ToolCallEvent(CALL_C),  # never streamed: the upstream sent it whole
    StepFinish(STEP),
]


def test_a_stream_folds_back_into_the_same_step() -> None:
    renderer = EventRenderer(INFO)
    events = _decode(_frames(renderer, STREAM) + renderer.finish())
    assert [e["type"] for e in events[:2]] == ["response.created", "response.in_progress"]
    assert events[0]["response"]["status"] == "in_progress"
    assert events[-1]["type"] == "response.completed"
    assert events[-1]["response"] == render_response(STEP, INFO)
    unified, step = _fold(events)
    assert "".join(e.text for e in unified if isinstance(e, ReasoningDelta)) == STEP.reasoning
    assert "".join(e.text for e in unified if isinstance(e, TextDelta)) == STEP.text
    assert [e.tool_call for e in unified if isinstance(e, ToolCallEvent)] == list(STEP.tool_calls)
    assert (step.text, step.reasoning, step.tool_calls) == (
        STEP.text,
        STEP.reasoning,
        STEP.tool_calls,
    )
    assert (step.finish_reason, step.usage) == ("tool-calls", USAGE)


def test_text_items_close_before_the_next_opens_and_calls_once_complete() -> None:
    renderer = EventRenderer(INFO)
    events = _decode(_frames(renderer, STREAM) + renderer.finish())
    kinds = [e["type"] for e in events]
    spans: dict[int, list[int]] = {}
    for i, event in enumerate(events):
        if event["type"] in ("response.output_item.added", "response.output_item.done"):
            spans.setdefault(event["output_index"], []).append(i)
    assert sorted(spans) == [0, 1, 2, 3, 4] and all(len(s) == 2 for s in spans.values())
    (r0, r1), (t0, t1) = spans[0], spans[1]  # reasoning, then text, one after the other
    assert r0 < r1 < t0 < t1 < min(spans[2][0], spans[3][0])
    for index, (added, done) in spans.items():  # every fragment lands inside its item's span
        fragments = [i for i, e in enumerate(events) if e.get("output_index") == index]
        assert added == fragments[0] and done == fragments[-1]
    for done in ("output_text", "reasoning_summary_text", "function_call_arguments"):
        assert f"response.{done}.done" in kinds


def test_interleaved_parallel_calls_keep_every_fragment() -> None:
    """A chat upstream may start the second call before the first one's arguments came."""
    interleaved: list[StreamEvent] = [
        ToolCallDelta(0, "", "call_a", "get_weather"),
        ToolCallDelta(1, "", "call_b", "get_time"),
        ToolCallDelta(0, '{"city": "Paris"}'),
        ToolCallDelta(1, '{"tz": "CET"}'),
        ToolCallEvent(CALL_A),
        ToolCallEvent(CALL_B),
    ]
    renderer = EventRenderer(INFO)
    frames = _frames(renderer, interleaved) + renderer.finish()
    with _sdk(frames).responses.stream(model="org/model", input="hi") as stream:
        final = stream.get_final_response()
    calls = [(o.call_id, o.arguments) for o in final.output if o.type == "function_call"]
    assert calls == [("call_a", '{"city": "Paris"}'), ("call_b", '{"tz": "CET"}')]


def test_the_openai_sdk_accumulates_the_stream() -> None:
    renderer = EventRenderer(INFO)
    frames = _frames(renderer, STREAM) + renderer.finish()
    with _sdk(frames).responses.stream(model="org/model", input="hi") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == STEP.text
    calls = [(o.call_id, o.name, o.arguments) for o in final.output if o.type == "function_call"]
    assert calls == [(c.id, c.name, c.raw_arguments) for c in STEP.tool_calls]
    assert final.usage is not None and final.usage.total_tokens == 42


def test_a_step_that_came_whole_is_streamed_as_items() -> None:
    renderer = EventRenderer(INFO)
    events = _decode(_frames(renderer, [StepFinish(STEP)]) + renderer.finish())
    assert events[-1]["response"] == render_response(STEP, INFO)
    unified, step = _fold(events)
    assert "".join(e.text for e in unified if isinstance(e, TextDelta)) == STEP.text
    assert step.tool_calls == STEP.tool_calls


def test_a_call_without_an_id_gets_the_client_halfs_name_and_its_final_arguments() -> None:
    call = ToolCall("call_0", "get_time", {"tz": "UTC"}, '{"tz": "UTC"}')
    step = StepResult("", None, (call,), "tool-calls", None, Usage(), META)
    renderer = EventRenderer(INFO)
    stream = [ToolCallDelta(0, '{"tz"', None, "get_time"), ToolCallEvent(call), StepFinish(step)]
    events = _decode(_frames(renderer, stream) + renderer.finish())
    done = [e for e in events if e["type"] == "response.function_call_arguments.done"]
    assert [d["arguments"] for d in done] == ['{"tz": "UTC"}']
    assert _fold(events)[1].tool_calls == (call,)


def test_a_cut_stream_ends_incomplete() -> None:
    step = StepResult("It is", None, (), "length", "length", Usage(5, 2), META)
    renderer = EventRenderer(INFO)
    events = _decode(_frames(renderer, [TextDelta("It is"), StepFinish(step)]) + renderer.finish())
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert _fold(events)[1].finish_reason == "length"


def test_an_error_mid_stream_is_raised_by_both_clients() -> None:
    renderer = EventRenderer(INFO)
    frames = _frames(renderer, [TextDelta("It is")]) + renderer.error(429, "Slow down.", None)
    events = _decode(frames)
    assert [e["type"] for e in events[-2:]] == ["error", "response.failed"]
    failed = Response.model_validate(events[-1]["response"])
    assert failed.status == "failed" and failed.error is not None
    assert (failed.error.code, failed.error.message) == ("rate_limit_exceeded", "Slow down.")
    with pytest.raises(StreamError, match="Slow down"):
        _fold(events)
    stream = _sdk(frames).responses.create(model="org/model", input="hi", stream=True)
    with pytest.raises(openai.APIError, match="Slow down"):
        list(stream)
