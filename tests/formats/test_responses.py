"""The OpenAI Responses translation as pure functions: request bodies checked against the
`openai` SDK's request types, answers and events built from its response types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from openai.types.responses import Response, ResponseStreamEvent
from openai.types.responses.response_create_params import ResponseCreateParamsBase
from pydantic import BaseModel, TypeAdapter

from hfgate.errors import ConfigError, StreamError
from hfgate.formats import responses as wire
from hfgate.inputs.request import ChatRequest, to_response_format
from hfgate.inputs.tools import to_tool
from hfgate.types import (
    ImagePart,
    Message,
    ReasoningDelta,
    ResponseMeta,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

META = ResponseMeta(model="gpt-x", provider="api.openai.com", request_id="req_1")
_PARAMS: TypeAdapter[Any] = TypeAdapter(ResponseCreateParamsBase)
_EVENT: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)
CALL = ToolCall("call_1", "weather", {"city": "Paris"}, '{"city": "Paris"}')


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
    return ChatRequest(model="gpt-x", messages=messages or (Message("user", "hi"),), **kw)


def test_messages_tool_calls_and_results_become_input_items(build: Body) -> None:
    body = build(
        _req(
            Message("system", "Be brief."),
            Message("user", (TextPart("what?"), ImagePart("data:image/png;base64,AAAA", "low"))),
            Message("assistant", "Let me check.", tool_calls=(CALL,)),
            Message("tool", "sunny", tool_call_id="call_1", name="weather"),
        )
    )
    assert body["input"] == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "what?"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
            ],
        },
        {"role": "assistant", "content": "Let me check."},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "weather",
            "arguments": '{"city": "Paris"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ]


def test_tools_choice_format_reasoning_and_limits(build: Body) -> None:
    class City(BaseModel):
        name: str

    tool = to_tool(
        {"type": "function", "function": {"name": "weather", "description": "d", "parameters": {}}}
    )
    body = build(
        _req(
            tools=(tool,),
            tool_choice="weather",
            response_format=to_response_format(City),
            max_tokens=50,
            temperature=0.2,
            reasoning_effort="low",
            seed=3,
            extra_body={"store": False},
        ),
        stream=True,
    )
    assert body["tools"] == [
        {
            "type": "function",
            "name": "weather",
            "description": "d",
            "strict": False,
            "parameters": {"type": "object", "properties": {}},
        }
    ]
    assert body["tool_choice"] == {"type": "function", "name": "weather"}
    assert body["text"]["format"]["type"] == "json_schema"
    assert body["text"]["format"]["name"] == "City"
    assert body["reasoning"] == {"effort": "low"}  # summaries need a verified OpenAI org
    assert (body["max_output_tokens"], body["temperature"], body["store"]) == (50, 0.2, False)
    assert body["stream"] is True and "seed" not in body
    assert build(_req(tool_choice="required"))["tool_choice"] == "required"
    raw = build(_req(response_format=to_response_format({"type": "json_object"})))
    assert raw["text"] == {"format": {"type": "json_object"}}


def test_stop_is_refused_rather_than_dropped(build: Body) -> None:
    with pytest.raises(ConfigError, match="no stop sequences"):
        wire.build_body(_req(stop=("x",)), stream=False)


def _response(output: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": "gpt-x-2025",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "status": "completed",
        "usage": {
            "input_tokens": 20,
            "input_tokens_details": {"cached_tokens": 8, "cache_write_tokens": 2},
            "output_tokens": 9,
            "output_tokens_details": {"reasoning_tokens": 4},
            "total_tokens": 29,
        },
        **extra,
    }
    return Response.model_validate(data).model_dump(mode="json")


REASONING = {
    "type": "reasoning",
    "id": "rs_1",
    "summary": [
        {"type": "summary_text", "text": "First."},
        {"type": "summary_text", "text": "Then."},
    ],
}
MESSAGE = {
    "type": "message",
    "id": "msg_1",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "Sunny.", "annotations": []}],
}
FUNCTION_CALL = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "weather",
    "arguments": '{"city": "Paris"}',
    "status": "completed",
}


def test_parse_response_reads_reasoning_text_calls_and_usage() -> None:
    step = wire.parse_response(_response([REASONING, MESSAGE, FUNCTION_CALL]), META)
    assert (step.text, step.reasoning) == ("Sunny.", "First.\n\nThen.")
    assert step.tool_calls == (CALL,) and step.finish_reason == "tool-calls"
    assert step.usage == Usage(20, 9, 29, 8, 4, 2)
    assert step.meta == ResponseMeta("gpt-x-2025", "api.openai.com", "req_1")


def test_hf_raw_reasoning_text_and_incomplete_answers() -> None:
    hf_reasoning = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": "raw thought"}],
    }
    body = _response(
        [hf_reasoning, MESSAGE],
        status="incomplete",
        incomplete_details={"reason": "max_output_tokens"},
    )
    step = wire.parse_response(body, META)
    assert step.reasoning == "raw thought"
    assert (step.finish_reason, step.raw_finish_reason) == ("length", "max_output_tokens")


def test_a_failed_response_raises() -> None:
    body = _response([], status="failed", error={"code": "server_error", "message": "boom"})
    with pytest.raises(StreamError) as caught:
        wire.parse_response(body, META)
    assert (caught.value.message, caught.value.code) == ("boom", "server_error")


def _events(*raw: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for number, event in enumerate(raw):
        model = _EVENT.validate_python({"sequence_number": number, **event})
        out.append(model.model_dump(mode="json"))
    return out


def test_stream_with_parallel_calls_reasoning_and_text() -> None:
    second = {**FUNCTION_CALL, "id": "fc_2", "call_id": "call_2", "arguments": ""}
    events = _events(
        {"type": "response.created", "response": _response([], status="in_progress", usage=None)},
        {
            "type": "response.reasoning_summary_text.delta",
            "item_id": "rs_1",
            "output_index": 0,
            "summary_index": 0,
            "delta": "First.",
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "item_id": "rs_1",
            "output_index": 0,
            "summary_index": 1,
            "delta": "Then.",
        },
        {
            "type": "response.output_text.delta",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "delta": "Sun",
            "logprobs": [],
        },
        {
            "type": "response.output_text.delta",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "delta": "ny.",
            "logprobs": [],
        },
        {
            "type": "response.output_item.added",
            "output_index": 2,
            "item": {**FUNCTION_CALL, "arguments": "", "status": "in_progress"},
        },
        {"type": "response.output_item.added", "output_index": 3, "item": second},
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "output_index": 2,
            "delta": '{"city": ',
        },
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_2",
            "output_index": 3,
            "delta": "{}",
        },
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "output_index": 2,
            "delta": '"Paris"}',
        },
        {"type": "response.output_item.done", "output_index": 2, "item": FUNCTION_CALL},
        {
            "type": "response.completed",
            "response": _response(
                [REASONING, MESSAGE, FUNCTION_CALL, {**second, "arguments": "{}"}]
            ),
        },
    )
    acc = wire.EventAccumulator(META)
    out = [e for event in events for e in acc.feed(event)]
    assert out == [
        ReasoningDelta("First."),
        ReasoningDelta("\n\nThen."),
        TextDelta("Sun"),
        TextDelta("ny."),
        ToolCallDelta(0, "", "call_1", "weather"),
        ToolCallDelta(1, "", "call_2", "weather"),
        ToolCallDelta(0, '{"city": '),
        ToolCallDelta(1, "{}"),
        ToolCallDelta(0, '"Paris"}'),
    ]
    tail, step = acc.finish()
    second_call = ToolCall("call_2", "weather", {}, "{}")
    assert tail == [ToolCallEvent(CALL), ToolCallEvent(second_call)]
    assert (step.text, step.reasoning) == ("Sunny.", "First.\n\nThen.")
    assert step.tool_calls == (CALL, second_call)
    assert step.usage == Usage(20, 9, 29, 8, 4, 2) and step.finish_reason == "tool-calls"
    assert step.meta.model == "gpt-x-2025"


def test_a_stream_with_only_the_final_response_still_answers() -> None:
    acc = wire.EventAccumulator(META)
    for event in _events({"type": "response.completed", "response": _response([MESSAGE])}):
        assert acc.feed(event) == []
    tail, step = acc.finish()
    assert tail == [TextDelta("Sunny.")] and step.text == "Sunny."


def test_failed_and_error_events_raise() -> None:
    failed = _events(
        {
            "type": "response.failed",
            "response": _response(
                [], status="failed", error={"code": "server_error", "message": "x"}
            ),
        }
    )[0]
    with pytest.raises(StreamError, match="x"):
        wire.EventAccumulator(META).feed(failed)
    error = _events({"type": "error", "code": "rate_limit", "message": "slow down", "param": None})
    with pytest.raises(StreamError, match="slow down") as caught:
        wire.EventAccumulator(META).feed(error[0])
    assert caught.value.code == "rate_limit"


def test_null_and_malformed_fields_read_as_nothing() -> None:
    body = _response([MESSAGE])
    body["output"][0]["content"][0]["text"] = None
    body["output"].append("not an item")
    assert wire.parse_response(body, META).text == ""
    body["output"] = {"not": "a list"}
    assert wire.parse_response(body, META).text == ""
