"""The emulator itself, checked by third-party clients: raw httpx, raw sockets and the official
openai SDK. Every test makes real requests over loopback."""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from hfgate.testing import RecordedRequest, Reply, RouterEmulator, ToolCallSpec

CHAT = "/v1/chat/completions"
MSG: list[Any] = [{"role": "user", "content": "Hello there"}]
BODY: dict[str, Any] = {"model": "org/model:groq", "messages": MSG}
STREAM: dict[str, Any] = {**BODY, "stream": True}
WITH_USAGE: dict[str, Any] = {**STREAM, "stream_options": {"include_usage": True}}
USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


@pytest.fixture
def sdk(router: RouterEmulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=router.base_url, api_key="hf_test", max_retries=0) as client:
        yield client


@pytest.fixture
def http(router: RouterEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=router.url, timeout=5) as client:
        yield client


def sse(http: httpx.Client, body: dict[str, Any]) -> tuple[httpx.Response, list[str]]:
    """The response and the raw text of each SSE event, separators checked."""
    with http.stream("POST", CHAT, json=body) as response:
        text = response.read().decode()
    assert text.endswith("\n\n")
    return response, text[:-2].split("\n\n")


def data(events: list[str]) -> list[Any]:
    """The JSON payloads of `data: ` events ([DONE] left out)."""
    payloads = [e.removeprefix("data:").lstrip() for e in events]
    return [json.loads(p) for p in payloads if p != "[DONE]"]


# --- successful answers ------------------------------------------------------------------------


def test_sdk_parses_a_completion(router: RouterEmulator, sdk: openai.OpenAI) -> None:
    router.push(Reply.text("Hi!", usage=USAGE, request_id="Root=1-abc;x", provider="groq"))
    raw = sdk.chat.completions.with_raw_response.create(model="org/model:groq", messages=MSG)
    completion = raw.parse()
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "Hi!"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "org/model:groq"  # the model string exactly as sent
    assert completion.usage is not None and completion.usage.total_tokens == 5
    assert raw.headers["x-inference-provider"] == "groq"
    assert raw.headers["x-request-id"] == "Root=1-abc;x"
    assert raw.headers["content-type"] == "application/json"
    assert int(raw.headers["content-length"]) == len(raw.http_response.content)


def test_default_echo_counts_words(router: RouterEmulator, sdk: openai.OpenAI) -> None:
    messages: list[Any] = [
        {"role": "system", "content": "Be brief please"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "you"}],
        },
    ]
    raw = sdk.chat.completions.with_raw_response.create(model="a/b", messages=messages)
    completion = raw.parse()
    assert completion.choices[0].message.content == "You said: Hello you"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (5, 4)
    assert completion.usage.total_tokens == 9
    assert raw.headers["x-request-id"].startswith("Root=1-")
    # the same echo, asked again, is the same bytes (served from the reply's cache)
    again = sdk.chat.completions.with_raw_response.create(model="a/b", messages=messages)
    assert again.http_response.content == raw.http_response.content
    assert again.headers["x-request-id"] != raw.headers["x-request-id"]


def test_computed_usage_follows_each_request(router: RouterEmulator, http: httpx.Client) -> None:
    reply = Reply.text("one two three")
    router.default_reply = reply
    short = http.post(CHAT, json={"model": "a/b", "messages": [{"role": "user", "content": "a"}]})
    long = http.post(CHAT, json={"model": "a/b", "messages": [{"role": "user", "content": "a b"}]})
    assert short.json()["usage"] == {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}
    assert long.json()["usage"]["prompt_tokens"] == 2


@pytest.mark.parametrize("usage_chunk", ["separate", "last"])
def test_sdk_parses_a_stream_with_usage(
    router: RouterEmulator, sdk: openai.OpenAI, usage_chunk: Any
) -> None:
    router.push(Reply.text("streamed words", usage=USAGE, usage_chunk=usage_chunk, chunk_size=3))
    chunks = list(
        sdk.chat.completions.create(
            model="a/b", messages=MSG, stream=True, stream_options={"include_usage": True}
        )
    )
    with_choices = [c for c in chunks if c.choices]
    assert "".join(c.choices[0].delta.content or "" for c in with_choices) == "streamed words"
    assert len(with_choices) == 5  # ceil(14 / 3): the finish reason rides on the last one
    assert [c.choices[0].finish_reason for c in with_choices] == [None] * 4 + ["stop"]
    assert with_choices[0].choices[0].delta.role == "assistant"
    assert with_choices[1].choices[0].delta.role is None
    with_usage = [c for c in chunks if c.usage is not None]
    assert len(with_usage) == 1 and with_usage[0].usage is not None
    assert with_usage[0].usage.total_tokens == 5
    if usage_chunk == "separate":  # OpenAI: an extra final chunk with no choices
        assert with_usage[0] is chunks[-1] and chunks[-1].choices == []
    else:  # Together: on the chunk that finishes
        assert with_usage[0] is with_choices[-1] is chunks[-1]
    assert len({c.id for c in chunks}) == 1


def test_usage_only_when_asked(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("x", usage=USAGE))
    _, events = sse(http, STREAM)
    assert all("usage" not in p for p in data(events))
    router.push(Reply.text("x", usage=USAGE, usage_chunk="none"))
    _, events = sse(http, WITH_USAGE)
    assert all("usage" not in p for p in data(events))
    router.push(Reply.text("x", usage_chunk="none"))
    assert "usage" not in http.post(CHAT, json=BODY).json()


def test_stream_framing(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("abcdef", chunk_size=4, completion_id="", null_usage_chunks=True))
    response, events = sse(http, WITH_USAGE)
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["x-inference-provider"] == "together"
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    chunks = data(events)
    assert [c["object"] for c in chunks] == ["chat.completion.chunk"] * 3
    assert {c["id"] for c in chunks} == {""} and {c["model"] for c in chunks} == {BODY["model"]}
    assert [c["usage"] is None for c in chunks] == [True, True, False]  # `usage: null` on each
    assert chunks[0]["choices"] == [
        {"index": 0, "delta": {"role": "assistant", "content": "abcd"}, "finish_reason": None}
    ]
    assert chunks[1]["choices"][0] == {
        "index": 0,
        "delta": {"content": "ef"},
        "finish_reason": "stop",
    }


def test_sse_prefix_without_space_and_no_done(
    router: RouterEmulator, http: httpx.Client, sdk: openai.OpenAI
) -> None:
    router.push(Reply.text("ab", data_prefix="data:", done=False, chunk_size=1))
    _, events = sse(http, STREAM)
    assert len(events) == 2 and all(e.startswith("data:{") for e in events)
    assert "[DONE]" not in "".join(events)
    router.push(Reply.text("ab", data_prefix="data:", done=False, chunk_size=1))
    chunks = list(sdk.chat.completions.create(model="a/b", messages=MSG, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "ab"


def test_role_in_every_delta(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("abc", chunk_size=1, role_in_every_delta=True))
    _, events = sse(http, STREAM)
    assert [c["choices"][0]["delta"].get("role") for c in data(events)] == ["assistant"] * 3


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_reasoning_fields(router: RouterEmulator, sdk: openai.OpenAI, field: Any) -> None:
    router.push(Reply.text("Three.", reasoning="count the r", reasoning_field=field, chunk_size=4))
    chunks = list(sdk.chat.completions.create(model="a/b", messages=MSG, stream=True))
    deltas = [c.choices[0].delta for c in chunks]
    thought = "".join((d.model_extra or {}).get(field, "") for d in deltas)
    assert thought == "count the r"
    assert "".join(d.content or "" for d in deltas) == "Three."
    first_text = next(i for i, d in enumerate(deltas) if d.content)
    assert all(field not in (d.model_extra or {}) for d in deltas[first_text:])
    router.push(Reply.text("Three.", reasoning="count the r", reasoning_field=field))
    message = sdk.chat.completions.create(model="a/b", messages=MSG).choices[0].message
    assert (message.model_extra or {})[field] == "count the r" and message.content == "Three."


def test_think_tags_inline_and_split(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("Yes.", reasoning="hmm", reasoning_field="think", chunk_size=3))
    _, events = sse(http, STREAM)
    pieces = [c["choices"][0]["delta"].get("content") for c in data(events)]
    assert "".join(pieces) == "<think>hmm</think>Yes."
    assert pieces[:3] == ["<th", "ink", ">hm"]  # the tag itself arrives in pieces
    assert all("reasoning" not in c["choices"][0]["delta"] for c in data(events))
    router.push(Reply.text("Yes.", reasoning="hmm", reasoning_field="think"))
    message = http.post(CHAT, json=BODY).json()["choices"][0]["message"]
    assert message == {"role": "assistant", "content": "<think>hmm</think>Yes."}


@pytest.mark.parametrize("finish", ["length", "eos_token", None])
def test_finish_reasons_pass_through(
    router: RouterEmulator, http: httpx.Client, finish: str | None
) -> None:
    router.push(
        Reply.text("ab", finish_reason=finish), Reply.text("ab", finish_reason=finish, chunk_size=1)
    )
    assert http.post(CHAT, json=BODY).json()["choices"][0]["finish_reason"] == finish
    _, events = sse(http, STREAM)
    assert [c["choices"][0]["finish_reason"] for c in data(events)] == [None, finish]


def test_usage_details_and_cache_fields(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(
        Reply.text("x", usage=USAGE, cached_tokens=2, reasoning_tokens=1),
        Reply.text("x", usage=USAGE, cached_tokens=2, cache_hit_field="prompt_cache_hit_tokens"),
    )
    usage = http.post(CHAT, json=BODY).json()["usage"]
    assert usage["prompt_tokens_details"] == {"cached_tokens": 2}
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 1}
    usage = http.post(CHAT, json=BODY).json()["usage"]
    assert usage["prompt_cache_hit_tokens"] == 2 and "prompt_tokens_details" not in usage


# --- tool calls ------------------------------------------------------------------------------


SPECS = [
    ToolCallSpec("search", {"q": "llamas in the Andes", "n": 2}),
    ToolCallSpec("clock", {"tz": "UTC"}, id="t-9"),
]


def test_parallel_tool_calls_assemble_per_index(
    router: RouterEmulator, sdk: openai.OpenAI, http: httpx.Client
) -> None:
    router.push(Reply.tool_calls(SPECS, split=3))
    args: dict[int, str] = {}
    heads: dict[int, tuple[str | None, str | None]] = {}
    order = []
    finish = []
    for chunk in sdk.chat.completions.create(model="a/b", messages=MSG, stream=True):
        finish.append(chunk.choices[0].finish_reason)
        for call in chunk.choices[0].delta.tool_calls or []:
            assert call.function is not None
            order.append(call.index)
            if call.id is not None:
                heads[call.index] = (call.id, call.function.name)
                assert call.type == "function" and call.function.arguments == ""
            else:  # later chunks carry only the index and an argument fragment
                assert call.function.name is None and call.type is None
            args[call.index] = args.get(call.index, "") + (call.function.arguments or "")
    assert heads == {0: ("call_0", "search"), 1: ("t-9", "clock")}
    assert {i: json.loads(a) for i, a in args.items()} == {
        0: SPECS[0].arguments,
        1: SPECS[1].arguments,
    }
    assert order == [0, 1, 0, 1, 0, 1, 0, 1]  # two heads, then 3 fragments each, interleaved
    assert finish[-1] == "tool_calls" and set(finish[:-1]) == {None}
    router.push(Reply.tool_calls(SPECS, text="Looking."))
    message = sdk.chat.completions.create(model="a/b", messages=MSG).choices[0].message
    assert message.content == "Looking."
    calls = [c for c in message.tool_calls or [] if c.type == "function"]
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("call_0", "search", SPECS[0].arguments),
        ("t-9", "clock", SPECS[1].arguments),
    ]


def test_arguments_as_object(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.tool_calls([ToolCallSpec("f", {"a": 1})], arguments_as_object=True))
    body = http.post(CHAT, json=BODY).json()
    assert body["choices"][0]["message"]["tool_calls"][0]["function"] == {
        "name": "f",
        "arguments": {"a": 1},
    }
    assert body["choices"][0]["message"]["content"] is None
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    router.push(Reply.tool_calls([ToolCallSpec("f", {"a": 1})], arguments_as_object=True))
    _, events = sse(http, STREAM)
    calls = [c for p in data(events) for c in p["choices"][0]["delta"].get("tool_calls", [])]
    assert calls == [
        {
            "index": 0,
            "id": "call_0",
            "type": "function",
            "function": {"name": "f", "arguments": {"a": 1}},
        }
    ]


def test_tool_call_spec_copies_its_arguments() -> None:
    arguments: dict[str, Any] = {"q": ["a"]}
    spec = ToolCallSpec("f", arguments)
    arguments["q"].append("b")
    assert spec.arguments == {"q": ["a"]}
    with pytest.raises(TypeError):
        ToolCallSpec("f", {"x": object()})  # not JSON: refused when scripted, not mid-answer


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "status", "body"),
    [
        (Reply.error_string(402, "credits gone"), 402, {"error": "credits gone"}),
        (
            Reply.error_object(429, "slow", type="rate_limit", code="rl", retry_after=2.5),
            429,
            {"error": {"message": "slow", "type": "rate_limit", "param": None, "code": "rl"}},
        ),
        (
            Reply.model_not_supported("x/y"),
            400,
            {
                "error": {
                    "message": "The requested model 'x/y' is not supported by any provider "
                    "you have enabled.",
                    "type": "invalid_request_error",
                    "param": "model",
                    "code": "model_not_supported",
                }
            },
        ),
    ],
)
def test_error_envelopes(
    router: RouterEmulator, http: httpx.Client, reply: Reply, status: int, body: Any
) -> None:
    router.push(reply)
    r = http.post(CHAT, json=STREAM)  # a streaming request still gets a plain JSON error
    assert (r.status_code, r.json()) == (status, body)
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-inference-provider"] == "together"
    assert r.headers["x-request-id"].startswith("Root=1-")
    assert r.headers.get("retry-after") == ("2.5" if status == 429 else None)


def test_text_plain_error_and_retry_after(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(
        Reply.error(
            503, "Service Temporarily Unavailable", content_type="text/plain", retry_after=3
        ),
        Reply.error_string(500, "boom", retry_after="Wed, 21 Oct 2099 07:28:00 GMT", provider=None),
    )
    r = http.post(CHAT, json=BODY)
    assert (r.status_code, r.text, r.headers["retry-after"]) == (
        503,
        "Service Temporarily Unavailable",
        "3",
    )
    assert r.headers["content-type"] == "text/plain"
    r = http.post(CHAT, json=BODY)
    assert r.headers["retry-after"] == "Wed, 21 Oct 2099 07:28:00 GMT"
    assert "x-inference-provider" not in r.headers and "x-request-id" not in r.headers


def test_sdk_raises_typed_errors(router: RouterEmulator, sdk: openai.OpenAI) -> None:
    router.push(
        Reply.error_string(401, "Invalid credentials in Authorization header"),
        Reply.error_object(429, "Too many requests", retry_after=1),
    )
    with pytest.raises(openai.AuthenticationError) as auth:
        sdk.chat.completions.create(model="a/b", messages=MSG)
    assert auth.value.body == "Invalid credentials in Authorization header" or auth.value.body == {
        "error": "Invalid credentials in Authorization header"
    }
    with pytest.raises(openai.RateLimitError) as limited:
        sdk.chat.completions.create(model="a/b", messages=MSG)
    assert limited.value.response.headers["retry-after"] == "1"
    assert limited.value.message.endswith("Too many requests")


@pytest.mark.parametrize("as_object", [False, True])
def test_error_inside_a_200_stream(
    router: RouterEmulator, http: httpx.Client, as_object: bool
) -> None:
    router.push(Reply.stream_error("Input validation error", after_chunks=2, as_object=as_object))
    response, events = sse(http, STREAM)
    payloads = data(events)
    assert response.status_code == 200 and len(payloads) == 3
    assert "".join(p["choices"][0]["delta"]["content"] for p in payloads[:2]) == "partial answer"
    expected: Any = {"error": "Input validation error", "error_type": "validation"}
    if as_object:
        expected = {"error": {"message": "Input validation error", "type": "validation"}}
    assert payloads[-1] == expected
    assert "[DONE]" not in events[-1]


def test_stream_error_for_a_json_request(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.stream_error("generation failed", error_type="generation"))
    r = http.post(CHAT, json=BODY)
    assert r.status_code == 200
    assert r.json() == {"error": "generation failed", "error_type": "generation"}


def test_dropped_stream(router: RouterEmulator, http: httpx.Client, sdk: openai.OpenAI) -> None:
    router.push(Reply.text("x" * 50, chunk_size=1, drop_after=3))
    lines = []
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream("POST", CHAT, json=STREAM) as r:
            for line in r.iter_lines():
                lines.append(line)
    assert len([line for line in lines if line.startswith("data: {")]) == 3
    router.push(Reply.text("x" * 50, chunk_size=1, drop_after=3))
    with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
        with sdk.chat.completions.create(model="a/b", messages=MSG, stream=True) as stream:
            list(stream)
    # the same keep-alive clients go on working
    assert (
        http.post(CHAT, json=BODY).json()["choices"][0]["message"]["content"]
        == "You said: Hello there"
    )


def test_drop_after_every_event_still_hangs_up(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("ab", chunk_size=1, drop_after=99))
    lines: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):  # no terminating chunk
        with http.stream("POST", CHAT, json=STREAM) as r:
            lines.extend(r.iter_lines())
    assert "data: [DONE]" in lines


def test_disconnect(router: RouterEmulator, http: httpx.Client, sdk: openai.OpenAI) -> None:
    router.push(Reply.disconnect(), Reply.disconnect())
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(CHAT, json=BODY)
    with pytest.raises(openai.APIConnectionError):
        sdk.chat.completions.create(model="a/b", messages=MSG)
    assert len(router.requests) == 2  # both were received before the hang-up
    assert http.post(CHAT, json=BODY).status_code == 200


def test_bad_script_is_a_500_not_a_hang(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("x", usage={"prompt_tokens": "many"}))
    r = http.post(CHAT, json=BODY)
    assert r.status_code == 500 and "could not render" in r.json()["error"]


def test_reply_checks_its_options() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        Reply.text("x", chunk_size=0)
    with pytest.raises(ValueError, match="reasoning_field"):
        Reply.text("x", reasoning="r", reasoning_field="thoughts")  # type: ignore[arg-type]


# --- timing ----------------------------------------------------------------------------------


def test_delays(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(
        Reply.text("late", delay_first_byte=0.3), Reply.text("abcd", chunk_size=1, chunk_delay=0.05)
    )
    started = time.monotonic()
    assert http.post(CHAT, json=BODY).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    with http.stream("POST", CHAT, json=STREAM) as r:
        lines = r.iter_lines()
        first = next(lines)
        first_at = time.monotonic() - started
        rest = list(lines)
    total = time.monotonic() - started
    assert first.startswith("data: ") and any("[DONE]" in line for line in rest)
    assert first_at < 0.05 <= 0.15 <= total  # 5 events: 4 gaps of 0.05 s after the first


def test_keep_alive_requests_are_fast(router: RouterEmulator, http: httpx.Client) -> None:
    """Streams flush once per event: without TCP_NODELAY each would wait ~40 ms on loopback
    (Nagle meets delayed ACK)."""
    router.default_reply = Reply.text("a b c d e f", chunk_size=2, usage=USAGE)
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        _, events = sse(http, STREAM)
        samples.append(time.perf_counter() - started)
        assert len(events) == 7
    assert statistics.median(samples) < 0.02


def test_stop_hangs_up_on_a_waiting_client() -> None:
    router = RouterEmulator().start()
    router.push(Reply.text("never", delay_first_byte=30))
    errors: list[BaseException] = []

    def call() -> None:
        with httpx.Client(timeout=10) as client:
            try:
                client.post(f"{router.base_url}/chat/completions", json=BODY)
            except httpx.HTTPError as exc:
                errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while not router.requests:
        time.sleep(0.01)
    started = time.monotonic()
    router.stop()
    router.stop()  # idempotent
    caller.join(timeout=5)
    assert time.monotonic() - started < 2 and not caller.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], httpx.RemoteProtocolError)
    RouterEmulator().stop()  # never started: stopping must not hang either


# --- the rest of the surface -----------------------------------------------------------------


def test_models_catalog(router: RouterEmulator, http: httpx.Client) -> None:
    listing = http.get("/v1/models").json()
    assert listing["object"] == "list"
    models = {m["id"]: m for m in listing["data"]}
    assert len(models) >= 4 and "deepseek-ai/DeepSeek-V4-Pro" in models
    assert all(m["object"] == "model" and m["providers"] for m in models.values())
    assert any("image" in m["architecture"]["input_modalities"] for m in models.values())
    providers = [p for m in models.values() for p in m["providers"]]
    assert any(p["status"] == "error" for p in providers)
    assert any(p.get("is_free") is True for p in providers)
    assert any("pricing" not in p for p in providers)  # optional fields really are optional
    one = http.get("/v1/models/deepseek-ai/DeepSeek-V4-Pro").json()
    assert one == models["deepseek-ai/DeepSeek-V4-Pro"]
    assert one["providers"][0]["pricing"] == {"input": 1.69, "output": 3.38}
    assert http.get("/v1/models/deepseek-ai%2FDeepSeek-V4-Pro").json() == one
    missing = http.get("/v1/models/no/such")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Model no/such does not exist"}
    router.models = [{"id": "a/b", "object": "model"}]
    assert http.get("/v1/models").json() == {
        "object": "list",
        "data": [{"id": "a/b", "object": "model"}],
    }


def test_bad_requests(router: RouterEmulator, http: httpx.Client) -> None:
    r = http.post(CHAT, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("Failed to deserialize the JSON body into the target type: ")
    r = http.post(CHAT, json={"messages": MSG})
    assert r.status_code == 422
    assert r.json() == {"error": "missing field `model`", "error_type": "validation"}
    for method, path in [("GET", "/v2/nothing"), ("POST", "/v1/completions"), ("DELETE", CHAT)]:
        r = http.request(method, path)
        assert (r.status_code, r.json()) == (404, {"error": "Not Found"})
    assert router.pending == 0 and len(router.requests) == 5


def test_requests_are_recorded(router: RouterEmulator, http: httpx.Client) -> None:
    http.post(
        CHAT + "?trace=1", json=BODY, headers={"Authorization": "Bearer hf_x", "X-Custom": "1"}
    )
    http.post(CHAT, content=b"{bad")
    http.get("/v1/models")
    first, bad, listing = router.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.json) == ("POST", CHAT + "?trace=1", BODY)
    assert first.headers["authorization"] == "Bearer hf_x" and first.headers["x-custom"] == "1"
    assert json.loads(first.raw) == BODY
    assert (bad.json, bad.raw) == (None, b"{bad")
    assert (listing.method, listing.json, listing.raw) == ("GET", None, b"")


def test_chunked_request_body(router: RouterEmulator, http: httpx.Client) -> None:
    parts = [json.dumps(BODY)[:10].encode(), json.dumps(BODY)[10:].encode()]
    r = http.post(CHAT, content=iter(parts))
    assert r.status_code == 200
    assert router.requests[-1].headers["transfer-encoding"] == "chunked"
    assert router.requests[-1].json == BODY


def test_raw_keep_alive_and_http_1_0(router: RouterEmulator) -> None:
    host, port = router.url.removeprefix("http://").split(":")
    payload = json.dumps(STREAM).encode()
    request = b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (
        CHAT.encode(),
        len(payload),
        payload,
    )
    with socket.create_connection((host, int(port))) as conn, conn.makefile("rb") as reader:
        for _ in range(2):  # two chunked streams, one connection
            conn.sendall(request)
            assert reader.readline() == b"HTTP/1.1 200 OK\r\n"
            while reader.readline() != b"\r\n":
                pass
            while (size := int(reader.readline(), 16)) != 0:
                assert reader.read(size + 2).endswith(b"\n\n\r\n")
            assert reader.readline() == b"\r\n"
    with socket.create_connection((host, int(port))) as conn, conn.makefile("rb") as reader:
        conn.sendall(request.replace(b"HTTP/1.1", b"HTTP/1.0", 1))
        answer = reader.read()  # HTTP/1.0: no chunks, the body ends with the connection
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and body.endswith(b"data: [DONE]\n\n")


def test_expect_100_continue(router: RouterEmulator) -> None:
    host, port = router.url.removeprefix("http://").split(":")
    payload = json.dumps(BODY).encode()
    head = b"POST %s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        with conn.makefile("rb") as reader:
            conn.sendall(head % (CHAT.encode(), len(payload)))
            assert reader.readline() == b"HTTP/1.1 100 Continue\r\n"  # before the body is sent
            assert reader.readline() == b"\r\n"
            conn.sendall(payload)
            assert reader.readline() == b"HTTP/1.1 200 OK\r\n"


def test_require_auth() -> None:
    with RouterEmulator(require_auth=True) as router, httpx.Client(base_url=router.url) as http:
        denied = http.post(CHAT, json=BODY)
        assert denied.status_code == 401
        assert denied.json() == {"error": "Invalid credentials in Authorization header"}
        wrong = http.post(CHAT, json=BODY, headers={"authorization": "Bearer sk-x"})
        assert wrong.status_code == 401
        ok = http.post(CHAT, json=BODY, headers={"authorization": "Bearer hf_x"})
        assert ok.status_code == 200
        assert http.get("/v1/models").status_code == 200  # the catalog is public


def test_module_serves_from_the_command_line() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "hfgate.testing", "--port", "0"], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("hfgate router emulator serving on http://127.0.0.1:")
            base = line.split()[-1]
            assert base.endswith("/v1")
            with httpx.Client() as client:
                r = client.post(f"{base}/chat/completions", json=BODY)
            assert r.json()["choices"][0]["message"]["content"] == "You said: Hello there"
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0  # SIGTERM stops it cleanly
