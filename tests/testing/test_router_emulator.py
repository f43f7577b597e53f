"""The emulator itself, checked by third-party clients: raw httpx and the official openai SDK."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from hfgate.testing import Reply, RouterEmulator, ToolCallSpec


@pytest.fixture
def sdk(router: RouterEmulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=router.base_url, api_key="hf_test", max_retries=0) as client:
        yield client


@pytest.fixture
def http(router: RouterEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=router.url) as client:
        yield client


MSG: list[Any] = [{"role": "user", "content": "Hello there"}]


def test_sdk_parses_a_completion(router: RouterEmulator, sdk: openai.OpenAI) -> None:
    router.push(
        Reply.text("Hi!", usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4})
    )
    raw = sdk.chat.completions.with_raw_response.create(model="org/model:groq", messages=MSG)
    completion = raw.parse()
    assert completion.choices[0].message.content == "Hi!"
    assert completion.model == "org/model:groq"
    assert completion.usage is not None and completion.usage.total_tokens == 4
    assert raw.headers["x-inference-provider"] == "together"
    assert raw.headers["x-request-id"].startswith("Root=1-")


def test_default_echo_counts_words(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(model="a/b", messages=MSG)
    assert completion.choices[0].message.content == "You said: Hello there"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (2, 4)


@pytest.mark.parametrize("usage_chunk", ["separate", "last"])
def test_sdk_parses_a_stream_with_usage(
    router: RouterEmulator, sdk: openai.OpenAI, usage_chunk: str
) -> None:
    router.push(
        Reply.text(
            "streamed words",
            usage={"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4},
            usage_chunk=usage_chunk,
            chunk_size=3,
        )
    )  # type: ignore[arg-type]
    chunks = list(
        sdk.chat.completions.create(
            model="a/b", messages=MSG, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed words"
    with_usage = [c for c in chunks if c.usage is not None]
    assert len(with_usage) == 1 and with_usage[0].usage is not None
    assert with_usage[0].usage.total_tokens == 4
    assert (with_usage[0].choices == []) == (usage_chunk == "separate")
    assert chunks[0].choices[0].delta.role == "assistant"


def test_no_usage_in_stream_unless_asked(sdk: openai.OpenAI) -> None:
    chunks = list(sdk.chat.completions.create(model="a/b", messages=MSG, stream=True))
    assert all(c.usage is None for c in chunks)


def test_parallel_tool_calls_assemble_per_index(router: RouterEmulator, sdk: openai.OpenAI) -> None:
    specs = [
        ToolCallSpec("search", {"q": "llamas", "n": 2}),
        ToolCallSpec("time", {"tz": "UTC"}, id="t-9"),
    ]
    router.push(Reply.tool_calls(specs, split=3))
    args: dict[int, str] = {}
    names: dict[int, str] = {}
    indices_in_order = []
    for chunk in sdk.chat.completions.create(model="a/b", messages=MSG, stream=True):
        for call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            indices_in_order.append(call.index)
            if call.function and call.function.name:
                names[call.index] = call.function.name
            args[call.index] = args.get(call.index, "") + (
                (call.function.arguments or "") if call.function else ""
            )
    assert names == {0: "search", 1: "time"}
    assert {i: json.loads(a) for i, a in args.items()} == {
        0: {"q": "llamas", "n": 2},
        1: {"tz": "UTC"},
    }
    assert indices_in_order[:4] == [0, 1, 0, 1]  # fragments interleave
    router.push(Reply.tool_calls(specs))
    message = sdk.chat.completions.create(model="a/b", messages=MSG).choices[0].message
    assert [c.id for c in message.tool_calls or []] == ["call_0", "t-9"]


def test_variations_on_the_wire(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.tool_calls([ToolCallSpec("f", {"a": 1})], arguments_as_object=True))
    body = http.post("/v1/chat/completions", json={"model": "a/b", "messages": MSG}).json()
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == {"a": 1}
    router.push(
        Reply.text(
            "x",
            reasoning="why",
            reasoning_field="reasoning_content",
            cached_tokens=5,
            cache_hit_field="prompt_cache_hit_tokens",
            reasoning_tokens=2,
        )
    )
    body = http.post("/v1/chat/completions", json={"model": "a/b", "messages": MSG}).json()
    assert body["choices"][0]["message"]["reasoning_content"] == "why"
    assert body["usage"]["prompt_cache_hit_tokens"] == 5
    assert body["usage"]["completion_tokens_details"] == {"reasoning_tokens": 2}
    router.push(Reply.text("T", reasoning="R", reasoning_field="think"))
    body = http.post("/v1/chat/completions", json={"model": "a/b", "messages": MSG}).json()
    assert body["choices"][0]["message"]["content"] == "<think>R</think>\n\nT"


def test_sse_framing_variations(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("ab", data_prefix="data:", done=False, chunk_size=1))
    with http.stream(
        "POST", "/v1/chat/completions", json={"model": "a/b", "messages": MSG, "stream": True}
    ) as r:
        assert r.headers["content-type"] == "text/event-stream"
        lines = [line for line in r.iter_lines() if line]
    assert all(line.startswith("data:{") for line in lines)
    assert not any("[DONE]" in line for line in lines)


@pytest.mark.parametrize(
    ("reply", "status", "body"),
    [
        (Reply.error_string(402, "credits gone"), 402, {"error": "credits gone"}),
        (
            Reply.error_object(429, "slow", type="rate_limit", code="rl"),
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
    r = http.post("/v1/chat/completions", json={"model": "a/b", "messages": MSG})
    assert r.status_code == status and r.json() == body
    assert "x-request-id" in r.headers


def test_text_plain_error_and_retry_after(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(
        Reply.error(
            503, "Service Temporarily Unavailable", content_type="text/plain", retry_after=3
        )
    )
    r = http.post("/v1/chat/completions", json={"model": "a/b", "messages": MSG})
    assert (r.status_code, r.text, r.headers["retry-after"]) == (
        503,
        "Service Temporarily Unavailable",
        "3",
    )


def test_sdk_raises_on_error_status(router: RouterEmulator, sdk: openai.OpenAI) -> None:
    router.push(Reply.error_string(401, "Invalid credentials in Authorization header"))
    with pytest.raises(openai.AuthenticationError):
        sdk.chat.completions.create(model="a/b", messages=MSG)


def test_error_inside_stream(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.stream_error("Input validation error", after_chunks=2))
    with http.stream(
        "POST", "/v1/chat/completions", json={"model": "a/b", "messages": MSG, "stream": True}
    ) as r:
        events = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]
    assert r.status_code == 200
    assert len(events) == 3 and events[-1] == {
        "error": "Input validation error",
        "error_type": "validation",
    }


def test_drop_and_disconnect(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("x" * 50, chunk_size=1, drop_after=3))
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream(
            "POST", "/v1/chat/completions", json={"model": "a/b", "messages": MSG, "stream": True}
        ) as r:
            list(r.iter_lines())
    router.push(Reply.disconnect())
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/v1/chat/completions", json={"model": "a/b", "messages": MSG})


def test_slow_first_byte(router: RouterEmulator, http: httpx.Client) -> None:
    router.push(Reply.text("late", delay_first_byte=0.3))
    started = time.monotonic()
    assert (
        http.post("/v1/chat/completions", json={"model": "a/b", "messages": MSG}).status_code == 200
    )
    assert time.monotonic() - started >= 0.3


def test_models_catalog(router: RouterEmulator, http: httpx.Client) -> None:
    listing = http.get("/v1/models").json()
    ids = [m["id"] for m in listing["data"]]
    assert listing["object"] == "list" and "deepseek-ai/DeepSeek-V4-Pro" in ids
    one = http.get("/v1/models/deepseek-ai/DeepSeek-V4-Pro").json()
    assert one["providers"][0]["pricing"] == {"input": 1.69, "output": 3.38}
    assert "pricing" not in one["providers"][2]  # optional fields really are optional
    missing = http.get("/v1/models/no/such")
    assert missing.status_code == 404 and "does not exist" in missing.json()["error"]


def test_bad_requests(router: RouterEmulator, http: httpx.Client) -> None:
    r = http.post(
        "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("Failed to deserialize the JSON body")
    r = http.post("/v1/chat/completions", json={"messages": MSG})
    assert r.status_code == 422 and r.json()["error_type"] == "validation"
    assert http.get("/v2/nothing").status_code == 404
    assert [req.path for req in router.requests] == [
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v2/nothing",
    ]


def test_require_auth() -> None:
    with RouterEmulator(require_auth=True) as router, httpx.Client() as http:
        url = f"{router.base_url}/chat/completions"
        denied = http.post(url, json={"model": "a/b", "messages": MSG})
        assert denied.status_code == 401
        assert denied.json() == {"error": "Invalid credentials in Authorization header"}
        ok = http.post(
            url, json={"model": "a/b", "messages": MSG}, headers={"authorization": "Bearer hf_x"}
        )
        assert ok.status_code == 200


def test_module_serves_from_the_command_line() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "hfgate.testing", "--port", "0"], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "serving on http://127.0.0.1:" in line
            base = line.split()[-1]
            with httpx.Client() as http:
                r = http.post(f"{base}/chat/completions", json={"model": "a/b", "messages": MSG})
            assert r.json()["choices"][0]["message"]["content"] == "You said: Hello there"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            assert proc.stdout is not None
            proc.stdout.close()
