"""generate_text against the router emulator on loopback, sync and async."""

from __future__ import annotations

from typing import Any

import pytest

import hfgate
from hfgate.testing import Reply, ToolCallSpec
from hfgate.types import Usage


def test_text_answer_with_meta_and_usage(router: Any, hf: Any) -> None:
    router.push(
        Reply.text(
            "Paris.",
            usage={"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
            provider="novita",
            request_id="Root=1-abc;def",
        )
    )
    with hf() as c:
        r = c.generate_text(model="Qwen/Qwen3-32B", prompt="Capital of France?", system="Be brief.")
    assert r.text == "Paris."
    assert r.reasoning is None
    assert r.finish_reason == "stop" and r.raw_finish_reason == "stop"
    assert r.usage == Usage(12, 2, 14, None, None)
    assert r.provider == "novita"
    assert r.request_id == "Root=1-abc;def"
    assert r.model == "Qwen/Qwen3-32B"
    sent = router.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer hf_test_key"
    assert sent.raw.startswith(b'{"model":"Qwen/Qwen3-32B"')  # the model first, compact
    assert sent.json["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert "stream" not in sent.json


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content", "think"])
def test_reasoning_in_all_three_forms(router: Any, hf: Any, field: str) -> None:
    router.push(Reply.text("There are 3.", reasoning="s-t-r-a-w", reasoning_field=field))
    r = hf().generate_text(model="deepseek-ai/DeepSeek-R1:together", prompt="r's?")
    assert r.text == "There are 3."
    assert r.reasoning == "s-t-r-a-w"


def test_cached_and_reasoning_tokens(router: Any, hf: Any) -> None:
    router.push(
        Reply.text(
            "ok",
            usage={"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            cached_tokens=64,
            reasoning_tokens=15,
        ),
        Reply.text(
            "ok",
            usage={"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            cached_tokens=32,
            cache_hit_field="prompt_cache_hit_tokens",
        ),
    )
    c = hf()
    assert c.generate_text(model="a/b", prompt="x").usage == Usage(100, 20, 120, 64, 15)
    assert c.generate_text(model="a/b", prompt="x").usage == Usage(100, 20, 120, 32, None)


def test_all_options_reach_the_wire(router: Any, hf: Any) -> None:
    c = hf(bill_to="my-org", headers={"x-client": "tests"})
    c.generate_text(
        model="huggingface/groq/openai/gpt-oss-120b",
        prompt="hi",
        temperature=0.5,
        max_tokens=7,
        top_p=0.9,
        stop="END",
        seed=42,
        reasoning_effort="low",
        tool_choice="none",
        headers={"x-call": "1"},
        extra_body={"top_k": 5},
    )
    sent = router.requests[-1]
    assert sent.json["model"] == "openai/gpt-oss-120b:groq"
    for key, value in {
        "temperature": 0.5,
        "max_tokens": 7,
        "top_p": 0.9,
        "stop": ["END"],
        "seed": 42,
        "reasoning_effort": "low",
        "tool_choice": "none",
        "top_k": 5,
    }.items():
        assert sent.json[key] == value
    assert sent.headers["x-hf-bill-to"] == "my-org"
    assert sent.headers["x-client"] == "tests" and sent.headers["x-call"] == "1"


def test_vision_parts_are_sent_as_image_urls(router: Any, hf: Any, tmp_path: Any) -> None:
    png = tmp_path / "dot.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    hf().generate_text(
        model="meta-llama/Llama-3.2-11B-Vision-Instruct",
        prompt="Describe",
        images=[png, "https://example.com/cat.jpg", b"\xff\xd8\xff\x00"],
    )
    parts = router.requests[-1].json["messages"][-1]["content"]
    assert parts[0] == {"type": "text", "text": "Describe"}
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[2]["image_url"]["url"] == "https://example.com/cat.jpg"
    assert parts[3]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_tool_calls_returned_when_tools_are_schemas(router: Any, hf: Any) -> None:
    router.push(
        Reply.tool_calls(
            [
                ToolCallSpec("get_weather", {"city": "Paris"}),
                ToolCallSpec("get_time", {"tz": "CET"}),
            ]
        )
    )
    tool = {
        "type": "function",
        "function": {"name": "get_weather", "parameters": {"type": "object"}},
    }
    r = hf().generate_text(model="a/b", prompt="weather?", tools=[tool], max_steps=5)
    assert [(t.name, t.arguments) for t in r.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"tz": "CET"}),
    ]
    assert r.finish_reason == "tool-calls"
    assert len(router.requests) == 1  # schema-only tools are handed back, not run


def test_tool_arguments_as_object(router: Any, hf: Any) -> None:
    router.push(Reply.tool_calls([ToolCallSpec("f", {"x": [1, 2]})], arguments_as_object=True))
    r = hf().generate_text(model="a/b", prompt="go")
    assert r.tool_calls[0].arguments == {"x": [1, 2]}


def test_module_level_function_uses_env_key(router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    router.push(Reply.text("hello"))
    r = hfgate.generate_text(model="a/b", prompt="hi")
    assert r.text == "hello"
    assert router.requests[-1].headers["authorization"] == "Bearer hf_from_env"


def test_custom_base_url_is_not_sent_the_hf_key(
    router: Any, hf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_must_not_leak")
    c = hf(api_key=None, hf_router=None)  # not an HF host, not marked as a router
    r = c.generate_text(model="llama3.2:3b", prompt="hi")
    assert r.text == "You said: hi"
    assert "authorization" not in router.requests[-1].headers
    assert router.requests[-1].json["model"] == "llama3.2:3b"  # any id is fine off the router
    hf(api_key="sk-own", hf_router=None).generate_text(model="m", prompt="x")
    assert router.requests[-1].headers["authorization"] == "Bearer sk-own"


@pytest.mark.anyio
async def test_async_generate(router: Any) -> None:
    router.push(Reply.text("async!", reasoning="r", reasoning_field="reasoning_content"))
    async with hfgate.AsyncClient(api_key="hf_k", base_url=router.base_url, hf_router=True) as c:
        r = await c.generate_text(model="a/b", prompt="hi")
    assert (r.text, r.reasoning, r.provider) == ("async!", "r", "together")


@pytest.mark.anyio
async def test_async_module_level(router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    r = await hfgate.agenerate_text(model="a/b", prompt="ping", api_key="hf_k")
    assert r.text == "You said: ping"


def test_cost_from_the_cached_catalog(
    hf: Any, router: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from hfgate.routing.catalog import load_catalog

    monkeypatch.setenv("HFGATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 500_000, "total_tokens": 1_500_000}
    router.push(Reply.text("a", usage=usage, provider="novita"))
    first = hf(base_url=None).generate_text(model="deepseek-ai/DeepSeek-V4-Pro", prompt="x")
    assert first.cost is None  # no catalog cached yet: unknown, and nothing was fetched
    assert all(r.path != "/v1/models" for r in router.requests)
    load_catalog(refresh=True)
    assert first.cost == pytest.approx(1.69 + 0.5 * 3.38)  # novita: $1.69 in, $3.38 out per 1M
    router.push(Reply.text("a", usage=usage, provider="featherless-ai"))
    unpriced = hf(base_url=None).generate_text(model="deepseek-ai/DeepSeek-V4-Pro", prompt="x")
    assert unpriced.cost is None  # that provider publishes no price


def test_own_server_needs_a_model_name(hf: Any, router: Any) -> None:
    with pytest.raises(hfgate.ConfigError, match="Pass model="):
        hf(hf_router=False).generate_text(prompt="x")
    assert router.requests == []
