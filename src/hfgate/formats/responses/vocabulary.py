"""OpenAI Responses' words, each written once for both directions: incomplete reasons, usage,
tool choice, reasoning effort and reasoning items. The client side reads them from an
upstream's reply; the gateway writes them to its own clients and reads its clients' requests.

Reading an upstream is tolerant (a mistyped field is None), reading a client is strict (a
`RequestError` naming the field). Two rules cross: an answer cut short is `incomplete` with a
reason, the reverse of the finish reason it maps to; and the client schema demands every usage
count, so the gateway writes 0 where the client side reads None.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from hfgate.formats._shared import token_count, tool_choice_mode
from hfgate.formats.base import RequestError
from hfgate.inputs.request import ToolChoice
from hfgate.types import FinishReason, StepResult, ToolCall, Usage


def fail(param: str, message: str) -> NoReturn:
    """A client's mistake: a 400 naming the field."""
    raise RequestError(message, param=param)


PATH = "/responses"

_INCOMPLETE: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content-filter",
}
"""`incomplete_details.reason` -> the unified finish reason; written the other way round."""
_RENDER_INCOMPLETE: dict[FinishReason, str] = {unified: raw for raw, unified in _INCOMPLETE.items()}

_MODES = ("auto", "none", "required")
"""The tool_choice modes, spelled the same by ChatRequest and the wire."""
_TOOL_CHOICE = (
    'tool_choice must be "auto", "none", "required" or {"type": "function", "name": ...}; '
    "built-in tool and allowed_tools choices are not supported by this gateway."
)

dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON, as the gateway streams it."""


def finish_reason(raw: str | None) -> FinishReason:
    """An incomplete response's reason as a unified finish reason."""
    return _INCOMPLETE.get(raw or "", "other")


def read_finish(
    status: Any, incomplete: Any, calls: tuple[ToolCall, ...]
) -> tuple[FinishReason, str | None]:
    """A response's `status` and `incomplete_details` as (unified, raw) finish reasons."""
    if status == "incomplete":
        reason = incomplete.get("reason") if isinstance(incomplete, Mapping) else None
        return finish_reason(reason), reason or "incomplete"
    if calls:
        return "tool-calls", "function_call"
    if status in (None, "completed"):
        return "stop", status
    return "other", str(status)


def incomplete_reason(step: StepResult | None) -> str | None:
    """The reverse of `finish_reason`: why the step is incomplete, None when it is not."""
    return _RENDER_INCOMPLETE.get(step.finish_reason) if step else None


# --- usage ---------------------------------------------------------------------------------


def parse_usage(raw: Any) -> Usage | None:
    """An upstream's usage, tolerantly: a missing or mistyped count is None."""
    if not isinstance(raw, Mapping):
        return None
    inp, out = token_count(raw.get("input_tokens")), token_count(raw.get("output_tokens"))
    total = token_count(raw.get("total_tokens"))
    if total is None and inp is not None and out is not None:
        total = inp + out
    return Usage(
        inp,
        out,
        total,
        _detail(raw, "input_tokens_details", "cached_tokens"),
        _detail(raw, "output_tokens_details", "reasoning_tokens"),
        _detail(raw, "input_tokens_details", "cache_write_tokens"),
    )


def _detail(raw: Mapping[str, Any], group: str, key: str) -> int | None:
    details = raw.get(group)
    return token_count(details.get(key)) if isinstance(details, Mapping) else None


def render_usage(u: Usage) -> dict[str, Any] | None:
    """The client schema demands every count, so an unknown detail is sent as 0; usage is
    null only when no count at all is known."""
    if u.input_tokens is None and u.output_tokens is None and u.total_tokens is None:
        return None
    inp, out = u.input_tokens or 0, u.output_tokens or 0
    cached, written = u.cached_input_tokens or 0, u.cache_write_tokens or 0
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": written},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens or 0},
        "total_tokens": u.total_tokens if u.total_tokens is not None else inp + out,
    }


# --- tool choice ---------------------------------------------------------------------------


def _named(name: str | None) -> dict[str, Any]:
    return {"type": "function", "name": name}


def render_tool_choice(choice: ToolChoice) -> Any:
    """Any spelling users write (see `tool_choice_mode`) as a mode or a named function; a dict
    of some other shape goes as written."""
    mode = tool_choice_mode(choice)
    if mode is None:
        return choice
    kind, name = mode
    return _named(name) if kind == "tool" else kind


def parse_tool_choice(value: Any) -> str | dict[str, Any] | None:
    """A client's choice, strictly: a mode, or a function named by `name`."""
    if value is None or (isinstance(value, str) and value in _MODES):
        return value
    name = value.get("name") if isinstance(value, Mapping) else None
    if isinstance(name, str) and name and value.get("type") == "function":
        return _named(name)
    raise RequestError(_TOOL_CHOICE, param="tool_choice")


# --- reasoning -----------------------------------------------------------------------------


def render_reasoning(effort: str) -> dict[str, Any]:
    # No `summary`: OpenAI refuses it (400) to organisations it has not verified. Ask for
    # it with extra_body={"reasoning": {"summary": "auto"}}; HF's router streams its
    # reasoning either way.
    return {"effort": effort}


def parse_reasoning(value: Any) -> tuple[str | None, dict[str, Any]]:
    """A client's `reasoning`, strictly: the effort, and the rest (`summary`) to pass on."""
    effort = value.get("effort") if isinstance(value, Mapping) else None
    if not isinstance(value, Mapping | None) or not isinstance(effort, str | None):
        raise RequestError(
            "`reasoning` must be an object such as {effort: low|medium|high}.", param="reasoning"
        )
    return effort, {k: v for k, v in (value or {}).items() if k != "effort"}


def reasoning_text(item: Mapping[str, Any]) -> str:
    """A reasoning item's text: OpenAI's summaries, else HF responses.js's raw
    `reasoning_text` content (the gateway reads clients' reasoning items the same way)."""
    summary = [str(s.get("text") or "") for s in objects(item.get("summary"))]
    if any(summary):
        return "\n\n".join(s for s in summary if s)
    return "".join(str(c.get("text") or "") for c in objects(item.get("content")))


def reasoning_part(text: str) -> dict[str, Any]:
    """The summary part the gateway writes reasoning as: what `reasoning_text` reads first."""
    return {"type": "summary_text", "text": text}


def objects(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list field; anything else (null, a string) holds none."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
