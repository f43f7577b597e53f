"""max_steps: Python tools are run, results go back as `tool` messages, usage is summed."""

from __future__ import annotations

from typing import Any

import pytest

import hfgate
from hfgate.testing import Reply, ToolCallSpec
from hfgate.types import Finish, StepFinish, TextDelta, ToolResultEvent, Usage

U = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
calls: list[tuple[str, str]] = []


def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """Current weather for a city."""
    calls.append((city, unit))
    return {"city": city, "temp": 21, "unit": unit}


def explode(reason: str) -> str:
    """A tool that fails."""
    raise RuntimeError(f"boom: {reason}")


def test_multi_step_loop_runs_tools_and_sums_usage(router: Any, hf: Any) -> None:
    calls.clear()
    router.push(
        Reply.tool_calls(
            [
                ToolCallSpec("get_weather", {"city": "Paris"}, id="c1"),
                ToolCallSpec("get_weather", {"city": "Oslo", "unit": "f"}, id="c2"),
            ],
            usage=U,
        ),
        Reply.text(
            "Paris 21C, Oslo 21F.",
            usage={"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48},
        ),
    )
    r = hf().generate_text(model="a/b", prompt="Weather?", tools=[get_weather], max_steps=3)
    assert r.text == "Paris 21C, Oslo 21F."
    assert calls == [("Paris", "celsius"), ("Oslo", "f")]
    assert len(r.steps) == 2
    assert r.steps[0].usage == Usage(10, 5, 15) and r.steps[1].usage == Usage(40, 8, 48)
    assert r.usage == Usage(50, 13, 63)
    assert [t.output for t in r.steps[0].tool_results] == [
        '{"city":"Paris","temp":21,"unit":"celsius"}',
        '{"city":"Oslo","temp":21,"unit":"f"}',
    ]
    second = router.requests[1].json["messages"]
    assert second[-3]["role"] == "assistant" and [c["id"] for c in second[-3]["tool_calls"]] == [
        "c1",
        "c2",
    ]
    assert second[-2] == {
        "role": "tool",
        "content": '{"city":"Paris","temp":21,"unit":"celsius"}',
        "tool_call_id": "c1",
        "name": "get_weather",
    }
    assert second[-1]["tool_call_id"] == "c2"
    assert router.requests[0].json["tools"][0]["function"]["name"] == "get_weather"
    assert [m.role for m in r.messages] == ["user", "assistant", "tool", "tool", "assistant"]


def test_loop_stops_at_max_steps(router: Any, hf: Any) -> None:
    router.push(*[Reply.tool_calls([ToolCallSpec("get_weather", {"city": "X"})]) for _ in range(3)])
    r = hf().generate_text(model="a/b", prompt="loop", tools=[get_weather], max_steps=2)
    assert len(r.steps) == 2 and len(router.requests) == 2
    assert r.finish_reason == "tool-calls" and r.tool_calls  # the unanswered calls are handed back


def test_default_is_a_single_step(router: Any, hf: Any) -> None:
    router.push(Reply.tool_calls([ToolCallSpec("get_weather", {"city": "X"})]))
    r = hf().generate_text(model="a/b", prompt="once", tools=[get_weather])
    assert len(router.requests) == 1 and r.tool_calls[0].name == "get_weather"


def test_tool_errors_and_bad_arguments_go_back_to_the_model(router: Any, hf: Any) -> None:
    router.push(
        Reply.tool_calls(
            [
                ToolCallSpec("explode", {"reason": "test"}),
                ToolCallSpec("get_weather", {"unit": "k"}),
                ToolCallSpec("nonexistent", {}),
            ]
        ),
        Reply.text("sorry"),
    )
    r = hf().generate_text(model="a/b", prompt="x", tools=[explode, get_weather], max_steps=2)
    results = r.steps[0].tool_results
    assert all(t.is_error for t in results)
    assert "RuntimeError: boom: test" in results[0].output
    assert "city" in results[1].output
    assert "Unknown tool 'nonexistent'" in results[2].output
    assert r.text == "sorry"


def test_streaming_multi_step(router: Any, hf: Any) -> None:
    calls.clear()
    router.push(
        Reply.tool_calls([ToolCallSpec("get_weather", {"city": "Rome"})], usage=U),
        Reply.text("Sunny in Rome.", usage=U),
    )
    events = list(hf().stream_text(model="a/b", prompt="w?", tools=[get_weather], max_steps=3))
    kinds = [e.type for e in events]
    assert kinds.count("step-finish") == 2 and kinds[-1] == "finish"
    assert kinds.index("tool-result") > kinds.index("tool-call")
    result_event = next(e for e in events if isinstance(e, ToolResultEvent))
    assert '"city":"Rome"' in result_event.result.output
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Sunny in Rome."
    final = events[-1]
    assert isinstance(final, Finish) and final.usage == Usage(20, 10, 30)
    assert all(isinstance(e, StepFinish) for e in events if e.type == "step-finish")


@pytest.mark.anyio
async def test_async_loop_with_async_tool(router: Any) -> None:
    async def lookup(term: str) -> str:
        """Look a term up."""
        return f"definition of {term}"

    router.push(Reply.tool_calls([ToolCallSpec("lookup", {"term": "SSE"})]), Reply.text("done"))
    async with hfgate.AsyncClient(api_key="hf_k", base_url=router.base_url, hf_router=True) as c:
        r = await c.generate_text(model="a/b", prompt="x", tools=[lookup], max_steps=2)
    assert r.steps[0].tool_results[0].output == "definition of SSE"
    assert router.requests[1].json["messages"][-1]["content"] == "definition of SSE"


def test_async_tool_on_a_sync_client_is_a_clear_error(router: Any, hf: Any) -> None:
    async def lookup(term: str) -> str:
        """Look a term up."""
        return term

    router.push(Reply.tool_calls([ToolCallSpec("lookup", {"term": "x"})]), Reply.text("no"))
    with pytest.raises(hfgate.ConfigError, match="AsyncClient"):
        hf().generate_text(model="a/b", prompt="x", tools=[lookup], max_steps=2)
    assert len(router.requests) == 1
