"""Chat completions replies in both directions: `parse_response` reads an upstream's
`chat.completion` into a `StepResult`, and `render_response` writes one for a gateway client.

Reading is permissive on purpose (see `vocabulary`): the router passes provider payloads
through, so reasoning, usage and tool-call shapes vary; a field of the wrong shape is left
out, not fatal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.errors import StreamError
from hfgate.formats._shared import body_error
from hfgate.formats.base import ReplyInfo
from hfgate.formats.chat_completions.content import render_call
from hfgate.formats.chat_completions.vocabulary import (
    REASONING,
    dumps,
    finish_reason,
    parse_usage,
    read_reasoning,
    render_finish_reason,
    render_usage,
)
from hfgate.formats.error_bodies import openai_error
from hfgate.formats.think import split_think
from hfgate.inputs.messages import parse_arguments
from hfgate.types import ResponseMeta, StepResult, ToolCall, Usage

render_error = openai_error

SERVICE = {"service_tier": "default"}
"""How OpenAI's completions and chunks say they were served: the standard tier. No
`system_fingerprint`: the gateway has no backend configuration to name (the schema allows the
field to be absent, not null)."""


# --- chat -> unified -----------------------------------------------------------------------


def payload_error(body: Any, meta: ResponseMeta) -> StreamError | None:
    """The error inside a 200 answer (`{"error": ...}`), if there is one."""
    if not isinstance(body, Mapping) or body.get("error") is None:
        return None
    return body_error(body, meta)


def parse_response(body: Any, meta: ResponseMeta) -> StepResult:
    error = payload_error(body, meta)
    if error is not None:
        raise error
    choices = body.get("choices") or [{}]
    choice = choices[0]
    message = choice.get("message") or {}
    content = message.get("content")
    text = content if isinstance(content, str) else _joined_text(content)
    reasoning = read_reasoning(message)
    if reasoning is None:
        reasoning, text = split_think(text)
    calls = tuple(_tool_call(raw, i) for i, raw in enumerate(message.get("tool_calls") or ()))
    raw_finish = choice.get("finish_reason")
    usage = parse_usage(body.get("usage"))
    return reply_step(text, reasoning, calls, raw_finish, usage, body.get("model"), meta)


def reply_step(
    text: str,
    reasoning: str | None,
    calls: tuple[ToolCall, ...],
    raw_finish: str | None,
    usage: Usage | None,
    model: str | None,
    meta: ResponseMeta,
) -> StepResult:
    """A whole answer or a folded stream as a unified step; `model` is what the reply named."""
    return StepResult(
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=finish_reason(raw_finish),
        raw_finish_reason=raw_finish,
        usage=usage or Usage(),
        meta=ResponseMeta(model or meta.model, meta.provider, meta.request_id),
    )


def _joined_text(content: Any) -> str:
    if not isinstance(content, list):
        return ""
    return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))


def _tool_call(raw: Mapping[str, Any], index: int) -> ToolCall:
    fn = raw.get("function") or {}
    args = fn.get("arguments")
    text = args if isinstance(args, str) else json.dumps(args or {})
    return ToolCall(
        raw.get("id") or f"call_{index}", fn.get("name") or "", parse_arguments(args), text
    )


# --- unified -> chat -----------------------------------------------------------------------


def render_response(step: StepResult, info: ReplyInfo) -> dict[str, Any]:
    """One `chat.completion` with a single choice."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": step.text or (None if step.tool_calls else ""),
        "refusal": None,
    }
    if step.reasoning:
        message[REASONING] = step.reasoning
    if step.tool_calls:
        message["tool_calls"] = [reply_call(c) for c in step.tool_calls]
    reason = render_finish_reason(step)
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": reason}
    body: dict[str, Any] = {
        "id": f"chatcmpl-{info.id}",
        "object": "chat.completion",
        "created": info.created,
        "model": info.model,
        "choices": [choice],
        **SERVICE,
    }
    usage = render_usage(step.usage)
    if usage is not None:
        body["usage"] = usage
    return body


def reply_call(call: ToolCall, index: int | None = None) -> dict[str, Any]:
    """A tool call as the gateway writes it (with `index` in a stream delta)."""
    out = render_call(call, call.raw_arguments or dumps(call.arguments))
    return out if index is None else {"index": index, **out}
