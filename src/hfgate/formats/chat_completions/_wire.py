"""OpenAI chat-completions, as spoken by the HF router and every OpenAI-compatible server.

Pure translation, no I/O: `build_body` turns a `ChatRequest` into JSON, `parse_response` turns
a JSON answer into a `StepResult`, and `ChunkAccumulator` folds SSE chunks into stream events.
Parsing is permissive on purpose: the router passes provider payloads through, so reasoning,
usage and tool-call shapes vary (see ../shared/design/hf-router-wire.md §5).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.errors import StreamError
from hfgate.formats._shared import as_int, body_error, deep_merge, tool_choice_mode
from hfgate.formats.think import ThinkSplitter, split_think
from hfgate.inputs.messages import parse_arguments
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat, ToolChoice
from hfgate.types import (
    FinishReason,
    ImagePart,
    Message,
    ReasoningDelta,
    ResponseMeta,
    StepResult,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

PATH = "/chat/completions"

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "eos": "stop",
    "eos_token": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "length": "length",
    "max_tokens": "length",
    "tool_calls": "tool-calls",
    "function_call": "tool-calls",
    "tool_use": "tool-calls",
    "content_filter": "content-filter",
    "error": "error",
}
_REASONING_KEYS = ("reasoning_content", "reasoning", "reasoning_text")
_PLAIN_DELTA = frozenset({"role", "content"})


# --- request -------------------------------------------------------------------------------


def build_body(req: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The JSON body; `model` first so a proxy can route from the first bytes."""
    body: dict[str, Any] = {"model": req.model, "messages": [_message(m) for m in req.messages]}
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if req.tools:
        body["tools"] = [t.to_openai() for t in req.tools]
    if req.tool_choice is not None:
        body["tool_choice"] = _tool_choice(req.tool_choice)
    if req.response_format is not None:
        body["response_format"] = _response_format(req.response_format)
    for key in ("temperature", "max_tokens", "top_p", "seed", "reasoning_effort"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.stop is not None:
        body["stop"] = list(req.stop)
    if req.extra_body:
        deep_merge(body, req.extra_body)
    return body


def _message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role}
    if isinstance(m.content, str):
        out["content"] = m.content if m.content or not m.tool_calls else None
    else:
        out["content"] = [_part(p) for p in m.content]
    if m.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.raw_arguments},
            }
            for c in m.tool_calls
        ]
    if m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    if m.name is not None:
        out["name"] = m.name
    # Past reasoning is not sent back: several providers reject it with a 400.
    return out


def _part(p: Any) -> dict[str, Any]:
    if isinstance(p, ImagePart):
        url: dict[str, Any] = {"url": p.url}
        if p.detail:
            url["detail"] = p.detail
        return {"type": "image_url", "image_url": url}
    return {"type": "text", "text": p.text}


def _tool_choice(choice: ToolChoice) -> Any:
    mode = tool_choice_mode(choice)
    if mode is None:
        return choice
    kind, name = mode
    return {"type": "function", "function": {"name": name}} if kind == "tool" else kind


def _response_format(fmt: JsonSchemaFormat | RawFormat) -> Mapping[str, Any]:
    if isinstance(fmt, RawFormat):
        return fmt.value
    spec: dict[str, Any] = {"name": fmt.name, "schema": fmt.schema}
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return {"type": "json_schema", "json_schema": spec}


# --- response ------------------------------------------------------------------------------


def finish_reason(raw: str | None) -> FinishReason:
    return _FINISH.get(raw, "other") if raw else "other"


def parse_usage(raw: Any) -> Usage | None:
    if not isinstance(raw, Mapping):
        return None
    inp, out = as_int(raw.get("prompt_tokens")), as_int(raw.get("completion_tokens"))
    total = as_int(raw.get("total_tokens"))
    if total is None and inp is not None and out is not None:
        total = inp + out
    details = raw.get("prompt_tokens_details")
    details = details if isinstance(details, Mapping) else {}
    cached = as_int(details.get("cached_tokens"))
    if cached is None:
        cached = as_int(raw.get("prompt_cache_hit_tokens"))
    out_details = raw.get("completion_tokens_details")
    reasoning = (
        as_int(out_details.get("reasoning_tokens")) if isinstance(out_details, Mapping) else None
    )
    return Usage(inp, out, total, cached, reasoning, as_int(details.get("cache_write_tokens")))


def payload_error(body: Any, meta: ResponseMeta) -> StreamError | None:
    """The error inside a 200 answer (`{"error": ...}`), if there is one."""
    if not isinstance(body, Mapping) or body.get("error") is None:
        return None
    return body_error(body, meta)


def parse_response(body: Any, meta: ResponseMeta) -> StepResult:
    error = payload_error(body, meta)
    if error is not None:
        raise error
    choices = body.get("choices") or [{}]
    choice = choices[0]
    message = choice.get("message") or {}
    content = message.get("content")
    text = content if isinstance(content, str) else _joined_text(content)
    reasoning = _reasoning(message)
    if reasoning is None:
        reasoning, text = split_think(text)
    calls = tuple(_tool_call(raw, i) for i, raw in enumerate(message.get("tool_calls") or ()))
    raw_finish = choice.get("finish_reason")
    return StepResult(
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=finish_reason(raw_finish),
        raw_finish_reason=raw_finish,
        usage=parse_usage(body.get("usage")) or Usage(),
        meta=ResponseMeta(body.get("model") or meta.model, meta.provider, meta.request_id),
    )


def _joined_text(content: Any) -> str:
    if not isinstance(content, list):
        return ""
    return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))


def _reasoning(message: Mapping[str, Any]) -> str | None:
    for key in _REASONING_KEYS:
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _tool_call(raw: Mapping[str, Any], index: int) -> ToolCall:
    fn = raw.get("function") or {}
    args = fn.get("arguments")
    text = args if isinstance(args, str) else json.dumps(args or {})
    return ToolCall(
        raw.get("id") or f"call_{index}", fn.get("name") or "", parse_arguments(args), text
    )


# --- stream --------------------------------------------------------------------------------


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

    def _delta(self, delta: Mapping[str, Any], events: list[StreamEvent]) -> None:
        for key in _REASONING_KEYS:
            value = delta.get(key)
            if value and isinstance(value, str):
                self._reasoning.append(value)
                events.append(ReasoningDelta(value))
                break
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
        step = StepResult(
            text="".join(self._text),
            reasoning="".join(self._reasoning) if self._reasoning else None,
            tool_calls=tuple(calls),
            finish_reason=finish_reason(self._raw_finish),
            raw_finish_reason=self._raw_finish,
            usage=self._usage or Usage(),
            meta=ResponseMeta(
                self._model or self.meta.model, self.meta.provider, self.meta.request_id
            ),
        )
        return events, step
