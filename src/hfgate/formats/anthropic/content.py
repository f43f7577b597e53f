"""Anthropic content blocks in both directions: unified messages as alternating user and
assistant turns (tool results folded into user turns, thinking replayed with its signature), and
a client's turns, checked strictly, back into unified messages.

A thinking block can only be replayed to Anthropic with its signature, so signed blocks ride in
`Message.reasoning_items` verbatim; unsigned ones (written by this gateway for other upstreams)
keep only their text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from hfgate.formats.anthropic.vocabulary import THINKING
from hfgate.formats.base import RequestError
from hfgate.types import ImagePart, Message, Part, TextPart, ToolCall

CACHE = {"type": "ephemeral"}
"""The cache breakpoint the client side places."""
_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


# --- unified -> Anthropic ------------------------------------------------------------------


def render_turns(messages: tuple[Message, ...], cache: bool) -> list[dict[str, Any]]:
    """Alternating user/assistant turns; tool results join the user turn that follows."""
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        role = "assistant" if m.role == "assistant" else "user"
        blocks = _assistant_blocks(m) if role == "assistant" else _user_blocks(m)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    if cache:
        last_user = next((t for t in reversed(turns) if t["role"] == "user"), None)
        if last_user is not None:
            last_user["content"][-1] = {**last_user["content"][-1], "cache_control": CACHE}
    return turns


def _user_blocks(m: Message) -> list[dict[str, Any]]:
    if m.role == "tool":
        block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.text}
        return [{**block, "is_error": True} if m.is_error else block]
    if isinstance(m.content, str):
        return [{"type": "text", "text": m.content}] if m.content else []
    return [_render_part(p) for p in m.content if not isinstance(p, TextPart) or p.text]


def _assistant_blocks(m: Message) -> list[dict[str, Any]]:
    blocks = [dict(b) for b in m.reasoning_items if b.get("type") in THINKING]
    if m.text:
        blocks.append({"type": "text", "text": m.text})
    blocks.extend(
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls
    )
    return blocks


def _render_part(p: Any) -> dict[str, Any]:
    if not isinstance(p, ImagePart):
        return {"type": "text", "text": p.text}
    if p.url.startswith("data:"):
        header, _, data = p.url.partition(",")
        media_type = header[5:].split(";")[0] or "image/png"
        source = {"type": "base64", "media_type": media_type, "data": data}
        return {"type": "image", "source": source}
    return {"type": "image", "source": {"type": "url", "url": p.url}}


# --- Anthropic -> unified (strict: a client's mistake is a 400 naming the field) ---------


def field_error(path: str, problem: str) -> RequestError:
    """The 400 for a client's field: `path` (dotted, as the SDKs report it) and the problem."""
    return RequestError(f"{path} {problem}", param=path)


def string_field(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise field_error(f"{path}.{key}", "must be a string.")
    return value


def _blocks(content: Any, path: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path, type, block) for each block of a list, each checked to be a typed object."""
    if not isinstance(content, list):
        raise field_error(path, "must be a string or a list of content blocks.")
    for j, block in enumerate(content):
        where = f"{path}.{j}"
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            raise field_error(where, "must be a content block: an object with a `type`.")
        yield where, block["type"], block


def parse_system(raw: Any, path: str) -> list[Message]:
    texts: list[str] = [raw] if isinstance(raw, str) else []
    if raw is not None and not isinstance(raw, str):
        for where, kind, block in _blocks(raw, path):
            if kind != "text":
                raise field_error(f"{where}.type", "must be 'text': system prompts are text only.")
            texts.append(string_field(block, "text", where))
    text = "\n\n".join(texts)
    return [Message("system", text)] if text else []


def parse_messages(raw: Any) -> list[Message]:
    if not isinstance(raw, list) or not raw:
        raise field_error("messages", "is required: a non-empty list of {role, content} turns.")
    out: list[Message] = []
    for i, turn in enumerate(raw):
        path = f"messages.{i}"
        if not isinstance(turn, Mapping):
            raise field_error(path, "must be an object with `role` and `content`.")
        role, content = turn.get("role"), turn.get("content")
        if role not in ("user", "assistant", "system"):
            raise field_error(f"{path}.role", "must be 'user' or 'assistant'.")
        if content in ("", []) and not (role == "assistant" and i == len(raw) - 1):
            raise field_error(
                f"{path}.content", "must not be empty (only a final assistant turn may be)."
            )
        if role == "system":  # the SDK's SystemMessageParam; the wires hoist it to the top
            out.extend(parse_system(content, f"{path}.content"))
        elif isinstance(content, str):
            out.append(Message(role, content))
        elif role == "user":
            out.extend(_user(content, f"{path}.content"))
        else:
            out.append(_assistant(content, f"{path}.content"))
    return out


def _part(where: str, kind: str, block: Mapping[str, Any], allowed: str) -> Part:
    if kind == "text":
        return TextPart(string_field(block, "text", where))
    if kind == "image":
        return _image(block, where)
    if kind in THINKING or kind == "tool_use":
        raise field_error(f"{where}.type", f"{kind!r} blocks belong in assistant turns.")
    raise field_error(
        f"{where}.type", f"{kind!r} blocks are not supported by this gateway; use {allowed}."
    )


def _user(content: Any, path: str) -> list[Message]:
    """Tool results first, as `tool` messages answering the previous assistant turn, then the
    rest of the turn as one user message. Tool messages carry text only on every wire, so a
    result's images join that user message, where any model sees them."""
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
        failed = block.get("is_error", False)
        if not isinstance(failed, bool):
            raise field_error(f"{where}.is_error", "must be true or false.")
        call_id = string_field(block, "tool_use_id", where)
        results.append(Message("tool", text, tool_call_id=call_id, is_error=failed))
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
            texts.append(string_field(block, "text", where))
        elif kind == "tool_use":
            args = block.get("input")
            if not isinstance(args, Mapping):
                raise field_error(f"{where}.input", "must be an object.")
            call_id, name, args = (
                string_field(block, "id", where),
                string_field(block, "name", where),
                dict(args),
            )
            calls.append(ToolCall(call_id, name, args, json.dumps(args)))
        elif kind in THINKING:
            if kind == "thinking":
                thoughts.append(string_field(block, "thinking", where))
            if kind == "redacted_thinking" or block.get("signature"):
                items.append({k: v for k, v in block.items() if k != "cache_control"})
        elif kind in ("image", "tool_result"):
            raise field_error(f"{where}.type", f"{kind!r} blocks belong in user turns.")
        else:
            raise field_error(
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
        raise field_error(at, "must be {type: base64, media_type, data} or {type: url, url}.")
    if source["type"] == "url":
        url = string_field(source, "url", at)
        if not url.startswith(("http://", "https://")):
            raise field_error(f"{at}.url", "must be an http:// or https:// URL.")
        return ImagePart(url)
    media_type = source.get("media_type")
    if media_type not in _MEDIA_TYPES:
        raise field_error(f"{at}.media_type", f"must be one of {', '.join(_MEDIA_TYPES)}.")
    return ImagePart(f"data:{media_type};base64,{string_field(source, 'data', at)}")
