"""The Responses ingress serves what coding agents send besides function tools: Codex's
`namespace` groups, `custom` (free-form, grammar) tools and hosted tools, each as any upstream
can take it, and its calls rendered back the way the client dispatches them. Checked against
the openai SDK's own types and stream accumulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter
from test_dialect_responses import _decode, _frames, _sdk

from hfgate.formats.base import ReplyInfo, RequestError
from hfgate.formats.responses import EventRenderer, parse_request, render_response
from hfgate.formats.responses.tools import MAX_NAME, flat_name
from hfgate.types import (
    ResponseMeta,
    StepFinish,
    StepResult,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

_EVENT: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)
OBJECT = {"type": "object", "properties": {"cmd": {"type": "string"}}}
PATCH_GRAMMAR = 'start: "*** Begin Patch" LF body "*** End Patch"\nbody: /(.|\\n)*/'
CODEX_LIKE: dict[str, Any] = {
    "model": "org/coder",
    "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]}
    ],
    "tools": [
        {"type": "function", "name": "exec_command", "strict": False, "parameters": OBJECT},
        {
            "type": "namespace",
            "name": "multi_agent_v1",
            "description": "Sub-agents.",
            "tools": [
                {
                    "type": "function",
                    "name": "spawn_agent",
                    "description": "Start one.",
                    "strict": False,
                    "parameters": OBJECT,
                },
                {"type": "function", "name": "wait_agent", "parameters": OBJECT},
            ],
        },
        {
            "type": "namespace",
            "name": "mcp__files__",
            "tools": [{"type": "function", "name": "read", "parameters": OBJECT}],
        },
        {
            "type": "custom",
            "name": "apply_patch",
            "description": "Edit files.",
            "format": {"type": "grammar", "syntax": "lark", "definition": PATCH_GRAMMAR},
        },
        {"type": "web_search", "external_web_access": False},
        {"type": "image_generation"},
    ],
    "tool_choice": "auto",
    "parallel_tool_calls": True,
    "store": False,
    "include": ["reasoning.encrypted_content"],
}
INFO = ReplyInfo(id="r1", model="org/coder", created=1)


def test_namespaces_flatten_custom_tools_take_one_string_and_hosted_tools_are_left_out() -> None:
    inbound = parse_request(CODEX_LIKE)
    tools = {t.name: t for t in inbound.request.tools}
    assert list(tools) == [
        "exec_command",
        "multi_agent_v1__spawn_agent",
        "multi_agent_v1__wait_agent",
        "mcp__files__read",  # the namespace's own trailing `__` is not doubled
        "apply_patch",
    ]
    assert tools["multi_agent_v1__spawn_agent"].description == "Sub-agents.\n\nStart one."
    patch = tools["apply_patch"].parameters
    assert patch["required"] == ["input"] and patch["properties"]["input"]["type"] == "string"
    assert PATCH_GRAMMAR in patch["properties"]["input"]["description"]
    assert inbound.warnings and "web_search, image_generation" in inbound.warnings[0]
    names = inbound.client_tools
    assert names["multi_agent_v1__spawn_agent"].namespace == "multi_agent_v1"
    assert names["multi_agent_v1__spawn_agent"].name == "spawn_agent"
    assert names["apply_patch"].custom and "exec_command" not in names


def test_replayed_namespaced_and_custom_calls_reach_the_upstream_under_its_names() -> None:
    body = {
        **CODEX_LIKE,
        "input": [
            *CODEX_LIKE["input"],
            {
                "type": "function_call",
                "call_id": "c1",
                "namespace": "multi_agent_v1",
                "name": "spawn_agent",
                "arguments": '{"cmd": "x"}',
            },
            {"type": "function_call_output", "call_id": "c1", "output": "started"},
            {
                "type": "custom_tool_call",
                "call_id": "c2",
                "name": "apply_patch",
                "input": "*** Begin Patch\n*** End Patch",
            },
            {"type": "custom_tool_call_output", "call_id": "c2", "output": "Done"},
        ],
    }
    messages = parse_request(body).request.messages
    calls = [c for m in messages for c in m.tool_calls]
    assert [(c.id, c.name) for c in calls] == [
        ("c1", "multi_agent_v1__spawn_agent"),
        ("c2", "apply_patch"),
    ]
    assert calls[1].arguments == {"input": "*** Begin Patch\n*** End Patch"}
    assert json.loads(calls[1].raw_arguments) == calls[1].arguments
    results = [(m.tool_call_id, m.name, m.text) for m in messages if m.role == "tool"]
    assert results == [
        ("c1", "multi_agent_v1__spawn_agent", "started"),
        ("c2", "apply_patch", "Done"),
    ]


STEP = StepResult(
    "",
    None,
    (
        ToolCall("c1", "multi_agent_v1__spawn_agent", {"cmd": "x"}, '{"cmd": "x"}'),
        ToolCall(
            "c2", "apply_patch", {"input": "*** Begin Patch\n"}, '{"input": "*** Begin Patch\\n"}'
        ),
        ToolCall("c3", "exec_command", {"cmd": "ls"}, '{"cmd": "ls"}'),
    ),
    "tool-calls",
    "tool_calls",
    Usage(input_tokens=5, output_tokens=7),
    ResponseMeta("org/coder"),
)


def _client_info() -> ReplyInfo:
    return ReplyInfo("r1", "org/coder", 1, client_tools=parse_request(CODEX_LIKE).client_tools)


def _calls(output: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (o["type"], o.get("namespace"), o["name"], o.get("arguments", o.get("input")))
        for o in output
    ]


EXPECTED = [
    ("function_call", "multi_agent_v1", "spawn_agent", '{"cmd": "x"}'),
    ("custom_tool_call", None, "apply_patch", "*** Begin Patch\n"),
    ("function_call", None, "exec_command", '{"cmd": "ls"}'),
]


def test_a_reply_names_calls_the_way_the_client_dispatches_them() -> None:
    body = render_response(STEP, _client_info())
    Response.model_validate(body)
    assert _calls(body["output"]) == EXPECTED


def test_a_stream_names_calls_the_same_way_and_the_sdk_reads_them() -> None:
    events = [
        ToolCallDelta(0, "", "c1", "multi_agent_v1__spawn_agent"),
        ToolCallDelta(0, '{"cmd": "x"}'),
        ToolCallDelta(1, "", "c2", "apply_patch"),
        ToolCallDelta(1, '{"input": "*** Begin'),
        ToolCallDelta(1, ' Patch\\n"}'),
        *(ToolCallEvent(c) for c in STEP.tool_calls),
        StepFinish(STEP),
    ]
    renderer = EventRenderer(_client_info())
    frames = _frames(renderer, events) + renderer.finish()
    decoded = _decode(frames)
    done = [e["item"] for e in decoded if e["type"] == "response.output_item.done"]
    assert _calls(done) == EXPECTED
    added = [e["item"] for e in decoded if e["type"] == "response.output_item.added"]
    assert [(a["type"], a.get("namespace"), a["name"]) for a in added] == [c[:3] for c in EXPECTED]
    custom = [e for e in decoded if e["type"].startswith("response.custom_tool_call_input")]
    assert [e["type"].rsplit(".", 1)[1] for e in custom] == ["delta", "done"]
    assert custom[1]["input"] == "*** Begin Patch\n"
    with _sdk(frames).responses.stream(model="org/coder", input="go") as stream:
        final = stream.get_final_response()
    assert [(o.type, getattr(o, "namespace", None), o.name) for o in final.output] == [
        c[:3] for c in EXPECTED
    ]


def test_a_custom_call_whose_model_wrote_no_json_keeps_its_raw_text() -> None:
    step = StepResult(
        "",
        None,
        (ToolCall("c", "apply_patch", {}, "*** Begin Patch"),),
        "tool-calls",
        None,
        Usage(),
        ResponseMeta(),
    )
    body = render_response(step, _client_info())
    assert body["output"][0]["input"] == "*** Begin Patch"


def test_a_long_namespaced_name_fits_the_upstreams_limit_and_stays_unique() -> None:
    a, b = flat_name("mcp__" + "s" * 60, "read_a"), flat_name("mcp__" + "s" * 60, "read_b")
    assert len(a) == len(b) == MAX_NAME and a != b
    assert flat_name("mcp__srv__", "read") == "mcp__srv__read"
    assert flat_name("tools", "read") == "tools__read"


@pytest.mark.parametrize(
    ("choice", "upstream"),
    [
        (
            {"type": "function", "namespace": "multi_agent_v1", "name": "wait_agent"},
            {"type": "function", "name": "multi_agent_v1__wait_agent"},
        ),
        ({"type": "custom", "name": "apply_patch"}, {"type": "function", "name": "apply_patch"}),
        ("auto", "auto"),
    ],
)
def test_tool_choice_names_the_upstream_tool(choice: Any, upstream: Any) -> None:
    assert parse_request({**CODEX_LIKE, "tool_choice": choice}).request.tool_choice == upstream


@pytest.mark.parametrize("choice", [{"type": "web_search"}, {"type": "image_generation"}])
def test_forcing_a_hosted_tool_is_refused_naming_it(choice: Any) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request({**CODEX_LIKE, "tool_choice": choice})
    assert caught.value.param == "tool_choice" and choice["type"] in caught.value.message
