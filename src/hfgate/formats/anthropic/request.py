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
)
from hfgate.formats.anthropic.tools import ParsedTools, as_written, parse_tools
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
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat, ToolChoice

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
    if tools and req.parallel_tool_calls is False and (choice or {}).get("type") != "none":
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
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
    return _parse(body, counting=False)


def parse_count_request(body: Any) -> Inbound:
    """A `POST /v1/messages/count_tokens` body: a Messages body without `max_tokens`."""
    return _parse(body, counting=True)


def _parse(body: Any, *, counting: bool) -> Inbound:
    if not isinstance(body, Mapping):
        raise RequestError("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise field_error("model", "is required: a non-empty string naming the model.")
    max_tokens = as_int(body.get("max_tokens"))
    if (body.get("max_tokens") is not None or not counting) and (max_tokens or 0) < 1:
        need = "may be left out, else must be" if counting else "is required:"
        raise field_error("max_tokens", f"{need} an integer of at least 1.")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise field_error("stream", "must be true or false.")
    tools = parse_tools(body.get("tools"))
    response_format = _format(body)
    choice, forced = _choice(body.get("tool_choice"), tools)
    request = ChatRequest(
        model=model,
        messages=(
            *parse_system(body.get("system"), "system"),
            *parse_messages(body.get("messages")),
        ),
        tools=tuple(tools.tools),
        tool_choice=choice,
        response_format=response_format,
        temperature=_number(body, "temperature"),
        max_tokens=max_tokens,
        top_p=_number(body, "top_p"),
        stop=_stop(body.get("stop_sequences")),
        reasoning_effort=_effort(body.get("thinking"), max_tokens),
        parallel_tool_calls=_parallel(body.get("tool_choice")),
    )
    passthrough = _passthrough(body)
    if tools.native:  # an Anthropic upstream gets the tools as written
        passthrough["tools"] = as_written(body["tools"])
        if isinstance(response_format, JsonSchemaFormat):
            passthrough["tools"].append(_answer_tool(response_format))
        if choice is None and body.get("tool_choice") is not None:
            passthrough["tool_choice"] = body["tool_choice"]
    return Inbound(
        request,
        stream=stream,
        passthrough=passthrough,
        same_wire_only=_anthropic_only(tools, body.get("mcp_servers")),
        same_wire_required=forced,
    )


def _choice(raw: Any, tools: ParsedTools) -> tuple[ToolChoice | None, RequestError | None]:
    """The unified tool choice, and the refusal for upstreams that cannot run the tool it
    forces (a server tool, or `any` when only server tools are left)."""
    forced = tools.forced(raw)
    if forced is not None:
        message = (
            f"tool_choice forces {forced}, which Anthropic runs on its own servers, and this "
            "model's upstream is not Anthropic's API: use tool_choice auto, or a Claude model."
        )
        return None, RequestError(message, param="tool_choice")
    choice = parse_tool_choice(raw, tuple(tools.tools))
    if tools.native and not tools.tools:  # nothing left to choose from elsewhere
        return None, None
    return choice, None


def _anthropic_only(tools: ParsedTools, mcp_servers: Any) -> tuple[str, ...]:
    said = []
    if tools.anthropic_only:
        said.append(
            f"tools left out ({', '.join(tools.anthropic_only)}): Anthropic runs them on its "
            "own servers (computer use needs a model trained for it), and only an Anthropic "
            "upstream can"
        )
    if isinstance(mcp_servers, list) and mcp_servers:
        said.append(
            f"mcp_servers left out ({len(mcp_servers)}): only Anthropic's MCP connector calls them"
        )
    return tuple(said)


def _passthrough(body: Mapping[str, Any]) -> dict[str, Any]:
    """Unmodeled fields, plus what ChatRequest cannot say of modeled ones. `thinking` goes as
    written so an Anthropic upstream gets the exact budget (reasoning_effort names only the
    nearest level) and the adaptive modes, which have no level."""
    extra = {k: v for k, v in body.items() if k not in _MODELED}
    for key, modeled in (("thinking", ()), ("tool_choice", _MODELED_CHOICE)):
        value = body.get(key)
        rest = {k: v for k, v in value.items() if k not in modeled} if value else {}
        if rest:  # the whole thinking object; tool_choice fields to come
            extra[key] = rest
    config = body.get("output_config") or {}
    if any(k != "format" for k in config):  # effort, ...
        extra["output_config"] = {k: v for k, v in config.items() if k != "format"}
    return extra


_MODELED_CHOICE = ("type", "name", "disable_parallel_tool_use")


def _parallel(choice: Any) -> bool | None:
    """`tool_choice.disable_parallel_tool_use` as `ChatRequest.parallel_tool_calls`."""
    disable = choice.get("disable_parallel_tool_use") if isinstance(choice, Mapping) else None
    if not isinstance(disable, bool | None):
        raise field_error("tool_choice.disable_parallel_tool_use", "must be true or false.")
    return None if disable is None else not disable


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


def _effort(raw: Any, max_tokens: int | None) -> str | None:
    """The smallest reasoning_effort whose budget covers `budget_tokens`. Adaptive thinking has
    no level: it reaches an Anthropic upstream through the passthrough, others run without."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if raw is None or kind in ("disabled", "adaptive", "between_tools"):
        return None
    if kind != "enabled":
        raise field_error("thinking.type", "must be enabled, disabled, adaptive or between_tools.")
    budget = as_int(raw.get("budget_tokens"))
    # A count request has no max_tokens to stay under.
    too_big = budget is not None and max_tokens is not None and budget >= max_tokens
    if budget is None or budget < 1024 or too_big:
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
