"""A Codex-shaped Responses request through the gateway to a chat upstream (the router): its
namespace, custom and hosted tools are served, the upstream sees flat function tools, and the
openai SDK gets each call back under the name and namespace Codex dispatches by, streamed and
not, with the left-out hosted tools named in `x-hfgate-warning`."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from gateway_harness import Gateway

from hfgate.testing import Reply, RouterEmulator, ToolCallSpec

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
OBJECT = {"type": "object", "properties": {"cmd": {"type": "string"}}}
TOOLS: list[Any] = [
    {"type": "function", "name": "exec_command", "strict": False, "parameters": OBJECT},
    {
        "type": "namespace",
        "name": "mcp__shell__",
        "description": "A shell MCP server.",
        "tools": [{"type": "function", "name": "run", "strict": False, "parameters": OBJECT}],
    },
    {"type": "custom", "name": "apply_patch", "description": "Edit files.",
     "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}},
    {"type": "web_search", "external_web_access": False},
]  # fmt: skip
CALLS = [
    ToolCallSpec("mcp__shell__run", {"cmd": "pwd"}, id="call_1"),
    ToolCallSpec("apply_patch", {"input": "*** Begin Patch\n*** End Patch\n"}, id="call_2"),
]


def _create(client: openai.OpenAI, **kw: Any) -> Any:
    return client.responses.with_raw_response.create(
        model=MODEL, input="go", tools=TOOLS, store=False, parallel_tool_calls=True,
        include=["reasoning.encrypted_content"], **kw,
    )  # fmt: skip


def _seen(output: Any) -> list[tuple[Any, ...]]:
    return [
        (o.type, getattr(o, "namespace", None), o.name, getattr(o, "arguments", None)
         or getattr(o, "input", None))
        for o in output
    ]  # fmt: skip


EXPECTED = [
    ("function_call", "mcp__shell__", "run", '{"cmd": "pwd"}'),
    ("custom_tool_call", None, "apply_patch", "*** Begin Patch\n*** End Patch\n"),
]


def test_calls_come_back_namespaced_and_custom(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(Reply.tool_calls(CALLS))
    raw = _create(gateway.openai())
    assert _seen(raw.parse().output) == EXPECTED
    assert "web_search" in raw.headers["x-hfgate-warning"]
    sent = upstream.requests[-1].json
    names = [t["function"]["name"] for t in sent["tools"]]
    assert names == ["exec_command", "mcp__shell__run", "apply_patch"]
    assert sent["tools"][2]["function"]["parameters"]["required"] == ["input"]


def test_streamed_calls_come_back_the_same_way(gateway: Gateway, upstream: RouterEmulator) -> None:
    upstream.push(Reply.tool_calls(CALLS, chunk_size=3))
    client = gateway.openai()
    with client.responses.stream(model=MODEL, input="go", tools=TOOLS) as stream:
        done = [e.item for e in stream if e.type == "response.output_item.done"]
        final = stream.get_final_response()
    assert _seen(done) == _seen(final.output) == EXPECTED


def test_the_next_turn_replays_both_calls_to_the_upstream(
    gateway: Gateway, upstream: RouterEmulator
) -> None:
    upstream.push(Reply.text("Both done."))
    replay: list[Any] = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
        {"type": "function_call", "call_id": "call_1", "namespace": "mcp__shell__",
         "name": "run", "arguments": '{"cmd": "pwd"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "/work"},
        {"type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch",
         "input": "*** Begin Patch\n*** End Patch\n"},
        {"type": "custom_tool_call_output", "call_id": "call_2", "output": "Done!"},
    ]  # fmt: skip
    answer = gateway.openai().responses.create(model=MODEL, input=replay, tools=TOOLS)
    assert answer.output_text == "Both done."
    messages = upstream.requests[-1].json["messages"]
    calls = [c for m in messages for c in m.get("tool_calls") or []]
    assert [(c["id"], c["function"]["name"]) for c in calls] == [
        ("call_1", "mcp__shell__run"),
        ("call_2", "apply_patch"),
    ]
    assert json.loads(calls[1]["function"]["arguments"]) == {
        "input": "*** Begin Patch\n*** End Patch\n"
    }
    results = [(m["tool_call_id"], m["content"]) for m in messages if m["role"] == "tool"]
    assert results == [("call_1", "/work"), ("call_2", "Done!")]


def test_forcing_a_hosted_tool_is_a_400_naming_it(gateway: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _create(gateway.openai(), tool_choice={"type": "web_search"})
    assert "web_search" in str(caught.value) and caught.value.status_code == 400
