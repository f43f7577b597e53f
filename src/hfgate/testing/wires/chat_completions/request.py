"""Reading a chat-completions request: the checks the router makes, answered as it answers
them (its Rust deserialiser's text/plain 400 and 422, and its `{"error", "error_type"}` 422s),
and its text, for echoes and usage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hfgate.testing._common import Answer

_TEXT = "text/plain; charset=utf-8"
_DESERIALIZE = "Failed to deserialize the JSON body into the target type: "


def check(body: Any, problem: str | None, headers: Mapping[str, str]) -> Answer | None:
    """None when the request can be answered, else the router's rejection."""
    if problem is not None:
        return Answer(400, (_DESERIALIZE + problem).encode(), _TEXT)
    if not isinstance(body, dict):
        message = f"invalid type: {type(body).__name__}, expected struct ChatRequest"
        return Answer(422, (_DESERIALIZE + message).encode(), _TEXT)
    if "model" not in body:
        return Answer.json(422, {"error": "missing field `model`", "error_type": "validation"})
    if not isinstance(body["model"], str):
        message = "invalid type for `model`: expected a string"
        return Answer.json(422, {"error": message, "error_type": "validation"})
    return None


def message_text(message: Any) -> str:
    """The text of a message; the text parts of a content-part list, space-joined."""
    if not isinstance(message, Mapping):
        return ""
    content = message.get("content")
    if isinstance(content, list):
        texts = (p.get("text") for p in content if isinstance(p, Mapping))
        return " ".join(t for t in texts if isinstance(t, str))
    return content if isinstance(content, str) else ""


def prompt_words(request: Mapping[str, Any]) -> int:
    messages = request.get("messages")
    if not isinstance(messages, list):
        return 0
    return sum(len(message_text(m).split()) for m in messages)


def last_user_text(request: Mapping[str, Any]) -> str:
    messages = request.get("messages")
    candidates: list[Any] = messages if isinstance(messages, list) else []
    for message in reversed(candidates):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return message_text(message)
    return ""


def include_usage(request: Mapping[str, Any]) -> bool:
    options = request.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True
