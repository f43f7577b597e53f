"""The OpenAI Responses API (`POST /v1/responses`) as the gateway serves it: the mirror of
`hfgate.formats.responses._wire`.

The gateway keeps no state, so whatever points at state stored on a server
(`previous_response_id`, `conversation`, `background`, `item_reference`, `file_id`) is refused
with a message saying to send the whole conversation in `input`. Only function tools exist
here: OpenAI's built-in tools run on OpenAI's servers, not behind any upstream. Reasoning items
in `input` become the next assistant message's `reasoning` (encrypted content is dropped: only
OpenAI can read it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from hfgate.formats.base import Inbound, ReplyInfo, RequestError, is_image_url
from hfgate.formats.error_bodies import openai_error
from hfgate.formats.responses._wire import reasoning_text
from hfgate.inputs.messages import parse_arguments
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat, ResponseFormat
from hfgate.inputs.tools import Tool
from hfgate.types import (
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

__all__ = ["EventRenderer", "parse_request", "render_error", "render_response"]

render_error = openai_error

# Client values are compared with tuples, never looked up in a dict or set: a list or an
# object where a string belongs would not hash.
_ROLES: tuple[tuple[str, Role], ...] = (
    ("user", "user"),
    ("system", "system"),
    ("developer", "system"),
    ("assistant", "assistant"),
)
_MODES = ("auto", "none", "required")
_HANDLED = frozenset(
    "model input instructions tools tool_choice text temperature top_p max_output_tokens "
    "reasoning stream previous_response_id conversation background".split()
)
_STATELESS = "this gateway keeps no conversation state; send the whole conversation in `input`."
_ITEMS = "message, function_call, function_call_output or reasoning"
_URLS = "send the image in `image_url`, as an http(s) URL or a data: URL."
_FUNCTIONS_ONLY = (
    'this gateway serves only function tools (type "function"); built-in tools such as '
    "web_search, file_search and code_interpreter are not available."
)
_FLAT = "Responses tools are flat ({type, name, description, parameters}), with no `function`."
_TOOL_CHOICE = (
    'tool_choice must be "auto", "none", "required" or {"type": "function", "name": ...}; '
    "built-in tool and allowed_tools choices are not supported by this gateway."
)
_INCOMPLETE = {"length": "max_output_tokens", "content-filter": "content_filter"}
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _bad(param: str, message: str) -> NoReturn:
    raise RequestError(message, param=param)


# --- request -------------------------------------------------------------------------------


def parse_request(body: Any) -> Inbound:
    if not isinstance(body, Mapping):
        raise RequestError("The request body must be a JSON object.")
    for key in ("previous_response_id", "conversation", "background"):
        if body.get(key) not in (None, False):
            _bad(key, f"`{key}` is not supported: {_STATELESS}")
    model, stream, instructions = body.get("model"), body.get("stream"), body.get("instructions")
    if not isinstance(model, str) or not model:
        _bad("model", "`model` is required: the model name, a string.")
    if not isinstance(stream, bool | None):
        _bad("stream", "`stream` must be true or false.")
    if not isinstance(instructions, str | None):
        _bad("instructions", "`instructions` must be a string.")
    fmt, text_rest = _text(body.get("text"))
    effort, reasoning_rest = _reasoning(body.get("reasoning"))
    request = ChatRequest(
        model=model,
        messages=(*([Message("system", instructions)] if instructions else []), *_input(body)),
        tools=_tools(body.get("tools")),
        tool_choice=_tool_choice(body.get("tool_choice")),
        response_format=fmt,
        temperature=_number(body, "temperature"),
        top_p=_number(body, "top_p"),
        max_tokens=_count(body, "max_output_tokens"),
        reasoning_effort=effort,
    )
    passthrough = {k: v for k, v in body.items() if k not in _HANDLED}
    if text_rest:
        passthrough["text"] = text_rest  # `verbosity`, merged back into a Responses upstream
    if reasoning_rest:
        passthrough["reasoning"] = reasoning_rest  # `summary`, likewise
    return Inbound(request, stream=bool(stream), passthrough=passthrough)


def _input(body: Mapping[str, Any]) -> list[Message]:
    value = body.get("input")
    if isinstance(value, str):
        return [Message("user", value)]
    if not isinstance(value, list) or not value:
        _bad("input", "`input` is required: a string, or a non-empty list of input items.")
    out: list[Message] = []
    names: dict[str, str] = {}  # call id -> tool name, to name the tool messages
    reasoning: list[str] = []  # reasoning items waiting for their assistant message
    for i, item in enumerate(value):
        where = f"input.{i}"
        if not isinstance(item, Mapping):
            _bad(where, "Each input item must be an object.")
        kind = item.get("type", "message")  # the short {role, content} form has no type
        if kind == "message":
            msg = _message(item, where)
            out.append(_with_reasoning(msg, reasoning) if msg.role == "assistant" else msg)
        elif kind == "function_call":
            call = _call(item, where)
            names[call.id] = call.name
            if out and out[-1].role == "assistant":  # one turn: its text and all its calls
                last = out.pop()
                reasoning[:0] = [last.reasoning] if last.reasoning else []
                out.append(Message("assistant", last.content, (*last.tool_calls, call)))
            else:
                out.append(Message("assistant", tool_calls=(call,)))
            out[-1] = _with_reasoning(out[-1], reasoning)
        elif kind == "function_call_output":
            out.append(_call_output(item, where, names))
        elif kind == "reasoning":
            reasoning.extend(t for t in [reasoning_text(item)] if t)
        else:
            _bad(f"{where}.type", f"Input item type {kind!r} is not supported; use {_ITEMS}.")
    return out


def _with_reasoning(msg: Message, pending: list[str]) -> Message:
    if not pending:
        return msg
    text = "\n\n".join(pending)
    pending.clear()
    return Message("assistant", msg.content, msg.tool_calls, reasoning=text)


def _message(item: Mapping[str, Any], where: str) -> Message:
    role = next((r for name, r in _ROLES if item.get("role") == name), None)
    content = item.get("content")
    if role is None:
        _bad(f"{where}.role", "`role` must be user, system, developer or assistant.")
    if isinstance(content, str):
        return Message(role, content)
    if not isinstance(content, list):
        _bad(f"{where}.content", "`content` must be a string or a list of content parts.")
    parts = [_part(p, f"{where}.content.{j}") for j, p in enumerate(content)]
    if role == "user":
        return Message(role, tuple(parts))
    for j, part in enumerate(parts):
        if isinstance(part, ImagePart):
            _bad(f"{where}.content.{j}", "Images are allowed only in user messages.")
    return Message(role, "".join(p.text for p in parts if isinstance(p, TextPart)))


def _part(part: Any, where: str) -> Part:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind in ("input_text", "output_text", "refusal"):
        key = "refusal" if kind == "refusal" else "text"
        text = part.get(key)
        if not isinstance(text, str):
            _bad(f"{where}.{key}", f"A {kind} part needs `{key}`, a string.")
        return TextPart(text)
    if kind != "input_image":
        _bad(
            f"{where}.type", f"Part type {kind!r} is not supported; use input_text or input_image."
        )
    url, detail = part.get("image_url"), part.get("detail")
    if url is None and part.get("file_id") is not None:
        _bad(f"{where}.file_id", f"Uploaded files are not supported: {_URLS}")
    if not is_image_url(url):
        _bad(f"{where}.image_url", f"Not an image URL: {_URLS}")
    if not isinstance(detail, str | None):
        _bad(f"{where}.detail", "`detail` must be low, high or auto.")
    return ImagePart(url, detail)


def _call(item: Mapping[str, Any], where: str) -> ToolCall:
    call_id, name, args = item.get("call_id"), item.get("name"), item.get("arguments")
    if not isinstance(call_id, str) or not call_id:
        _bad(f"{where}.call_id", "A function_call needs `call_id`, a string.")
    if not isinstance(name, str) or not name:
        _bad(f"{where}.name", "A function_call needs `name`, a string.")
    if not isinstance(args, str):
        _bad(f"{where}.arguments", "A function_call needs `arguments`, a JSON string.")
    return ToolCall(call_id, name, parse_arguments(args), args)


def _call_output(item: Mapping[str, Any], where: str, names: Mapping[str, str]) -> Message:
    call_id, output = item.get("call_id"), item.get("output")
    if not isinstance(call_id, str) or not call_id:
        _bad(f"{where}.call_id", "A function_call_output needs `call_id`, a string.")
    if isinstance(output, list):
        for j, part in enumerate(output):
            if not isinstance(part, Mapping) or part.get("type") != "input_text":
                _bad(f"{where}.output.{j}", "Only input_text parts can be a function's output.")
        output = "".join(str(part.get("text") or "") for part in output)
    if not isinstance(output, str):
        _bad(f"{where}.output", "`output` must be a string or a list of input_text parts.")
    return Message("tool", output, tool_call_id=call_id, name=names.get(call_id))


def _tools(value: Any) -> tuple[Tool, ...]:
    if not isinstance(value, list | None):
        _bad("tools", "`tools` must be a list of function tools.")
    tools: list[Tool] = []
    for i, spec in enumerate(value or ()):
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        if kind != "function":
            _bad(f"tools.{i}.type", f"Tool type {kind!r} is not supported: {_FUNCTIONS_ONLY}")
        name, params, about = spec.get("name"), spec.get("parameters"), spec.get("description")
        if not isinstance(name, str) or not name:
            _bad(f"tools.{i}.name", f"A function tool needs `name`; {_FLAT}")
        if not isinstance(params, Mapping | None):
            _bad(f"tools.{i}.parameters", "`parameters` must be a JSON schema object.")
        if not isinstance(about, str | None):
            _bad(f"tools.{i}.description", "`description` must be a string.")
        if any(t.name == name for t in tools):
            _bad(f"tools.{i}.name", f"Two tools share the name {name!r}.")
        # `strict` has no unified field: hfgate.formats asks every upstream for strict: false.
        tools.append(Tool(name, about, params or {"type": "object", "properties": {}}))
    return tuple(tools)


def _tool_choice(value: Any) -> str | dict[str, Any] | None:
    if value is None or (isinstance(value, str) and value in _MODES):
        return value
    name = value.get("name") if isinstance(value, Mapping) else None
    if isinstance(name, str) and name and value.get("type") == "function":
        return {"type": "function", "name": name}
    _bad("tool_choice", _TOOL_CHOICE)


def _text(value: Any) -> tuple[ResponseFormat | None, dict[str, Any]]:
    if not isinstance(value, Mapping | None):
        _bad("text", "`text` must be an object such as {format: {type: json_schema, ...}}.")
    fmt = (value or {}).get("format")
    rest = {k: v for k, v in (value or {}).items() if k != "format"}
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if fmt is None or kind in ("text", "json_object"):
        return (None if fmt is None else RawFormat({"type": kind})), rest
    if kind != "json_schema":
        _bad("text.format.type", "text.format.type must be text, json_object or json_schema.")
    name, schema, strict = fmt.get("name", "response"), fmt.get("schema"), fmt.get("strict")
    if not isinstance(name, str) or not isinstance(schema, Mapping):
        _bad("text.format", "A json_schema format needs `name` (a string) and `schema`.")
    if not isinstance(strict, bool | None):
        _bad("text.format.strict", "`strict` must be true or false.")
    return JsonSchemaFormat(name, schema, strict), rest


def _reasoning(value: Any) -> tuple[str | None, dict[str, Any]]:
    effort = value.get("effort") if isinstance(value, Mapping) else None
    if not isinstance(value, Mapping | None) or not isinstance(effort, str | None):
        _bad("reasoning", "`reasoning` must be an object such as {effort: low|medium|high}.")
    return effort, {k: v for k, v in (value or {}).items() if k != "effort"}


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value: float | None = body.get(key)
    if value is not None and type(value) not in (int, float):  # bool is no number
        _bad(key, f"`{key}` must be a number.")
    return value


def _count(body: Mapping[str, Any], key: str) -> int | None:
    value: int | None = body.get(key)
    if value is not None and (type(value) is not int or value < 1):  # bool is no count
        _bad(key, f"`{key}` must be a positive integer.")
    return value


# --- response ------------------------------------------------------------------------------


def render_response(step: StepResult, info: ReplyInfo) -> dict[str, Any]:
    """Item ids are `<kind>_<info.id>_<output index>`, as the stream names them, so a stream's
    final `response.completed` equals this answer."""
    pieces = [("reasoning", step.reasoning or "", "", ""), ("message", step.text, "", "")]
    pieces += [("function_call", _args(c), c.id, c.name) for c in step.tool_calls]
    output: list[dict[str, Any]] = []
    for kind, text, call_id, name in pieces:
        if text:
            output.append(_item(kind, _item_id(kind, info.id, len(output)), text, call_id, name))
    return _response(info, output, step)


def _response(
    info: ReplyInfo, output: list[dict[str, Any]], step: StepResult | None, status: str = ""
) -> dict[str, Any]:
    """The request's settings are not echoed (a dialect sees only the step): `tools` is []
    and `tool_choice` "auto", as the client schema requires some value."""
    reason = _INCOMPLETE.get(step.finish_reason) if step else None
    return {
        "id": f"resp_{info.id}",
        "object": "response",
        "created_at": info.created,
        "status": status or ("incomplete" if reason else "completed"),
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "model": info.model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": _usage(step.usage) if step else None,
    }


def _usage(u: Usage) -> dict[str, Any] | None:
    """The client schema demands every count, so an unknown detail is sent as 0; usage is
    null only when no count at all is known."""
    if u.input_tokens is None and u.output_tokens is None and u.total_tokens is None:
        return None
    inp, out = u.input_tokens or 0, u.output_tokens or 0
    cached, written = u.cached_input_tokens or 0, u.cache_write_tokens or 0
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": written},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens or 0},
        "total_tokens": u.total_tokens if u.total_tokens is not None else inp + out,
    }


def _args(call: ToolCall) -> str:
    return call.raw_arguments or json.dumps(call.arguments)


# kind -> id prefix, text events, part events, the part's index field in its events
_KINDS = {
    "reasoning": ("rs", "response.reasoning_summary_text", "response.reasoning_summary_part"),
    "message": ("msg", "response.output_text", "response.content_part"),
    "function_call": ("fc", "response.function_call_arguments", ""),
}
_PART_INDEX = {"reasoning": "summary_index", "message": "content_index"}


def _item_id(kind: str, info_id: str, index: int) -> str:
    return f"{_KINDS[kind][0]}_{info_id}_{index}"


def _item(
    kind: str, item_id: str, text: str | None, call_id: str = "", name: str = ""
) -> dict[str, Any]:
    """An output item; `text` None for one just opened (in progress, nothing in it yet)."""
    base = {"id": item_id, "type": kind, "status": "in_progress" if text is None else "completed"}
    parts = [] if text is None else [_out_part(kind, text)]
    if kind == "reasoning":
        return {**base, "summary": parts}
    if kind == "message":
        return {**base, "role": "assistant", "content": parts}
    return {**base, "call_id": call_id, "name": name, "arguments": text or ""}


def _out_part(kind: str, text: str) -> dict[str, Any]:
    if kind == "reasoning":
        return {"type": "summary_text", "text": text}
    return {"type": "output_text", "text": text, "annotations": []}


# --- stream --------------------------------------------------------------------------------


class _Item:
    """The output item being streamed. Its delta frames are `head + JSON(text) + tail` and
    the sequence number, so a delta costs one string encode."""

    __slots__ = ("kind", "index", "id", "where", "texts", "parts", "fragments", "head", "tail")

    def __init__(self, kind: str, index: int, info_id: str) -> None:
        _, self.texts, self.parts = _KINDS[kind]
        self.kind, self.index, self.id = kind, index, _item_id(kind, info_id, index)
        self.where: dict[str, Any] = {"item_id": self.id, "output_index": index}
        if kind in _PART_INDEX:
            self.where[_PART_INDEX[kind]] = 0
        self.fragments: list[str] = []
        fields = _JSON({"type": f"{self.texts}.delta", **self.where})[:-1]  # left open
        self.head = f'event: {self.texts}.delta\ndata: {fields},"delta":'
        self.tail = ',"logprobs":[]' if kind == "message" else ""


class _Call(_Item):
    __slots__ = ("call_id", "name")

    def __init__(self, index: int, info_id: str, call_id: str, name: str) -> None:
        super().__init__("function_call", index, info_id)
        self.call_id, self.name = call_id, name


class EventRenderer:
    """Unified events -> Responses SSE frames. One item is open at a time: output of another
    kind closes it with its `*.done` events, as OpenAI streams. The final response is built
    from the items streamed, so its ids and order match the frames; for the usual order
    (reasoning, text, calls) it equals `render_response`."""

    def __init__(self, info: ReplyInfo) -> None:
        self.info = info
        self._seq = 0
        self._items: list[dict[str, Any]] = []
        self._open: _Item | None = None
        self._calls: dict[int | str, _Call] = {}
        """This step's calls: by delta index, or by call id for a call that came whole."""
        self._step: StepResult | None = None

    def _frame(self, kind: str, data: dict[str, Any]) -> str:
        data = {"type": kind, **data, "sequence_number": self._seq}
        self._seq += 1
        return f"event: {kind}\ndata: {_JSON(data)}\n\n"

    def _delta(self, item: _Item, text: str) -> str:
        item.fragments.append(text)
        self._seq += 1
        return f'{item.head}{_JSON(text)}{item.tail},"sequence_number":{self._seq - 1}}}\n\n'

    def start(self) -> list[str]:
        base = _response(self.info, [], None, "in_progress")
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
        item = self._open = _Item(kind, len(self._items), self.info.id)
        return [*frames, *self._added(item, _item(kind, item.id, None)), self._delta(item, text)]

    def _added(self, item: _Item, body: dict[str, Any]) -> list[str]:
        frames = [
            self._frame("response.output_item.added", {"output_index": item.index, "item": body})
        ]
        if item.parts:
            part = {**item.where, "part": _out_part(item.kind, "")}
            frames.append(self._frame(f"{item.parts}.added", part))
        return frames

    def _start_call(self, key: int | str, call_id: str, name: str) -> tuple[_Call, list[str]]:
        frames = self._close()
        call = self._open = self._calls[key] = _Call(len(self._items), self.info.id, call_id, name)
        return call, frames + self._added(call, _item(call.kind, call.id, None, call_id, name))

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
            frames.append(self._delta(call, _args(tool_call)))
        call.fragments, call.name = [_args(tool_call)], tool_call.name or call.name
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
        if isinstance(item, _Call):
            body = _item(item.kind, item.id, text, item.call_id, item.name)
            frames = [self._frame(f"{item.texts}.done", {**item.where, "arguments": text})]
        else:
            body = _item(item.kind, item.id, text)
            logprobs: dict[str, Any] = {"logprobs": []} if item.kind == "message" else {}
            frames = [
                self._frame(f"{item.texts}.done", {**item.where, "text": text, **logprobs}),
                self._frame(
                    f"{item.parts}.done", {**item.where, "part": _out_part(item.kind, text)}
                ),
            ]
        self._items.append(body)
        done = {"output_index": item.index, "item": body}
        return [*frames, self._frame("response.output_item.done", done)]

    def finish(self) -> list[str]:
        frames = self._close()
        response = _response(self.info, self._items, self._step)
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return [*frames, self._frame(kind, {"response": response})]

    def error(self, status: int, message: str, code: str | None = None) -> list[str]:
        """An `error` event, then `response.failed`. The error's fields are both flat (as
        OpenAI's reference and the SDK types have them) and nested under `error` (as OpenAI
        really sends them, the one shape on which the openai SDK raises `APIError`);
        `response.failed` is for clients that watch the response's status instead."""
        nested = openai_error(status, message, None, code)["error"]
        flat = {"code": code or nested["type"], "message": message, "param": None}
        failed = _response(self.info, self._items, None, "failed")
        kind = "rate_limit_exceeded" if status == 429 else "server_error"  # the schema's codes
        failed["error"] = {"code": kind, "message": message}
        return [
            self._frame("error", {**flat, "error": nested}),
            self._frame("response.failed", {"response": failed}),
        ]
