"""Responses input items in both directions: unified messages rendered as an upstream's
`input`, and a client's `input`, checked strictly, back into unified messages.

Tool results go as `function_call_output` items, so the multi-step loop works (the AI SDK's HF
provider drops them). Reasoning items in a client's `input` become the next assistant
message's `reasoning` (encrypted content is dropped: only OpenAI can read it). A client's image
is only ever a URL, never a file uploaded to a server this gateway does not have.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.formats.base import is_image_url
from hfgate.formats.responses.tools import flat_name
from hfgate.formats.responses.vocabulary import fail, reasoning_text
from hfgate.inputs.messages import parse_arguments
from hfgate.types import ImagePart, Message, Part, Role, TextPart, ToolCall

# Client values are compared with tuples, never looked up in a dict or set: a list or an
# object where a string belongs would not hash.
_ROLES: tuple[tuple[str, Role], ...] = (
    ("user", "user"),
    ("system", "system"),
    ("developer", "system"),
    ("assistant", "assistant"),
)
_ITEMS = (
    "message, function_call, function_call_output, custom_tool_call, custom_tool_call_output "
    "or reasoning"
)
_URLS = "send the image in `image_url`, as an http(s) URL or a data: URL."


# --- unified -> Responses ------------------------------------------------------------------


def render_input(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
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
            items.append({"role": m.role, "content": [_render_part(p) for p in m.content]})
    return items


def _render_part(p: Any) -> dict[str, Any]:
    if isinstance(p, ImagePart):
        return {"type": "input_image", "image_url": p.url, "detail": p.detail or "auto"}
    return {"type": "input_text", "text": p.text}


# --- Responses -> unified (strict) ---------------------------------------------------------


def parse_input(value: Any) -> list[Message]:
    if isinstance(value, str):
        return [Message("user", value)]
    if not isinstance(value, list) or not value:
        fail("input", "`input` is required: a string, or a non-empty list of input items.")
    out: list[Message] = []
    names: dict[str, str] = {}  # call id -> tool name, to name the tool messages
    reasoning: list[str] = []  # reasoning items waiting for their assistant message
    for i, item in enumerate(value):
        where = f"input.{i}"
        if not isinstance(item, Mapping):
            fail(where, "Each input item must be an object.")
        kind = item.get("type", "message")  # the short {role, content} form has no type
        if kind == "message":
            msg = _message(item, where)
            out.append(_with_reasoning(msg, reasoning) if msg.role == "assistant" else msg)
        elif kind in ("function_call", "custom_tool_call"):
            call = _call(item, where) if kind == "function_call" else _custom_call(item, where)
            names[call.id] = call.name
            if out and out[-1].role == "assistant":  # one turn: its text and all its calls
                last = out.pop()
                reasoning[:0] = [last.reasoning] if last.reasoning else []
                out.append(Message("assistant", last.content, (*last.tool_calls, call)))
            else:
                out.append(Message("assistant", tool_calls=(call,)))
            out[-1] = _with_reasoning(out[-1], reasoning)
        elif kind in ("function_call_output", "custom_tool_call_output"):
            out.append(_call_output(item, where, names))
        elif kind == "reasoning":
            reasoning.extend(t for t in [reasoning_text(item)] if t)
        else:
            fail(f"{where}.type", f"Input item type {kind!r} is not supported; use {_ITEMS}.")
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
        fail(f"{where}.role", "`role` must be user, system, developer or assistant.")
    if isinstance(content, str):
        return Message(role, content)
    if not isinstance(content, list):
        fail(f"{where}.content", "`content` must be a string or a list of content parts.")
    parts = [_part(p, f"{where}.content.{j}") for j, p in enumerate(content)]
    if role == "user":
        return Message(role, tuple(parts))
    for j, part in enumerate(parts):
        if isinstance(part, ImagePart):
            fail(f"{where}.content.{j}", "Images are allowed only in user messages.")
    return Message(role, "".join(p.text for p in parts if isinstance(p, TextPart)))


def _part(part: Any, where: str) -> Part:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind in ("input_text", "output_text", "refusal"):
        key = "refusal" if kind == "refusal" else "text"
        text = part.get(key)
        if not isinstance(text, str):
            fail(f"{where}.{key}", f"A {kind} part needs `{key}`, a string.")
        return TextPart(text)
    if kind != "input_image":
        fail(
            f"{where}.type", f"Part type {kind!r} is not supported; use input_text or input_image."
        )
    url, detail = part.get("image_url"), part.get("detail")
    if url is None and part.get("file_id") is not None:
        fail(f"{where}.file_id", f"Uploaded files are not supported: {_URLS}")
    if not is_image_url(url):
        fail(f"{where}.image_url", f"Not an image URL: {_URLS}")
    if not isinstance(detail, str | None):
        fail(f"{where}.detail", "`detail` must be low, high or auto.")
    return ImagePart(url, detail)


def _call(item: Mapping[str, Any], where: str) -> ToolCall:
    """A function call, a namespaced one under the flat name its upstream knows it by."""
    call_id, name = _call_names(item, where)
    args, namespace = item.get("arguments"), item.get("namespace")
    if not isinstance(args, str):
        fail(f"{where}.arguments", "A function_call needs `arguments`, a JSON string.")
    if not isinstance(namespace, str | None):
        fail(f"{where}.namespace", "`namespace` must be a string.")
    if namespace:
        name = flat_name(namespace, name)
    return ToolCall(call_id, name, parse_arguments(args), args)


def _custom_call(item: Mapping[str, Any], where: str) -> ToolCall:
    """A custom tool's call, as the one-string function its upstream was given."""
    call_id, name = _call_names(item, where)
    text = item.get("input")
    if not isinstance(text, str):
        fail(f"{where}.input", "A custom_tool_call needs `input`, a string.")
    arguments = {"input": text}
    return ToolCall(call_id, name, arguments, json.dumps(arguments, ensure_ascii=False))


def _call_names(item: Mapping[str, Any], where: str) -> tuple[str, str]:
    """A replayed call's `call_id` and `name`, both required."""
    kind, call_id, name = item.get("type"), item.get("call_id"), item.get("name")
    if not isinstance(call_id, str) or not call_id:
        fail(f"{where}.call_id", f"A {kind} needs `call_id`, a string.")
    if not isinstance(name, str) or not name:
        fail(f"{where}.name", f"A {kind} needs `name`, a string.")
    return call_id, name


def _call_output(item: Mapping[str, Any], where: str, names: Mapping[str, str]) -> Message:
    call_id, output = item.get("call_id"), item.get("output")
    if not isinstance(call_id, str) or not call_id:
        fail(f"{where}.call_id", "A tool call's output needs `call_id`, a string.")
    if isinstance(output, list):
        for j, part in enumerate(output):
            if not isinstance(part, Mapping) or part.get("type") != "input_text":
                fail(f"{where}.output.{j}", "Only input_text parts can be a function's output.")
        output = "".join(str(part.get("text") or "") for part in output)
    if not isinstance(output, str):
        fail(f"{where}.output", "`output` must be a string or a list of input_text parts.")
    return Message("tool", output, tool_call_id=call_id, name=names.get(call_id))
