"""Every object the gateway renders, as a client receives it over HTTP, checked against the
official definitions (`official_schemas.check`): Responses objects and each of their stream
events, chat completions and chunks, Anthropic messages and stream events, error bodies in
both families and `/v1/models` in both shapes. The answers come from the router emulator, so
each case also runs the translation from another wire."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic.types as anthropic_types
import httpx
import openai.types as openai_types
import openai.types.chat as chat_types
import openai.types.responses as responses_types
import pytest
from gateway_fixtures import WriteModels
from gateway_harness import MASTER, Gateway, router_gateway
from official_schemas import check

from hfgate.testing import Reply, RouterEmulator, ToolCallSpec

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
WEATHER = ToolCallSpec("get_weather", {"city": "Oslo"}, id="call_1")
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}

# The answers every API is checked with: each is sent as JSON and as a stream.
ANSWERS = {
    "text": lambda: Reply.text("Paris.", usage={"prompt_tokens": 9, "completion_tokens": 2}),
    "reasoning": lambda: Reply.text("Paris.", reasoning="The capital.", chunk_size=3),
    "tool call": lambda: Reply.tool_calls([WEATHER]),
    "cut short": lambda: Reply.text("Par", finish_reason="length"),
}


@pytest.fixture
def gateway(
    upstream: RouterEmulator, write_models: WriteModels, tmp_path: Path
) -> Iterator[Gateway]:
    """One gateway on SQLite (the schemas do not depend on the store)."""
    with router_gateway(upstream.base_url, str(tmp_path / "gateway.sqlite3")) as running:
        yield running


def sse_data(response: httpx.Response) -> list[Any]:
    """The JSON of each `data:` line of a stream (`[DONE]` left out)."""
    assert response.status_code == 200, response.text
    lines = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
    return [json.loads(line) for line in lines if line != "[DONE]"]


# --- Responses -----------------------------------------------------------------------------


def responses_body(stream: bool, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "input": "Capital of France?",
        "stream": stream,
        "tools": [{"type": "function", **TOOL}],
        **extra,
    }


@pytest.mark.parametrize("answer", ANSWERS)
def test_responses_objects_and_events(
    gateway: Gateway, upstream: RouterEmulator, answer: str
) -> None:
    upstream.push(ANSWERS[answer](), ANSWERS[answer]())

    body = gateway.post("/v1/responses", responses_body(False)).json()
    events = sse_data(gateway.post("/v1/responses", responses_body(True)))

    check(body, responses_types.Response, "openai", "Response")
    for event in events:
        check(event, responses_types.ResponseStreamEvent, "openai", "ResponseStreamEvent")
    final = events[-1]["response"]
    assert [kinds(i) for i in final["output"]] == [kinds(i) for i in body["output"]]


def kinds(item: dict[str, Any]) -> tuple[str, str]:
    """An output item without its id (each request has its own)."""
    return item["type"], json.dumps(item.get("content") or item.get("arguments"))


def test_responses_echo_the_requests_parameters(gateway: Gateway, upstream: RouterEmulator) -> None:
    """As OpenAI's own answers do, in the object and in every event that carries it."""
    upstream.push(Reply.text('{"city": "Paris"}'), Reply.text('{"city": "Paris"}'))
    asked = {
        "instructions": "Answer in JSON.",
        "max_output_tokens": 300,
        "metadata": {"run": "7"},
        "temperature": 0.2,
        "top_p": 0.9,
        "tool_choice": "required",
        "parallel_tool_calls": False,
        "text": {
            "format": {"type": "json_schema", "name": "city", "schema": SCHEMA, "strict": True}
        },  # fmt: skip
        "reasoning": {"effort": "low"},
    }

    body = gateway.post("/v1/responses", responses_body(False, **asked)).json()
    events = sse_data(gateway.post("/v1/responses", responses_body(True, **asked)))

    tool = {"type": "function", **TOOL, "strict": None}
    for response in [body, *(e["response"] for e in events if "response" in e)]:
        check(response, responses_types.Response, "openai", "Response")
        for key in ("instructions", "max_output_tokens", "metadata", "temperature", "top_p"):
            assert response[key] == asked[key], key
        assert response["tools"] == [tool]
        assert response["tool_choice"] == "required"
        assert response["parallel_tool_calls"] is False
        assert response["text"]["format"] == asked["text"]["format"]
        assert response["reasoning"]["effort"] == "low"


def test_responses_defaults_where_the_request_said_nothing(
    gateway: Gateway, upstream: RouterEmulator
) -> None:
    upstream.push(Reply.text("Hi."))

    body = gateway.post("/v1/responses", {"model": MODEL, "input": "Hi"}).json()

    check(body, responses_types.Response, "openai", "Response")
    assert body["instructions"] is None and body["max_output_tokens"] is None
    assert (body["temperature"], body["top_p"], body["metadata"]) == (1.0, 1.0, {})
    assert (body["tools"], body["tool_choice"], body["parallel_tool_calls"]) == ([], "auto", True)
    assert body["text"] == {"format": {"type": "text"}, "verbosity": "medium"}
    assert body["store"] is False  # the gateway keeps nothing
    assert body["completed_at"] >= body["created_at"]


def test_responses_mid_stream_failure(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(Reply.stream_error("Provider fell over", after_chunks=2))

    events = sse_data(gateway.post("/v1/responses", responses_body(True)))

    assert events[-1]["type"] == "response.failed"
    for event in events:
        check(event, responses_types.ResponseStreamEvent, "openai", "ResponseStreamEvent")


# --- chat completions ----------------------------------------------------------------------


def chat_body(stream: bool, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Capital of France?"}],
        "stream": stream,
        "tools": [{"type": "function", "function": TOOL}],
        **({"stream_options": {"include_usage": True}} if stream else {}),
        **extra,
    }


@pytest.mark.parametrize("answer", ANSWERS)
def test_chat_completions_and_chunks(
    gateway: Gateway, upstream: RouterEmulator, answer: str
) -> None:
    upstream.push(ANSWERS[answer](), ANSWERS[answer]())

    body = gateway.post("/v1/chat/completions", chat_body(False)).json()
    chunks = sse_data(gateway.post("/v1/chat/completions", chat_body(True)))

    check(body, chat_types.ChatCompletion, "openai", "CreateChatCompletionResponse")
    for chunk in chunks:
        check(chunk, chat_types.ChatCompletionChunk, "openai", "CreateChatCompletionStreamResponse")
    assert chunks[-1]["usage"] is not None


def test_chat_mid_stream_failure(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(Reply.stream_error("Provider fell over", after_chunks=2))

    frames = sse_data(gateway.post("/v1/chat/completions", chat_body(True)))

    assert "error" in frames[-1]
    check(frames[-1], dict[str, Any], "openai", "ErrorResponse")
    for chunk in frames[:-1]:
        check(chunk, chat_types.ChatCompletionChunk, "openai", "CreateChatCompletionStreamResponse")


# --- Anthropic Messages --------------------------------------------------------------------


def messages_body(stream: bool, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 200,
        "messages": [{"role": "user", "content": "Capital of France?"}],
        "stream": stream,
        "tools": [
            {
                "name": TOOL["name"],
                "description": TOOL["description"],
                "input_schema": TOOL["parameters"],
            }
        ],  # fmt: skip
        **extra,
    }


@pytest.mark.parametrize("answer", ANSWERS)
def test_anthropic_messages_and_events(
    gateway: Gateway, upstream: RouterEmulator, answer: str
) -> None:
    upstream.push(ANSWERS[answer](), ANSWERS[answer]())

    body = gateway.post("/v1/messages", messages_body(False)).json()
    events = sse_data(gateway.post("/v1/messages", messages_body(True)))

    check(body, anthropic_types.Message, "anthropic", "Message")
    for event in events:
        check(event, anthropic_types.RawMessageStreamEvent, "anthropic", "MessageStreamEvent")


def test_anthropic_mid_stream_failure(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(Reply.stream_error("Provider fell over", after_chunks=2))

    events = sse_data(gateway.post("/v1/messages", messages_body(True)))

    assert events[-1]["type"] == "error"
    check(events[-1], anthropic_types.ErrorResponse, "anthropic", "ErrorResponse")
    for event in events[:-1]:
        check(event, anthropic_types.RawMessageStreamEvent, "anthropic", "MessageStreamEvent")


# --- errors and model lists ----------------------------------------------------------------

OPENAI_ERRORS = [
    ("/v1/chat/completions", "wrong-key", chat_body(False)),
    ("/v1/responses", "wrong-key", responses_body(False)),
    ("/v1/chat/completions", MASTER, {"model": MODEL}),
    ("/v1/responses", MASTER, {"model": MODEL, "input": 5}),
    ("/v1/chat/completions", MASTER, chat_body(False, model="org/model:auto")),
    ("/v1/nothing-here", MASTER, {}),
]


@pytest.mark.parametrize(("path", "key", "body"), OPENAI_ERRORS)
def test_openai_error_bodies(gateway: Gateway, path: str, key: str, body: Any) -> None:
    answer = gateway.post(path, body, key=key)

    assert answer.status_code >= 400
    check(answer.json(), dict[str, Any], "openai", "ErrorResponse")
    check(answer.json()["error"], openai_types.ErrorObject, "openai", "Error")


@pytest.mark.parametrize(
    ("key", "body"),
    [
        ("wrong-key", messages_body(False)),
        (MASTER, {"model": MODEL}),
        (MASTER, messages_body(False, model="org/model:auto")),
    ],  # fmt: skip
)
def test_anthropic_error_bodies(gateway: Gateway, key: str, body: Any) -> None:
    answer = gateway.post("/v1/messages", body, headers={"x-api-key": key}, key=key)

    assert answer.status_code >= 400
    error = check(answer.json(), anthropic_types.ErrorResponse, "anthropic", "ErrorResponse")
    assert error.request_id == answer.headers["request-id"]


def test_model_lists(gateway: Gateway) -> None:
    headers = {"authorization": f"Bearer {MASTER}"}
    openai_list = httpx.get(f"{gateway.url}/v1/models", headers=headers).json()
    anthropic_list = httpx.get(
        f"{gateway.url}/v1/models", headers={**headers, "anthropic-version": "2023-06-01"}
    ).json()

    check(openai_list, dict[str, Any], "openai", "ListModelsResponse")
    assert openai_list["data"]
    for model in openai_list["data"]:
        check(model, openai_types.Model, "openai", "Model")
    check(anthropic_list, dict[str, Any], "anthropic", "ListResponse_ModelInfo_")
    for model in anthropic_list["data"]:
        check(model, anthropic_types.ModelInfo, "anthropic", "ModelInfo")
