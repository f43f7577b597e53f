"""A settings model with provider "anthropic", called by name through the whole client against
the Anthropic Messages emulator on loopback."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from pydantic import BaseModel

import hfgate
from hfgate.testing import AnthropicEmulator, Reply, ToolCallSpec

SONNET = {
    "model": "claude-sonnet-4-5",
    "displayName": "Sonnet",
    "baseUrl": "",
    "apiKey": "${ANTHROPIC_API_KEY}",
    "provider": "anthropic",
    "extraArgs": {"temperature": 0.3},
    "maxOutputTokens": 2048,
}


@pytest.fixture
def sonnet(
    write_settings: Any, anthropic_api: AnthropicEmulator, monkeypatch: pytest.MonkeyPatch
) -> AnthropicEmulator:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-secret")
    write_settings({**SONNET, "baseUrl": anthropic_api.base_url})
    return anthropic_api


@pytest.mark.parametrize("name", ["Sonnet", "claude-sonnet-4-5", "sonnet"])
def test_a_settings_model_answers_by_display_name_model_string_or_any_case(
    sonnet: AnthropicEmulator, name: str
) -> None:
    sonnet.push(
        Reply.text("Paris.", usage={"prompt_tokens": 30, "completion_tokens": 2}, cached_tokens=20)
    )
    with hfgate.Client() as client:
        r = client.generate_text(model=name, system="Be brief.", prompt="Capital of France?")
    assert r.text == "Paris." and r.finish_reason == "stop"
    assert r.usage.input_tokens == 30 and r.usage.cached_input_tokens == 20
    request = sonnet.requests[-1]
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-test-secret"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    body = request.json
    assert body["model"] == "claude-sonnet-4-5"
    assert body["temperature"] == 0.3 and body["max_tokens"] == 2048  # extraArgs, maxOutputTokens
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}


def test_the_call_overrides_extra_args_and_max_tokens(sonnet: AnthropicEmulator) -> None:
    with hfgate.Client() as client:
        client.generate_text(
            model="Sonnet", prompt="hi", max_tokens=10, extra_body={"temperature": 0.9}
        )
    body = sonnet.requests[-1].json
    assert (body["temperature"], body["max_tokens"]) == (0.9, 10)


def weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: The city's name.
    """
    return f"sunny in {city}"


def test_a_streamed_tool_loop_with_thinking_sends_results_and_signatures_back(
    sonnet: AnthropicEmulator,
) -> None:
    sonnet.push(
        Reply.tool_calls(
            [ToolCallSpec("weather", {"city": "Paris"}, id="toolu_1")],
            reasoning="I should look it up.",
        ),
        Reply.text("It is sunny in Paris."),
    )
    with hfgate.Client() as client:
        stream = client.stream_text(
            model="Sonnet",
            prompt="Weather in Paris?",
            tools=[weather],
            max_steps=3,
            reasoning_effort="low",
        )
        kinds = [event.type for event in stream]
    assert kinds[0] == "reasoning-delta"
    assert "tool-call" in kinds and "tool-result" in kinds and kinds[-1] == "finish"
    result = stream.result
    assert result.text == "It is sunny in Paris." and len(result.steps) == 2
    follow_up = sonnet.requests[-1].json
    assistant, results = follow_up["messages"][-2:]
    thinking = assistant["content"][0]
    assert thinking["type"] == "thinking" and thinking["thinking"] == "I should look it up."
    assert thinking["signature"]  # replayed as received
    assert assistant["content"][-1]["type"] == "tool_use"
    assert results["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "sunny in Paris",
        "cache_control": {"type": "ephemeral"},
    }
    assert follow_up["thinking"] == {"type": "enabled", "budget_tokens": 1024}  # of 2048


def test_structured_output_through_the_forced_answer_tool(sonnet: AnthropicEmulator) -> None:
    class City(BaseModel):
        name: str
        population: int

    sonnet.push(
        Reply.tool_calls([ToolCallSpec("json_answer", {"name": "Oslo", "population": 700000})])
    )
    city = hfgate.generate_object(model="Sonnet", schema=City, prompt="Largest city of Norway?")
    assert city == City(name="Oslo", population=700000)
    assert sonnet.requests[-1].json["tool_choice"] == {"type": "tool", "name": "json_answer"}


def test_async_stream_against_anthropic(sonnet: AnthropicEmulator) -> None:
    sonnet.push(Reply.text("Bonjour!", chunk_size=2))

    async def main() -> list[str]:
        async with hfgate.AsyncClient() as client:
            stream = client.stream_text(model="Sonnet", prompt="Say hi in French")
            return [text async for text in stream.text_stream]

    assert "".join(anyio.run(main)) == "Bonjour!"


def test_anthropic_errors_are_typed_with_the_request_id_and_no_hf_hint(
    sonnet: AnthropicEmulator,
) -> None:
    sonnet.push(
        Reply.anthropic_error(529, "overloaded_error", "Overloaded"),
        Reply.anthropic_error(401, "authentication_error", "invalid x-api-key sk-ant-test-secret"),
    )
    with hfgate.Client(max_retries=0) as client:
        with pytest.raises(hfgate.ServerError) as server:
            client.generate_text(model="Sonnet", prompt="hi")
        with pytest.raises(hfgate.AuthenticationError) as auth:
            client.generate_text(model="Sonnet", prompt="hi")
    assert server.value.status == 529 and server.value.message == "Overloaded"
    assert server.value.code == "overloaded_error" and server.value.request_id
    assert "sk-ant-test-secret" not in str(auth.value) and "huggingface" not in str(auth.value)
    assert auth.value.hint is None


def test_a_missing_variable_is_named(sonnet: AnthropicEmulator, monkeypatch: Any) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(hfgate.ConfigError, match="ANTHROPIC_API_KEY is not set"):
        hfgate.generate_text(model="Sonnet", prompt="hi")
    assert sonnet.requests == []


def test_images_refused_when_settings_say_no_image_support(
    write_settings: Any, anthropic_api: AnthropicEmulator, monkeypatch: Any
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    write_settings({**SONNET, "baseUrl": anthropic_api.base_url, "noImageSupport": True})
    with pytest.raises(hfgate.ConfigError, match="without image support"):
        hfgate.generate_text(model="Sonnet", prompt="what?", images=[b"\x89PNG...."])
    assert anthropic_api.requests == []


def test_cost_comes_from_the_bundled_price_list(sonnet: AnthropicEmulator) -> None:
    sonnet.push(
        Reply.text(
            "Hi.",
            usage={"prompt_tokens": 1000, "completion_tokens": 100},
            cached_tokens=600,
            cache_write_tokens=200,
        ),
        Reply.text("Hi.", model="claude-unreleased-9"),
    )
    priced = hfgate.generate_text(model="Sonnet", prompt="hi")
    # claude-sonnet-4-5 per 1M tokens: $3 input, $0.30 cache read, $3.75 cache write, $15 out
    expected = (200 * 3 + 600 * 0.30 + 200 * 3.75 + 100 * 15) / 1_000_000
    assert priced.usage.cache_write_tokens == 200
    assert priced.cost == pytest.approx(expected)
    unknown = hfgate.generate_text(model="Sonnet", prompt="hi")
    assert unknown.model == "claude-unreleased-9"
    assert unknown.cost == pytest.approx(
        (unknown.usage.input_tokens * 3 + unknown.usage.output_tokens * 15) / 1_000_000
    )  # the served name is unknown, so the requested one (claude-sonnet-4-5) prices it


def test_anthropic_overloaded_is_retried(sonnet: AnthropicEmulator) -> None:
    sonnet.push(
        Reply.anthropic_error(529, "overloaded_error", "Overloaded", retry_after=0),
        Reply.text("Back."),
    )
    assert hfgate.generate_text(model="Sonnet", prompt="hi").text == "Back."
    assert len(sonnet.requests) == 2
