"""Chat completions streams in both directions: `ChunkAccumulator` folds an upstream's
`chat.completion.chunk` payloads into unified events and a final step; `ChunkRenderer` writes
unified events as chunk SSE frames for a gateway client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.formats.base import ReplyInfo
from hfgate.formats.chat_completions.reply import SERVICE, payload_error, reply_call, reply_step
from hfgate.formats.chat_completions.vocabulary import (
    REASONING,
    dumps,
    parse_usage,
    read_reasoning,
    render_finish_reason,
    render_usage,
)
from hfgate.formats.error_bodies import openai_error
from hfgate.formats.think import ThinkSplitter
from hfgate.inputs.messages import parse_arguments
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

_PLAIN_DELTA = frozenset({"role", "content"})
_DONE = "data: [DONE]\n\n"
_CLOSE = '},"logprobs":null,"finish_reason":null}]}\n\n'


# --- chat -> unified -----------------------------------------------------------------------


class _PartialCall:
    __slots__ = ("id", "name", "fragments")

    def __init__(self, call_id: str | None, name: str | None) -> None:
        self.id = call_id
        self.name = name
        self.fragments: list[str] = []


class ChunkAccumulator:
    """Folds `chat.completion.chunk` payloads into stream events and a final `StepResult`.

    Handles usage on an empty-choices chunk or on the last content chunk, tool-call arguments
    split across chunks per `index` (parallel calls), arguments sent as objects, reasoning in
    any of its fields or as a leading `<think>` block, and `{"error": ...}` inside the stream.
    """

    prompt_usage: Usage | None = None
    """Chat completions count only at the end (a usage chunk)."""

    def __init__(self, meta: ResponseMeta) -> None:
        self.meta = meta
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, _PartialCall] = {}
        self._think = ThinkSplitter()
        self._raw_finish: str | None = None
        self._usage: Usage | None = None
        self._model: str | None = None

    def feed(self, chunk: Mapping[str, Any]) -> list[StreamEvent]:
        if chunk.get("error") is not None:
            error = payload_error(chunk, self.meta)
            assert error is not None
            raise error
        if self._model is None:
            self._model = chunk.get("model") or None
        usage = chunk.get("usage")
        if usage:
            self._usage = parse_usage(usage)
        events: list[StreamEvent] = []
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if delta:
                if delta.keys() <= _PLAIN_DELTA:  # the hot path: just text
                    content = delta.get("content")
                    if content and self._think.settled:
                        self._text.append(content)
                        events.append(TextDelta(content))
                    elif content:
                        self._content(content, events)
                else:
                    self._delta(delta, events)
            finish = choice.get("finish_reason")
            if finish:
                self._raw_finish = finish
        return events

    @property
    def finished(self) -> bool:
        """A finish reason arrived: EOF without `[DONE]` after one is a complete answer."""
        return self._raw_finish is not None

    def _delta(self, delta: Mapping[str, Any], events: list[StreamEvent]) -> None:
        reasoning = read_reasoning(delta)
        if reasoning:
            self._reasoning.append(reasoning)
            events.append(ReasoningDelta(reasoning))
        content = delta.get("content")
        if content and isinstance(content, str):
            self._content(content, events)
        for raw in delta.get("tool_calls") or ():
            events.append(self._tool_delta(raw))

    def _content(self, content: str, events: list[StreamEvent]) -> None:
        if self._think.settled:  # past any leading <think> block: plain text from here on
            self._text.append(content)
            events.append(TextDelta(content))
            return
        self._emit(*self._think.feed(content), events)

    def _emit(self, reasoning: str, text: str, events: list[StreamEvent]) -> None:
        if reasoning:
            self._reasoning.append(reasoning)
            events.append(ReasoningDelta(reasoning))
        if text:
            self._text.append(text)
            events.append(TextDelta(text))

    def _tool_delta(self, raw: Mapping[str, Any]) -> ToolCallDelta:
        index = raw.get("index")
        call_id = raw.get("id") or None
        if not isinstance(index, int):  # some servers omit it: match by id, else a new call
            known = [i for i, c in self._calls.items() if call_id and c.id == call_id]
            index = (
                known[0]
                if known
                else (len(self._calls) if call_id or not self._calls else max(self._calls))
            )
        fn = raw.get("function") or {}
        name = fn.get("name") or None
        partial = self._calls.get(index)
        if partial is None:
            partial = self._calls[index] = _PartialCall(call_id, name)
        else:
            partial.id = partial.id or call_id
            partial.name = partial.name or name
        args = fn.get("arguments")
        fragment = args if isinstance(args, str) else (json.dumps(args) if args else "")
        partial.fragments.append(fragment)
        return ToolCallDelta(index, fragment, call_id, name)

    def finish(self) -> tuple[list[StreamEvent], StepResult]:
        """Flush held-back text and emit the completed tool calls."""
        events: list[StreamEvent] = []
        self._emit(*self._think.flush(), events)
        calls = []
        for index in sorted(self._calls):
            partial = self._calls[index]
            raw_args = "".join(partial.fragments)
            call = ToolCall(
                partial.id or f"call_{index}",
                partial.name or "",
                parse_arguments(raw_args),
                raw_args,
            )
            calls.append(call)
            events.append(ToolCallEvent(call))
        step = reply_step(
            "".join(self._text),
            "".join(self._reasoning) if self._reasoning else None,
            tuple(calls),
            self._raw_finish,
            self._usage,
            self._model,
            self.meta,
        )
        return events, step


# --- unified -> chat -----------------------------------------------------------------------


class ChunkRenderer:
    """Unified stream events -> `chat.completion.chunk` SSE frames.

    Tool-call indexes are renumbered 0, 1, ... in order of appearance (the openai SDK indexes
    a list with them); a call that arrives whole (`ToolCallEvent`, or only in `StepFinish`) is
    sent as one delta unless it already streamed. A final usage chunk follows when
    `info.include_usage`."""

    def __init__(self, info: ReplyInfo) -> None:
        head = dumps(
            {
                "id": f"chatcmpl-{info.id}",
                "object": "chat.completion.chunk",
                "created": info.created,
                "model": info.model,
                **SERVICE,
            }
        )[:-1]
        self._choice = f'data: {head},"choices":[{{"index":0,"delta":'
        self._usage_head = f'data: {head},"choices":[],"usage":'
        self._include = info.include_usage
        self._index: dict[int, int] = {}  # upstream tool-call index -> the client's
        self._count = 0  # tool calls the client has seen
        self._sent: set[str] = set()  # ids of calls the client has seen
        self._anonymous: list[str] = []  # ids we made up for calls streamed without one
        self._usage: Usage | None = None

    def start(self) -> list[str]:
        return [f'{self._choice}{{"role":"assistant","content":""{_CLOSE}']

    def event(self, event: StreamEvent) -> list[str]:
        if isinstance(event, TextDelta):
            return [f'{self._choice}{{"content":{dumps(event.text)}{_CLOSE}'] if event.text else []
        if isinstance(event, ReasoningDelta):
            if not event.text:
                return []
            return [f'{self._choice}{{"{REASONING}":{dumps(event.text)}{_CLOSE}']
        if isinstance(event, ToolCallDelta):
            return [self._fragment(event)]
        if isinstance(event, ToolCallEvent):
            return self._whole(event.tool_call)
        if isinstance(event, StepFinish):
            self._usage = event.step.usage
            frames = [f for call in event.step.tool_calls for f in self._whole(call)]
            reason = dumps(render_finish_reason(event.step))
            end = f'{self._choice}{{}},"logprobs":null,"finish_reason":{reason}}}]}}\n\n'
            return [*frames, end]
        return []

    def _fragment(self, delta: ToolCallDelta) -> str:
        index = self._index.get(delta.index)
        if index is None:
            index = self._index[delta.index] = self._count
            self._count += 1
            call_id = delta.id or f"call_{delta.index}"  # hfgate's accumulators' fallback id
            if delta.id:
                self._sent.add(call_id)
            else:
                self._anonymous.append(call_id)
            fn = {"name": delta.name or "", "arguments": delta.arguments_delta}
            call = {"index": index, "id": call_id, "type": "function", "function": fn}
        else:
            call = {"index": index, "function": {"arguments": delta.arguments_delta}}
        return f'{self._choice}{{"tool_calls":[{dumps(call)}]{_CLOSE}'

    def _whole(self, call: ToolCall) -> list[str]:
        if call.id in self._sent:
            return []
        self._sent.add(call.id)
        if self._anonymous:  # it streamed under the id we made up: match by id, else by order
            made_up = call.id if call.id in self._anonymous else self._anonymous[0]
            self._anonymous.remove(made_up)
            return []
        index, self._count = self._count, self._count + 1
        return [f'{self._choice}{{"tool_calls":[{dumps(reply_call(call, index))}]{_CLOSE}']

    def finish(self) -> list[str]:
        usage = render_usage(self._usage) if self._include and self._usage else None
        return [f"{self._usage_head}{dumps(usage)}}}\n\n", _DONE] if usage else [_DONE]

    def error(self, status: int, message: str, code: str | None = None) -> list[str]:
        return [f"data: {dumps(openai_error(status, message, None, code))}\n\n", _DONE]
