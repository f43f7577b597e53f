"""OpenAI chat completions as the gateway speaks it to clients: the mirror of
`hfgate.formats.chat_completions._wire`.

Parsing is strict where the client half is lenient: a client's mistake is answered with a 400
naming the field, and an image is only ever a URL (http(s) or `data:`), never a local path.
The deprecated `functions`/`function_call` are rejected, not mapped: a legacy client would
get `tool_calls` back, which it cannot read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from hfgate.errors import ConfigError
from hfgate.formats.base import Inbound, ReplyInfo, RequestError, is_image_url
from hfgate.formats.error_bodies import openai_error
from hfgate.inputs.messages import parse_arguments
from hfgate.inputs.request import (
    ChatRequest,
    ResponseFormat,
    ToolChoice,
    to_response_format,
    to_stop,
)
from hfgate.inputs.tools import Tool
from hfgate.types import (
    FinishReason,
    ImagePart,
    Message,
    Part,
    ReasoningDelta,
    Role,
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

__all__ = ["ChunkRenderer", "parse_request", "render_error", "render_response"]

_ROLES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
}
# Content part types per role; client values are checked against tuples, which never hash.
_PARTS: dict[Role, tuple[str, ...]] = {
    "user": ("text", "image_url"),
    "assistant": ("text", "refusal"),
    "system": ("text",),
    "tool": ("text",),
}
_UNSUPPORTED_PARTS = ("input_audio", "file")
_MODES = ("auto", "none", "required")
_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "temperature": ((int, float), "a number"),
    "top_p": ((int, float), "a number"),
    "seed": (int, "an integer"),
    "max_tokens": (int, "an integer"),
    "max_completion_tokens": (int, "an integer"),
    "reasoning_effort": (str, "a string"),
    "stream": (bool, "true or false"),
    "stream_options": (Mapping, "an object"),
}
_CONSUMED = frozenset(
    "model messages stream stream_options n tools tool_choice response_format temperature top_p "
    "seed max_tokens max_completion_tokens stop reasoning_effort functions function_call".split()
)
_FINISH: dict[FinishReason, str] = {
    "stop": "stop",
    "length": "length",
    "tool-calls": "tool_calls",
    "content-filter": "content_filter",
}
_dumps = json.JSONEncoder(separators=(",", ":")).encode
_DONE = "data: [DONE]\n\n"
_CLOSE = '},"finish_reason":null}]}\n\n'

render_error = openai_error


# --- request -------------------------------------------------------------------------------


def _fail(param: str | None, message: str) -> NoReturn:
    raise RequestError(message, param=param)


def parse_request(body: Any) -> Inbound:
    """A POST /v1/chat/completions body -> `Inbound`; fields ChatRequest does not model pass
    through unchanged for an upstream that speaks the same wire."""
    if not isinstance(body, Mapping):
        _fail(None, "The request body must be a JSON object.")
    model = _name(body.get("model"), "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        _fail("messages", "messages must be a non-empty list of message objects.")
    if body.get("n") not in (None, 1) or body.get("n") is True:
        _fail("n", "n must be 1: this gateway returns one choice per request.")
    for key in ("functions", "function_call"):
        if body.get(key) is not None:
            _fail(key, f"{key} is deprecated and not supported; use tools and tool_choice.")
    for key, (kind, what) in _FIELDS.items():
        if body.get(key) is not None and not _is(body[key], kind):
            _fail(key, f"{key} must be {what}.")
    options = body.get("stream_options") or {}
    if options.get("include_usage") is not None and not _is(options["include_usage"], bool):
        _fail("stream_options.include_usage", "stream_options.include_usage must be a boolean.")
    tools = _tools(body.get("tools"))
    limit = body.get("max_completion_tokens")
    request = ChatRequest(
        model=model,
        messages=tuple(_message(m, f"messages.{i}") for i, m in enumerate(messages)),
        tools=tools,
        tool_choice=_tool_choice(body.get("tool_choice"), tools),
        response_format=_response_format(body.get("response_format")),
        temperature=body.get("temperature"),
        max_tokens=body.get("max_tokens") if limit is None else limit,
        top_p=body.get("top_p"),
        stop=_stop(body.get("stop")),
        seed=body.get("seed"),
        reasoning_effort=body.get("reasoning_effort"),
    )
    passthrough = {k: v for k, v in body.items() if k not in _CONSUMED}
    # include_usage defaults to False, as at OpenAI: no usage chunk unless asked.
    usage = bool(options.get("include_usage"))
    return Inbound(request, bool(body.get("stream")), usage, passthrough)


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    """isinstance, except that a bool is not a number."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _opt(value: Any, param: str) -> str | None:
    if value is not None and not isinstance(value, str):
        _fail(param, f"{param} must be a string.")
    return value


def _name(value: Any, param: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(param, f"{param} must be a non-empty string.")
    return value


def _stop(value: Any) -> tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return to_stop(value)
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        _fail("stop", "stop must be a string or a list of strings.")
    return to_stop(value)


def _message(raw: Any, at: str) -> Message:
    if not isinstance(raw, Mapping):
        _fail(at, f"{at} must be a message object.")
    given = raw.get("role")
    role = _ROLES.get(given) if isinstance(given, str) else None
    if role is None:
        hint = " ('function' is deprecated: use 'tool')" if given == "function" else ""
        _fail(
            f"{at}.role",
            f"{at}.role must be system, developer, user, assistant or tool; got {given!r}{hint}.",
        )
    name = _opt(raw.get("name"), f"{at}.name")
    content = _content(raw.get("content"), f"{at}.content", role)
    if role == "assistant":
        return _assistant(raw, at, content, name)
    if role == "tool":
        call_id = _name(raw.get("tool_call_id"), f"{at}.tool_call_id")
        return Message(role, content, tool_call_id=call_id, name=name)
    return Message(role, content, name=name)


def _content(raw: Any, at: str, role: Role) -> str | tuple[Part, ...]:
    if isinstance(raw, str):
        return raw
    if raw is None and role == "assistant":  # null content beside tool_calls
        return ""
    allowed = _PARTS[role]
    if not isinstance(raw, list):
        _fail(at, f"{at} must be a string or a list of content parts ({', '.join(allowed)}).")
    return tuple(_part(p, f"{at}.{i}", allowed) for i, p in enumerate(raw))


def _part(raw: Any, at: str, allowed: tuple[str, ...]) -> Part:
    if not isinstance(raw, Mapping):
        _fail(at, f"{at} must be a content part object.")
    kind = raw.get("type")
    if kind in ("text", "refusal") and kind in allowed:
        text = raw.get(kind)  # a refusal part keeps its text under "refusal"
        if not isinstance(text, str):
            _fail(f"{at}.{kind}", f"{at}.{kind} must be a string.")
        return TextPart(text)
    if kind == "image_url" and kind in allowed:
        return _image(raw.get("image_url"), f"{at}.image_url")
    if kind in _UNSUPPORTED_PARTS:
        _fail(f"{at}.type", f"{kind} content parts are not supported; send {' or '.join(allowed)}.")
    _fail(f"{at}.type", f"{at}.type must be one of {', '.join(allowed)}; got {kind!r}.")


def _image(raw: Any, at: str) -> ImagePart:
    url = raw.get("url") if isinstance(raw, Mapping) else None
    if not is_image_url(url):
        _fail(f"{at}.url", f"{at}.url must be an http(s) URL or a data: URL.")
    detail = raw.get("detail")
    if detail is not None and detail not in ("auto", "low", "high"):
        _fail(f"{at}.detail", f"{at}.detail must be auto, low or high.")
    return ImagePart(url, detail)


def _assistant(
    raw: Mapping[str, Any], at: str, content: str | tuple[Part, ...], name: str | None
) -> Message:
    if raw.get("function_call") is not None:
        _fail(f"{at}.function_call", "function_call is deprecated; use tool_calls.")
    calls = raw.get("tool_calls")
    if calls is not None and not isinstance(calls, list):
        _fail(f"{at}.tool_calls", f"{at}.tool_calls must be a list of tool calls.")
    reasoning = None
    for key in ("reasoning_content", "reasoning"):
        reasoning = reasoning or _opt(raw.get(key), f"{at}.{key}")
    refusal = _opt(raw.get("refusal"), f"{at}.refusal")
    return Message(
        "assistant",
        content or refusal or "",
        tool_calls=tuple(_tool_call(c, f"{at}.tool_calls.{i}") for i, c in enumerate(calls or ())),
        name=name,
        reasoning=reasoning or None,
    )


def _tool_call(raw: Any, at: str) -> ToolCall:
    if not isinstance(raw, Mapping) or raw.get("type", "function") != "function":
        _fail(at, f"{at} must be a function tool call {{id, type: function, function}}.")
    fn = raw.get("function")
    if not isinstance(fn, Mapping):
        _fail(f"{at}.function", f"{at}.function must be an object {{name, arguments}}.")
    args = fn.get("arguments", "")
    if not isinstance(args, str | Mapping):
        _fail(f"{at}.function.arguments", f"{at}.function.arguments must be a JSON string.")
    call_id, name = _name(raw.get("id"), f"{at}.id"), _name(fn.get("name"), f"{at}.function.name")
    text = args if isinstance(args, str) else json.dumps(args)
    return ToolCall(call_id, name, parse_arguments(args), text)


def _tools(raw: Any) -> tuple[Tool, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        _fail("tools", "tools must be a list of function tools.")
    out: dict[str, Tool] = {}
    for i, spec in enumerate(raw):
        at = f"tools.{i}"
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        if kind != "function":
            _fail(f"{at}.type", f"Only function tools are supported; {at}.type is {kind!r}.")
        fn = spec.get("function")
        if not isinstance(fn, Mapping):
            _fail(f"{at}.function", f"{at}.function must be an object {{name, parameters}}.")
        name = _name(fn.get("name"), f"{at}.function.name")
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(params, Mapping):
            _fail(f"{at}.function.parameters", "parameters must be a JSON schema object.")
        if name in out:
            _fail(f"{at}.function.name", f"Two tools share the name {name!r}.")
        description = _opt(fn.get("description"), f"{at}.function.description")
        out[name] = Tool(name, description, params)
    return tuple(out.values())


def _tool_choice(raw: Any, tools: tuple[Tool, ...]) -> ToolChoice | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw in _MODES:
        if raw == "required" and not tools:
            _fail("tool_choice", "tool_choice 'required' needs at least one tool in tools.")
        return raw
    if isinstance(raw, Mapping) and raw.get("type") == "function":
        fn = raw.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else None
        known = [t.name for t in tools]
        if not isinstance(name, str) or name not in known:
            _fail("tool_choice.function.name", f"tool_choice must name one of tools: {known}.")
        return {"type": "function", "function": {"name": name}}
    _fail(
        "tool_choice",
        "tool_choice must be auto, none, required or {type: function, function: {name}}.",
    )


def _response_format(raw: Any) -> ResponseFormat | None:
    if raw is None:
        return None
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind == "json_schema":
        spec = raw.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            _fail("response_format.json_schema", "json_schema must be {name, schema, strict}.")
        _opt(spec.get("name"), "response_format.json_schema.name")
    elif kind not in ("text", "json_object"):
        _fail("response_format.type", "must be text, json_object or json_schema.")
    try:
        return to_response_format(raw)
    except ConfigError as exc:
        raise RequestError(str(exc), param="response_format") from exc


# --- response ------------------------------------------------------------------------------


def render_response(step: StepResult, info: ReplyInfo) -> dict[str, Any]:
    """One `chat.completion` with a single choice."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": step.text or (None if step.tool_calls else ""),
        "refusal": None,
    }
    if step.reasoning:
        message["reasoning_content"] = step.reasoning  # the HF router's field name
    if step.tool_calls:
        message["tool_calls"] = [_call(c) for c in step.tool_calls]
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(step)}
    body: dict[str, Any] = {
        "id": f"chatcmpl-{info.id}",
        "object": "chat.completion",
        "created": info.created,
        "model": info.model,
        "choices": [choice],
    }
    usage = _usage(step.usage)
    if usage is not None:
        body["usage"] = usage
    return body


def _finish(step: StepResult) -> str:
    # error/other: clients loop on tool_calls, so say so when the step has calls.
    return _FINISH.get(step.finish_reason) or ("tool_calls" if step.tool_calls else "stop")


def _call(call: ToolCall, index: int | None = None) -> dict[str, Any]:
    fn = {"name": call.name, "arguments": call.raw_arguments or _dumps(call.arguments)}
    out = {"id": call.id, "type": "function", "function": fn}
    return out if index is None else {"index": index, **out}


def _usage(u: Usage) -> dict[str, Any] | None:
    inp, out, total = u.input_tokens, u.output_tokens, u.total_tokens
    if inp is None and out is None and total is None:
        return None
    # A missing count is derived from the other two (total = prompt + completion), so a 0 is
    # never needed; with only one count known the others stay null, never a made-up 0.
    if total is None and inp is not None and out is not None:
        total = inp + out
    elif inp is None and total is not None and out is not None:
        inp = total - out
    elif out is None and total is not None and inp is not None:
        out = total - inp
    usage: dict[str, Any] = {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": total}
    details = {"cached_tokens": u.cached_input_tokens, "cache_write_tokens": u.cache_write_tokens}
    if any(v is not None for v in details.values()):
        usage["prompt_tokens_details"] = {k: v for k, v in details.items() if v is not None}
    if u.reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": u.reasoning_tokens}
    return usage


# --- stream --------------------------------------------------------------------------------


class ChunkRenderer:
    """Unified stream events -> `chat.completion.chunk` SSE frames.

    Tool-call indexes are renumbered 0, 1, ... in order of appearance (the openai SDK indexes
    a list with them); a call that arrives whole (`ToolCallEvent`, or only in `StepFinish`) is
    sent as one delta unless it already streamed. A final usage chunk follows when
    `info.include_usage`."""

    def __init__(self, info: ReplyInfo) -> None:
        head = _dumps(
            {
                "id": f"chatcmpl-{info.id}",
                "object": "chat.completion.chunk",
                "created": info.created,
                "model": info.model,
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
            return [f'{self._choice}{{"content":{_dumps(event.text)}{_CLOSE}'] if event.text else []
        if isinstance(event, ReasoningDelta):
            if not event.text:
                return []
            return [f'{self._choice}{{"reasoning_content":{_dumps(event.text)}{_CLOSE}']
        if isinstance(event, ToolCallDelta):
            return [self._fragment(event)]
        if isinstance(event, ToolCallEvent):
            return self._whole(event.tool_call)
        if isinstance(event, StepFinish):
            self._usage = event.step.usage
            frames = [f for call in event.step.tool_calls for f in self._whole(call)]
            reason = _dumps(_finish(event.step))
            return [*frames, f'{self._choice}{{}},"finish_reason":{reason}}}]}}\n\n']
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
        return f'{self._choice}{{"tool_calls":[{_dumps(call)}]{_CLOSE}'

    def _whole(self, call: ToolCall) -> list[str]:
        if call.id in self._sent:
            return []
        self._sent.add(call.id)
        if self._anonymous:  # it streamed under the id we made up: match by id, else by order
            made_up = call.id if call.id in self._anonymous else self._anonymous[0]
            self._anonymous.remove(made_up)
            return []
        index, self._count = self._count, self._count + 1
        return [f'{self._choice}{{"tool_calls":[{_dumps(_call(call, index))}]{_CLOSE}']

    def finish(self) -> list[str]:
        usage = _usage(self._usage) if self._include and self._usage else None
        return [f"{self._usage_head}{_dumps(usage)}}}\n\n", _DONE] if usage else [_DONE]

    def error(self, status: int, message: str, code: str | None = None) -> list[str]:
        return [f"data: {_dumps(openai_error(status, message, None, code))}\n\n", _DONE]
