"""A Messages client's tools (`hfgate.formats.anthropic.tools`), token-count bodies and the
prompt's count in `message_start`, checked against the anthropic SDK's own types."""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import RawMessageStreamEvent
from anthropic.types.message_count_tokens_params import MessageCountTokensParams
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from pydantic import TypeAdapter

from hfgate.formats.anthropic import EventRenderer, parse_count_request, parse_request
from hfgate.formats.anthropic.tools import CLIENT_TOOLS
from hfgate.formats.base import ReplyInfo, RequestError
from hfgate.types import Usage

_PARAMS: TypeAdapter[Any] = TypeAdapter(MessageCreateParamsNonStreaming)
_COUNT: TypeAdapter[Any] = TypeAdapter(MessageCountTokensParams)
_EVENT: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)

WEATHER = {
    "name": "weather",
    "input_schema": {"type": "object"},
    "cache_control": {"type": "ephemeral"},
}
BASH = {"type": "bash_20250124", "name": "bash"}
EDITOR = {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}
SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
COMPUTER = {"type": "computer_20250124", "name": "computer", "display_width_px": 1024,
            "display_height_px": 768}  # fmt: skip


def _body(**extra: Any) -> dict[str, Any]:
    body = {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    _PARAMS.validate_python(body | extra)  # a body the SDK itself would send
    return body | extra


def test_client_tools_become_function_tools_with_their_documented_schema() -> None:
    inbound = parse_request(_body(tools=[WEATHER, BASH, EDITOR]))
    tools = {t.name: t for t in inbound.request.tools}
    assert list(tools) == ["weather", "bash", "str_replace_based_edit_tool"]
    assert tools["bash"].parameters == CLIENT_TOOLS["bash_20250124"].parameters
    assert set(tools["bash"].parameters["properties"]) == {"command", "restart"}
    editor = tools["str_replace_based_edit_tool"].parameters
    assert editor["properties"]["command"]["enum"] == ["view", "create", "str_replace", "insert"]
    assert editor["required"] == ["command", "path"]
    assert inbound.same_wire_only == ()  # nothing left out: another model can run them all
    # An Anthropic upstream gets the tools as the client wrote them (cache breakpoints are
    # hfgate's own), so Claude sees its trained-on bash and editor tools.
    assert inbound.passthrough["tools"] == [
        {"name": "weather", "input_schema": {"type": "object"}},
        BASH,
        EDITOR,
    ]


def test_a_newer_version_of_a_client_tool_gets_its_family_schema() -> None:
    inbound = parse_request(_body(tools=[{"type": "bash_20990101", "name": "bash"}]))
    assert inbound.request.tools[0].parameters == CLIENT_TOOLS["bash_20250124"].parameters


def test_server_tools_and_computer_use_are_left_out_for_other_upstreams() -> None:
    servers = [{"type": "url", "url": "https://mcp.example", "name": "docs"}]
    inbound = parse_request(_body(tools=[SEARCH, WEATHER, COMPUTER], mcp_servers=servers))
    assert [t.name for t in inbound.request.tools] == ["weather"]
    assert inbound.request.tool_choice is None
    left_out, mcp = inbound.same_wire_only
    assert "web_search_20250305 (web_search)" in left_out
    assert "computer_20250124 (computer)" in left_out
    assert "mcp_servers left out (1)" in mcp
    assert inbound.passthrough["tools"][0] == SEARCH  # as written, for Anthropic
    assert inbound.passthrough["mcp_servers"] == servers
    assert inbound.same_wire_required is None


@pytest.mark.parametrize(
    "choice",
    [{"type": "tool", "name": "web_search"}, {"type": "any"}],
)
def test_forcing_a_server_tool_is_refused_for_other_upstreams_only(choice: Any) -> None:
    inbound = parse_request(_body(tools=[SEARCH], tool_choice=choice))
    refusal = inbound.same_wire_required
    assert isinstance(refusal, RequestError) and refusal.param == "tool_choice"
    assert "web_search_20250305 (web_search)" in refusal.message
    assert inbound.passthrough["tool_choice"] == choice  # what an Anthropic upstream gets
    assert inbound.request.tool_choice is None


def test_any_with_other_tools_left_is_theirs_to_choose_from() -> None:
    inbound = parse_request(_body(tools=[SEARCH, WEATHER], tool_choice={"type": "any"}))
    assert inbound.same_wire_required is None
    assert inbound.request.tool_choice == "required"
    named = parse_request(_body(tools=[BASH], tool_choice={"type": "tool", "name": "bash"}))
    assert named.request.tool_choice == {"type": "function", "function": {"name": "bash"}}


def test_only_server_tools_leave_no_tool_choice_for_other_upstreams() -> None:
    inbound = parse_request(_body(tools=[SEARCH], tool_choice={"type": "auto"}))
    assert inbound.request.tools == () and inbound.request.tool_choice is None
    assert inbound.passthrough["tool_choice"] == {"type": "auto"}


def test_structured_output_keeps_its_answer_tool_beside_tools_as_written() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    fmt = {"format": {"type": "json_schema", "schema": schema}}
    inbound = parse_request(_body(tools=[SEARCH], output_config=fmt))
    names = [t.get("name") for t in inbound.passthrough["tools"]]
    assert names == ["web_search", "json_answer"]


def test_count_bodies_take_no_max_tokens() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": [WEATHER],
            "thinking": {"type": "enabled", "budget_tokens": 2048}}  # fmt: skip
    _COUNT.validate_python(body)
    inbound = parse_count_request(body)
    assert inbound.request.max_tokens is None
    assert inbound.request.reasoning_effort == "low"
    assert [t.name for t in inbound.request.tools] == ["weather"]
    with pytest.raises(RequestError) as caught:
        parse_count_request({**body, "max_tokens": 0})
    assert caught.value.param == "max_tokens"
    with pytest.raises(RequestError, match="max_tokens is required"):
        parse_request(body)


def _started(usage: Usage | None) -> Any:
    """The SDK's snapshot of a message after the renderer's `message_start`."""
    frame = EventRenderer(ReplyInfo("abc", "m", 0, prompt_usage=usage)).start()[0]
    data = frame.split("data: ", 1)[1]
    event = _EVENT.validate_json(data)
    return accumulate_event(event=event, current_snapshot=None, json_bufs={})


def test_message_start_carries_the_prompt_count_cache_apart() -> None:
    usage = _started(Usage(1000, 1, cached_input_tokens=800, cache_write_tokens=100)).usage
    assert (usage.input_tokens, usage.cache_read_input_tokens) == (100, 800)
    assert (usage.cache_creation_input_tokens, usage.output_tokens) == (100, 1)
    estimate = _started(Usage(input_tokens=42)).usage
    assert (estimate.input_tokens, estimate.output_tokens) == (42, 0)
    assert _started(None).usage.input_tokens == 0
