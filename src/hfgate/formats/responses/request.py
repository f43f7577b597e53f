"""Responses requests in both directions: `build_body` renders a unified request for an
upstream (input items, tools, `text.format`); `parse_request` reads a client's body for the
gateway.

Parsing is strict where rendering is lenient: a client's mistake is answered with a 400 naming
the field. The gateway keeps no state, so whatever points at state stored on a server
(`previous_response_id`, `conversation`, `background`, `item_reference`, `file_id`) is refused
with a message saying to send the whole conversation in `input`. Tools other than functions
are mapped in `tools` (namespaces, custom tools) or left out with a warning (hosted tools).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hfgate.errors import ConfigError
from hfgate.formats._shared import deep_merge
from hfgate.formats.base import Inbound, RequestError
from hfgate.formats.responses.content import parse_input, render_input
from hfgate.formats.responses.tools import parse_choice, parse_tools
from hfgate.formats.responses.vocabulary import (
    fail,
    parse_reasoning,
    render_reasoning,
    render_tool_choice,
)
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat, ResponseFormat
from hfgate.types import Message

_HANDLED = frozenset(
    "model input instructions tools tool_choice text temperature top_p max_output_tokens "
    "reasoning stream previous_response_id conversation background parallel_tool_calls".split()
)
_STATELESS = "this gateway keeps no conversation state; send the whole conversation in `input`."


# --- unified -> Responses ------------------------------------------------------------------


def build_body(req: ChatRequest, *, stream: bool) -> dict[str, Any]:
    if req.stop:
        raise ConfigError(
            "The OpenAI Responses API has no stop sequences; drop `stop`, or call this model "
            "over chat completions."
        )
    body: dict[str, Any] = {"model": req.model, "input": render_input(req.messages)}
    if stream:
        body["stream"] = True
    if req.tools:
        body["tools"] = [_tool(t.name, t.description, t.parameters) for t in req.tools]
    if req.tool_choice is not None:
        body["tool_choice"] = render_tool_choice(req.tool_choice)
    if req.tools and req.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = req.parallel_tool_calls
    if req.response_format is not None:
        body["text"] = {"format": _format(req.response_format)}
    if req.max_tokens is not None:
        body["max_output_tokens"] = req.max_tokens
    for key in ("temperature", "top_p"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.reasoning_effort is not None:
        body["reasoning"] = render_reasoning(req.reasoning_effort)
    # `seed` has no Responses counterpart; it is a best-effort hint, so it is left out.
    if req.extra_body:
        deep_merge(body, req.extra_body)
    return body


def _tool(name: str, description: str | None, parameters: Mapping[str, Any]) -> dict[str, Any]:
    # strict defaults to true on OpenAI, which rejects ordinary schemas (optional fields).
    tool: dict[str, Any] = {"type": "function", "name": name, "parameters": parameters}
    if description:
        tool["description"] = description
    tool["strict"] = False
    return tool


def _format(fmt: JsonSchemaFormat | RawFormat) -> Mapping[str, Any]:
    if isinstance(fmt, RawFormat):
        return {"type": fmt.value.get("type", "text")}
    spec: dict[str, Any] = {"type": "json_schema", "name": fmt.name, "schema": fmt.schema}
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return spec


# --- Responses -> unified (strict) ---------------------------------------------------------


def parse_request(body: Any) -> Inbound:
    if not isinstance(body, Mapping):
        raise RequestError("The request body must be a JSON object.")
    for key in ("previous_response_id", "conversation", "background"):
        if body.get(key) not in (None, False):
            fail(key, f"`{key}` is not supported: {_STATELESS}")
    model, stream, instructions = body.get("model"), body.get("stream"), body.get("instructions")
    if not isinstance(model, str) or not model:
        fail("model", "`model` is required: the model name, a string.")
    if not isinstance(stream, bool | None):
        fail("stream", "`stream` must be true or false.")
    if not isinstance(instructions, str | None):
        fail("instructions", "`instructions` must be a string.")
    fmt, text_rest = _text(body.get("text"))
    effort, reasoning_rest = parse_reasoning(body.get("reasoning"))
    system = [Message("system", instructions)] if instructions else []
    tools = parse_tools(body.get("tools"))
    request = ChatRequest(
        model=model,
        messages=(*system, *parse_input(body.get("input"))),
        tools=tuple(tools.tools),
        tool_choice=parse_choice(body.get("tool_choice"), tools),
        response_format=fmt,
        temperature=_number(body, "temperature"),
        top_p=_number(body, "top_p"),
        max_tokens=_count(body, "max_output_tokens"),
        reasoning_effort=effort,
        parallel_tool_calls=_flag(body, "parallel_tool_calls"),
    )
    passthrough = {k: v for k, v in body.items() if k not in _HANDLED}
    if text_rest:
        passthrough["text"] = text_rest  # `verbosity`, merged back into a Responses upstream
    if reasoning_rest:
        passthrough["reasoning"] = reasoning_rest  # `summary`, likewise
    return Inbound(
        request,
        stream=bool(stream),
        passthrough=passthrough,
        client_tools=tools.names,
        warnings=tools.warnings,
        echo=_echo(body, tools.echo),
    )


_ECHOED = (
    "instructions max_output_tokens temperature top_p tool_choice parallel_tool_calls text "
    "reasoning".split()
)
"""Parameters checked above that the response object repeats as the client wrote them."""
_ECHOED_CHECKED: dict[str, tuple[type | tuple[type, ...], str]] = {
    "metadata": (Mapping, "an object of string values"),
    "user": (str, "a string"),
    "safety_identifier": (str, "a string"),
    "prompt_cache_key": (str, "a string"),
    "truncation": (str, '"auto" or "disabled"'),
    "top_logprobs": (int, "an integer"),
    "max_tool_calls": (int, "an integer"),
}
"""The other parameters it repeats (passed on to a Responses upstream), checked here."""


def _echo(body: Mapping[str, Any], tools: list[dict[str, Any]]) -> dict[str, Any]:
    """What the response object repeats of the request (`Inbound.echo`): the parameters it set,
    with `tools` as the gateway took them (hosted tools left out)."""
    echo = {key: body[key] for key in _ECHOED if body.get(key) is not None}
    for key, (kind, what) in _ECHOED_CHECKED.items():
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or isinstance(value, bool):
            fail(key, f"`{key}` must be {what}.")
        echo[key] = value
    if not all(isinstance(v, str) for v in echo.get("metadata", {}).values()):
        fail("metadata", "`metadata` must be an object of string values.")
    if echo.get("truncation", "auto") not in ("auto", "disabled"):
        fail("truncation", '`truncation` must be "auto" or "disabled".')
    if tools:
        echo["tools"] = tools
    return echo


def _text(value: Any) -> tuple[ResponseFormat | None, dict[str, Any]]:
    if not isinstance(value, Mapping | None):
        fail("text", "`text` must be an object such as {format: {type: json_schema, ...}}.")
    fmt = (value or {}).get("format")
    rest = {k: v for k, v in (value or {}).items() if k != "format"}
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if fmt is None or kind in ("text", "json_object"):
        return (None if fmt is None else RawFormat({"type": kind})), rest
    if kind != "json_schema":
        fail("text.format.type", "text.format.type must be text, json_object or json_schema.")
    name, schema, strict = fmt.get("name", "response"), fmt.get("schema"), fmt.get("strict")
    if not isinstance(name, str) or not isinstance(schema, Mapping):
        fail("text.format", "A json_schema format needs `name` (a string) and `schema`.")
    if not isinstance(strict, bool | None):
        fail("text.format.strict", "`strict` must be true or false.")
    return JsonSchemaFormat(name, schema, strict), rest


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value: float | None = body.get(key)
    if value is not None and type(value) not in (int, float):  # bool is no number
        fail(key, f"`{key}` must be a number.")
    return value


def _flag(body: Mapping[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if not isinstance(value, bool | None):
        fail(key, f"`{key}` must be true or false.")
    return value


def _count(body: Mapping[str, Any], key: str) -> int | None:
    value: int | None = body.get(key)
    if value is not None and (type(value) is not int or value < 1):  # bool is no count
        fail(key, f"`{key}` must be a positive integer.")
    return value
