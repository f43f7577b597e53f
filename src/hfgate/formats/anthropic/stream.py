"""Anthropic Messages streams in both directions: `EventAccumulator` folds an upstream's
events (`message_start`, `content_block_*`, `message_delta`, `error`) into unified events and a
final step; `EventRenderer` writes unified events as Messages SSE for a gateway client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hfgate.formats._shared import as_int, body_error
from hfgate.formats.anthropic.reply import message_envelope, step_from_blocks
from hfgate.formats.anthropic.vocabulary import (
    ANSWER_TOOL,
    THINKING,
    delta_usage,
    message_usage,
    parse_usage,
    stop_reason,
    text_block,
    tool_use_block,
)
from hfgate.formats.base import ReplyInfo
from hfgate.formats.error_bodies import anthropic_error
from hfgate.types import (
    ReasoningDelta,
    ReasoningItem,
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


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --- Anthropic -> unified ------------------------------------------------------------------


class EventAccumulator:
    """Folds Messages stream events (`message_start`, `content_block_*`, `message_delta`,
    `error`) into unified events and a final `StepResult`. Usage arrives in two halves:
    input counts in `message_start`, output (and sometimes updated input) in `message_delta`.
    """

    def __init__(self, meta: ResponseMeta) -> None:
        self.meta = meta
        self._blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, list[str]] = {}
        self._calls: dict[int, int] = {}
        self._usage: dict[str, Any] = {}
        self._stop: str | None = None
        self._stop_sequence: Any = None
        self._model: str | None = None
        self._stopped = False
        self.prompt_usage: Usage | None = None
        """The input counts of `message_start`, before any content."""

    def feed(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        kind = event.get("type")
        index = as_int(event.get("index")) or 0
        if kind == "content_block_delta":
            return self._delta(index, _object(event.get("delta")))
        if kind == "content_block_start":
            return self._start(index, _object(event.get("content_block")))
        if kind == "message_start":
            message = _object(event.get("message"))
            self._model = message.get("model") or None
            self._usage.update(_object(message.get("usage")))
            counted = parse_usage(self._usage)
            if counted is not None and counted.input_tokens is not None:
                self.prompt_usage = counted
        elif kind == "message_delta":
            delta = _object(event.get("delta"))
            self._stop = delta.get("stop_reason") or self._stop
            self._stop_sequence = delta.get("stop_sequence") or self._stop_sequence
            usage = _object(event.get("usage"))
            self._usage.update({k: v for k, v in usage.items() if v is not None})
        elif kind == "content_block_stop":
            block = self._blocks.get(index)
            if block is not None and block.get("type") in THINKING:
                return [ReasoningItem(dict(block))]  # signed and complete: replayable now
        elif kind == "message_stop":
            self._stopped = True
        elif kind == "error":
            raise body_error(event, self.meta)
        return []

    @property
    def finished(self) -> bool:
        """`message_stop` arrived, or a stop reason (a server that closes right after it)."""
        return self._stopped or self._stop is not None

    def _start(self, index: int, block: Mapping[str, Any]) -> list[StreamEvent]:
        self._blocks[index] = dict(block)
        kind = block.get("type")
        if kind == "tool_use" and block.get("name") != ANSWER_TOOL:
            self._json[index] = []
            number = self._calls[index] = len(self._calls)
            return [ToolCallDelta(number, "", block.get("id"), block.get("name"))]
        if kind == "tool_use":
            self._json[index] = []
        elif kind == "text" and block.get("text"):
            return [TextDelta(block["text"])]
        return []

    def _delta(self, index: int, delta: Mapping[str, Any]) -> list[StreamEvent]:
        block = self._blocks.setdefault(index, {"type": "text", "text": ""})
        kind = delta.get("type")
        if kind == "text_delta":
            text = str(delta.get("text") or "")
            block["text"] = block.get("text", "") + text
            return [TextDelta(text)] if text else []
        if kind == "thinking_delta":
            text = str(delta.get("thinking") or "")
            block["thinking"] = block.get("thinking", "") + text
            return [ReasoningDelta(text)] if text else []
        if kind == "signature_delta":
            block["signature"] = block.get("signature", "") + str(delta.get("signature") or "")
        elif kind == "input_json_delta":
            fragment = str(delta.get("partial_json") or "")
            self._json.setdefault(index, []).append(fragment)
            if index in self._calls:
                return [ToolCallDelta(self._calls[index], fragment)]
        return []

    def finish(self) -> tuple[list[StreamEvent], StepResult]:
        blocks = []
        for index in sorted(self._blocks):
            block = self._blocks[index]
            if index in self._json and "".join(self._json[index]).strip():
                # Left as text: step_from_blocks parses it, keeping the raw text if it was cut short
                # (stop_reason max_tokens in the middle of a tool call).
                block["input"] = "".join(self._json[index])
            blocks.append(block)
        meta = ResponseMeta(
            self._model or self.meta.model, self.meta.provider, self.meta.request_id
        )
        usage = parse_usage(self._usage) or Usage()
        step = step_from_blocks(blocks, self._stop, usage, meta, self._stop_sequence)
        events: list[StreamEvent] = [ToolCallEvent(c) for c in step.tool_calls]
        if any(b.get("name") == ANSWER_TOOL for b in blocks):
            events.insert(0, TextDelta(step.text))  # the structured answer, as text
        return events, step


# --- unified -> Anthropic ------------------------------------------------------------------


def _frame(kind: str, data: Mapping[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _delta(index: int, kind: str, key: str, value: str) -> str:
    # Written by hand: one per streamed chunk, and only the value needs encoding.
    return (
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":'
        f'{index},"delta":{{"type":"{kind}","{key}":{json.dumps(value)}}}}}\n\n'
    )


class EventRenderer:
    """Unified events -> Messages SSE: one content block at a time, a new one (index + 1)
    whenever the kind of content changes, as Anthropic streams them.

    `message_start` carries the prompt's count the gateway has before the first event (an
    Anthropic upstream's own, else an estimate: `ReplyInfo.prompt_usage`), and `message_delta`
    the real counts, input and cache included, when the upstream gave them; both the SDK's
    `accumulate_event` and hfgate's own `EventAccumulator` take them from there. A thinking
    block gets its `signature_delta` when the upstream's block ends (`ReasoningItem`, from an
    Anthropic upstream), else unsigned."""

    def __init__(self, info: ReplyInfo) -> None:
        self.info = info
        self._index = -1  # the current (or last) block's index
        self._open: str | int | None = None  # "text" | "thinking" | a streamed call's index
        self._calls: dict[int, int] = {}  # streamed call index -> its block's index
        self._unconfirmed: list[str | None] = []  # ids of streamed calls not yet re-announced
        self._held: dict[int, _Held] = {}  # calls that began while another call's was open
        self._interleaved = False  # the upstream streams parallel calls' fragments in turns

    def start(self) -> list[str]:
        usage = message_usage(self.info.prompt_usage or Usage())
        message = message_envelope(self.info, [], None, usage, None)
        return [_frame("message_start", {"type": "message_start", "message": message})]

    def event(self, event: StreamEvent) -> list[str]:
        if isinstance(event, TextDelta):
            return self._text("text", "text_delta", event.text)
        if isinstance(event, ReasoningDelta):
            return self._text("thinking", "thinking_delta", event.text)
        if isinstance(event, ReasoningItem):
            return self._reasoning_item(event.item)
        if isinstance(event, ToolCallDelta):
            return self._tool_delta(event)
        if isinstance(event, ToolCallEvent):
            return self._tool_call(event.tool_call)
        if isinstance(event, StepFinish):
            return self._step_finish(event.step)
        return []

    def finish(self) -> list[str]:
        return [*self._close(), _frame("message_stop", {"type": "message_stop"})]

    def error(self, status: int, message: str, code: str | None = None) -> list[str]:
        return [_frame("error", anthropic_error(status, message, None, code, self.info.id))]

    def _text(self, kind: str, delta: str, text: str) -> list[str]:
        if not text:
            return []
        frames: list[str] = []
        if self._open != kind:
            block = {"type": "thinking", "thinking": "", "signature": ""}
            block = block if kind == "thinking" else text_block("")
            frames = self._open_block(kind, block)
        frames.append(_delta(self._index, delta, kind, text))
        return frames

    def _reasoning_item(self, item: Mapping[str, Any]) -> list[str]:
        """An upstream block finished: sign the thinking block its deltas opened (a client in
        a tool loop must send it back signed), or relay a redacted block whole."""
        kind = item.get("type")
        if kind == "thinking" and self._open == "thinking":
            return self._close(str(item.get("signature") or "") or None)
        if kind not in THINKING:
            return []
        frames = self._open_block("item", dict(item))
        return [*frames, *self._close()]

    def _tool_delta(self, delta: ToolCallDelta) -> list[str]:
        """A call's fragment, in its block. Blocks cannot interleave, but a chat upstream may
        stream parallel calls' fragments in turns; so a call that begins while another call's
        block is open is held back. Its own next fragment, with nothing for the open call in
        between, shows calls come one after another: the open block is done, the held call
        takes over. Once the open call goes on instead, held calls wait for their complete
        `ToolCallEvent` and go whole."""
        held = self._held.get(delta.index)
        if held is not None:
            return self._held_fragment(delta.index, held, delta.arguments_delta)
        index = self._calls.get(delta.index)
        if index is None:
            if isinstance(self._open, int) or self._held:
                self._held[delta.index] = _Held(delta.id, delta.name or "", [delta.arguments_delta])
                return []
            frames = self._open_call(delta.index, delta.id, delta.name or "")
            index = self._index
        else:
            frames = []
            self._interleaved = self._interleaved or bool(self._held)
        # A fragment for a block already closed (text came between two fragments of one call)
        # still goes to that block's index, which the SDKs fold in.
        if delta.arguments_delta:
            frames.append(_delta(index, "input_json_delta", "partial_json", delta.arguments_delta))
        return frames

    def _held_fragment(self, key: int, held: _Held, fragment: str) -> list[str]:
        held.fragments.append(fragment)
        if self._interleaved or not fragment:
            return []
        if key != next(iter(self._held)):  # a later held call moved first: calls take turns
            self._interleaved = True
            return []
        del self._held[key]
        frames = self._open_call(key, held.id, held.name)
        arguments = "".join(held.fragments)
        return [*frames, _delta(self._index, "input_json_delta", "partial_json", arguments)]

    def _open_call(self, key: int, call_id: str | None, name: str) -> list[str]:
        self._unconfirmed.append(call_id)
        block_id = call_id or f"toolu_{self.info.id}_{key}"
        frames = self._open_block(key, tool_use_block(block_id, name, {}))
        self._calls[key] = self._index
        return frames

    def _tool_call(self, call: ToolCall) -> list[str]:
        """A complete call: nothing if it already streamed, else one whole block (a call
        held back goes now, complete). A call streamed without an id is matched in order."""
        if call.id in self._unconfirmed:
            self._unconfirmed.remove(call.id)
            return []
        held = self._release(call.id)
        if not held and None in self._unconfirmed:
            self._unconfirmed.remove(None)
            return []
        if not held:
            self._release(None)
        return self._whole_call(call.id, call.name, json.dumps(call.arguments))

    def _release(self, call_id: str | None) -> bool:
        """Forget the held call with this id (None: the first held without one)."""
        key = next((k for k, h in self._held.items() if h.id == call_id), None)
        return key is not None and self._held.pop(key) is not None

    def _whole_call(self, call_id: str, name: str, arguments: str) -> list[str]:
        frames = self._open_block("call", tool_use_block(call_id, name, {}))
        frames.append(_delta(self._index, "input_json_delta", "partial_json", arguments))
        return [*frames, *self._close()]

    def _step_finish(self, step: StepResult) -> list[str]:
        frames = self._close(_signature(step) if self._open == "thinking" else None)
        for key, held in list(self._held.items()):  # no complete call came: what streamed
            frames += self._whole_call(
                held.id or f"toolu_{self.info.id}_{key}", held.name, "".join(held.fragments)
            )
        self._held.clear()
        delta = {
            "stop_reason": stop_reason(step),
            "stop_sequence": step.stop_sequence,
            "stop_details": None,
            "container": None,
        }
        data = {"type": "message_delta", "delta": delta, "usage": delta_usage(step.usage)}
        return [*frames, _frame("message_delta", data)]

    def _open_block(self, key: str | int, block: Mapping[str, Any]) -> list[str]:
        frames = self._close()
        self._index += 1
        self._open = key
        start = {"type": "content_block_start", "index": self._index, "content_block": block}
        return [*frames, _frame("content_block_start", start)]

    def _close(self, signature: str | None = None) -> list[str]:
        if self._open is None:
            return []
        self._open = None
        stop = _frame("content_block_stop", {"type": "content_block_stop", "index": self._index})
        if signature:
            return [_delta(self._index, "signature_delta", "signature", signature), stop]
        return [stop]


@dataclass(slots=True)
class _Held:
    """A call held back from the client: its id and name, and its fragments so far."""

    id: str | None
    name: str
    fragments: list[str]


def _signature(step: StepResult) -> str | None:
    """The last thinking block's signature: the block still open when the step finished."""
    for item in reversed(step.reasoning_items):
        if item.get("type") == "thinking":
            return str(item.get("signature") or "") or None
    return None
