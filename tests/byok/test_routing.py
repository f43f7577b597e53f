"""Model-name resolution (the README's rules, in order) and what a call does with each route."""

from __future__ import annotations

import os
from typing import Any

import pytest

import hfgate
from hfgate.formats import CHAT, MESSAGES, RESPONSES
from hfgate.routing.resolve import Origin, resolve_model
from hfgate.testing import AnthropicEmulator, OpenAIEmulator, Reply, RouterEmulator

ROUTER = Origin("https://router.huggingface.co/v1", is_router=True, api_key="hf_x")


def _entry(**kw: Any) -> dict[str, Any]:
    return {
        "model": "llama3.2:3b",
        "displayName": "Ollama Llama",
        "baseUrl": "http://127.0.0.1:11434/v1",
        "apiKey": "ollama",
        "provider": "generic-chat-completion-api",
        **kw,
    }


def test_hub_ids_go_to_the_router_over_chat_completions(home: Any) -> None:
    route = resolve_model("huggingface/together/deepseek-ai/DeepSeek-R1", ROUTER)
    assert route.model == "deepseek-ai/DeepSeek-R1:together"
    assert route.wire is CHAT and route.priced_by == ROUTER.base_url
    assert route.endpoint is not None and route.endpoint.key is not None
    assert route.endpoint.key.source == "the api_key argument"
    assert resolve_model("org/m", ROUTER, api="responses").wire is RESPONSES


def test_settings_names_resolve_to_their_own_endpoint_and_wire(
    home: Any, write_settings: Any
) -> None:
    write_settings(
        _entry(),
        _entry(
            model="claude-x",
            displayName="Claude",
            provider="anthropic",
            baseUrl="https://api.anthropic.com",
            apiKey="sk-ant",
        ),
    )
    llama = resolve_model("Ollama Llama", ROUTER)
    assert (llama.model, llama.wire, llama.priced_by) == ("llama3.2:3b", CHAT, None)
    assert llama.endpoint is not None and llama.endpoint.base_url == "http://127.0.0.1:11434/v1"
    assert llama.custom is not None and llama.custom.display_name == "Ollama Llama"
    assert resolve_model("llama3.2:3b", ROUTER).custom == llama.custom
    claude = resolve_model("Claude", ROUTER)
    assert claude.wire is MESSAGES
    assert claude.endpoint is not None and claude.endpoint.auth == "x-api-key"
    assert claude.endpoint.headers["anthropic-version"] == "2023-06-01"
    assert not claude.endpoint.hf  # no Hugging Face hints on its errors


def test_a_configured_hub_id_uses_its_settings_entry_but_huggingface_prefix_does_not(
    home: Any, write_settings: Any
) -> None:
    write_settings(
        _entry(
            model="meta-llama/Llama-3.1-8B-Instruct",
            displayName="vLLM llama",
            baseUrl="http://127.0.0.1:8000/v1",
        )
    )
    mine = resolve_model("meta-llama/Llama-3.1-8B-Instruct", ROUTER)
    assert mine.endpoint is not None and mine.endpoint.base_url == "http://127.0.0.1:8000/v1"
    routed = resolve_model("huggingface/meta-llama/Llama-3.1-8B-Instruct", ROUTER)
    assert routed.endpoint is not None and routed.endpoint.base_url == ROUTER.base_url
    other = resolve_model("meta-llama/Llama-3.1-70B-Instruct", ROUTER)
    assert other.custom is None


def test_an_own_base_url_takes_any_name_as_written(home: Any, write_settings: Any) -> None:
    write_settings(_entry(displayName="mine"))
    origin = Origin("http://127.0.0.1:9/v1", is_router=False, api_key="k")
    route = resolve_model("mine", origin)
    assert route.custom is None and route.model == "mine"
    assert route.endpoint is not None and route.endpoint.base_url == origin.base_url


def test_unknown_names_suggest_the_closest(home: Any, write_settings: Any) -> None:
    write_settings(_entry(displayName="Sonnet"), _entry(model="m2", displayName="Opus"))
    with pytest.raises(hfgate.InvalidModelError) as caught:
        resolve_model("Sonet", ROUTER)
    message = str(caught.value)
    assert "Unknown model 'Sonet'" in message and "Did you mean: Sonnet?" in message
    assert "'openai:<model>'" in message


def test_broken_settings_are_mentioned_when_a_name_is_unknown(
    home: Any, write_settings: Any
) -> None:
    write_settings(_entry(provider="OpenAI", displayName="Broken"))
    with pytest.raises(hfgate.ConfigError, match='Invalid provider "OpenAI"'):
        resolve_model("Broken", ROUTER)  # the broken entry's own problem, not "unknown"
    with pytest.raises(hfgate.InvalidModelError, match="1 settings problem"):
        resolve_model("nothing-like-it", ROUTER)


def test_edits_are_picked_up_without_a_restart(
    home: Any, write_settings: Any, monkeypatch: Any
) -> None:
    with OpenAIEmulator() as first, OpenAIEmulator() as second:
        path = write_settings(_entry(displayName="box", baseUrl=first.base_url))
        hfgate.generate_text(model="box", prompt="one")
        write_settings(_entry(displayName="box", baseUrl=second.base_url))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        hfgate.generate_text(model="box", prompt="two")
        assert [r.json["messages"][-1]["content"] for r in first.requests] == ["one"]
        assert [r.json["messages"][-1]["content"] for r in second.requests] == ["two"]


def test_extra_headers_may_replace_the_authorization_header(
    home: Any, write_settings: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PROXY_TOKEN", "proxy-secret")
    with OpenAIEmulator() as api:
        write_settings(
            _entry(
                displayName="proxied",
                baseUrl=api.base_url,
                extraHeaders={"Authorization": "Bearer ${PROXY_TOKEN}", "X-Team": "a"},
            )
        )
        api.push(Reply.error_object(403, "token proxy-secret is not allowed"))
        with pytest.raises(hfgate.PermissionDeniedError) as caught:
            hfgate.generate_text(model="proxied", prompt="hi", max_retries=0)
        headers = api.requests[-1].headers
    assert headers["authorization"] == "Bearer proxy-secret" and headers["x-team"] == "a"
    assert "proxy-secret" not in str(caught.value)  # a key from extraHeaders is redacted too


def _unified(stream: hfgate.TextStream) -> tuple[list[str], str, str | None, int | None]:
    # A reasoning-item carries one wire's replay data (Anthropic's signed thinking block).
    kinds = [e.type for e in stream if e.type != "reasoning-item"]
    r = stream.result
    return (
        [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k],
        r.text,
        r.reasoning,
        r.usage.output_tokens,
    )


def test_the_same_answer_streams_the_same_events_on_every_wire(
    home: Any, write_settings: Any, router: RouterEmulator, monkeypatch: Any
) -> None:
    reply = Reply.text(
        "Paris.", reasoning="Easy.", usage={"prompt_tokens": 5, "completion_tokens": 3}
    )
    with OpenAIEmulator() as openai_api, AnthropicEmulator() as anthropic_api:
        write_settings(
            _entry(displayName="responses", provider="openai", baseUrl=openai_api.base_url),
            _entry(displayName="messages", provider="anthropic", baseUrl=anthropic_api.base_url),
        )
        for emulator in (router, openai_api, anthropic_api):
            emulator.push(reply)
        with hfgate.Client(api_key="hf_test", base_url=router.base_url, hf_router=True) as c:
            seen = [
                _unified(c.stream_text(model=name, prompt="Capital of France?"))
                for name in ("org/model", "responses", "messages")
            ]
    expected = (["reasoning-delta", "text-delta", "step-finish", "finish"], "Paris.", "Easy.", 3)
    assert seen == [expected, expected, expected]


def test_a_server_the_price_list_does_not_know_has_no_cost(home: Any, write_settings: Any) -> None:
    with OpenAIEmulator() as api:
        write_settings(_entry(displayName="box", baseUrl=api.base_url))
        result = hfgate.generate_text(model="box", prompt="hi")
    assert result.usage.input_tokens is not None and result.cost is None


def test_hub_looking_names_follow_the_same_lookup_rules(home: Any, write_settings: Any) -> None:
    hub = "meta-llama/Llama-3.3-70B-Instruct"
    write_settings(
        _entry(model=hub, displayName="Llama (Groq)", baseUrl="http://127.0.0.1:1/v1"),
        _entry(model="m", id=hub, displayName="Together", baseUrl="http://127.0.0.1:2/v1"),
        _entry(model="org/dup", displayName="one"),
        _entry(model="org/dup", displayName="two"),
        _entry(model="org/broken", displayName="broken", provider="OpenAI"),
    )
    chosen = resolve_model(hub, ROUTER)  # an exact id beats another entry's model string
    assert chosen.endpoint is not None and chosen.endpoint.base_url == "http://127.0.0.1:2/v1"
    with pytest.raises(hfgate.ConfigError, match='"org/dup" is ambiguous'):
        resolve_model("org/dup", ROUTER)
    with pytest.raises(hfgate.ConfigError, match="settings entry was skipped"):
        resolve_model("org/broken", ROUTER)  # not quietly sent to the router instead


def test_origin_repr_hides_the_key_and_headers() -> None:
    origin = Origin("u", True, api_key="hf_secret_value", headers={"X-Key": "k2"})
    assert "hf_secret_value" not in repr(origin) and "k2" not in repr(origin)
