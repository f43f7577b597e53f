"""Responses streams in both directions: `EventAccumulator` folds an upstream's semantic
events into unified events and a final step; `EventRenderer` writes unified events as
Responses SSE frames for a gateway client.

HF's responses.js streams `response.reasoning_text.*` events where OpenAI streams
`response.reasoning_summary_text.*`; both are read, the latter is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from hfgate.formats._shared import body_error
from hfgate.formats.base import ReplyInfo
from hfgate.formats.error_bodies import openai_error
from hfgate.formats.responses.items import (
    OpenCall,
    OpenItem,
    PendingCalls,
    arguments,
    output_item,
    output_part,
)
from hfgate.formats.responses.reply import failure, parse_response, reply_step, response_object
from hfgate.formats.responses.vocabulary import dumps
from hfgate.types import (
    ReasoningDelta,
    ResponseMeta,
    StepFinish,
    StepResult,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
)

_REASONING_DELTAS = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)


# --- Responses -> unified ------------------------------------------------------------------


class EventAccumulator:
    """Folds Responses stream events into unified events and a final `StepResult`.

    Function calls are gathered by `PendingCalls`; a stream that only sends
    `response.completed` still yields its text and calls.
    """

    def __init__(self, meta: ResponseMeta) -> None:
        self.meta = meta
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls = PendingCalls()
        self._final: Mapping[str, Any] | None = None
        self._model: str | None = None
        self._summary_part: Any = 0

    def feed(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        kind = event.get("type")
        if kind == "response.output_text.delta" or kind == "response.refusal.delta":
            delta = str(event.get("delta") or "")
            self._text.append(delta)
            return [TextDelta(delta)] if delta else []
        if kind in _REASONING_DELTAS:
            return self._reasoning_delta(event)
        if kind == "response.function_call_arguments.delta":
            return self._calls.delta(event)
        if kind == "response.output_item.added" or kind == "response.output_item.done":
            return self._calls.item(event, done=kind.endswith("done"))
        if kind == "response.function_call_arguments.done":
            self._calls.done(event)
            return []
        if kind in ("response.created", "response.in_progress"):
            self._model = _model_of(event) or self._model
            return []
        if kind in ("response.completed", "response.incomplete"):
            response = event.get("response")
            self._final = response if isinstance(response, Mapping) else {}
            self._model = _model_of(event) or self._model
            return []
        if kind == "response.failed":
            response = event.get("response")
            error = failure(response if isinstance(response, Mapping) else {}, self.meta)
            raise error or body_error({"error": "The response failed, saying no more."}, self.meta)
        if kind == "error":
            raise body_error({"error": dict(event)}, self.meta)
        return []

    @property
    def finished(self) -> bool:
        """`response.completed` or `response.incomplete` arrived (the stream's own end)."""
        return self._final is not None

    def _reasoning_delta(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        delta = str(event.get("delta") or "")
        part = event.get("summary_index", 0)
        if self._reasoning and part != self._summary_part:
            delta = "\n\n" + delta  # summaries are separate paragraphs, as in parse_response
        self._summary_part = part
        if not delta:
            return []
        self._reasoning.append(delta)
        return [ReasoningDelta(delta)]

    def finish(self) -> tuple[list[StreamEvent], StepResult]:
        """The completed tool calls as events, and the step (text from the deltas, or from
        the final response when the stream carried none)."""
        final = self._final or {}
        calls = self._calls.calls()
        text, reasoning = "".join(self._text), "".join(self._reasoning) or None
        events: list[StreamEvent] = []
        if not text and not calls and final.get("output"):
            whole = parse_response(final, self.meta)
            text, reasoning, calls = whole.text, whole.reasoning, whole.tool_calls
            events += [ReasoningDelta(reasoning)] if reasoning else []
            events += [TextDelta(text)] if text else []
        events.extend(ToolCallEvent(c) for c in calls)
        step = reply_step(final, self.meta, text, reasoning, calls, self._model)
        if not final and not calls:  # no final response: how it ended is unknown
            step = dataclasses.replace(step, finish_reason="other", raw_finish_reason=None)
        return events, step


def _model_of(event: Mapping[str, Any]) -> str | None:
    response = event.get("response")
    model = response.get("model") if isinstance(response, Mapping) else None
    return model if isinstance(model, str) and model else None


# --- unified -> Responses ------------------------------------------------------------------


class EventRenderer:
    """Unified events -> Responses SSE frames. One item is open at a time: output of another
    kind closes it with its `*.done` events, as OpenAI streams. The final response is built
    from the items streamed, so its ids and order match the frames; for the usual order
    (reasoning, text, calls) it equals `render_response`."""

    def __init__(self, info: ReplyInfo) -> None:
        self.info = info
        self._seq = 0
        self._items: list[dict[str, Any]] = []
        self._open: OpenItem | None = None
        self._calls: dict[int | str, OpenCall] = {}
        """This step's calls: by delta index, or by call id for a call that came whole."""
        self._step: StepResult | None = None

    def _frame(self, kind: str, data: dict[str, Any]) -> str:
        data = {"type": kind, **data, "sequence_number": self._seq}
        self._seq += 1
        return f"event: {kind}\ndata: {dumps(data)}\n\n"

    def _delta(self, item: OpenItem, text: str) -> str:
        item.fragments.append(text)
        self._seq += 1
        return f'{item.head}{dumps(text)}{item.tail},"sequence_number":{self._seq - 1}}}\n\n'

    def start(self) -> list[str]:
        base = response_object(self.info, [], None, "in_progress")
        return [
            self._frame("response.created", {"response": base}),
            self._frame("response.in_progress", {"response": base}),
        ]

    def event(self, event: StreamEvent) -> list[str]:
        if isinstance(event, TextDelta):
            return self._content("message", event.text)
        if isinstance(event, ReasoningDelta):
            return self._content("reasoning", event.text)
        if isinstance(event, ToolCallDelta):
            return self._call_delta(event)
        if isinstance(event, ToolCallEvent):
            return self._call(event.tool_call)
        if isinstance(event, StepFinish):
            return self._step_finish(event.step)
        return []

    def _content(self, kind: str, text: str) -> list[str]:
        item = self._open
        if not text:
            return []
        if item is not None and item.kind == kind:
            return [self._delta(item, text)]
        frames = self._close()
        item = self._open = OpenItem(kind, len(self._items), self.info.id)
        return [
            *frames,
            *self._added(item, output_item(kind, item.id, None)),
            self._delta(item, text),
        ]

    def _added(self, item: OpenItem, body: dict[str, Any]) -> list[str]:
        frames = [
            self._frame("response.output_item.added", {"output_index": item.index, "item": body})
        ]
        if item.parts:
            part = {**item.where, "part": output_part(item.kind, "")}
            frames.append(self._frame(f"{item.parts}.added", part))
        return frames

    def _start_call(self, key: int | str, call_id: str, name: str) -> tuple[OpenCall, list[str]]:
        frames = self._close()
        call = self._open = self._calls[key] = OpenCall(
            len(self._items), self.info.id, call_id, name
        )
        return call, frames + self._added(
            call, output_item(call.kind, call.id, None, call_id, name)
        )

    def _call_delta(self, delta: ToolCallDelta) -> list[str]:
        call = self._calls.get(delta.index)
        frames: list[str] = []
        if call is None:
            call_id = delta.id or f"call_{delta.index}"  # as hfgate.formats names an unnamed call
            call, frames = self._start_call(delta.index, call_id, delta.name or "")
        elif call is not self._open:
            return []  # a late fragment of a call already closed; its ToolCallEvent has it all
        if delta.arguments_delta:
            frames.append(self._delta(call, delta.arguments_delta))
        return frames

    def _call(self, tool_call: ToolCall) -> list[str]:
        """Close a streamed call with its complete arguments, or stream a call that came whole
        (from an upstream that answered in one piece)."""
        call = next((c for c in self._calls.values() if c.call_id == tool_call.id), None)
        if call is not None and call is not self._open:
            return []
        frames: list[str] = []
        if call is None:
            call, frames = self._start_call(tool_call.id, tool_call.id, tool_call.name)
            frames.append(self._delta(call, arguments(tool_call)))
        call.fragments, call.name = [arguments(tool_call)], tool_call.name or call.name
        return frames + self._close()

    def _step_finish(self, step: StepResult) -> list[str]:
        frames: list[str] = []
        if not self._items and self._open is None:  # nothing streamed: send the step whole
            frames += self._content("reasoning", step.reasoning or "")
            frames += self._content("message", step.text)
        for call in step.tool_calls:
            frames += self._call(call)
        frames += self._close()
        self._step, self._calls = step, {}
        return frames

    def _close(self) -> list[str]:
        item, self._open = self._open, None
        if item is None:
            return []
        text = "".join(item.fragments)
        if isinstance(item, OpenCall):
            body = output_item(item.kind, item.id, text, item.call_id, item.name)
            frames = [self._frame(f"{item.texts}.done", {**item.where, "arguments": text})]
        else:
            body = output_item(item.kind, item.id, text)
            logprobs: dict[str, Any] = {"logprobs": []} if item.kind == "message" else {}
            frames = [
                self._frame(f"{item.texts}.done", {**item.where, "text": text, **logprobs}),
                self._frame(
                    f"{item.parts}.done", {**item.where, "part": output_part(item.kind, text)}
                ),
            ]
        self._items.append(body)
        done = {"output_index": item.index, "item": body}
        return [*frames, self._frame("response.output_item.done", done)]

    def finish(self) -> list[str]:
        frames = self._close()
        response = response_object(self.info, self._items, self._step)
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return [*frames, self._frame(kind, {"response": response})]

    def error(self, status: int, message: str, code: str | None = None) -> list[str]:
        """An `error` event, then `response.failed`. The error's fields are both flat (as
        OpenAI's reference and the SDK types have them) and nested under `error` (as OpenAI
        really sends them, the one shape on which the openai SDK raises `APIError`);
        `response.failed` is for clients that watch the response's status instead."""
        nested = openai_error(status, message, None, code)["error"]
        flat = {"code": code or nested["type"], "message": message, "param": None}
        failed = response_object(self.info, self._items, None, "failed")
        kind = "rate_limit_exceeded" if status == 429 else "server_error"  # the schema's codes
        failed["error"] = {"code": kind, "message": message}
        return [
            self._frame("error", {**flat, "error": nested}),
            self._frame("response.failed", {"response": failed}),
        ]
