"""The real anthropic SDK against the gateway: Messages in front of the HF router emulator (its
own Messages endpoint, and its chat wire where the router refuses that one) and of the
Anthropic emulator (Messages upstream), sync and async, streaming and not, tools, images,
thinking, and Anthropic-style errors."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import pytest
from gateway_fixtures import HF_KEY
from gateway_harness import MASTER, Gateway

from hfgate.testing import AnthropicEmulator, Reply, RouterEmulator, ToolCallSpec

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def claude(write_models: Any, anthropic_upstream: AnthropicEmulator) -> str:
    """A settings model served by the Anthropic emulator, named `Sonnet`."""
    write_models({"model": "claude-sonnet-4-5-20250929", "displayName": "Sonnet",
                  "provider": "anthropic", "baseUrl": anthropic_upstream.url,
                  "apiKey": "sk-ant-upstream"})  # fmt: skip
    return "Sonnet"


@pytest.fixture
def chat_router(upstream: RouterEmulator) -> RouterEmulator:
    """A router without its Messages endpoint (as before it had one): Anthropic clients'
    requests for Hub ids go over its chat wire."""
    upstream.closed_routes.add("/v1/messages")
    return upstream


def test_messages_to_a_hub_id_use_the_routers_own_messages_endpoint(
    gateway: Gateway, upstream: RouterEmulator
) -> None:
    key = gateway.new_key("claude-code", bill_to="acme")
    upstream.push(
        Reply.text("Paris.", reasoning="Easy.", thinking_signature="sig-1",
                   usage={"prompt_tokens": 11, "completion_tokens": 2})
    )  # fmt: skip
    message = gateway.anthropic(key).messages.create(
        model=f"{MODEL}:together", max_tokens=2000, system="Be terse.",
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "Capital of France?"}],
    )  # fmt: skip
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].signature == "sig-1"  # type: ignore[union-attr]
    sent = upstream.requests[-1]
    assert sent.path == "/v1/messages"  # no translation: the router's own Messages wire
    assert sent.headers["authorization"] == f"Bearer {HF_KEY}"  # the router's HF auth
    assert sent.headers["x-hf-bill-to"] == "acme"
    assert sent.json["model"] == f"{MODEL}:together"
    assert [b["text"] for b in sent.json["system"]] == ["Be terse."]
    assert sent.json["thinking"] == {"type": "enabled", "budget_tokens": 1024}


def test_a_router_that_refuses_messages_is_called_over_chat_and_remembered(
    gateway: Gateway, chat_router: RouterEmulator
) -> None:
    client = gateway.anthropic()
    for word in ("one", "two"):
        chat_router.push(Reply.text(word))
        answer = client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
        assert answer.content[0].text == word  # type: ignore[union-attr]
    paths = [r.path for r in chat_router.requests if r.method == "POST"]
    assert paths == ["/v1/messages", "/v1/chat/completions", "/v1/chat/completions"]


def test_messages_to_a_router_model(gateway: Gateway, chat_router: RouterEmulator) -> None:
    upstream = chat_router
    key = gateway.new_key("claude-code")
    upstream.push(Reply.text("Paris.", usage={"prompt_tokens": 11, "completion_tokens": 2}))

    message = gateway.anthropic(key).messages.create(
        model=MODEL, max_tokens=100, system="Be terse.",
        messages=[{"role": "user", "content": "Capital of France?"}],
    )  # fmt: skip

    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "Paris."  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (11, 2)
    sent = upstream.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {HF_KEY}"
    assert key not in json.dumps(sent.headers)
    assert sent.json["messages"][0] == {"role": "system", "content": "Be terse."}
    assert sent.json["max_tokens"] == 100


def test_streaming_messages(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(Reply.text("one two three", chunk_size=3, reasoning="hmm",
                             reasoning_field="reasoning_content"))  # fmt: skip
    with gateway.anthropic().messages.stream(
        model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "count"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "one two three"
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking == "hmm"  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0


def test_tool_use_round_trip(gateway: Gateway, chat_router: RouterEmulator) -> None:
    upstream = chat_router
    client = gateway.anthropic()
    tools: list[Any] = [{"name": "get_weather", "description": "Weather in a city",
                         "input_schema": {"type": "object",
                                          "properties": {"city": {"type": "string"}}}}]  # fmt: skip
    upstream.push(
        Reply.tool_calls([ToolCallSpec("get_weather", {"city": "Oslo"}, id="call_9")]),
        Reply.text("Cold."),
    )
    messages: list[Any] = [{"role": "user", "content": "Weather in Oslo?"}]
    first = client.messages.create(model=MODEL, max_tokens=100, messages=messages, tools=tools)
    assert first.stop_reason == "tool_use"
    use = [b for b in first.content if b.type == "tool_use"][0]
    assert (use.id, use.name, use.input) == ("call_9", "get_weather", {"city": "Oslo"})

    messages += [
        {"role": "assistant", "content": [b.model_dump() for b in first.content]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_9", "content": "-5 C"}]},
    ]  # fmt: skip
    second = client.messages.create(model=MODEL, max_tokens=100, messages=messages, tools=tools)

    assert second.content[0].text == "Cold."  # type: ignore[union-attr]
    sent = upstream.requests[-1].json["messages"]
    assert sent[1]["tool_calls"][0]["id"] == "call_9"
    assert sent[2] == {"role": "tool", "tool_call_id": "call_9", "content": "-5 C"}


def test_streamed_tool_use(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(Reply.tool_calls([ToolCallSpec("f", {"a": [1, 2, 3]}, id="t1")], split=4))
    with gateway.anthropic().messages.stream(
        model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "call f"}],
        tools=[{"name": "f", "input_schema": {"type": "object"}}],
    ) as stream:  # fmt: skip
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert [(b.type, getattr(b, "input", None)) for b in final.content] == [
        ("tool_use", {"a": [1, 2, 3]})
    ]


def test_images(gateway: Gateway, chat_router: RouterEmulator) -> None:
    upstream = chat_router
    gateway.anthropic().messages.create(
        model=MODEL, max_tokens=20,
        messages=[{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": PNG}},
            {"type": "text", "text": "What is this?"}]}],
    )  # fmt: skip
    parts = upstream.requests[-1].json["messages"][0]["content"]
    assert {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}} in parts


def test_anthropic_to_anthropic_keeps_thinking_and_cache_usage(
    gateway: Gateway, anthropic_upstream: AnthropicEmulator, claude: str
) -> None:
    anthropic_upstream.push(
        Reply.text(
            "42.",
            reasoning="Let me think.",
            thinking_signature="sig-abc",
            usage={"prompt_tokens": 1000, "completion_tokens": 20},
            cached_tokens=800,
            cache_write_tokens=100,
        )  # fmt: skip
    )
    message = gateway.anthropic().messages.create(
        model=claude, max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "Meaning of life?"}],
    )  # fmt: skip

    thinking = message.content[0]
    assert thinking.type == "thinking"
    assert (thinking.thinking, thinking.signature) == ("Let me think.", "sig-abc")
    assert message.content[1].text == "42."  # type: ignore[union-attr]
    usage = message.usage
    assert (usage.input_tokens, usage.cache_read_input_tokens) == (100, 800)
    assert usage.cache_creation_input_tokens == 100
    sent = anthropic_upstream.requests[-1]
    assert sent.headers["x-api-key"] == "sk-ant-upstream"
    assert sent.json["thinking"]["type"] == "enabled"


@pytest.mark.anyio
async def test_async_streaming_to_anthropic(
    gateway: Gateway, anthropic_upstream: AnthropicEmulator, claude: str
) -> None:
    anthropic_upstream.push(Reply.text("Async Claude.", chunk_size=4))
    client = gateway.async_anthropic()
    async with client:
        async with client.messages.stream(
            model=claude, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            text = "".join([t async for t in stream.text_stream])
            final = await stream.get_final_message()
    assert text == "Async Claude."
    assert final.model == "Sonnet"


def test_models_list_in_anthropic_format(gateway: Gateway, claude: str) -> None:
    page = gateway.anthropic().models.list()
    ids = [m.id for m in page.data]
    assert "Sonnet" in ids and MODEL in ids


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (Reply.error_string(429, "Slow down", retry_after=3), anthropic.RateLimitError, 429),
        # an upstream 500 is a 502: a gateway 500 would blame the gateway
        (Reply.error_string(500, "Provider exploded"), anthropic.InternalServerError, 502),
        (Reply.error_string(401, "Invalid token"), anthropic.InternalServerError, 502),
    ],
)
def test_upstream_errors_in_anthropic_format(
    gateway: Gateway, upstream: RouterEmulator, reply: Reply, error: type[Exception], status: int
) -> None:
    upstream.push(reply)
    with pytest.raises(error) as caught:
        gateway.anthropic().messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert isinstance(caught.value, anthropic.APIStatusError)
    assert caught.value.status_code == status
    body = caught.value.body
    assert isinstance(body, dict) and body["type"] == "error"
    assert body["error"]["type"] in ("rate_limit_error", "api_error")
    assert HF_KEY not in json.dumps(body)


def test_gateway_errors_in_anthropic_format(gateway: Gateway) -> None:
    with pytest.raises(anthropic.NotFoundError) as not_found:
        gateway.anthropic().messages.create(
            model="no-such-model", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert not_found.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    with pytest.raises(anthropic.AuthenticationError):
        gateway.anthropic("hfg_bad_key").messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    with pytest.raises(anthropic.BadRequestError) as bad:
        gateway.anthropic().messages.create(
            model=MODEL,
            max_tokens=10,
            messages=[],  # type: ignore[arg-type]
        )
    assert "messages" in bad.value.message


def test_x_api_key_and_bearer_both_work(gateway: Gateway, upstream: RouterEmulator) -> None:
    key = gateway.new_key("either")
    body = {"model": MODEL, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    for headers in ({"x-api-key": key}, {"authorization": f"Bearer {key}"}):
        answer = httpx.post(f"{gateway.url}/v1/messages", json=body,
                            headers={**headers, "anthropic-version": "2023-06-01"})  # fmt: skip
        assert answer.status_code == 200, answer.text
    assert MASTER  # the master key also works, tested throughout


def test_streamed_thinking_keeps_its_signature_for_the_tool_loop(
    gateway: Gateway, anthropic_upstream: AnthropicEmulator, claude: str
) -> None:
    """Claude Code's loop: thinking, then a tool call, streamed; the thinking block must come
    back signed, since Anthropic refuses a thinking tool loop with an unsigned block."""
    anthropic_upstream.push(
        Reply.tool_calls(
            [ToolCallSpec("ls", {"path": "."}, id="toolu_1")],
            reasoning="List first.",
            thinking_signature="sig-xyz",
        ),  # fmt: skip
        Reply.text("Done."),
    )
    client = gateway.anthropic()
    tools: list[Any] = [{"name": "ls", "input_schema": {"type": "object"}}]
    with client.messages.stream(
        model=claude, max_tokens=4000, tools=tools,
        thinking={"type": "enabled", "budget_tokens": 2000},
        messages=[{"role": "user", "content": "What is here?"}],
    ) as stream:  # fmt: skip
        first = stream.get_final_message()
    thinking = first.content[0]
    assert (thinking.type, getattr(thinking, "signature", None)) == ("thinking", "sig-xyz")
    assert first.content[1].type == "tool_use"

    client.messages.create(
        model=claude, max_tokens=4000, tools=tools,
        thinking={"type": "enabled", "budget_tokens": 2000},
        messages=[
            {"role": "user", "content": "What is here?"},
            {"role": "assistant", "content": [b.model_dump() for b in first.content]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.txt"}]},
        ],
    )  # fmt: skip
    replayed = anthropic_upstream.requests[-1].json["messages"][1]["content"][0]
    assert replayed == {"type": "thinking", "thinking": "List first.", "signature": "sig-xyz"}
