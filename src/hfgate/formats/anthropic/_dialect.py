"""Anthropic Messages (`POST /v1/messages`) as the gateway serves it: the mirror image of
`hfgate.formats.anthropic._wire`, which speaks the same API as a client.

Two rules cross here in both directions. Anthropic's `input_tokens` leaves out prompt-cache
reads and writes while unified `Usage.input_tokens` includes them. And a thinking block can only
be replayed to Anthropic with its signature, so signed blocks ride in `Message.reasoning_items`
verbatim; unsigned ones (written by this gateway for other upstreams) keep only their text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from hfgate.formats.anthropic._wire import THINKING_BUDGETS
from hfgate.formats.base import Inbound, ReplyInfo, RequestError
from hfgate.formats.error_bodies import anthropic_error
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, ToolChoice
from hfgate.inputs.tools import Tool
from hfgate.types import (
    ImagePart,
    Message,
    Part,
    ReasoningDelta,
    ReasoningItem,
    StepFinish,
    StepResult,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

__all__ = ["EventRenderer", "parse_request", "render_error", "render_response"]

render_error = anthropic_error

# Read into ChatRequest; every other top-level field is passed through as written. Block and
# top-level `cache_control` are dropped: hfgate's wire places its own cache breakpoints.
_MODELED = frozenset(
    "model max_tokens messages system tools tool_choice temperature top_p stop_sequences "
    "thinking stream output_config output_format cache_control".split()
)
_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_THINKING = frozenset({"thinking", "redacted_thinking"})
_CHOICES = {"auto": "auto", "any": "required", "none": "none"}
_STOP = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool-calls": "tool_use",
    "content-filter": "refusal",
}
_RAW_STOPS = frozenset({"pause_turn", "model_context_window_exceeded"})


def _err(path: str, problem: str) -> RequestError:
    return RequestError(f"{path} {problem}", param=path)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _err(f"{path}.{key}", "must be a string.")
    return value


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise _err(key, "must be a number.")
    return value


def _blocks(content: Any, path: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path, type, block) for each block of a list, each checked to be a typed object."""
    if not isinstance(content, list):
        raise _err(path, "must be a string or a list of content blocks.")
    for j, block in enumerate(content):
        where = f"{path}.{j}"
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            raise _err(where, "must be a content block: an object with a `type`.")
        yield where, block["type"], block


# --- request -------------------------------------------------------------------------------


def parse_request(body: Any) -> Inbound:
    if not isinstance(body, Mapping):
        raise RequestError("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _err("model", "is required: a non-empty string naming the model.")
    max_tokens = _int(body.get("max_tokens"))
    if max_tokens is None or max_tokens < 1:
        raise _err("max_tokens", "is required: an integer of at least 1.")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _err("stream", "must be true or false.")
    tools = _tools(body.get("tools"))
    request = ChatRequest(
        model=model,
        messages=(*_system(body.get("system"), "system"), *_messages(body.get("messages"))),
        tools=tools,
        tool_choice=_tool_choice(body.get("tool_choice"), tools),
        response_format=_format(body),
        temperature=_number(body, "temperature"),
        max_tokens=max_tokens,
        top_p=_number(body, "top_p"),
        stop=_stop(body.get("stop_sequences")),
        reasoning_effort=_effort(body.get("thinking"), max_tokens),
    )
    return Inbound(request, stream=stream, passthrough=_passthrough(body))


def _passthrough(body: Mapping[str, Any]) -> dict[str, Any]:
    """Unmodeled fields, plus what ChatRequest cannot say of modeled ones. `thinking` goes as
    written so an Anthropic upstream gets the exact budget (reasoning_effort names only the
    nearest level) and the adaptive modes, which have no level."""
    extra = {k: v for k, v in body.items() if k not in _MODELED}
    for key, modeled in (("thinking", ()), ("tool_choice", ("type", "name"))):
        value = body.get(key)
        rest = {k: v for k, v in value.items() if k not in modeled} if value else {}
        if rest:  # the whole thinking object; tool_choice.disable_parallel_tool_use
            extra[key] = rest
    config = body.get("output_config") or {}
    if any(k != "format" for k in config):  # effort, ...
        extra["output_config"] = {k: v for k, v in config.items() if k != "format"}
    return extra


def _system(raw: Any, path: str) -> list[Message]:
    texts: list[str] = [raw] if isinstance(raw, str) else []
    if raw is not None and not isinstance(raw, str):
        for where, kind, block in _blocks(raw, path):
            if kind != "text":
                raise _err(f"{where}.type", "must be 'text': system prompts are text only.")
            texts.append(_str(block, "text", where))
    text = "\n\n".join(texts)
    return [Message("system", text)] if text else []


def _messages(raw: Any) -> list[Message]:
    if not isinstance(raw, list) or not raw:
        raise _err("messages", "is required: a non-empty list of {role, content} turns.")
    out: list[Message] = []
    for i, turn in enumerate(raw):
        path = f"messages.{i}"
        if not isinstance(turn, Mapping):
            raise _err(path, "must be an object with `role` and `content`.")
        role, content = turn.get("role"), turn.get("content")
        if role not in ("user", "assistant", "system"):
            raise _err(f"{path}.role", "must be 'user' or 'assistant'.")
        if content in ("", []) and not (role == "assistant" and i == len(raw) - 1):
            raise _err(f"{path}.content", "must not be empty (only a final assistant turn may be).")
        if role == "system":  # the SDK's SystemMessageParam; the wires hoist it to the top
            out.extend(_system(content, f"{path}.content"))
        elif isinstance(content, str):
            out.append(Message(role, content))
        elif role == "user":
            out.extend(_user(content, f"{path}.content"))
        else:
            out.append(_assistant(content, f"{path}.content"))
    return out


def _part(where: str, kind: str, block: Mapping[str, Any], allowed: str) -> Part:
    if kind == "text":
        return TextPart(_str(block, "text", where))
    if kind == "image":
        return _image(block, where)
    if kind in _THINKING or kind == "tool_use":
        raise _err(f"{where}.type", f"{kind!r} blocks belong in assistant turns.")
    raise _err(
        f"{where}.type", f"{kind!r} blocks are not supported by this gateway; use {allowed}."
    )


def _user(content: Any, path: str) -> list[Message]:
    """Tool results first, as `tool` messages answering the previous assistant turn, then the
    rest of the turn as one user message. Tool messages carry text only on every wire, so a
    result's images join that user message, where any model sees them. `is_error` has no
    unified counterpart (error results say so in their text)."""
    results: list[Message] = []
    parts: list[Part] = []
    for where, kind, block in _blocks(content, path):
        if kind != "tool_result":
            parts.append(_part(where, kind, block, "text, image or tool_result"))
            continue
        inner = block.get("content") or ""
        found = (
            [TextPart(inner)]
            if isinstance(inner, str)
            else [_part(*b, "text or image") for b in _blocks(inner, f"{where}.content")]
        )
        text = "\n".join(p.text for p in found if isinstance(p, TextPart))
        results.append(Message("tool", text, tool_call_id=_str(block, "tool_use_id", where)))
        parts.extend(p for p in found if isinstance(p, ImagePart))
    if len(parts) == 1 and isinstance(parts[0], TextPart):
        results.append(Message("user", parts[0].text))
    elif parts:
        results.append(Message("user", tuple(parts)))
    return results


def _assistant(content: Any, path: str) -> Message:
    texts: list[str] = []
    thoughts: list[str] = []
    items: list[Mapping[str, Any]] = []
    calls: list[ToolCall] = []
    for where, kind, block in _blocks(content, path):
        if kind == "text":
            texts.append(_str(block, "text", where))
        elif kind == "tool_use":
            args = block.get("input")
            if not isinstance(args, Mapping):
                raise _err(f"{where}.input", "must be an object.")
            call_id, name, args = _str(block, "id", where), _str(block, "name", where), dict(args)
            calls.append(ToolCall(call_id, name, args, json.dumps(args)))
        elif kind in _THINKING:
            if kind == "thinking":
                thoughts.append(_str(block, "thinking", where))
            if kind == "redacted_thinking" or block.get("signature"):
                items.append({k: v for k, v in block.items() if k != "cache_control"})
        elif kind in ("image", "tool_result"):
            raise _err(f"{where}.type", f"{kind!r} blocks belong in user turns.")
        else:
            raise _err(
                f"{where}.type",
                f"{kind!r} blocks are not supported by this gateway; "
                "use text, tool_use, thinking or redacted_thinking.",
            )
    return Message(
        "assistant",
        "".join(texts),
        tool_calls=tuple(calls),
        reasoning="".join(thoughts) or None,
        reasoning_items=tuple(items),
    )


def _image(block: Mapping[str, Any], where: str) -> ImagePart:
    at = f"{where}.source"
    source = block.get("source")
    if not isinstance(source, Mapping) or source.get("type") not in ("base64", "url"):
        raise _err(at, "must be {type: base64, media_type, data} or {type: url, url}.")
    if source["type"] == "url":
        url = _str(source, "url", at)
        if not url.startswith(("http://", "https://")):
            raise _err(f"{at}.url", "must be an http:// or https:// URL.")
        return ImagePart(url)
    media_type = source.get("media_type")
    if media_type not in _MEDIA_TYPES:
        raise _err(f"{at}.media_type", f"must be one of {', '.join(_MEDIA_TYPES)}.")
    return ImagePart(f"data:{media_type};base64,{_str(source, 'data', at)}")


def _tools(raw: Any) -> tuple[Tool, ...]:
    if raw is not None and not isinstance(raw, list):
        raise _err("tools", "must be a list of {name, description, input_schema} tools.")
    tools: list[Tool] = []
    for i, spec in enumerate(raw or ()):
        at = f"tools.{i}"
        if not isinstance(spec, Mapping):
            raise _err(at, "must be a tool: {name, description, input_schema}.")
        kind = spec.get("type")
        if kind not in (None, "custom"):
            raise _err(
                f"{at}.type",
                f"{kind!r}: server tools are not supported by this gateway; "
                "only custom tools {name, description, input_schema}.",
            )
        name = _str(spec, "name", at)
        if any(t.name == name for t in tools):
            raise _err(f"{at}.name", f"{name!r} names two tools; tool names must be unique.")
        schema = spec.get("input_schema")
        if not isinstance(schema, Mapping):
            raise _err(f"{at}.input_schema", "must be a JSON schema object.")
        description = _str(spec, "description", at) if "description" in spec else None
        tools.append(Tool(name, description, dict(schema)))
    return tuple(tools)


def _tool_choice(raw: Any, tools: tuple[Tool, ...]) -> ToolChoice | None:
    """Anthropic's choice in the OpenAI shape ChatRequest uses (see `tool_choice_mode`)."""
    if raw is None:
        return None
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if isinstance(kind, str) and kind in _CHOICES:
        return _CHOICES[kind]
    if kind != "tool":
        raise _err("tool_choice", "must be {type: auto | any | none} or {type: tool, name}.")
    name = _str(raw, "name", "tool_choice")
    if not any(t.name == name for t in tools):
        raise _err("tool_choice.name", f"{name!r} is not one of the request's tools.")
    return {"type": "function", "function": {"name": name}}


def _stop(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise _err("stop_sequences", "must be a list of strings.")
    return tuple(raw) or None


def _effort(raw: Any, max_tokens: int) -> str | None:
    """The smallest reasoning_effort whose budget covers `budget_tokens`. Adaptive thinking has
    no level: it reaches an Anthropic upstream through the passthrough, others run without."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if raw is None or kind in ("disabled", "adaptive", "between_tools"):
        return None
    if kind != "enabled":
        raise _err("thinking.type", "must be enabled, disabled, adaptive or between_tools.")
    budget = _int(raw.get("budget_tokens"))
    if budget is None or not 1024 <= budget < max_tokens:
        raise _err("thinking.budget_tokens", "must be an integer from 1024 up to max_tokens - 1.")
    return next((level for level, size in THINKING_BUDGETS.items() if size >= budget), "xhigh")


def _format(body: Mapping[str, Any]) -> JsonSchemaFormat | None:
    """`output_config.format`, or the older beta's top-level `output_format`."""
    config = body.get("output_config")
    if config is not None and not isinstance(config, Mapping):
        raise _err("output_config", "must be an object.")
    path, fmt = "output_format", body.get("output_format")
    if config and config.get("format") is not None:
        path, fmt = "output_config.format", config["format"]
    if fmt is None:
        return None
    schema = fmt.get("schema") if isinstance(fmt, Mapping) else None
    if not isinstance(schema, Mapping) or fmt.get("type") != "json_schema":
        raise _err(path, "must be {type: json_schema, schema: {...}}.")
    return JsonSchemaFormat(str(schema.get("title") or "response"), dict(schema))


# --- response ------------------------------------------------------------------------------


def _stop_reason(step: StepResult) -> str:
    if step.finish_reason == "stop" and step.raw_finish_reason == "stop_sequence":
        return "stop_sequence"
    if step.finish_reason in _STOP:
        return _STOP[step.finish_reason]
    raw = step.raw_finish_reason  # Anthropic's own reasons with no unified name pass through
    return raw if raw in _RAW_STOPS else "end_turn"


def _usage(usage: Usage) -> dict[str, int | None]:
    """Anthropic's counts: `input_tokens` without the cache reads and writes; None unknown."""
    read, written, fresh = usage.cached_input_tokens, usage.cache_write_tokens, usage.input_tokens
    return {
        "input_tokens": None if fresh is None else max(0, fresh - (read or 0) - (written or 0)),
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": written,
    }


def _message(info: ReplyInfo, content: list[Any], stop: str | None, usage: Any) -> dict[str, Any]:
    return {
        "id": f"msg_{info.id}",
        "type": "message",
        "role": "assistant",
        "model": info.model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }


def render_response(step: StepResult, info: ReplyInfo) -> dict[str, Any]:
    """Anthropic's own thinking blocks verbatim (signatures included); other upstreams'
    reasoning as one block with an empty signature, which parse_request keeps as text only."""
    content = [dict(i) for i in step.reasoning_items if i.get("type") in _THINKING]
    if not content and step.reasoning:
        content.append({"type": "thinking", "thinking": step.reasoning, "signature": ""})
    if step.text:
        content.append({"type": "text", "text": step.text})
    content.extend(
        {"type": "tool_use", "id": c.id, "name": c.name, "input": dict(c.arguments)}
        for c in step.tool_calls
    )
    usage = _usage(step.usage)
    # The SDK's Usage requires both counts as ints, so unknown is sent as 0 there only.
    usage["input_tokens"] = usage["input_tokens"] or 0
    usage["output_tokens"] = usage["output_tokens"] or 0
    return _message(info, content, _stop_reason(step), usage)


# --- stream --------------------------------------------------------------------------------


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

    Usage is only known at the end: `message_start` carries zeros and `message_delta` the real
    counts, input and cache included; both the SDK's `accumulate_event` and hfgate's own
    `EventAccumulator` take them from there. A thinking block gets its `signature_delta` when
    the upstream's block ends (`ReasoningItem`, from an Anthropic upstream), else unsigned."""

    def __init__(self, info: ReplyInfo) -> None:
        self.info = info
        self._index = -1  # the current (or last) block's index
        self._open: str | int | None = None  # "text" | "thinking" | a streamed call's index
        self._calls: dict[int, int] = {}  # streamed call index -> its block's index
        self._unconfirmed: list[str | None] = []  # ids of streamed calls not yet re-announced

    def start(self) -> list[str]:
        message = _message(self.info, [], None, {"input_tokens": 0, "output_tokens": 0})
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
        return [_frame("error", anthropic_error(status, message, None, code))]

    def _text(self, kind: str, delta: str, text: str) -> list[str]:
        if not text:
            return []
        frames: list[str] = []
        if self._open != kind:
            block = {"type": kind, kind: ""} | ({"signature": ""} if kind == "thinking" else {})
            frames = self._open_block(kind, block)
        frames.append(_delta(self._index, delta, kind, text))
        return frames

    def _reasoning_item(self, item: Mapping[str, Any]) -> list[str]:
        """An upstream block finished: sign the thinking block its deltas opened (a client in
        a tool loop must send it back signed), or relay a redacted block whole."""
        kind = item.get("type")
        if kind == "thinking" and self._open == "thinking":
            return self._close(str(item.get("signature") or "") or None)
        if kind not in _THINKING:
            return []
        frames = self._open_block("item", dict(item))
        return [*frames, *self._close()]

    def _tool_delta(self, delta: ToolCallDelta) -> list[str]:
        frames: list[str] = []
        index = self._calls.get(delta.index)
        if index is None:
            self._unconfirmed.append(delta.id)
            call_id = delta.id or f"toolu_{self.info.id}_{delta.index}"
            block = {"type": "tool_use", "id": call_id, "name": delta.name or "", "input": {}}
            frames = self._open_block(delta.index, block)
            index = self._calls[delta.index] = self._index
        # Every wire streams calls one after another; a fragment for a call whose block was
        # closed would still go to that block's index, which the SDK folds in.
        if delta.arguments_delta:
            frames.append(_delta(index, "input_json_delta", "partial_json", delta.arguments_delta))
        return frames

    def _tool_call(self, call: ToolCall) -> list[str]:
        """A complete call: nothing if it already streamed, else one whole block."""
        if call.id in self._unconfirmed or None in self._unconfirmed:
            # A call that streamed without an id is matched in order.
            self._unconfirmed.remove(call.id if call.id in self._unconfirmed else None)
            return []
        block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        frames = self._open_block("call", block)
        frames.append(
            _delta(self._index, "input_json_delta", "partial_json", json.dumps(call.arguments))
        )
        return [*frames, *self._close()]

    def _step_finish(self, step: StepResult) -> list[str]:
        frames = self._close(_signature(step) if self._open == "thinking" else None)
        usage = {k: v for k, v in _usage(step.usage).items() if v is not None}
        usage.setdefault("output_tokens", 0)  # the one count the SDK requires here
        delta = {"stop_reason": _stop_reason(step), "stop_sequence": None}
        data = {"type": "message_delta", "delta": delta, "usage": usage}
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


def _signature(step: StepResult) -> str | None:
    """The last thinking block's signature: the block still open when the step finished."""
    for item in reversed(step.reasoning_items):
        if item.get("type") == "thinking":
            return str(item.get("signature") or "") or None
    return None
