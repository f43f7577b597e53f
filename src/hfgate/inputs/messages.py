"""Turn what users pass (a prompt, OpenAI-style dicts, images as bytes, paths or URLs) into
unified `Message` values, so every wire format starts from the same input."""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from hfgate.errors import ConfigError
from hfgate.types import ImagePart, Message, Part, Role, TextPart, ToolCall

MessageLike = Message | Mapping[str, Any]
ImageSource = bytes | str | Path | ImagePart

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


def image(
    source: ImageSource, *, media_type: str | None = None, detail: str | None = None
) -> ImagePart:
    """An image content part from raw bytes, a local path, or an http(s)/data URL.

    Local images are inlined as data URLs: providers cannot read your disk.
    """
    if isinstance(source, ImagePart):
        return source
    if isinstance(source, bytes):
        return ImagePart(_data_url(source, media_type or _sniff(source)), detail)
    text = str(source)
    if text.startswith(("http://", "https://", "data:")):
        return ImagePart(text, detail)
    path = Path(text).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read image {text!r}: {exc.strerror or exc}") from exc
    guessed = media_type or mimetypes.guess_type(path.name)[0] or _sniff(data)
    return ImagePart(_data_url(data, guessed), detail)


def user(text: str, *, images: Iterable[ImageSource] = ()) -> Message:
    """A user message with optional images, e.g. `user("What is this?", images=["cat.png"])`."""
    parts: list[Part] = [TextPart(text)] if text else []
    parts.extend(image(i) for i in images)
    if len(parts) == 1 and isinstance(parts[0], TextPart):
        return Message("user", text)
    return Message("user", tuple(parts))


def build_messages(
    *,
    prompt: str | None,
    messages: Sequence[MessageLike] | None,
    system: str | None,
    images: Iterable[ImageSource] = (),
) -> list[Message]:
    if prompt is None and not messages:
        raise ConfigError("Pass `prompt` or `messages`.")
    out = [Message("system", system)] if system else []
    out.extend(to_message(m, i) for i, m in enumerate(messages or ()))
    if prompt is not None:
        out.append(user(prompt, images=images))
    elif images:
        raise ConfigError("`images` go with `prompt`; with `messages`, put images in the content.")
    return out


def to_message(value: MessageLike, index: int = 0) -> Message:
    if isinstance(value, Message):
        return value
    if not isinstance(value, Mapping):
        raise ConfigError(f"messages[{index}] must be a dict or hfgate.Message, not {type(value)}")
    role = value.get("role")
    if role not in _ROLES:
        raise ConfigError(
            f"messages[{index}] has role {role!r}; use one of {', '.join(sorted(_ROLES))}."
        )
    return Message(
        cast(Role, "system" if role == "developer" else role),
        _content(value.get("content"), index),
        tool_calls=tuple(_tool_call(c) for c in value.get("tool_calls") or ()),
        tool_call_id=value.get("tool_call_id"),
        name=value.get("name"),
        reasoning=value.get("reasoning") or value.get("reasoning_content"),
        reasoning_items=tuple(value.get("reasoning_items") or ()),
    )


def _content(content: Any, index: int) -> str | tuple[Part, ...]:
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise ConfigError(f"messages[{index}].content must be a string or a list of parts.")
    return tuple(_part(p, index) for p in content)


def _part(part: Any, index: int) -> Part:
    if isinstance(part, TextPart | ImagePart):
        return part
    if isinstance(part, str):
        return TextPart(part)
    if isinstance(part, bytes | Path):
        return image(part)
    if isinstance(part, Mapping):
        kind = part.get("type")
        if kind in ("text", "input_text"):
            return TextPart(str(part.get("text", "")))
        if kind == "image_url":
            url = part.get("image_url")
            if isinstance(url, Mapping):
                return ImagePart(str(url.get("url", "")), url.get("detail"))
            return ImagePart(str(url))
        if kind in ("image", "input_image"):
            src = part.get("image") or part.get("image_url") or part.get("url")
            if src is None:
                raise ConfigError(f"messages[{index}]: an image part needs `image`.")
            return image(src, media_type=part.get("media_type"))
    raise ConfigError(f"messages[{index}]: unsupported content part {part!r:.80}.")


def _tool_call(raw: Any) -> ToolCall:
    if isinstance(raw, ToolCall):
        return raw
    fn = raw.get("function") or {}
    args = fn.get("arguments")
    text = args if isinstance(args, str) else json.dumps(args or {})
    return ToolCall(str(raw.get("id", "")), str(fn.get("name", "")), parse_arguments(args), text)


def parse_arguments(args: Any) -> dict[str, Any]:
    """Tool-call arguments arrive as a JSON string (OpenAI) or an object (TGI); empty means {}."""
    if isinstance(args, Mapping):
        return dict(args)
    if not args:
        return {}
    try:
        value = json.loads(args)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _data_url(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


_MAGIC = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)


def _sniff(data: bytes) -> str:
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), "image/png")
