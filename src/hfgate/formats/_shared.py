"""Small pure helpers every wire format uses: JSON merging, integer fields, tool choice and
in-payload errors. Nothing here knows one API from another."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from hfgate.errors import StreamError
from hfgate.inputs.request import ToolChoice
from hfgate.types import ResponseMeta

_MODES = frozenset({"auto", "none", "required"})


def deep_merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Merge `extra` into `target` in place; nested objects merge, anything else replaces."""
    for key, value in extra.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            deep_merge(current, value)
        else:
            target[key] = value


def as_int(value: Any) -> int | None:
    """An integer field, or None when absent or not an integer (booleans are not counts)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


MAX_TOKENS_COUNT = 10**12
"""Above this a token count is not a count but a server bug (10^12 tokens would cost
millions); it is read as unknown, never carried into prices, metrics or a database."""


def token_count(value: Any) -> int | None:
    """A token count from a server: a non-negative integer up to `MAX_TOKENS_COUNT`, else
    None (unknown). Negative, fractional or absurd counts crashed pricing and SQLite before."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TOKENS_COUNT:
        return value
    return None


def tool_choice_mode(choice: ToolChoice) -> tuple[str, str | None] | None:
    """("auto" | "none" | "required" | "tool", tool name) from any spelling users write: a
    mode, a tool name, or an OpenAI chat, OpenAI Responses or Anthropic dict. None when the
    dict is some other shape, which the wire then passes through as written."""
    if isinstance(choice, str):
        return (choice, None) if choice in _MODES else ("tool", choice)
    kind = choice.get("type")
    function = choice.get("function")
    name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
    if kind in ("function", "tool") and isinstance(name, str):
        return "tool", name
    if kind == "any":
        return "required", None
    if kind in _MODES:
        return str(kind), None
    return None


def body_error(body: Mapping[str, Any], meta: ResponseMeta) -> StreamError:
    """The typed error for a failure a server reported inside a 200 answer, from any of the
    envelopes: `{"error": {"message", "code" | "type"}}` (OpenAI, Anthropic, Responses) or
    `{"error": "...", "error_type": ...}` (TGI and the HF router)."""
    err = body.get("error")
    if isinstance(err, Mapping):
        message, code = err.get("message"), err.get("code") or err.get("type")
    else:
        message, code = err, body.get("error_type")
    text = str(message) if message else json.dumps(err if err is not None else dict(body))
    return StreamError(
        text,
        provider=meta.provider,
        request_id=meta.request_id,
        code=str(code) if code is not None else None,
        body=body,
    )


def merged(base: Mapping[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """A deep copy of `base` with `extra` merged over it (neither is changed)."""
    out = copy.deepcopy(dict(base))
    deep_merge(out, extra or {})
    return out
