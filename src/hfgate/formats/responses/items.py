"""Responses output items, the unit a reply and a stream are both made of, in both directions:
read whole from an upstream's `output` (tolerantly), written whole for a gateway client, and
the item under way while a stream carries it in (client side) or out (gateway side).

The gateway names items `<kind prefix>_<reply id>_<output index>` in replies and streams
alike, so a stream's final response equals the one-shot answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.formats.base import ClientTool
from hfgate.formats.responses.tools import call_fields
from hfgate.formats.responses.vocabulary import dumps, objects, reasoning_part
from hfgate.inputs.messages import parse_arguments
from hfgate.types import StreamEvent, ToolCall, ToolCallDelta

_ID_PREFIX = {"reasoning": "rs", "message": "msg", "function_call": "fc"}
"""Output item kind -> the prefix of its id."""
# kind -> text events, part events (as the gateway writes them)
_EVENTS = {
    "reasoning": ("response.reasoning_summary_text", "response.reasoning_summary_part"),
    "message": ("response.output_text", "response.content_part"),
    "function_call": ("response.function_call_arguments", ""),
}
_NO_NAMES: Mapping[str, ClientTool] = {}
_PART_INDEX = {"reasoning": "summary_index", "message": "content_index"}
"""The part's index field in its events."""


# --- Responses -> unified ------------------------------------------------------------------


def message_text(item: Mapping[str, Any]) -> str:
    return "".join(
        str((p.get("text") if p.get("type") == "output_text" else p.get("refusal")) or "")
        for p in objects(item.get("content"))
    )


def read_call(item: Mapping[str, Any], index: int) -> ToolCall:
    args = item.get("arguments")
    text = args if isinstance(args, str) else json.dumps(args or {})
    call_id = item.get("call_id") or item.get("id") or f"call_{index}"
    return ToolCall(call_id, item.get("name") or "", parse_arguments(args), text)


class _Pending:
    __slots__ = ("index", "call_id", "name", "fragments", "done")

    def __init__(self, index: int, call_id: str | None, name: str | None) -> None:
        self.index = index
        self.call_id = call_id
        self.name = name
        self.fragments: list[str] = []
        self.done: str | None = None
        """The complete arguments, when a `.done` event or the finished item said them."""

    @property
    def arguments(self) -> str:
        return self.done if self.done is not None else "".join(self.fragments)


class PendingCalls:
    """The function calls an upstream is streaming. They are keyed by item id (falling back
    to output index) so argument deltas of parallel calls land on the right call."""

    def __init__(self) -> None:
        self._calls: dict[str, _Pending] = {}
        """Each call under its item id and its `#<output index>`, whichever events use."""
        self._count = 0

    @staticmethod
    def _key(event: Mapping[str, Any]) -> str:
        item_id = event.get("item_id")
        return str(item_id) if item_id else f"#{event.get('output_index', 0)}"

    def delta(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        """A `response.function_call_arguments.delta` event."""
        key = self._key(event)
        call = self._calls.get(key)
        if call is None:
            call = self._calls[key] = self._new_call(None, None)
        delta = str(event.get("delta") or "")
        call.fragments.append(delta)
        return [ToolCallDelta(call.index, delta)]

    def done(self, event: Mapping[str, Any]) -> None:
        """A `response.function_call_arguments.done` event."""
        call = self._calls.get(self._key(event))
        if call is not None and isinstance(event.get("arguments"), str):
            call.done = event["arguments"]

    def _new_call(self, call_id: str | None, name: str | None) -> _Pending:
        self._count += 1
        return _Pending(self._count - 1, call_id, name)

    def item(self, event: Mapping[str, Any], *, done: bool) -> list[StreamEvent]:
        """A `response.output_item.added` or `.done` event."""
        item = event.get("item")
        if not isinstance(item, Mapping) or item.get("type") != "function_call":
            return []
        keys = [str(item["id"])] if item.get("id") else []
        keys.append(f"#{event.get('output_index', 0)}")
        call = next((self._calls[k] for k in keys if k in self._calls), None)
        events: list[StreamEvent] = []
        if call is None:
            call = self._new_call(item.get("call_id"), item.get("name"))
            events.append(ToolCallDelta(call.index, "", call.call_id, call.name))
        call.call_id = call.call_id or item.get("call_id")
        call.name = call.name or item.get("name")
        for key in keys:
            self._calls[key] = call
        arguments = item.get("arguments")
        if isinstance(arguments, str) and arguments and (done or not call.fragments):
            if not done:
                call.fragments.append(arguments)
                events.append(ToolCallDelta(call.index, arguments))
            else:
                call.done = arguments
        return events

    def calls(self) -> tuple[ToolCall, ...]:
        """The calls so far, complete, in the order they began."""
        unique = {id(c): c for c in self._calls.values()}
        return tuple(
            ToolCall(
                c.call_id or f"call_{c.index}",
                c.name or "",
                parse_arguments(c.arguments),
                c.arguments,
            )
            for c in sorted(unique.values(), key=lambda c: c.index)
        )


# --- unified -> Responses ------------------------------------------------------------------


def arguments(call: ToolCall) -> str:
    return call.raw_arguments or json.dumps(call.arguments)


def item_id(kind: str, info_id: str, index: int) -> str:
    return f"{_ID_PREFIX[kind]}_{info_id}_{index}"


def output_item(
    kind: str,
    item_id: str,
    text: str | None,
    call_id: str = "",
    name: str = "",
    names: Mapping[str, ClientTool] = _NO_NAMES,
) -> dict[str, Any]:
    """An output item; `text` None for one just opened (in progress, nothing in it yet). A
    call's `names` say how the client knows its tool (`tools.call_fields`)."""
    base = {"id": item_id, "type": kind, "status": "in_progress" if text is None else "completed"}
    parts = [] if text is None else [output_part(kind, text)]
    if kind == "reasoning":
        return {**base, "summary": parts}
    if kind == "message":
        return {**base, "role": "assistant", "content": parts}
    return {**base, "call_id": call_id, **call_fields(name, text or "", names)}


def output_part(kind: str, text: str) -> dict[str, Any]:
    if kind == "reasoning":
        return reasoning_part(text)
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


class OpenItem:
    """The output item the gateway is streaming. Its delta frames are `head + JSON(text) +
    tail` and the sequence number, so a delta costs one string encode."""

    __slots__ = ("kind", "index", "id", "where", "texts", "parts", "fragments", "head", "tail")

    def __init__(self, kind: str, index: int, info_id: str) -> None:
        self.texts, self.parts = _EVENTS[kind]
        self.kind, self.index, self.id = kind, index, item_id(kind, info_id, index)
        self.where: dict[str, Any] = {"item_id": self.id, "output_index": index}
        if kind in _PART_INDEX:
            self.where[_PART_INDEX[kind]] = 0
        self.fragments: list[str] = []
        fields = dumps({"type": f"{self.texts}.delta", **self.where})[:-1]  # left open
        self.head = f'event: {self.texts}.delta\ndata: {fields},"delta":'
        self.tail = ',"logprobs":[]' if kind == "message" else ""


class OpenCall(OpenItem):
    """A call under way. A `custom` tool's call streams nothing until it is complete: its
    upstream writes `{"input": "..."}`, and the client expects the raw input alone."""

    __slots__ = ("call_id", "name", "custom")

    def __init__(
        self, index: int, info_id: str, call_id: str, name: str, *, custom: bool = False
    ) -> None:
        super().__init__("function_call", index, info_id)
        self.call_id, self.name, self.custom = call_id, name, custom
