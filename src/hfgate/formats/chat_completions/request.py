"""Chat completions requests in both directions: `build_body` renders a unified request for an
upstream (with one system message, first: `one_system_first`); `parse_request` reads a client's
body for the gateway.

Parsing is strict where the client half is lenient: a client's mistake is answered with a 400
naming the field. The deprecated `functions`/`function_call` are rejected, not mapped: a legacy
client would get `tool_calls` back, which it cannot read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hfgate.errors import ConfigError
from hfgate.formats._shared import deep_merge
from hfgate.formats.base import Inbound, RequestError
from hfgate.formats.chat_completions.content import (
    fail,
    one_system_first,
    optional_str,
    parse_messages,
    render_message,
    required_str,
)
from hfgate.formats.chat_completions.vocabulary import parse_tool_choice, render_tool_choice
from hfgate.inputs.request import (
    ChatRequest,
    JsonSchemaFormat,
    RawFormat,
    ResponseFormat,
    to_response_format,
    to_stop,
)
from hfgate.inputs.tools import Tool

_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "temperature": ((int, float), "a number"),
    "top_p": ((int, float), "a number"),
    "seed": (int, "an integer"),
    "max_tokens": (int, "an integer"),
    "max_completion_tokens": (int, "an integer"),
    "reasoning_effort": (str, "a string"),
    "stream": (bool, "true or false"),
    "stream_options": (Mapping, "an object"),
    "parallel_tool_calls": (bool, "true or false"),
}
_CONSUMED = frozenset(
    "model messages stream stream_options n tools tool_choice response_format temperature top_p "
    "seed max_tokens max_completion_tokens stop reasoning_effort functions function_call "
    "parallel_tool_calls".split()
)


# --- unified -> chat -----------------------------------------------------------------------


def build_body(req: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The JSON body; `model` first so a proxy can route from the first bytes."""
    body: dict[str, Any] = {
        "model": req.model,
        "messages": [render_message(m) for m in one_system_first(req.messages)],
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if req.tools:
        body["tools"] = [t.to_openai() for t in req.tools]
    if req.tool_choice is not None:
        body["tool_choice"] = render_tool_choice(req.tool_choice)
    if req.tools and req.parallel_tool_calls is not None:  # refused without tools
        body["parallel_tool_calls"] = req.parallel_tool_calls
    if req.response_format is not None:
        body["response_format"] = _render_format(req.response_format)
    for key in ("temperature", "max_tokens", "top_p", "seed", "reasoning_effort"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.stop is not None:
        body["stop"] = list(req.stop)
    if req.extra_body:
        deep_merge(body, req.extra_body)
    return body


def _render_format(fmt: JsonSchemaFormat | RawFormat) -> Mapping[str, Any]:
    if isinstance(fmt, RawFormat):
        return fmt.value
    spec: dict[str, Any] = {"name": fmt.name, "schema": fmt.schema}
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return {"type": "json_schema", "json_schema": spec}


# --- chat -> unified, strictly -------------------------------------------------------------


def parse_request(body: Any) -> Inbound:
    """A POST /v1/chat/completions body -> `Inbound`; fields ChatRequest does not model pass
    through unchanged for an upstream that speaks the same wire."""
    if not isinstance(body, Mapping):
        fail(None, "The request body must be a JSON object.")
    model = required_str(body.get("model"), "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        fail("messages", "messages must be a non-empty list of message objects.")
    if body.get("n") not in (None, 1) or body.get("n") is True:
        fail("n", "n must be 1: this gateway returns one choice per request.")
    for key in ("functions", "function_call"):
        if body.get(key) is not None:
            fail(key, f"{key} is deprecated and not supported; use tools and tool_choice.")
    for key, (kind, what) in _FIELDS.items():
        if body.get(key) is not None and not _is(body[key], kind):
            fail(key, f"{key} must be {what}.")
    options = body.get("stream_options") or {}
    if options.get("include_usage") is not None and not _is(options["include_usage"], bool):
        fail("stream_options.include_usage", "stream_options.include_usage must be a boolean.")
    tools = _tools(body.get("tools"))
    limit = body.get("max_completion_tokens")
    request = ChatRequest(
        model=model,
        messages=parse_messages(messages),
        tools=tools,
        tool_choice=parse_tool_choice(body.get("tool_choice"), tools),
        response_format=_parse_format(body.get("response_format")),
        temperature=body.get("temperature"),
        max_tokens=body.get("max_tokens") if limit is None else limit,
        top_p=body.get("top_p"),
        stop=_stop(body.get("stop")),
        seed=body.get("seed"),
        reasoning_effort=body.get("reasoning_effort"),
        parallel_tool_calls=body.get("parallel_tool_calls"),
    )
    passthrough = {k: v for k, v in body.items() if k not in _CONSUMED}
    # include_usage defaults to False, as at OpenAI: no usage chunk unless asked.
    usage = bool(options.get("include_usage"))
    return Inbound(request, bool(body.get("stream")), usage, passthrough)


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    """isinstance, except that a bool is not a number."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _stop(value: Any) -> tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return to_stop(value)
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        fail("stop", "stop must be a string or a list of strings.")
    return to_stop(value)


def _tools(raw: Any) -> tuple[Tool, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        fail("tools", "tools must be a list of function tools.")
    out: dict[str, Tool] = {}
    for i, spec in enumerate(raw):
        at = f"tools.{i}"
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        if kind != "function":
            fail(f"{at}.type", f"Only function tools are supported; {at}.type is {kind!r}.")
        fn = spec.get("function")
        if not isinstance(fn, Mapping):
            fail(f"{at}.function", f"{at}.function must be an object {{name, parameters}}.")
        name = required_str(fn.get("name"), f"{at}.function.name")
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(params, Mapping):
            fail(f"{at}.function.parameters", "parameters must be a JSON schema object.")
        if name in out:
            fail(f"{at}.function.name", f"Two tools share the name {name!r}.")
        description = optional_str(fn.get("description"), f"{at}.function.description")
        out[name] = Tool(name, description, params)
    return tuple(out.values())


def _parse_format(raw: Any) -> ResponseFormat | None:
    if raw is None:
        return None
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind == "json_schema":
        spec = raw.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            fail("response_format.json_schema", "json_schema must be {name, schema, strict}.")
        optional_str(spec.get("name"), "response_format.json_schema.name")
    elif kind not in ("text", "json_object"):
        fail("response_format.type", "must be text, json_object or json_schema.")
    try:
        return to_response_format(raw)
    except ConfigError as exc:
        raise RequestError(str(exc), param="response_format") from exc
