"""Checks on a chat-completions request, answered as the router answers them: its Rust
deserialiser's text/plain 400 and 422, and its `{"error", "error_type"}` 422s."""

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
