"""Chat messages and content parts in both directions: unified messages rendered for an
upstream, and a client's messages, checked strictly, back into unified messages.

A client's image is only ever a URL (http(s) or `data:`), never a local path: the library reads
paths, a server must not read its disk for a client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from hfgate.formats.base import RequestError, is_image_url
from hfgate.formats.chat_completions.vocabulary import ECHOED_REASONING_KEYS
from hfgate.inputs.messages import parse_arguments
from hfgate.types import ImagePart, Message, Part, Role, TextPart, ToolCall

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


# --- unified -> chat -----------------------------------------------------------------------


def one_system_first(messages: tuple[Message, ...]) -> tuple[Message, ...]:
    """The messages with every system message merged into one, first: the chat templates of
    many open models (Qwen3's, Mistral's, Gemma's) raise on a system message anywhere else,
    and a translated request can hold later ones (an Anthropic client's mid-conversation
    `system` turn, a Responses `developer` message). Their texts join in order, a blank line
    apart, as the Anthropic wire joins them into `system`; a lone leading one is left as is."""
    systems = [m for m in messages if m.role == "system"]
    if not systems or (len(systems) == 1 and messages[0] is systems[0]):
        return messages
    text = "\n\n".join(m.text for m in systems if m.text)
    rest = tuple(m for m in messages if m.role != "system")
    return (Message("system", text), *rest) if text else rest


def render_message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role}
    if isinstance(m.content, str):
        out["content"] = m.content if m.content or not m.tool_calls else None
    else:
        out["content"] = [_render_part(p) for p in m.content]
    if m.tool_calls:
        out["tool_calls"] = [render_call(c, c.raw_arguments) for c in m.tool_calls]
    if m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    if m.name is not None:
        out["name"] = m.name
    # Past reasoning is not sent back: several providers reject it with a 400.
    return out


def render_call(call: ToolCall, arguments: str) -> dict[str, Any]:
    """A tool call as a message carries it, `arguments` being the JSON text to send."""
    fn = {"name": call.name, "arguments": arguments}
    return {"id": call.id, "type": "function", "function": fn}


def _render_part(p: Any) -> dict[str, Any]:
    if isinstance(p, ImagePart):
        url: dict[str, Any] = {"url": p.url}
        if p.detail:
            url["detail"] = p.detail
        return {"type": "image_url", "image_url": url}
    return {"type": "text", "text": p.text}


# --- chat -> unified, strictly -------------------------------------------------------------


def fail(param: str | None, message: str) -> NoReturn:
    raise RequestError(message, param=param)


def optional_str(value: Any, param: str) -> str | None:
    if value is not None and not isinstance(value, str):
        fail(param, f"{param} must be a string.")
    return value


def required_str(value: Any, param: str) -> str:
    if not isinstance(value, str) or not value.strip():
        fail(param, f"{param} must be a non-empty string.")
    return value


def parse_messages(raw: list[Any]) -> tuple[Message, ...]:
    """A client's `messages` list (already known to be a non-empty list)."""
    return tuple(_message(m, f"messages.{i}") for i, m in enumerate(raw))


def _message(raw: Any, at: str) -> Message:
    if not isinstance(raw, Mapping):
        fail(at, f"{at} must be a message object.")
    given = raw.get("role")
    role = _ROLES.get(given) if isinstance(given, str) else None
    if role is None:
        hint = " ('function' is deprecated: use 'tool')" if given == "function" else ""
        fail(
            f"{at}.role",
            f"{at}.role must be system, developer, user, assistant or tool; got {given!r}{hint}.",
        )
    name = optional_str(raw.get("name"), f"{at}.name")
    content = _content(raw.get("content"), f"{at}.content", role)
    if role == "assistant":
        return _assistant(raw, at, content, name)
    if role == "tool":
        call_id = required_str(raw.get("tool_call_id"), f"{at}.tool_call_id")
        return Message(role, content, tool_call_id=call_id, name=name)
    return Message(role, content, name=name)


def _content(raw: Any, at: str, role: Role) -> str | tuple[Part, ...]:
    if isinstance(raw, str):
        return raw
    if raw is None and role == "assistant":  # null content beside tool_calls
        return ""
    allowed = _PARTS[role]
    if not isinstance(raw, list):
        fail(at, f"{at} must be a string or a list of content parts ({', '.join(allowed)}).")
    return tuple(_part(p, f"{at}.{i}", allowed) for i, p in enumerate(raw))


def _part(raw: Any, at: str, allowed: tuple[str, ...]) -> Part:
    if not isinstance(raw, Mapping):
        fail(at, f"{at} must be a content part object.")
    kind = raw.get("type")
    if kind in ("text", "refusal") and kind in allowed:
        text = raw.get(kind)  # a refusal part keeps its text under "refusal"
        if not isinstance(text, str):
            fail(f"{at}.{kind}", f"{at}.{kind} must be a string.")
        return TextPart(text)
    if kind == "image_url" and kind in allowed:
        return _image(raw.get("image_url"), f"{at}.image_url")
    if kind in _UNSUPPORTED_PARTS:
        fail(f"{at}.type", f"{kind} content parts are not supported; send {' or '.join(allowed)}.")
    fail(f"{at}.type", f"{at}.type must be one of {', '.join(allowed)}; got {kind!r}.")


def _image(raw: Any, at: str) -> ImagePart:
    url = raw.get("url") if isinstance(raw, Mapping) else None
    if not is_image_url(url):
        fail(f"{at}.url", f"{at}.url must be an http(s) URL or a data: URL.")
    detail = raw.get("detail")
    if detail is not None and detail not in ("auto", "low", "high"):
        fail(f"{at}.detail", f"{at}.detail must be auto, low or high.")
    return ImagePart(url, detail)


def _assistant(
    raw: Mapping[str, Any], at: str, content: str | tuple[Part, ...], name: str | None
) -> Message:
    if raw.get("function_call") is not None:
        fail(f"{at}.function_call", "function_call is deprecated; use tool_calls.")
    calls = raw.get("tool_calls")
    if calls is not None and not isinstance(calls, list):
        fail(f"{at}.tool_calls", f"{at}.tool_calls must be a list of tool calls.")
    reasoning = None
    for key in ECHOED_REASONING_KEYS:
        reasoning = reasoning or optional_str(raw.get(key), f"{at}.{key}")
    refusal = optional_str(raw.get("refusal"), f"{at}.refusal")
    return Message(
        "assistant",
        content or refusal or "",
        tool_calls=tuple(_tool_call(c, f"{at}.tool_calls.{i}") for i, c in enumerate(calls or ())),
        name=name,
        reasoning=reasoning or None,
    )


def _tool_call(raw: Any, at: str) -> ToolCall:
    if not isinstance(raw, Mapping) or raw.get("type", "function") != "function":
        fail(at, f"{at} must be a function tool call {{id, type: function, function}}.")
    fn = raw.get("function")
    if not isinstance(fn, Mapping):
        fail(f"{at}.function", f"{at}.function must be an object {{name, arguments}}.")
    args = fn.get("arguments", "")
    if not isinstance(args, str | Mapping):
        fail(f"{at}.function.arguments", f"{at}.function.arguments must be a JSON string.")
    call_id = required_str(raw.get("id"), f"{at}.id")
    name = required_str(fn.get("name"), f"{at}.function.name")
    text = args if isinstance(args, str) else json.dumps(args)
    return ToolCall(call_id, name, parse_arguments(args), text)
