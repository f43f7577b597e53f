"""The OpenAI Responses API (`POST /responses`), as OpenAI and the HF router serve it.

Pure translation, no I/O: `build_body` turns a `ChatRequest` into input items, tools and
`text.format`; `parse_response` reads a `response` object; `EventAccumulator` folds the
semantic stream events into unified events. Tool results go back as `function_call_output`
items, so the multi-step loop works (the AI SDK's HF provider drops them).
HF's responses.js also streams `response.reasoning_text.*` events; both kinds are read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.errors import ConfigError
from hfgate.formats._shared import as_int, body_error, deep_merge, tool_choice_mode
from hfgate.inputs.messages import parse_arguments
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat
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

PATH = "/responses"

_INCOMPLETE: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content-filter",
}
_REASONING_DELTAS = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)


# --- request -------------------------------------------------------------------------------


def build_body(req: ChatRequest, *, stream: bool) -> dict[str, Any]:
    if req.stop:
        raise ConfigError(
            "The OpenAI Responses API has no stop sequences; drop `stop`, or call this model "
            "over chat completions."
        )
    body: dict[str, Any] = {"model": req.model, "input": _input_items(req.messages)}
    if stream:
        body["stream"] = True
    if req.tools:
        body["tools"] = [_tool(t.name, t.description, t.parameters) for t in req.tools]
    if req.tool_choice is not None:
        body["tool_choice"] = _tool_choice(req)
    if req.response_format is not None:
        body["text"] = {"format": _format(req.response_format)}
    if req.max_tokens is not None:
        body["max_output_tokens"] = req.max_tokens
    for key in ("temperature", "top_p"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.reasoning_effort is not None:
        # No `summary`: OpenAI refuses it (400) to organisations it has not verified. Ask for
        # it with extra_body={"reasoning": {"summary": "auto"}}; HF's router streams its
        # reasoning either way.
        body["reasoning"] = {"effort": req.reasoning_effort}
    # `seed` has no Responses counterpart; it is a best-effort hint, so it is left out.
    if req.extra_body:
        deep_merge(body, req.extra_body)
    return body


def _input_items(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "tool":
            items.append(
                {"type": "function_call_output", "call_id": m.tool_call_id, "output": m.text}
            )
        elif m.role == "assistant":
            if m.text:
                items.append({"role": "assistant", "content": m.text})
            items.extend(
                {
                    "type": "function_call",
                    "call_id": c.id,
                    "name": c.name,
                    "arguments": c.raw_arguments or "{}",
                }
                for c in m.tool_calls
            )
        elif isinstance(m.content, str):
            items.append({"role": m.role, "content": m.content})
        else:
            items.append({"role": m.role, "content": [_part(p) for p in m.content]})
    return items


def _part(p: Any) -> dict[str, Any]:
    if isinstance(p, ImagePart):
        return {"type": "input_image", "image_url": p.url, "detail": p.detail or "auto"}
    return {"type": "input_text", "text": p.text}


def _tool(name: str, description: str | None, parameters: Mapping[str, Any]) -> dict[str, Any]:
    # strict defaults to true on OpenAI, which rejects ordinary schemas (optional fields).
    tool: dict[str, Any] = {"type": "function", "name": name, "parameters": parameters}
    if description:
        tool["description"] = description
    tool["strict"] = False
    return tool


def _tool_choice(req: ChatRequest) -> Any:
    assert req.tool_choice is not None
    mode = tool_choice_mode(req.tool_choice)
    if mode is None:
        return req.tool_choice
    kind, name = mode
    return {"type": "function", "name": name} if kind == "tool" else kind


def _format(fmt: JsonSchemaFormat | RawFormat) -> Mapping[str, Any]:
    if isinstance(fmt, RawFormat):
        return {"type": fmt.value.get("type", "text")}
    spec: dict[str, Any] = {"type": "json_schema", "name": fmt.name, "schema": fmt.schema}
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return spec


# --- response ------------------------------------------------------------------------------


def parse_usage(raw: Any) -> Usage | None:
    if not isinstance(raw, Mapping):
        return None
    inp, out = as_int(raw.get("input_tokens")), as_int(raw.get("output_tokens"))
    total = as_int(raw.get("total_tokens"))
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
    return as_int(details.get(key)) if isinstance(details, Mapping) else None


def _failure(body: Mapping[str, Any], meta: ResponseMeta) -> Exception | None:
    if body.get("status") != "failed" and not body.get("error"):
        return None
    return body_error(body, meta)


def _finish(
    status: Any, incomplete: Any, calls: tuple[ToolCall, ...]
) -> tuple[FinishReason, str | None]:
    if status == "incomplete":
        reason = incomplete.get("reason") if isinstance(incomplete, Mapping) else None
        return _INCOMPLETE.get(reason or "", "other"), reason or "incomplete"
    if calls:
        return "tool-calls", "function_call"
    if status in (None, "completed"):
        return "stop", status
    return "other", str(status)


def reasoning_text(item: Mapping[str, Any]) -> str:
    """A reasoning item's text: OpenAI's summaries, else HF responses.js's raw
    `reasoning_text` content (the gateway reads clients' reasoning items the same way)."""
    summary = [str(s.get("text") or "") for s in _items(item.get("summary"))]
    if any(summary):
        return "\n\n".join(s for s in summary if s)
    return "".join(str(c.get("text") or "") for c in _items(item.get("content")))


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list field; anything else (null, a string) holds none."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _message_text(item: Mapping[str, Any]) -> str:
    return "".join(
        str((p.get("text") if p.get("type") == "output_text" else p.get("refusal")) or "")
        for p in _items(item.get("content"))
    )


def _call(item: Mapping[str, Any], index: int) -> ToolCall:
    args = item.get("arguments")
    text = args if isinstance(args, str) else json.dumps(args or {})
    call_id = item.get("call_id") or item.get("id") or f"call_{index}"
    return ToolCall(call_id, item.get("name") or "", parse_arguments(args), text)


def parse_response(body: Any, meta: ResponseMeta) -> StepResult:
    if not isinstance(body, Mapping):
        raise body_error({"error": "The answer is not a response object.", "got": body}, meta)
    failure = _failure(body, meta)
    if failure is not None:
        raise failure
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    for item in _items(body.get("output")):
        kind = item.get("type")
        if kind == "message":
            texts.append(_message_text(item))
        elif kind == "reasoning":
            reasoning.append(reasoning_text(item))
        elif kind == "function_call":
            calls.append(_call(item, len(calls)))
    finish, raw_finish = _finish(body.get("status"), body.get("incomplete_details"), tuple(calls))
    joined_reasoning = "\n\n".join(r for r in reasoning if r)
    return StepResult(
        text="".join(texts),
        reasoning=joined_reasoning or None,
        tool_calls=tuple(calls),
        finish_reason=finish,
        raw_finish_reason=raw_finish,
        usage=parse_usage(body.get("usage")) or Usage(),
        meta=ResponseMeta(body.get("model") or meta.model, meta.provider, meta.request_id),
    )


# --- stream --------------------------------------------------------------------------------


class _Call:
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


class EventAccumulator:
    """Folds Responses stream events into unified events and a final `StepResult`.

    Function calls are keyed by item id (falling back to output index) so argument deltas of
    parallel calls land on the right call; a stream that only sends `response.completed`
    still yields its text and calls.
    """

    def __init__(self, meta: ResponseMeta) -> None:
        self.meta = meta
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[str, _Call] = {}
        """Each call under its item id and its `#<output index>`, whichever events use."""
        self._count = 0
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
            return self._arguments_delta(event)
        if kind == "response.output_item.added" or kind == "response.output_item.done":
            return self._item(event, done=kind.endswith("done"))
        if kind == "response.function_call_arguments.done":
            call = self._calls.get(self._key(event))
            if call is not None and isinstance(event.get("arguments"), str):
                call.done = event["arguments"]
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
            failure = _failure(response if isinstance(response, Mapping) else {}, self.meta)
            raise failure or body_error(
                {"error": "The response failed, saying no more."}, self.meta
            )
        if kind == "error":
            raise body_error({"error": dict(event)}, self.meta)
        return []

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

    @staticmethod
    def _key(event: Mapping[str, Any]) -> str:
        item_id = event.get("item_id")
        return str(item_id) if item_id else f"#{event.get('output_index', 0)}"

    def _arguments_delta(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        key = self._key(event)
        call = self._calls.get(key)
        if call is None:
            call = self._calls[key] = self._new_call(None, None)
        delta = str(event.get("delta") or "")
        call.fragments.append(delta)
        return [ToolCallDelta(call.index, delta)]

    def _new_call(self, call_id: str | None, name: str | None) -> _Call:
        self._count += 1
        return _Call(self._count - 1, call_id, name)

    def _item(self, event: Mapping[str, Any], *, done: bool) -> list[StreamEvent]:
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

    def finish(self) -> tuple[list[StreamEvent], StepResult]:
        """The completed tool calls as events, and the step (text from the deltas, or from
        the final response when the stream carried none)."""
        final = self._final or {}
        unique = {id(c): c for c in self._calls.values()}
        calls = tuple(
            ToolCall(
                c.call_id or f"call_{c.index}",
                c.name or "",
                parse_arguments(c.arguments),
                c.arguments,
            )
            for c in sorted(unique.values(), key=lambda c: c.index)
        )
        text, reasoning = "".join(self._text), "".join(self._reasoning) or None
        events: list[StreamEvent] = []
        if not text and not calls and final.get("output"):
            whole = parse_response(final, self.meta)
            text, reasoning, calls = whole.text, whole.reasoning, whole.tool_calls
            events += [ReasoningDelta(reasoning)] if reasoning else []
            events += [TextDelta(text)] if text else []
        events.extend(ToolCallEvent(c) for c in calls)
        finish, raw_finish = _finish(
            final.get("status") if final else None, final.get("incomplete_details"), calls
        )
        step = StepResult(
            text=text,
            reasoning=reasoning,
            tool_calls=calls,
            finish_reason=finish if final or calls else "other",
            raw_finish_reason=raw_finish if final or calls else None,
            usage=parse_usage(final.get("usage")) or Usage(),
            meta=ResponseMeta(
                self._model or self.meta.model, self.meta.provider, self.meta.request_id
            ),
        )
        return events, step


def _model_of(event: Mapping[str, Any]) -> str | None:
    response = event.get("response")
    model = response.get("model") if isinstance(response, Mapping) else None
    return model if isinstance(model, str) and model else None
