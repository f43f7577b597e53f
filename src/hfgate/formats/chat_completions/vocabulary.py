"""OpenAI chat completions' words, each written once for both directions: finish reasons,
usage, tool choice and the reasoning fields. The client side reads them from an upstream's
reply; the gateway writes them to its own clients.

Reading is tolerant and writing is canonical: the HF router passes provider payloads through,
so other providers' finish reasons, usage fields and reasoning keys arrive and are understood
(see ../shared/design/hf-router-wire.md §5), while the gateway only ever writes OpenAI's own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.formats._shared import token_count, tool_choice_mode
from hfgate.formats.base import RequestError
from hfgate.inputs.request import ToolChoice
from hfgate.inputs.tools import Tool
from hfgate.types import FinishReason, StepResult, Usage

PATH = "/chat/completions"

_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool-calls",
    "content_filter": "content-filter",
}
"""OpenAI's own finish reasons: read, and the only ones written."""
_ALIASES: dict[str, FinishReason] = {
    "eos": "stop",
    "eos_token": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "function_call": "tool-calls",
    "tool_use": "tool-calls",
    "error": "error",
}
"""Other providers' spellings the router passes through: read, never written."""
_FINISH: dict[str, FinishReason] = {**_REASONS, **_ALIASES}
_RENDER_FINISH: dict[FinishReason, str] = {unified: raw for raw, unified in _REASONS.items()}

_MODES = ("auto", "none", "required")
"""The tool_choice modes, spelled the same by ChatRequest and the wire."""

REASONING = "reasoning_content"
"""Where the gateway writes reasoning: the HF router's field name."""
REASONING_KEYS = (REASONING, "reasoning", "reasoning_text")
"""Where upstreams put reasoning, read in this order."""
ECHOED_REASONING_KEYS = REASONING_KEYS[:2]
"""Where a client may send past reasoning back on an assistant message."""

dumps = json.JSONEncoder(separators=(",", ":")).encode
"""Compact JSON, as the gateway writes it."""


def finish_reason(raw: str | None) -> FinishReason:
    return _FINISH.get(raw, "other") if raw else "other"


def render_finish_reason(step: StepResult) -> str:
    """The reverse of `finish_reason`, in OpenAI's own words."""
    # error/other: clients loop on tool_calls, so say so when the step has calls.
    return _RENDER_FINISH.get(step.finish_reason) or ("tool_calls" if step.tool_calls else "stop")


def parse_usage(raw: Any) -> Usage | None:
    """An upstream's usage, tolerantly: a missing or mistyped count is None."""
    if not isinstance(raw, Mapping):
        return None
    inp, out = token_count(raw.get("prompt_tokens")), token_count(raw.get("completion_tokens"))
    total = token_count(raw.get("total_tokens"))
    if total is None and inp is not None and out is not None:
        total = inp + out
    details = raw.get("prompt_tokens_details")
    details = details if isinstance(details, Mapping) else {}
    cached = token_count(details.get("cached_tokens"))
    if cached is None:
        cached = token_count(raw.get("prompt_cache_hit_tokens"))
    out_details = raw.get("completion_tokens_details")
    reasoning = (
        token_count(out_details.get("reasoning_tokens"))
        if isinstance(out_details, Mapping)
        else None
    )
    return Usage(inp, out, total, cached, reasoning, token_count(details.get("cache_write_tokens")))


def render_usage(u: Usage) -> dict[str, Any] | None:
    """Unified usage as the gateway reports it; None when no count is known."""
    inp, out, total = u.input_tokens, u.output_tokens, u.total_tokens
    if inp is None and out is None and total is None:
        return None
    # A missing count is derived from the other two (total = prompt + completion), so a 0 is
    # never needed; with only one count known the others stay null, never a made-up 0.
    if total is None and inp is not None and out is not None:
        total = inp + out
    elif inp is None and total is not None and out is not None:
        inp = total - out
    elif out is None and total is not None and inp is not None:
        out = total - inp
    usage: dict[str, Any] = {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": total}
    details = {"cached_tokens": u.cached_input_tokens, "cache_write_tokens": u.cache_write_tokens}
    if any(v is not None for v in details.values()):
        usage["prompt_tokens_details"] = {k: v for k, v in details.items() if v is not None}
    if u.reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": u.reasoning_tokens}
    return usage


def _named(name: str | None) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def render_tool_choice(choice: ToolChoice) -> Any:
    """Any spelling users write (see `tool_choice_mode`) as a mode or a named function; a dict
    of some other shape goes as written."""
    mode = tool_choice_mode(choice)
    if mode is None:
        return choice
    kind, name = mode
    return _named(name) if kind == "tool" else kind


def parse_tool_choice(raw: Any, tools: tuple[Tool, ...]) -> ToolChoice | None:
    """A client's choice, strictly: a mode, or a function that is one of `tools`."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw in _MODES:
        if raw == "required" and not tools:
            raise RequestError(
                "tool_choice 'required' needs at least one tool in tools.", param="tool_choice"
            )
        return raw
    if isinstance(raw, Mapping) and raw.get("type") == "function":
        fn = raw.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else None
        known = [t.name for t in tools]
        if not isinstance(name, str) or name not in known:
            raise RequestError(
                f"tool_choice must name one of tools: {known}.", param="tool_choice.function.name"
            )
        return _named(name)
    raise RequestError(
        "tool_choice must be auto, none, required or {type: function, function: {name}}.",
        param="tool_choice",
    )


def read_reasoning(fields: Mapping[str, Any]) -> str | None:
    """The reasoning in an upstream's message or delta, under whichever key it came."""
    for key in REASONING_KEYS:
        value = fields.get(key)
        if isinstance(value, str) and value:
            return value
    return None
