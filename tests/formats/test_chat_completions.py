"""The chat-completions translation as pure functions: no server needed."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from pydantic import BaseModel

from hfgate.errors import StreamError
from hfgate.formats import chat_completions as wire
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

META = ResponseMeta(provider="together", request_id="req-1")


def _req(**kw: Any) -> ChatRequest:
    return ChatRequest(model=kw.pop("model", "org/model"), messages=(Message("user", "hi"),), **kw)


def test_model_is_serialised_first_and_stream_asks_for_usage() -> None:
    body = wire.build_body(_req(temperature=0.2, max_tokens=5, stop=("x",)), stream=True)
    assert next(iter(body)) == "model"
    assert json.dumps(body).startswith('{"model": "org/model"')
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.2 and body["max_tokens"] == 5 and body["stop"] == ["x"]
    assert "top_p" not in body and "seed" not in body  # unset options are not sent


def test_non_stream_body_has_no_stream_keys() -> None:
    body = wire.build_body(_req(), stream=False)
    assert "stream" not in body and "stream_options" not in body


def test_tools_tool_choice_and_response_format() -> None:
    class Answer(BaseModel):
        value: int

    tool = to_tool(
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    )
    body = wire.build_body(
        _req(tools=(tool,), tool_choice="f", response_format=to_response_format(Answer)),
        stream=False,
    )
    assert body["tools"] == [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    ]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Answer"
    assert (
        body["response_format"]["json_schema"]["schema"]["properties"]["value"]["type"] == "integer"
    )
    assert wire.build_body(_req(tool_choice="required"), stream=False)["tool_choice"] == "required"


def test_extra_body_is_deep_merged_last() -> None:
    body = wire.build_body(
        _req(reasoning_effort="low", extra_body={"stream_options": {"x": 1}, "top_k": 3}),
        stream=True,
    )
    assert body["stream_options"] == {"include_usage": True, "x": 1}
    assert body["top_k"] == 3
    assert body["reasoning_effort"] == "low"


def test_messages_images_tool_turns_and_no_reasoning_echo() -> None:
    call = ToolCall("c1", "weather", {"city": "Paris"}, '{"city": "Paris"}')
    req = ChatRequest(
        model="m",
        messages=(
            Message("system", "be brief"),
            Message(
                "user", (TextPart("what is it?"), ImagePart("data:image/png;base64,AA", "low"))
            ),
            Message("assistant", "", tool_calls=(call,), reasoning="secret thoughts"),
            Message("tool", "sunny", tool_call_id="c1", name="weather"),
        ),
    )
    msgs = wire.build_body(req, stream=False)["messages"]
    assert msgs[0] == {"role": "system", "content": "be brief"}
    assert msgs[1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,AA", "detail": "low"},
    }
    assert msgs[2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    assert "reasoning" not in json.dumps(msgs[2])
    assert msgs[3] == {"role": "tool", "content": "sunny", "tool_call_id": "c1", "name": "weather"}


def _completion(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "x",
        "model": "org/model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": extra.pop("finish", "stop"),
            }
        ],
        **extra,
    }


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_reasoning_from_a_field(field: str) -> None:
    step = wire.parse_response(_completion({"content": "3", field: "s-t-r..."}), META)
    assert (step.text, step.reasoning) == ("3", "s-t-r...")


def test_reasoning_from_leading_think_block_is_stripped_from_text() -> None:
    step = wire.parse_response(_completion({"content": "<think>hmm</think>\n\nThree"}), META)
    assert (step.text, step.reasoning) == ("Three", "hmm")


def test_no_reasoning_is_none() -> None:
    assert wire.parse_response(_completion({"content": "hi"}), META).reasoning is None


def test_tool_calls_with_string_or_object_arguments() -> None:
    step = wire.parse_response(
        _completion(
            {
                "content": None,
                "tool_calls": [
                    {
                        "id": "a",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"x": 1}'},
                    },
                    {
                        "id": "b",
                        "type": "function",
                        "function": {"name": "g", "arguments": {"y": [2]}},
                    },
                    {"type": "function", "function": {"name": "h", "arguments": ""}},
                ],
            },
            finish="tool_calls",
        ),
        META,
    )
    assert [(c.id, c.name, c.arguments) for c in step.tool_calls] == [
        ("a", "f", {"x": 1}),
        ("b", "g", {"y": [2]}),
        ("call_2", "h", {}),
    ]
    assert step.finish_reason == "tool-calls" and step.raw_finish_reason == "tool_calls"
    assert step.text == ""


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("stop", "stop"),
        ("eos_token", "stop"),
        ("eos", "stop"),
        ("length", "length"),
        ("tool_calls", "tool-calls"),
        ("content_filter", "content-filter"),
        ("error", "error"),
        ("something_new", "other"),
        (None, "other"),
    ],
)
def test_finish_reasons_are_normalised_and_raw_kept(raw: str | None, normalised: str) -> None:
    step = wire.parse_response(_completion({"content": "x"}, finish=raw), META)
    assert step.finish_reason == normalised
    assert step.raw_finish_reason == raw


def test_usage_variants_and_unknowns_stay_none() -> None:
    assert wire.parse_usage(
        {
            "prompt_tokens": 10,
            "completion_tokens": 4,
            "total_tokens": 14,
            "prompt_tokens_details": {"cached_tokens": 8},
            "completion_tokens_details": {"reasoning_tokens": 2},
        }
    ) == Usage(10, 4, 14, 8, 2)
    assert wire.parse_usage(
        {"prompt_tokens": 10, "completion_tokens": 4, "prompt_cache_hit_tokens": 6}
    ) == Usage(10, 4, 14, 6, None)
    # a reported 0 is a real zero, not a fall-through
    assert wire.parse_usage(
        {
            "prompt_tokens": 1,
            "completion_tokens": 1,
            "prompt_tokens_details": {"cached_tokens": 0},
            "prompt_cache_hit_tokens": 5,
        }
    ) == Usage(1, 1, 2, 0, None)
    assert wire.parse_usage(None) is None
    step = wire.parse_response(_completion({"content": "x"}), META)
    assert step.usage == Usage()  # no usage reported: every count unknown, never 0
    assert step.meta == ResponseMeta("org/model", "together", "req-1")


def test_error_inside_a_200_body_raises() -> None:
    with pytest.raises(StreamError) as info:
        wire.parse_response({"error": "Input validation error", "error_type": "validation"}, META)
    assert info.value.message == "Input validation error"
    assert info.value.code == "validation"
    assert info.value.provider == "together" and info.value.request_id == "req-1"


# --- stream accumulation -------------------------------------------------------------------


def _chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any
) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {"object": "chat.completion.chunk", "model": "org/model", "choices": choices, **extra}


def _fold(chunks: list[dict[str, Any]]) -> tuple[list[Any], Any]:
    acc = wire.ChunkAccumulator(META)
    events = [e for c in chunks for e in acc.feed(c)]
    tail, step = acc.finish()
    return events + tail, step


def test_parallel_tool_calls_assembled_per_index() -> None:
    events, step = _fold(
        [
            _chunk(
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "a",
                            "type": "function",
                            "function": {"name": "f", "arguments": ""},
                        }
                    ],
                }
            ),
            _chunk(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "b",
                            "type": "function",
                            "function": {"name": "g", "arguments": '{"c'},
                        }
                    ]
                }
            ),
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x": '}}]}),
            _chunk({"tool_calls": [{"index": 1, "function": {"arguments": 'ity": "Oslo"}'}}]}),
            _chunk(
                {"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}, finish="tool_calls"
            ),
        ]
    )
    assert [(c.id, c.name, c.arguments) for c in step.tool_calls] == [
        ("a", "f", {"x": 1}),
        ("b", "g", {"city": "Oslo"}),
    ]
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert [(d.index, d.arguments_delta) for d in deltas][:2] == [(0, ""), (1, '{"c')]
    assert deltas[0].name == "f" and deltas[2].name is None
    assert [e.tool_call.id for e in events if isinstance(e, ToolCallEvent)] == ["a", "b"]
    assert step.finish_reason == "tool-calls"


def test_tool_call_arguments_as_object_and_missing_index() -> None:
    _, step = _fold(
        [
            _chunk(
                {"tool_calls": [{"id": "t1", "function": {"name": "f", "arguments": {"a": 1}}}]}
            ),
            _chunk(
                {"tool_calls": [{"id": "t2", "function": {"name": "g", "arguments": {"b": 2}}}]},
                finish="tool_calls",
            ),
        ]
    )
    assert [(c.id, c.arguments) for c in step.tool_calls] == [("t1", {"a": 1}), ("t2", {"b": 2})]


@pytest.mark.parametrize("where", ["separate", "last"])
def test_usage_on_empty_choices_chunk_or_last_content_chunk(where: str) -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    chunks = [
        _chunk({"role": "assistant", "content": "Hi"}),
        _chunk({"content": "!"}, finish="stop", usage=None if where == "separate" else usage),
    ]
    if where == "separate":
        chunks.append(_chunk(None, usage=usage))
    events, step = _fold(chunks)
    assert step.usage == Usage(5, 2, 7)
    assert step.text == "Hi!"
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hi", "!"]


def test_stream_reasoning_fields_and_think_tags() -> None:
    events, step = _fold(
        [
            _chunk({"reasoning_content": "a"}),
            _chunk({"reasoning": "b"}),
            _chunk({"content": "c"}, finish="stop"),
        ]
    )
    assert step.reasoning == "ab" and step.text == "c"
    assert [type(e) for e in events] == [ReasoningDelta, ReasoningDelta, TextDelta]
    _, step = _fold(
        [
            _chunk({"content": "<thi"}),
            _chunk({"content": "nk>why</th"}),
            _chunk({"content": "ink>so"}, finish="stop"),
        ]
    )
    assert (step.reasoning, step.text) == ("why", "so")


def test_error_object_inside_stream_raises_typed_error() -> None:
    acc = wire.ChunkAccumulator(META)
    acc.feed(_chunk({"content": "par"}))
    with pytest.raises(StreamError) as info:
        acc.feed({"error": {"message": "overloaded", "code": "overloaded"}})
    assert info.value.message == "overloaded" and info.value.code == "overloaded"


def test_stream_without_finish_reason_or_usage() -> None:
    _, step = _fold([_chunk({"content": "x"})])
    assert step.finish_reason == "other" and step.raw_finish_reason is None
    assert step.usage == Usage()


def test_later_system_messages_join_the_first_for_templates_that_allow_one() -> None:
    """Qwen3's, Mistral's and Gemma's chat templates raise on a system message that is not
    first; a translated conversation (Claude Code's mid-conversation system turn) has some."""
    req = ChatRequest(
        model="m",
        messages=(
            Message("system", "Be brief."),
            Message("user", "hi"),
            Message("assistant", "Hello."),
            Message("system", (TextPart("Plan mode is on."),)),
            Message("user", "go on"),
        ),
    )
    msgs = wire.build_body(req, stream=False)["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[0] == {"role": "system", "content": "Be brief.\n\nPlan mode is on."}
    late = replace(req, messages=req.messages[1:])  # no leading one: the later one moves up
    assert wire.build_body(late, stream=False)["messages"][0] == {
        "role": "system",
        "content": "Plan mode is on.",
    }
    lone = (Message("system", (TextPart("Be brief."),)), Message("user", "hi"))
    assert wire.build_body(replace(req, messages=lone), stream=False)["messages"][0] == {
        "role": "system",
        "content": [{"type": "text", "text": "Be brief."}],  # a lone first one as written
    }
