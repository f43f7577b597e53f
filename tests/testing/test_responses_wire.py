"""The OpenAI Responses wire (`POST /v1/responses`) of the emulators, checked by the official
openai SDK (typed parsing, its stream helpers) and by raw httpx for the bytes themselves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import httpx
import openai
import pytest
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseReasoningItem,
)

from hfgate.testing import OpenAIEmulator, Reply, RouterEmulator, ToolCallSpec

RESPONSES = "/v1/responses"
USAGE = {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14}
SPECS = [
    ToolCallSpec("search", {"q": "llamas in the Andes", "n": 2}),
    ToolCallSpec("clock", {"tz": "UTC"}, id="call_t9"),
]


@pytest.fixture
def api() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
def sdk(api: OpenAIEmulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=api.base_url, api_key="sk-test", max_retries=0) as client:
        yield client


@pytest.fixture
def http(api: OpenAIEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=5) as client:
        yield client


def raw_events(http: httpx.Client, body: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """Each SSE event as (its `event:` name or None, its JSON data)."""
    response = http.post(RESPONSES, json=body | {"stream": True})
    assert response.headers["content-type"] == "text/event-stream"
    events = []
    for block in response.text.removesuffix("\n\n").split("\n\n"):
        lines = block.split("\n")
        name = lines[0].removeprefix("event: ") if lines[0].startswith("event: ") else None
        events.append((name, json.loads(lines[-1].removeprefix("data: "))))
    return events


# --- whole answers ------------------------------------------------------------------------------


def test_text_answer(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(
        Reply.text(
            "Paris.",
            usage=USAGE,
            cached_tokens=6,
            cache_write_tokens=2,
            reasoning_tokens=1,
            request_id="req_abc",
        )
    )
    raw = sdk.responses.with_raw_response.create(model="gpt-test", input="Capital of France?")
    response = raw.parse()
    assert response.id.startswith("resp_") and response.object == "response"
    assert response.model == "gpt-test" and response.status == "completed"
    assert response.error is None and response.incomplete_details is None
    assert isinstance(response.created_at, float) and response.created_at > 1.7e9
    assert response.output_text == "Paris."
    (message,) = response.output
    assert isinstance(message, ResponseOutputMessage)
    assert message.id.startswith("msg_") and message.role == "assistant"
    assert message.status == "completed"
    wire = json.loads(raw.http_response.content)
    assert wire["output"][0]["content"] == [
        {"type": "output_text", "text": "Paris.", "annotations": []}
    ]
    usage = response.usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (10, 4, 14)
    assert usage.input_tokens_details.cached_tokens == 6
    assert usage.input_tokens_details.cache_write_tokens == 2
    assert usage.output_tokens_details.reasoning_tokens == 1
    assert raw.headers["x-request-id"] == "req_abc"
    assert "x-inference-provider" not in raw.headers  # not the router
    assert isinstance(wire["created_at"], int)  # the SDK's float type, the API's integer


@pytest.mark.parametrize(
    ("form", "summary", "content"),
    [
        ("summary", ["think first"], None),
        ("content", [], ["think first"]),
        ("both", ["think first"], ["think first"]),
    ],
)
def test_reasoning_item_forms(
    api: OpenAIEmulator,
    sdk: openai.OpenAI,
    form: Any,
    summary: list[str],
    content: list[str] | None,
) -> None:
    api.push(Reply.text("Four.", reasoning="think first", reasoning_item=form))
    response = sdk.responses.create(model="m", input="2+2?")
    reasoning, message = response.output
    assert isinstance(reasoning, ResponseReasoningItem) and reasoning.id.startswith("rs_")
    assert [s.text for s in reasoning.summary] == summary
    assert all(s.type == "summary_text" for s in reasoning.summary)
    if content is None:
        assert reasoning.content is None
    else:
        assert [(c.type, c.text) for c in reasoning.content or []] == [
            ("reasoning_text", t) for t in content
        ]
    assert isinstance(message, ResponseOutputMessage) and response.output_text == "Four."


def test_tool_calls(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(Reply.tool_calls(SPECS, text="Looking."))
    response = sdk.responses.create(model="m", input="llamas?")
    message, *calls = cast(list[Any], response.output)
    assert isinstance(message, ResponseOutputMessage) and response.output_text == "Looking."
    assert all(isinstance(c, ResponseFunctionToolCall) for c in calls)
    assert [
        (c.call_id, c.name, json.loads(c.arguments), c.status)
        for c in calls
        if isinstance(c, ResponseFunctionToolCall)
    ] == [
        ("call_0", "search", SPECS[0].arguments, "completed"),
        ("call_t9", "clock", SPECS[1].arguments, "completed"),
    ]
    assert all(c.id is not None and c.id.startswith("fc_") for c in calls)
    assert len({c.id for c in calls}) == 2
    api.push(Reply.tool_calls(SPECS[:1]))  # no text: no message item at all
    assert [o.type for o in sdk.responses.create(model="m", input="x").output] == ["function_call"]


@pytest.mark.parametrize(
    ("finish", "reason"), [("length", "max_output_tokens"), ("content_filter", "content_filter")]
)
def test_incomplete(api: OpenAIEmulator, sdk: openai.OpenAI, finish: str, reason: str) -> None:
    api.push(
        Reply.text("cut sho", finish_reason=finish), Reply.text("cut sho", finish_reason=finish)
    )
    response = sdk.responses.create(model="m", input="x")
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == reason
    assert cast(Any, response.output[0]).status == "incomplete"
    events: list[Any] = list(sdk.responses.create(model="m", input="x", stream=True))
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.status == "incomplete"
    assert events[-1].response.output_text == "cut sho"


def test_usage_counts_words_or_is_left_out(api: OpenAIEmulator, http: httpx.Client) -> None:
    body = {
        "model": "m",
        "instructions": "Be brief",
        "input": [
            {"role": "user", "content": "one two three"},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "four five"},
        ],
    }
    api.push(Reply.text("a b c", reasoning="d e"), Reply.text("x", usage_chunk="none"))
    usage = http.post(RESPONSES, json=body).json()["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (7, 5, 12)
    assert usage["input_tokens_details"]["cached_tokens"] == 0
    assert usage["output_tokens_details"] == {"reasoning_tokens": 0}
    assert "usage" not in http.post(RESPONSES, json=body).json()
    api.push(Reply.text("x", usage_chunk="none"))
    *_, (_, completed) = raw_events(http, body)
    assert completed["type"] == "response.completed" and "usage" not in completed["response"]


# --- echo ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "echoed"),
    [
        ("plain string", "You said: plain string"),
        (
            [
                {"role": "user", "content": "first question"},
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "an answer", "annotations": []}],
                },
                {
                    "type": "message",
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "Hello"},
                        {"type": "input_image", "image_url": "data:image/png;base64,AA=="},
                        {"type": "input_text", "text": "you"},
                    ],
                },
            ],
            "You said: Hello you",
        ),
        ([{"role": "developer", "content": "rules"}], "You said: "),
    ],
)
def test_echo_finds_the_last_user_text(
    api: OpenAIEmulator, sdk: openai.OpenAI, value: Any, echoed: str
) -> None:
    response = sdk.responses.create(model="m", input=value, instructions="not a user turn")
    assert response.output_text == echoed
    streamed: list[Any] = list(sdk.responses.create(model="m", input=value, stream=True))
    assert streamed[-1].response.output_text == echoed


# --- streams ---------------------------------------------------------------------------------


def test_stream_event_sequence(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(Reply.text("Hello there", reasoning="hmm ok", chunk_size=4, usage=USAGE))
    events: list[Any] = list(sdk.responses.create(model="m", input="hi", stream=True))
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    created, in_progress = events[0], events[1]
    assert created.response.status == in_progress.response.status == "in_progress"
    assert created.response.output == [] and created.response.usage is None
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert deltas == ["Hell", "o th", "ere"]
    thoughts = [e.delta for e in events if e.type == "response.reasoning_summary_text.delta"]
    assert thoughts == ["hmm ", "ok"]
    added = [e for e in events if e.type == "response.output_item.added"]
    assert [(e.output_index, e.item.type) for e in added] == [(0, "reasoning"), (1, "message")]
    assert added[1].item.status == "in_progress" and added[1].item.content == []
    text_done = next(e for e in events if e.type == "response.output_text.done")
    assert text_done.text == "Hello there" and text_done.item_id == added[1].item.id
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.id == created.response.id
    assert completed.response.output_text == "Hello there"
    assert completed.response.usage is not None and completed.response.usage.total_tokens == 14


def test_stream_framing(api: OpenAIEmulator, http: httpx.Client) -> None:
    api.push(Reply.text("ab", chunk_size=1))
    response = http.post(RESPONSES, json={"model": "m", "input": "x", "stream": True})
    assert "[DONE]" not in response.text  # OpenAI ends this wire with EOF
    assert response.headers["transfer-encoding"] == "chunked"
    api.push(Reply.text("ab", chunk_size=1))
    events = raw_events(http, {"model": "m", "input": "x"})
    assert all(name == payload["type"] for name, payload in events)  # `event:` names the type
    assert [p["sequence_number"] for _, p in events] == list(range(len(events)))
    api.push(Reply.text("ab", chunk_size=1, event_lines=False))
    events = raw_events(http, {"model": "m", "input": "x"})
    assert {name for name, _ in events} == {None}  # data lines only, as HF's responses.js


def test_stream_raw_reasoning_text_events(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    """HF's responses.js form: reasoning_text content parts and reasoning_text.* events."""
    api.push(Reply.text("Yes.", reasoning="abcdef", reasoning_item="content", chunk_size=3))
    events: list[Any] = list(sdk.responses.create(model="m", input="hi", stream=True))
    reasoning = [e for e in events if e.type != "response.created"][1:7]
    assert [e.type for e in reasoning] == [
        "response.output_item.added",
        "response.content_part.added",
        "response.reasoning_text.delta",
        "response.reasoning_text.delta",
        "response.reasoning_text.done",
        "response.content_part.done",
    ]
    assert reasoning[0].item.content == []
    assert reasoning[1].part.type == "reasoning_text"
    assert [e.delta for e in reasoning[2:4]] == ["abc", "def"]
    assert reasoning[4].text == "abcdef"
    assert not any(e.type.startswith("response.reasoning_summary") for e in events)
    item_done = next(e for e in events if e.type == "response.output_item.done")
    assert item_done.item.content[0].text == "abcdef"


def test_stream_tool_calls_with_the_helper(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(Reply.tool_calls(SPECS, split=4))
    with sdk.responses.stream(model="m", input="llamas?") as stream:
        events: list[Any] = list(stream)
        final = stream.get_final_response()
    added = [e for e in events if e.type == "response.output_item.added"]
    assert [(e.output_index, e.item.type) for e in added] == [
        (0, "function_call"),
        (1, "function_call"),
    ]
    heads = [e.item for e in added]
    assert [(h.call_id, h.name, h.arguments) for h in heads] == [
        ("call_0", "search", ""),
        ("call_t9", "clock", ""),
    ]
    for index, spec in enumerate(SPECS):
        deltas = [
            e
            for e in events
            if e.type == "response.function_call_arguments.delta" and e.output_index == index
        ]
        assert len(deltas) == 4  # `split` fragments per call, one call after the other
        assert json.loads("".join(d.delta for d in deltas)) == spec.arguments
        assert deltas[-1].snapshot == json.dumps(spec.arguments)  # the helper's accumulation
        done = next(
            e
            for e in events
            if e.type == "response.function_call_arguments.done" and e.output_index == index
        )
        assert json.loads(done.arguments) == spec.arguments
    calls = [o for o in final.output if isinstance(o, ResponseFunctionToolCall)]
    assert [(c.call_id, c.name, json.loads(c.arguments)) for c in calls] == [
        ("call_0", "search", SPECS[0].arguments),
        ("call_t9", "clock", SPECS[1].arguments),
    ]


def test_stream_text_with_the_helper(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(Reply.text("Hello there", reasoning="r", chunk_size=2))
    with sdk.responses.stream(model="m", input="hi") as stream:
        snapshots = [e.snapshot for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert snapshots[:2] == ["He", "Hell"] and snapshots[-1] == "Hello there"
    assert final.output_text == "Hello there" and final.status == "completed"


# --- failures --------------------------------------------------------------------------------


def test_stream_error_as_response_failed(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(Reply.stream_error("the model crashed", after_chunks=2, text="half an"))
    events: list[Any] = list(sdk.responses.create(model="m", input="hi", stream=True))
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.failed",
    ]
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == ("half an")
    failed = events[-1].response
    assert failed.status == "failed" and failed.error is not None
    assert (failed.error.code, failed.error.message) == ("server_error", "the model crashed")


def test_stream_error_as_a_bare_error_event(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(Reply.stream_error("slow down", error_event="error", error_type="rate_limit_exceeded"))
    events: list[Any] = list(sdk.responses.create(model="m", input="hi", stream=True))
    error = events[-1]
    assert error.type == "error"  # the SDK yields this event; it does not raise
    assert (error.code, error.message, error.param) == ("rate_limit_exceeded", "slow down", None)
    assert error.sequence_number == len(events) - 1


def test_stream_error_without_streaming(api: OpenAIEmulator, http: httpx.Client) -> None:
    api.push(
        Reply.stream_error("boom"),
        Reply.stream_error("odd", error_type="emulator_code"),
    )
    first = http.post(RESPONSES, json={"model": "m", "input": "x"})
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "failed" and body["output"] == []
    assert body["error"] == {"code": "server_error", "message": "boom"}
    assert http.post(RESPONSES, json={"model": "m", "input": "x"}).json()["error"] == {
        "code": "emulator_code",  # beyond the SDK's list, still sent as scripted
        "message": "odd",
    }


def test_http_errors(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(
        Reply.error_object(429, "Rate limit reached", type="requests", retry_after=3),
        Reply.error_object(500, "The server had an error", type="server_error"),
    )
    with pytest.raises(openai.RateLimitError) as limited:
        sdk.responses.create(model="m", input="x")
    assert limited.value.message.endswith("Rate limit reached")
    assert limited.value.response.headers["retry-after"] == "3"
    assert limited.value.request_id is not None and limited.value.request_id.startswith("req_")
    with pytest.raises(openai.InternalServerError) as failed:
        sdk.responses.create(model="m", input="x", stream=True)
    assert failed.value.status_code == 500 and "The server had an error" in failed.value.message


def test_dropped_stream(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    api.push(Reply.text("x" * 20, chunk_size=1, drop_after=5))
    with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
        list(sdk.responses.create(model="m", input="x", stream=True))
    assert sdk.responses.create(model="m", input="still here").output_text.endswith("still here")


# --- request checks --------------------------------------------------------------------------


def error(message: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"input": "x"},
            error("Missing required parameter: 'model'.", "model", "missing_required_parameter"),
        ),
        (
            {"model": "m"},
            error("Missing required parameter: 'input'.", "input", "missing_required_parameter"),
        ),
        (
            {"model": 3, "input": "x"},
            error("Invalid type for 'model': expected a string.", "model", "invalid_type"),
        ),
        (
            {"model": "m", "input": {"role": "user"}},
            error(
                "Invalid type for 'input': expected one of a string or an array of input items, "
                "but got dict instead.",
                "input",
                "invalid_type",
            ),
        ),
        (
            {
                "model": "m",
                "input": [
                    {"type": "function_call_output", "call_id": "call_1", "output": "42"},
                    {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
                ],
            },
            error("No tool call found for function call output with call_id call_1.", "input"),
        ),
    ],
)
def test_request_checks(
    api: OpenAIEmulator, http: httpx.Client, body: dict[str, Any], expected: Any
) -> None:
    api.push(Reply.text("never served"))
    response = http.post(RESPONSES, json=body)
    assert (response.status_code, response.json()) == (400, expected)
    assert response.headers["x-request-id"].startswith("req_")
    assert api.pending == 1  # a rejected request uses up no script


def test_request_checks_reach_the_sdk(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    tool_turn: Any = [
        {"role": "user", "content": "time?"},
        {"type": "function_call_output", "call_id": "call_missing", "output": "12:00"},
    ]
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.responses.create(model="m", input=tool_turn)
    assert bad.value.param == "input" and bad.value.code is None
    assert "No tool call found for function call output with call_id call_missing" in (
        bad.value.message
    )
    answered: Any = [
        {"role": "user", "content": "time?"},
        {"type": "function_call", "call_id": "call_1", "name": "clock", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "12:00"},
    ]
    assert sdk.responses.create(model="m", input=answered).output_text == "You said: time?"
    bad_json = httpx.post(f"{api.base_url}/responses", content=b"{nope")
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["message"].startswith("We could not parse the JSON body")


def test_require_auth() -> None:
    with OpenAIEmulator(require_auth=True) as api, httpx.Client(base_url=api.url) as http:
        denied = http.post(RESPONSES, json={"model": "m", "input": "x"})
        assert denied.status_code == 401
        assert denied.json()["error"]["message"].startswith("You didn't provide an API key.")
        with openai.OpenAI(base_url=api.base_url, api_key="sk-any", max_retries=0) as sdk:
            assert sdk.responses.create(model="m", input="x").output_text == "You said: x"
    with RouterEmulator(require_auth=True) as router, httpx.Client(base_url=router.url) as http:
        body = {"model": "m", "input": "x"}
        wrong = http.post(RESPONSES, json=body, headers={"authorization": "Bearer sk-x"})
        assert (wrong.status_code, wrong.json()) == (
            401,
            {"error": "Invalid credentials in Authorization header"},
        )
        ok = http.post(RESPONSES, json=body, headers={"authorization": "Bearer hf_x"})
        assert ok.status_code == 200


def test_requests_are_recorded(api: OpenAIEmulator, sdk: openai.OpenAI) -> None:
    sdk.responses.create(model="m", input="hello", max_output_tokens=64)
    (request,) = api.requests
    assert (request.method, request.path) == ("POST", "/v1/responses")
    assert request.json == {"model": "m", "input": "hello", "max_output_tokens": 64}
    assert request.headers["authorization"] == "Bearer sk-test"
    assert json.loads(request.raw) == request.json


# --- the router serves this wire too ---------------------------------------------------------


def test_router_serves_responses(router: RouterEmulator) -> None:
    router.push(Reply.text("Bonjour.", provider="novita", request_id="Root=1-x;y"))
    with openai.OpenAI(base_url=router.base_url, api_key="hf_test", max_retries=0) as sdk:
        raw = sdk.responses.with_raw_response.create(model="org/model:novita", input="hi")
        assert raw.parse().output_text == "Bonjour."
        assert raw.headers["x-inference-provider"] == "novita"
        assert raw.headers["x-request-id"] == "Root=1-x;y"
        # the same script queue feeds both wires, in order
        router.push(Reply.text("via responses"), Reply.text("via chat"))
        assert sdk.responses.create(model="a/b", input="x").output_text == "via responses"
        chat = sdk.chat.completions.create(model="a/b", messages=[{"role": "user", "content": "x"}])
        assert chat.choices[0].message.content == "via chat"
    assert [r.path for r in router.requests] == [
        "/v1/responses",
        "/v1/responses",
        "/v1/chat/completions",
    ]
