"""The OpenAI Responses wire end to end: a settings model with provider "openai", the
official `openai:<model>` shortcut, and the HF router's own /v1/responses with `api=`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

import hfgate
from hfgate.testing import OpenAIEmulator, Reply, RouterEmulator, ToolCallSpec


def weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: The city's name.
    """
    return f"sunny in {city}"


def _tool_loop_script() -> tuple[Reply, Reply]:
    return (
        Reply.tool_calls(
            [
                ToolCallSpec("weather", {"city": "Paris"}, id="call_1"),
                ToolCallSpec("weather", {"city": "Rome"}, id="call_2"),
            ],
            reasoning="Two lookups.",
        ),
        Reply.text(
            "Sunny in both.",
            reasoning_tokens=3,
            cached_tokens=4,
            usage={"prompt_tokens": 40, "completion_tokens": 5},
        ),
    )


def _assert_results_were_sent_back(body: dict[str, Any]) -> None:
    items = body["input"]
    outputs = [i for i in items if i.get("type") == "function_call_output"]
    calls = [i for i in items if i.get("type") == "function_call"]
    assert [c["call_id"] for c in calls] == ["call_1", "call_2"]
    assert outputs == [
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny in Paris"},
        {"type": "function_call_output", "call_id": "call_2", "output": "sunny in Rome"},
    ]


@pytest.mark.parametrize("streaming", [False, True])
def test_settings_model_on_the_responses_wire_runs_a_tool_loop(
    write_settings: Any, openai_api: OpenAIEmulator, monkeypatch: Any, streaming: bool
) -> None:
    monkeypatch.setenv("MY_OPENAI_KEY", "sk-test-secret")
    write_settings(
        {
            "model": "gpt-5-mini",
            "id": "mini",
            "displayName": "GPT-5 mini",
            "baseUrl": openai_api.base_url,
            "apiKey": "${MY_OPENAI_KEY}",
            "provider": "openai",
            "extraHeaders": {"OpenAI-Organization": "org-1"},
        }
    )
    openai_api.push(*_tool_loop_script())
    with hfgate.Client() as client:
        if streaming:
            stream = client.stream_text(
                model="mini", prompt="Weather?", tools=[weather], max_steps=3
            )
            kinds = [event.type for event in stream]
            result = stream.result
            assert kinds.count("tool-call") == 2 and kinds.count("tool-result") == 2
            assert "reasoning-delta" in kinds and "tool-call-delta" in kinds
        else:
            result = client.generate_text(
                model="mini", prompt="Weather?", tools=[weather], max_steps=3
            )
    assert result.text == "Sunny in both." and len(result.steps) == 2
    assert result.steps[0].reasoning == "Two lookups."
    assert result.steps[0].finish_reason == "tool-calls"
    assert result.last.usage.reasoning_tokens == 3 and result.last.usage.cached_input_tokens == 4
    first, second = openai_api.requests
    assert first.path == "/v1/responses" and first.json["model"] == "gpt-5-mini"
    assert first.headers["authorization"] == "Bearer sk-test-secret"
    assert first.headers["openai-organization"] == "org-1"
    assert first.json["tools"][0]["name"] == "weather"
    _assert_results_were_sent_back(second.json)


def test_the_hf_router_responses_endpoint_keeps_tool_results(router: RouterEmulator) -> None:
    router.push(*_tool_loop_script())
    with hfgate.Client(api_key="hf_test", base_url=router.base_url, hf_router=True) as client:
        result = client.generate_text(
            model="Qwen/Qwen3-32B:groq",
            prompt="Weather?",
            tools=[weather],
            max_steps=3,
            api="responses",
        )
    assert result.text == "Sunny in both."
    first, second = router.requests
    assert first.path == "/v1/responses" and first.json["model"] == "Qwen/Qwen3-32B:groq"
    assert first.headers["authorization"] == "Bearer hf_test"
    _assert_results_were_sent_back(second.json)


def test_openai_prefix_uses_the_official_key_and_base_url(
    home: Any, openai_api: OpenAIEmulator, monkeypatch: Any
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_api.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-official")

    class City(BaseModel):
        name: str

    openai_api.push(Reply.text('{"name": "Oslo"}'))
    city = hfgate.generate_object(model="openai:gpt-5", schema=City, prompt="Norway's capital?")
    assert city == City(name="Oslo")
    request = openai_api.requests[-1]
    assert request.json["model"] == "gpt-5"
    assert request.json["text"]["format"]["type"] == "json_schema"
    assert request.headers["authorization"] == "Bearer sk-official"


def test_official_prefixes_need_their_key(home: Any) -> None:
    with pytest.raises(hfgate.MissingKeyError, match="set OPENAI_API_KEY"):
        hfgate.generate_text(model="openai:gpt-5", prompt="hi")
    with pytest.raises(hfgate.MissingKeyError, match="set ANTHROPIC_API_KEY"):
        hfgate.generate_text(model="anthropic:claude-sonnet-4-5", prompt="hi")


def test_anthropic_prefix_reaches_the_messages_wire(home: Any, monkeypatch: Any) -> None:
    from hfgate.testing import AnthropicEmulator

    with AnthropicEmulator() as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
        api.push(Reply.text("Hi."))
        r = hfgate.generate_text(model="anthropic:claude-x", prompt="hi")
    assert r.text == "Hi." and api.requests[-1].json["model"] == "claude-x"


def test_stream_failure_on_the_responses_wire_is_a_stream_error(
    router: RouterEmulator,
) -> None:
    router.push(Reply.stream_error("upstream exploded", after_chunks=2))
    with hfgate.Client(api_key="hf_test", base_url=router.base_url, hf_router=True) as client:
        stream = client.stream_text(model="org/model", prompt="hi", api="responses")
        with pytest.raises(hfgate.StreamError, match="upstream exploded"):
            for _ in stream:
                pass


def test_an_unknown_api_name_is_refused(router: RouterEmulator) -> None:
    with hfgate.Client(api_key="hf_test", base_url=router.base_url, hf_router=True) as client:
        with pytest.raises(hfgate.ConfigError, match="api='grpc' is not one of"):
            client.generate_text(model="org/model", prompt="hi", api="grpc")  # type: ignore[typeddict-item]


def test_the_hf_router_messages_endpoint_with_bill_to(router: RouterEmulator) -> None:
    """`api="messages"` for a Hub id: the router's own Anthropic Messages endpoint, with the
    HF token as a Bearer key (the router's auth, not Anthropic's x-api-key)."""
    router.push(Reply.text("Oui.", reasoning="Short.", thinking_signature="sig-9"))
    with hfgate.Client(
        api_key="hf_test", base_url=router.base_url, hf_router=True, bill_to="acme"
    ) as client:
        result = client.generate_text(model="Qwen/Qwen3-32B:groq", prompt="Oui?", api="messages")
    assert (result.text, result.reasoning) == ("Oui.", "Short.")
    sent = router.requests[-1]
    assert sent.path == "/v1/messages" and sent.json["model"] == "Qwen/Qwen3-32B:groq"
    assert sent.headers["authorization"] == "Bearer hf_test"
    assert "x-api-key" not in sent.headers
    assert sent.headers["x-hf-bill-to"] == "acme"
    assert sent.headers["anthropic-version"]
