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
    Usage,
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

    prompt_usage: Usage | None = None
    """Responses count only at the end (`response.completed`)."""

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
    """Unified events -> Responses SSE frames. Text and reasoning are one open item at a
    time: output of another kind closes it with its `*.done` events, as OpenAI streams. Calls
    stay open until complete, since a chat upstream may interleave parallel calls' arguments;
    events name their item, so clients (the openai SDK included) file each fragment under its
    own call. The final response is built from the items streamed, in output order, so its ids
    and order match the frames; for the usual order (reasoning, text, calls) it equals
    `render_response`."""

    def __init__(self, info: ReplyInfo) -> None:
        self.info = info
        self._seq = 0
        self._count = 0
        """Output indexes handed out so far."""
        self._items: dict[int, dict[str, Any]] = {}
        """Finished items by output index."""
        self._open: OpenItem | None = None
        """The open text or reasoning item."""
        self._calls: dict[int | str, OpenCall] = {}
        """This step's calls: by delta index, or by call id for a call that came whole."""
        self._open_calls: dict[int, OpenCall] = {}
        """Calls under way, by output index."""
        self._step: StepResult | None = None

    def _frame(self, kind: str, data: dict[str, Any]) -> str:
        data = {"type": kind, **data, "sequence_number": self._seq}
        self._seq += 1
        return f"event: {kind}\ndata: {dumps(data)}\n\n"

    def _delta(self, item: OpenItem, text: str) -> str:
        item.fragments.append(text)
        self._seq += 1
        return f'{item.head}{dumps(text)}{item.tail},"sequence_number":{self._seq - 1}}}\n\n'

    def _next_index(self) -> int:
        self._count += 1
        return self._count - 1

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
        item = self._open = OpenItem(kind, self._next_index(), self.info.id)
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
        frames = self._close_content()
        client = self.info.client_tools.get(name)
        custom = bool(client and client.custom)
        call = OpenCall(self._next_index(), self.info.id, call_id, name, custom=custom)
        self._calls[key] = self._open_calls[call.index] = call
        added = output_item(call.kind, call.id, None, call_id, name, self.info.client_tools)
        return call, frames + self._added(call, added)

    def _call_delta(self, delta: ToolCallDelta) -> list[str]:
        call = self._calls.get(delta.index)
        frames: list[str] = []
        if call is None:
            call_id = delta.id or f"call_{delta.index}"  # as hfgate.formats names an unnamed call
            call, frames = self._start_call(delta.index, call_id, delta.name or "")
        elif call.index not in self._open_calls:
            return []  # a late fragment of a call already closed; its ToolCallEvent has it all
        if delta.arguments_delta:
            if call.custom:  # its raw input is known once the JSON around it is complete
                call.fragments.append(delta.arguments_delta)
            else:
                frames.append(self._delta(call, delta.arguments_delta))
        return frames

    def _call(self, tool_call: ToolCall) -> list[str]:
        """Close a streamed call with its complete arguments, or stream a call that came whole
        (from an upstream that answered in one piece)."""
        call = next((c for c in self._calls.values() if c.call_id == tool_call.id), None)
        if call is not None and call.index not in self._open_calls:
            return []
        frames: list[str] = []
        if call is None:
            call, frames = self._start_call(tool_call.id, tool_call.id, tool_call.name)
            if not call.custom:
                frames.append(self._delta(call, arguments(tool_call)))
        call.fragments, call.name = [arguments(tool_call)], tool_call.name or call.name
        return frames + self._close_item(call)

    def _step_finish(self, step: StepResult) -> list[str]:
        frames: list[str] = []
        if not self._items and self._open is None and not self._open_calls:
            frames += self._content("reasoning", step.reasoning or "")  # nothing streamed:
            frames += self._content("message", step.text)  # send the step whole
        for call in step.tool_calls:
            frames += self._call(call)
        frames += self._close()
        self._step, self._calls = step, {}
        return frames

    def _close_content(self) -> list[str]:
        item, self._open = self._open, None
        return [] if item is None else self._close_item(item)

    def _close(self) -> list[str]:
        """Close everything open: the text or reasoning item, then the calls in order."""
        frames = self._close_content()
        for call in sorted(self._open_calls.values(), key=lambda c: c.index):
            frames += self._close_item(call)
        return frames

    def _close_item(self, item: OpenItem) -> list[str]:
        text = "".join(item.fragments)
        if isinstance(item, OpenCall):
            del self._open_calls[item.index]
            names = self.info.client_tools
            body = output_item(item.kind, item.id, text, item.call_id, item.name, names)
            frames = self._call_done(item, text, body)
        else:
            body = output_item(item.kind, item.id, text)
            logprobs: dict[str, Any] = {"logprobs": []} if item.kind == "message" else {}
            frames = [
                self._frame(f"{item.texts}.done", {**item.where, "text": text, **logprobs}),
                self._frame(
                    f"{item.parts}.done", {**item.where, "part": output_part(item.kind, text)}
                ),
            ]
        self._items[item.index] = body
        done = {"output_index": item.index, "item": body}
        return [*frames, self._frame("response.output_item.done", done)]

    def _output(self) -> list[dict[str, Any]]:
        return [self._items[i] for i in sorted(self._items)]

    def _call_done(self, call: OpenCall, text: str, body: dict[str, Any]) -> list[str]:
        if not call.custom:
            done = {**call.where, "name": call.name, "arguments": text}
            return [self._frame(f"{call.texts}.done", done)]
        where = {"item_id": call.id, "output_index": call.index}
        kind = "response.custom_tool_call_input"
        return [
            self._frame(f"{kind}.delta", {**where, "delta": body["input"]}),
            self._frame(f"{kind}.done", {**where, "input": body["input"]}),
        ]

    def finish(self) -> list[str]:
        frames = self._close()
        response = response_object(self.info, self._output(), self._step)
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return [*frames, self._frame(kind, {"response": response})]

    def error(self, status: int, message: str, code: str | None = None) -> list[str]:
        """An `error` event, then `response.failed`. The error's fields are both flat (as
        OpenAI's reference and the SDK types have them) and nested under `error` (as OpenAI
        really sends them, the one shape on which the openai SDK raises `APIError`);
        `response.failed` is for clients that watch the response's status instead."""
        nested = openai_error(status, message, None, code)["error"]
        flat = {"code": code or nested["type"], "message": message, "param": None}
        failed = response_object(self.info, self._output(), None, "failed")
        kind = "rate_limit_exceeded" if status == 429 else "server_error"  # the schema's codes
        failed["error"] = {"code": kind, "message": message}
        return [
            self._frame("error", {**flat, "error": nested}),
            self._frame("response.failed", {"response": failed}),
        ]
