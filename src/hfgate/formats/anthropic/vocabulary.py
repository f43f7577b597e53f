"""Anthropic Messages' words, each written once for both directions: stop reasons, usage,
tool choice and thinking budgets. The client side reads them from an upstream's reply; the
gateway writes them to its own clients.

Two rules cross here. Anthropic's `input_tokens` leaves out prompt-cache reads and writes while
unified `Usage.input_tokens` includes them, so one side adds them and the other subtracts. And
Anthropic names a thinking budget in tokens where unified requests name a level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hfgate.errors import ConfigError
from hfgate.formats._shared import token_count, tool_choice_mode
from hfgate.formats.base import RequestError
from hfgate.inputs.request import ToolChoice
from hfgate.inputs.tools import Tool
from hfgate.types import FinishReason, StepResult, Usage

PATH = "/v1/messages"
VERSION = "2023-06-01"
HEADERS = {"anthropic-version": VERSION}
DEFAULT_MAX_TOKENS = 4096
"""Anthropic requires max_tokens; this applies when neither the call nor settings set it."""
ANSWER_TOOL = "json_answer"
"""The forced tool that carries a structured answer."""
THINKING = frozenset({"thinking", "redacted_thinking"})
"""The block types that hold a model's thinking."""

THINKING_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 24576}
"""Tokens of thinking per reasoning_effort; with the default answer room the largest stays
under the 32k output limit of Claude's largest models."""

_STOP_REASONS: tuple[tuple[str, FinishReason], ...] = (
    ("end_turn", "stop"),
    ("stop_sequence", "stop"),
    ("max_tokens", "length"),
    ("tool_use", "tool-calls"),
    ("refusal", "content-filter"),
)
_FINISH: dict[str, FinishReason] = dict(_STOP_REASONS)
_STOP: dict[str, str] = {unified: raw for raw, unified in reversed(_STOP_REASONS)}
"""Unified -> Anthropic: the first spelling wins ("stop" is "end_turn")."""
_RAW_STOPS = frozenset({"pause_turn", "model_context_window_exceeded"})
"""Anthropic's own reasons with no unified name, relayed as they came."""

_CHOICES: tuple[tuple[str, str], ...] = (("auto", "auto"), ("any", "required"), ("none", "none"))
"""Anthropic's tool_choice types and the OpenAI modes ChatRequest uses."""


def finish_reason(raw: str | None) -> FinishReason:
    return _FINISH.get(raw, "other") if raw else "other"


def stop_reason(step: StepResult) -> str:
    """The reverse of `finish_reason`, keeping the raw reason where it says more."""
    if step.finish_reason == "stop" and step.raw_finish_reason == "stop_sequence":
        return "stop_sequence"
    if step.finish_reason in _STOP:
        return _STOP[step.finish_reason]
    raw = step.raw_finish_reason
    return raw if raw in _RAW_STOPS else "end_turn"


def parse_usage(raw: Any) -> Usage | None:
    """Anthropic's counts as unified usage: cached tokens become a part of input."""
    if not isinstance(raw, Mapping):
        return None
    fresh, out = token_count(raw.get("input_tokens")), token_count(raw.get("output_tokens"))
    read = token_count(raw.get("cache_read_input_tokens"))
    written = token_count(raw.get("cache_creation_input_tokens"))
    inp = None if fresh is None else fresh + (read or 0) + (written or 0)
    total = None if inp is None or out is None else inp + out
    return Usage(inp, out, total, read, None, written)


def render_usage(usage: Usage) -> dict[str, int | None]:
    """Unified usage as Anthropic counts it: `input_tokens` without the cache; None unknown."""
    read, written, fresh = usage.cached_input_tokens, usage.cache_write_tokens, usage.input_tokens
    return {
        "input_tokens": None if fresh is None else max(0, fresh - (read or 0) - (written or 0)),
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": written,
    }


UNKNOWN_USAGE: dict[str, None] = {
    "cache_creation": None,
    "inference_geo": None,
    "output_tokens_details": None,
    "server_tool_use": None,
    "service_tier": None,
}
"""What Anthropic's usage also says and the gateway cannot know (the cache writes' lifetimes,
the region, server tool calls, the tier): null, as its schema allows."""
_DELTA_UNKNOWN = ("output_tokens_details", "server_tool_use")
"""Those that `message_delta`'s usage carries."""


def message_usage(usage: Usage) -> dict[str, Any]:
    """A message's whole `usage`; its two counts are required, so unknown is 0 there only."""
    counts = render_usage(usage)
    counts["input_tokens"] = counts["input_tokens"] or 0
    counts["output_tokens"] = counts["output_tokens"] or 0
    return {**counts, **UNKNOWN_USAGE}


def delta_usage(usage: Usage) -> dict[str, Any]:
    """`message_delta`'s usage: the counts so far (null unknown, which clients skip), output
    required."""
    counts: dict[str, Any] = render_usage(usage)
    counts["output_tokens"] = counts["output_tokens"] or 0
    return {**counts, **{k: UNKNOWN_USAGE[k] for k in _DELTA_UNKNOWN}}


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "citations": None}


def tool_use_block(call_id: str, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A call the model made itself (`caller` direct, not from a server tool's code)."""
    return {
        "type": "tool_use",
        "id": call_id,
        "name": name,
        "input": dict(arguments),
        "caller": {"type": "direct"},
    }


def render_tool_choice(choice: ToolChoice | None) -> Any:
    """Any spelling users write (see `tool_choice_mode`) as Anthropic's object; a dict of some
    other shape goes as written."""
    if choice is None:
        return None
    mode = tool_choice_mode(choice)
    if mode is None:
        return choice
    kind, name = mode
    if kind == "tool":
        return {"type": "tool", "name": name}
    return {"type": next((a for a, o in _CHOICES if o == kind), kind)}


def parse_tool_choice(raw: Any, tools: tuple[Tool, ...]) -> ToolChoice | None:
    """A client's choice, strictly, in the OpenAI shape ChatRequest uses."""
    if raw is None:
        return None
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    for anthropic, openai in _CHOICES:
        if kind == anthropic:
            return openai
    if kind != "tool":
        raise RequestError(
            "tool_choice must be {type: auto | any | none} or {type: tool, name}.",
            param="tool_choice",
        )
    name = raw.get("name")
    if not isinstance(name, str):
        raise RequestError("tool_choice.name must be a string.", param="tool_choice.name")
    if not any(t.name == name for t in tools):
        raise RequestError(
            f"tool_choice.name {name!r} is not one of the request's tools.",
            param="tool_choice.name",
        )
    return {"type": "function", "function": {"name": name}}


def thinking_budget(effort: str | None, max_tokens: int, *, capped: bool) -> int | None:
    """The budget_tokens for a reasoning_effort; None for no thinking. `capped` (a max_tokens
    the caller chose) keeps thinking to at most half, so it cannot crowd out the answer."""
    if effort is None or effort == "none":
        return None
    budget = THINKING_BUDGETS.get(effort)
    if budget is None:
        raise ConfigError(
            f"reasoning_effort {effort!r} is not one of none, "
            f"{', '.join(THINKING_BUDGETS)} (Anthropic thinking budgets)."
        )
    if capped:
        budget = max(min(budget, max_tokens // 2), THINKING_BUDGETS["minimal"])
    if budget >= max_tokens:
        raise ConfigError(
            f"Anthropic thinking needs max_tokens above 1024; max_tokens={max_tokens} leaves "
            "no room. Raise max_tokens or set reasoning_effort='none'."
        )
    return budget


def effort_for(budget: int) -> str:
    """The reverse: the smallest reasoning_effort whose budget covers `budget` tokens."""
    return next((level for level, size in THINKING_BUDGETS.items() if size >= budget), "xhigh")
