"""The last gate between a server's bytes and hfgate's values: every step and stream event a
format parsed is checked for the types `hfgate.types` promises before anything (the tool loop,
pricing, the gateway's renderers and database) reads it.

The formats read tolerantly, so a field of the wrong type can slip through as itself (a
`model` of `true`, a `content` of `7`). Here it becomes `Malformed`, naming the field and what
was found, which the backend raises as a `MalformedResponseError`; a field that only labels
the answer (the served model, the raw finish reason) becomes unknown instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from hfgate.formats._shared import token_count
from hfgate.types import (
    ReasoningDelta,
    ReasoningItem,
    ResponseMeta,
    StepResult,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

_USAGE_FIELDS = tuple(f.name for f in fields(Usage))


class Malformed(ValueError):
    """A parsed value of the wrong type: `field` is where, `found` what was there."""

    def __init__(self, field: str, found: Any) -> None:
        self.field = field
        self.found = repr(found)[:80]
        super().__init__(f"`{field}` is {self.found}")


def _text(value: Any, field: str, *, optional: bool = False) -> None:
    if not isinstance(value, str) and not (optional and value is None):
        raise Malformed(field, value)


def _call(call: Any, field: str) -> None:
    if not isinstance(call, ToolCall):
        raise Malformed(field, call)
    _text(call.id, f"{field}.id")
    _text(call.name, f"{field}.name")
    _text(call.raw_arguments, f"{field}.arguments")
    if not isinstance(call.arguments, Mapping):
        raise Malformed(f"{field}.arguments", call.arguments)


def checked_event(event: StreamEvent) -> StreamEvent:
    kind = type(event)
    if kind is TextDelta or kind is ReasoningDelta:
        _text(event.text, "delta.text")  # type: ignore[union-attr]
    elif kind is ToolCallDelta:
        assert isinstance(event, ToolCallDelta)
        if not isinstance(event.index, int) or isinstance(event.index, bool):
            raise Malformed("tool_calls.index", event.index)
        _text(event.arguments_delta, "tool_calls.arguments")
        _text(event.id, "tool_calls.id", optional=True)
        _text(event.name, "tool_calls.name", optional=True)
    elif kind is ToolCallEvent:
        assert isinstance(event, ToolCallEvent)
        _call(event.tool_call, "tool_call")
    elif kind is ReasoningItem:
        assert isinstance(event, ReasoningItem)
        if not isinstance(event.item, Mapping):
            raise Malformed("reasoning item", event.item)
    return event


def checked_step(step: StepResult, requested_model: str) -> StepResult:
    """`step`, every field of the promised type; `requested_model` stands in for a served
    model name that is not one."""
    _text(step.text, "text")
    _text(step.reasoning, "reasoning", optional=True)
    for index, call in enumerate(step.tool_calls):
        _call(call, f"tool_calls.{index}")
    for item in step.reasoning_items:
        if not isinstance(item, Mapping):
            raise Malformed("reasoning item", item)
    changes: dict[str, Any] = {}
    raw = step.raw_finish_reason
    if raw is not None and not isinstance(raw, str):
        changes["raw_finish_reason"] = None
    meta = step.meta
    if (
        not _label(meta.model)
        or not _label(meta.provider, True)
        or not _label(meta.request_id, True)
    ):
        changes["meta"] = ResponseMeta(
            meta.model if _label(meta.model) else requested_model,
            meta.provider if _label(meta.provider) else None,
            meta.request_id if _label(meta.request_id) else None,
        )
    counts = [getattr(step.usage, name) for name in _USAGE_FIELDS]
    if any(count is not None and token_count(count) is None for count in counts):
        changes["usage"] = Usage(*(token_count(count) for count in counts))
    return replace(step, **changes) if changes else step


def _label(value: Any, optional: bool = False) -> bool:
    if value is None:
        return optional
    return isinstance(value, str) and 0 < len(value) <= 300
