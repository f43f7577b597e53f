"""What Claude Code and the anthropic SDK need of the gateway beyond `/v1/messages`: token
counting (forwarded to an Anthropic upstream, else estimated), the prompt's count in
`message_start`, Anthropic's error format on every Messages route and for Anthropic clients,
`HEAD /`, server and client tools, and a system turn in the middle of a conversation. The
real anthropic SDK is the client; the emulators are the upstreams."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest
from gateway_harness import Gateway, usage_rows

from hfgate.testing import AnthropicEmulator, OpenAIEmulator, Reply

SONNET = "claude-sonnet-4-5-20250929"
ASK: Any = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER: Any = {
    "name": "weather",
    "description": "Weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
BASH: Any = {"type": "bash_20250124", "name": "bash"}
SEARCH: Any = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
COUNT_SOURCE = "x-hfgate-token-count"


@pytest.fixture
def models(
    write_models: Any, anthropic_upstream: AnthropicEmulator, openai_upstream: OpenAIEmulator
) -> None:
    """`Sonnet` on the Anthropic emulator, `Qwen` on a chat-completions server."""
    write_models(
        {"model": SONNET, "displayName": "Sonnet", "provider": "anthropic",
         "baseUrl": anthropic_upstream.url, "apiKey": "sk-ant-upstream"},
        {"model": "qwen3-coder", "displayName": "Qwen", "provider": "generic-chat-completion-api",
         "baseUrl": openai_upstream.base_url, "apiKey": "sk-chat-upstream"},
    )  # fmt: skip


def posted(emulator: Any, path: str) -> list[Any]:
    return [r for r in emulator.requests if r.method == "POST" and r.path.startswith(path)]


# --- token counting -----------------------------------------------------------------------


def test_count_tokens_is_the_anthropic_upstreams_own(
    gateway: Gateway, anthropic_upstream: AnthropicEmulator, models: None
) -> None:
    client = gateway.anthropic()
    raw = client.messages.with_raw_response.count_tokens(
        model="Sonnet", system="Be terse.", messages=ASK, tools=[WEATHER, BASH]
    )
    assert raw.headers[COUNT_SOURCE] == "upstream"
    counted = raw.parse().input_tokens
    sent = posted(anthropic_upstream, "/v1/messages/count_tokens")[-1]
    assert sent.headers["x-api-key"] == "sk-ant-upstream"
    # The emulator refuses what the real endpoint refuses (max_tokens, stream, ...), so this
    # also proves the body is a count body, with the tools as the client wrote them.
    assert sent.json["model"] == SONNET and "max_tokens" not in sent.json
    assert sent.json["tools"][1] == BASH
    # The count is what the same prompt is then billed.
    message = client.messages.create(
        model="Sonnet", max_tokens=50, system="Be terse.", messages=ASK, tools=[WEATHER, BASH]
    )
    assert message.usage.input_tokens == counted > 0


def test_an_upstream_that_cannot_count_leaves_an_estimate(
    gateway: Gateway, anthropic_upstream: AnthropicEmulator, models: None
) -> None:
    client = gateway.anthropic()
    anthropic_upstream.push(Reply.anthropic_error(404, "not_found_error", "Not Found"))
    raw = client.messages.with_raw_response.count_tokens(model="Sonnet", messages=ASK)
    assert raw.headers[COUNT_SOURCE] == "estimate"
    assert "could not count tokens (404)" in raw.headers["x-hfgate-warning"]
    assert raw.parse().input_tokens > 0
    # A 400 is about the client's request: it gets it, as it would from Anthropic.
    anthropic_upstream.push(Reply.anthropic_error(400, "invalid_request_error", "bad image"))
    with pytest.raises(anthropic.BadRequestError, match="bad image"):
        client.messages.count_tokens(model="Sonnet", messages=ASK)


def test_other_upstreams_get_an_estimate_that_counts_the_tools(
    gateway: Gateway, openai_upstream: OpenAIEmulator, models: None
) -> None:
    client = gateway.anthropic()
    raw = client.messages.with_raw_response.count_tokens(model="Qwen", messages=ASK)
    assert raw.headers[COUNT_SOURCE] == "estimate" and "x-hfgate-warning" not in raw.headers
    bare = raw.parse().input_tokens
    with_tools = client.messages.count_tokens(model="Qwen", messages=ASK, tools=[WEATHER])
    schema = len(json.dumps(WEATHER["input_schema"])) + len("weather Weather in a city.")
    assert with_tools.input_tokens - bare == pytest.approx(schema / 4, abs=2)
    assert not posted(openai_upstream, "/")  # nothing was sent anywhere


def test_counting_is_authenticated_but_free(
    gateway: Gateway, anthropic_upstream: AnthropicEmulator, models: None, store_url: str
) -> None:
    key = gateway.new_key("counter", rpm=1, models=["Sonnet"])
    client = gateway.anthropic(key)
    for _ in range(3):  # over the key's rpm: counting takes none of it
        client.messages.count_tokens(model="Sonnet", messages=ASK)
    client.messages.create(model="Sonnet", max_tokens=5, messages=ASK)  # the one request
    assert [r["api"] for r in usage_rows(store_url)] == ["messages"]  # counts are not billed
    with pytest.raises(anthropic.PermissionDeniedError):
        client.messages.count_tokens(model="Qwen", messages=ASK)
    with pytest.raises(anthropic.AuthenticationError) as bad:
        gateway.anthropic("hfg_not_a_key").messages.count_tokens(model="Sonnet", messages=ASK)
    assert bad.value.body["type"] == "error"  # type: ignore[index]
    revoked = httpx.delete(
        f"{gateway.url}/keys/counter", headers={"authorization": f"Bearer {gateway.master_key}"}
    )
    assert revoked.status_code == 200
    with pytest.raises(anthropic.AuthenticationError, match="revoked"):
        client.messages.count_tokens(model="Sonnet", messages=ASK)
    with pytest.raises(anthropic.BadRequestError, match="messages"):
        gateway.anthropic().messages.count_tokens(model="Sonnet", messages=[])


# --- the prompt's count in message_start --------------------------------------------------


def _stream_usage(client: anthropic.Anthropic, model: str) -> tuple[Any, Any, Any]:
    """(message_start's usage, the final message's usage, the response headers)."""
    with client.messages.stream(model=model, max_tokens=50, messages=ASK) as stream:
        events = list(stream)
        final = stream.get_final_message()
        headers = stream.response.headers
    start = next(e for e in events if e.type == "message_start")
    return start.message.usage, final.usage, headers


def test_message_start_carries_the_anthropic_upstreams_count(
    gateway: Gateway, anthropic_upstream: AnthropicEmulator, models: None
) -> None:
    anthropic_upstream.push(
        Reply.text(
            "Paris.", usage={"prompt_tokens": 1000, "completion_tokens": 3}, cached_tokens=800
        )  # fmt: skip
    )
    start, final, headers = _stream_usage(gateway.anthropic(), "Sonnet")
    assert headers[COUNT_SOURCE] == "upstream"
    assert (start.input_tokens, start.cache_read_input_tokens) == (200, 800)
    assert (final.input_tokens, final.output_tokens) == (200, 3)


def test_message_start_estimates_what_the_final_usage_then_says(
    gateway: Gateway, openai_upstream: OpenAIEmulator, models: None
) -> None:
    client = gateway.anthropic()
    openai_upstream.push(Reply.text("Paris.", usage={"prompt_tokens": 23, "completion_tokens": 2}))
    start, final, headers = _stream_usage(client, "Qwen")
    assert headers[COUNT_SOURCE] == "estimate"
    assert (
        start.input_tokens == client.messages.count_tokens(model="Qwen", messages=ASK).input_tokens
    )
    assert (final.input_tokens, final.output_tokens) == (23, 2)  # the upstream's real count


# --- routes and errors --------------------------------------------------------------------


def test_every_messages_route_answers_in_anthropics_format(gateway: Gateway) -> None:
    client = gateway.anthropic()
    with pytest.raises(anthropic.NotFoundError) as batches:
        client.messages.batches.create(
            requests=[
                {"custom_id": "a", "params": {"model": "Sonnet", "max_tokens": 5, "messages": ASK}}
            ]  # fmt: skip
        )
    body = batches.value.body
    assert isinstance(body, dict) and body["type"] == "error"
    assert body["error"]["type"] == "not_found_error"
    assert "Message Batches are not served" in body["error"]["message"]
    wrong = [("GET", "/v1/messages"), ("GET", "/v1/messages/count_tokens"),
             ("POST", "/v1/messages/nope"), ("DELETE", "/v1/messages/batches/x")]  # fmt: skip
    for method, path in wrong:
        answer = httpx.request(method, f"{gateway.url}{path}", headers={"x-api-key": "k"})
        error = answer.json()
        assert answer.status_code in (404, 405) and error["type"] == "error", (method, path)
        assert error["error"]["type"] in ("not_found_error", "invalid_request_error")
    assert "POST" in httpx.get(f"{gateway.url}/v1/messages").headers["allow"]


def test_unknown_routes_answer_each_client_in_its_own_format(gateway: Gateway) -> None:
    url = f"{gateway.url}/v1/complete"
    for headers in ({"anthropic-version": "2023-06-01"}, {"x-api-key": "k"}):
        body = httpx.post(url, headers=headers).json()
        assert body["type"] == "error" and body["error"]["type"] == "not_found_error"
    with pytest.raises(openai.NotFoundError) as caught:
        gateway.openai().post("/complete", cast_to=dict, body={})
    assert caught.value.body["code"] == "not_found"  # type: ignore[index]


def test_the_root_answers_the_probes_of_claude_code(gateway: Gateway) -> None:
    assert httpx.head(f"{gateway.url}/").status_code == 200
    assert httpx.get(f"{gateway.url}/").json()["status"] == "ok"


# --- tools and system turns ---------------------------------------------------------------


def test_server_tools_pass_to_anthropic_and_leave_others_with_a_warning(
    gateway: Gateway,
    anthropic_upstream: AnthropicEmulator,
    openai_upstream: OpenAIEmulator,
    models: None,
) -> None:
    client = gateway.anthropic()
    tools = [SEARCH, WEATHER, BASH]
    claude = client.messages.with_raw_response.create(
        model="Sonnet", max_tokens=50, messages=ASK, tools=tools
    )
    assert "x-hfgate-warning" not in claude.headers
    assert posted(anthropic_upstream, "/v1/messages")[-1].json["tools"] == tools

    qwen = client.messages.with_raw_response.create(
        model="Qwen", max_tokens=50, messages=ASK, tools=tools
    )
    assert "web_search_20250305 (web_search)" in qwen.headers["x-hfgate-warning"]
    sent = posted(openai_upstream, "/v1/chat/completions")[-1].json["tools"]
    assert [t["function"]["name"] for t in sent] == ["weather", "bash"]
    assert set(sent[1]["function"]["parameters"]["properties"]) == {"command", "restart"}

    forced: Any = {"type": "tool", "name": "web_search"}
    with pytest.raises(anthropic.BadRequestError, match="web_search"):
        client.messages.create(
            model="Qwen", max_tokens=50, messages=ASK, tools=tools, tool_choice=forced
        )
    assert len(posted(openai_upstream, "/")) == 1  # refused before any upstream call
    client.messages.create(
        model="Sonnet", max_tokens=50, messages=ASK, tools=tools, tool_choice=forced
    )
    assert posted(anthropic_upstream, "/v1/messages")[-1].json["tool_choice"] == forced


def test_a_system_turn_mid_conversation_joins_the_first_for_a_chat_upstream(
    gateway: Gateway, openai_upstream: OpenAIEmulator, models: None
) -> None:
    turns: Any = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "system", "content": "Plan mode is on."},  # as Claude Code sends one
        {"role": "user", "content": "go on"},
    ]
    gateway.anthropic().messages.create(
        model="Qwen", max_tokens=50, system="Be terse.", messages=turns
    )
    sent = posted(openai_upstream, "/v1/chat/completions")[-1].json["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[0]["content"] == "Be terse.\n\nPlan mode is on."
