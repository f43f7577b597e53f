"""Anthropic Messages requests in both directions: `build_body` renders a unified request
(system prompt at the top level, cache breakpoints on the system prompt, the tools and the last
user turn, opt out with `prompt_caching=False`); `parse_request` reads a client's body strictly
for the gateway.

Structured output is a forced tool whose input is the answer, which every Claude model and
Anthropic-compatible server supports; its JSON comes back as the text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from hfgate.errors import ConfigError
from hfgate.formats._shared import as_int, deep_merge
from hfgate.formats.anthropic.content import (
    CACHE,
    field_error,
    parse_messages,
    parse_system,
    render_turns,
    string_field,
)
from hfgate.formats.anthropic.vocabulary import (
    ANSWER_TOOL,
    DEFAULT_MAX_TOKENS,
    THINKING_BUDGETS,
    effort_for,
    parse_tool_choice,
    render_tool_choice,
    thinking_budget,
)
from hfgate.formats.base import Inbound, RequestError
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat
from hfgate.inputs.tools import Tool

log = logging.getLogger("hfgate")

# Read into ChatRequest; every other top-level field is passed through as written. Block and
# top-level `cache_control` are dropped: hfgate's wire places its own cache breakpoints.
_MODELED = frozenset(
    "model max_tokens messages system tools tool_choice temperature top_p stop_sequences "
    "thinking stream output_config output_format cache_control".split()
)


# --- unified -> Anthropic ------------------------------------------------------------------


def build_body(req: ChatRequest, *, stream: bool) -> dict[str, Any]:
    cache = req.prompt_caching
    body: dict[str, Any] = {"model": req.model, "max_tokens": _max_tokens(req)}
    system = "\n\n".join(m.text for m in req.messages if m.role == "system" and m.text)
    if system:
        body["system"] = (
            [{"type": "text", "text": system, "cache_control": CACHE}] if cache else system
        )
    body["messages"] = render_turns(req.messages, cache)
    thinking = _thinking(req, body["max_tokens"])
    if thinking is not None:
        body["thinking"] = thinking
    tools = [
        {"name": t.name, "description": t.description or "", "input_schema": t.parameters}
        for t in req.tools
    ]
    choice = render_tool_choice(req.tool_choice)
    if isinstance(req.response_format, JsonSchemaFormat):
        tools.append(_answer_tool(req.response_format))
        # Forcing a tool is refused while thinking; then the model is asked to pick it.
        choice = {"type": "auto"} if thinking else {"type": "tool", "name": ANSWER_TOOL}
    elif isinstance(req.response_format, RawFormat) and req.response_format.value.get(
        "type"
    ) not in (None, "text"):
        raise ConfigError(
            "Anthropic models take structured output as a JSON schema: pass a pydantic model "
            "or a schema dict as response_format."
        )
    if tools:
        if cache:
            tools[-1] = {**tools[-1], "cache_control": CACHE}
        body["tools"] = tools
    if choice is not None:
        body["tool_choice"] = choice
    if stream:
        body["stream"] = True
    for key in ("temperature", "top_p"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.stop:
        body["stop_sequences"] = list(req.stop)
    # `seed` has no Messages counterpart; it is a best-effort hint, so it is left out.
    if req.extra_body:
        deep_merge(body, req.extra_body)
    thinking = body.get("thinking")
    if isinstance(thinking, Mapping) and thinking.get("type") == "enabled":
        _fit_thinking(body)
    return body


def _fit_thinking(body: dict[str, Any]) -> None:
    """What Anthropic refuses alongside thinking: a forced tool is the caller's conflict to
    resolve (an error); sampling settings (often a settings model's extraArgs) are left out,
    with a warning, since thinking fixes them."""
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("type") in ("any", "tool"):
        raise ConfigError(
            "Anthropic cannot force a tool while thinking: use tool_choice='auto', or "
            "reasoning_effort='none'."
        )
    dropped = [key for key in ("temperature", "top_k") if body.pop(key, None) is not None]
    top_p = body.get("top_p")
    if isinstance(top_p, int | float) and top_p < 0.95:
        body["top_p"] = 0.95
        dropped.append("top_p (raised to 0.95)")
    if dropped:
        log.warning("Anthropic thinking is on, so these were not sent: %s", ", ".join(dropped))


def _max_tokens(req: ChatRequest) -> int:
    if req.max_tokens is not None:
        return req.max_tokens
    budget = THINKING_BUDGETS.get(req.reasoning_effort or "")
    return DEFAULT_MAX_TOKENS + (budget or 0)


def _thinking(req: ChatRequest, max_tokens: int) -> dict[str, Any] | None:
    capped = req.max_tokens is not None
    budget = thinking_budget(req.reasoning_effort, max_tokens, capped=capped)
    return None if budget is None else {"type": "enabled", "budget_tokens": budget}


def _answer_tool(fmt: JsonSchemaFormat) -> dict[str, Any]:
    schema = dict(fmt.schema)
    if schema.get("type") != "object":  # tool inputs must be objects: wrap anything else
        schema = {"type": "object", "properties": {"value": schema}, "required": ["value"]}
    return {
        "name": ANSWER_TOOL,
        "description": f"Give the final answer ({fmt.name}) as this tool's input.",
        "input_schema": schema,
    }


# --- Anthropic -> unified (strict) ------------------------------------------------------


def parse_request(body: Any) -> Inbound:
    if not isinstance(body, Mapping):
        raise RequestError("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise field_error("model", "is required: a non-empty string naming the model.")
    max_tokens = as_int(body.get("max_tokens"))
    if max_tokens is None or max_tokens < 1:
        raise field_error("max_tokens", "is required: an integer of at least 1.")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise field_error("stream", "must be true or false.")
    tools = _tools(body.get("tools"))
    request = ChatRequest(
        model=model,
        messages=(
            *parse_system(body.get("system"), "system"),
            *parse_messages(body.get("messages")),
        ),
        tools=tools,
        tool_choice=parse_tool_choice(body.get("tool_choice"), tools),
        response_format=_format(body),
        temperature=_number(body, "temperature"),
        max_tokens=max_tokens,
        top_p=_number(body, "top_p"),
        stop=_stop(body.get("stop_sequences")),
        reasoning_effort=_effort(body.get("thinking"), max_tokens),
    )
    return Inbound(request, stream=stream, passthrough=_passthrough(body))


def _passthrough(body: Mapping[str, Any]) -> dict[str, Any]:
    """Unmodeled fields, plus what ChatRequest cannot say of modeled ones. `thinking` goes as
    written so an Anthropic upstream gets the exact budget (reasoning_effort names only the
    nearest level) and the adaptive modes, which have no level."""
    extra = {k: v for k, v in body.items() if k not in _MODELED}
    for key, modeled in (("thinking", ()), ("tool_choice", ("type", "name"))):
        value = body.get(key)
        rest = {k: v for k, v in value.items() if k not in modeled} if value else {}
        if rest:  # the whole thinking object; tool_choice.disable_parallel_tool_use
            extra[key] = rest
    config = body.get("output_config") or {}
    if any(k != "format" for k in config):  # effort, ...
        extra["output_config"] = {k: v for k, v in config.items() if k != "format"}
    return extra


def _tools(raw: Any) -> tuple[Tool, ...]:
    if raw is not None and not isinstance(raw, list):
        raise field_error("tools", "must be a list of {name, description, input_schema} tools.")
    tools: list[Tool] = []
    for i, spec in enumerate(raw or ()):
        at = f"tools.{i}"
        if not isinstance(spec, Mapping):
            raise field_error(at, "must be a tool: {name, description, input_schema}.")
        kind = spec.get("type")
        if kind not in (None, "custom"):
            raise field_error(
                f"{at}.type",
                f"{kind!r}: server tools are not supported by this gateway; "
                "only custom tools {name, description, input_schema}.",
            )
        name = string_field(spec, "name", at)
        if any(t.name == name for t in tools):
            raise field_error(f"{at}.name", f"{name!r} names two tools; tool names must be unique.")
        schema = spec.get("input_schema")
        if not isinstance(schema, Mapping):
            raise field_error(f"{at}.input_schema", "must be a JSON schema object.")
        description = string_field(spec, "description", at) if "description" in spec else None
        tools.append(Tool(name, description, dict(schema)))
    return tuple(tools)


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise field_error(key, "must be a number.")
    return value


def _stop(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise field_error("stop_sequences", "must be a list of strings.")
    return tuple(raw) or None


def _effort(raw: Any, max_tokens: int) -> str | None:
    """The smallest reasoning_effort whose budget covers `budget_tokens`. Adaptive thinking has
    no level: it reaches an Anthropic upstream through the passthrough, others run without."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if raw is None or kind in ("disabled", "adaptive", "between_tools"):
        return None
    if kind != "enabled":
        raise field_error("thinking.type", "must be enabled, disabled, adaptive or between_tools.")
    budget = as_int(raw.get("budget_tokens"))
    if budget is None or not 1024 <= budget < max_tokens:
        raise field_error(
            "thinking.budget_tokens", "must be an integer from 1024 up to max_tokens - 1."
        )
    return effort_for(budget)


def _format(body: Mapping[str, Any]) -> JsonSchemaFormat | None:
    """`output_config.format`, or the older beta's top-level `output_format`."""
    config = body.get("output_config")
    if config is not None and not isinstance(config, Mapping):
        raise field_error("output_config", "must be an object.")
    path, fmt = "output_format", body.get("output_format")
    if config and config.get("format") is not None:
        path, fmt = "output_config.format", config["format"]
    if fmt is None:
        return None
    schema = fmt.get("schema") if isinstance(fmt, Mapping) else None
    if not isinstance(schema, Mapping) or fmt.get("type") != "json_schema":
        raise field_error(path, "must be {type: json_schema, schema: {...}}.")
    return JsonSchemaFormat(str(schema.get("title") or "response"), dict(schema))
