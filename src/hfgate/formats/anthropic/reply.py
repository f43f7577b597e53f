"""Anthropic Messages replies in both directions: `parse_response` reads an upstream's message
(tolerantly: a field of the wrong type is left out, not fatal) and `render_response` writes one
for a gateway client.

A structured answer arrives as the forced `json_answer` tool's input and leaves as the text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hfgate.formats._shared import body_error
from hfgate.formats.anthropic.vocabulary import (
    ANSWER_TOOL,
    THINKING,
    finish_reason,
    message_usage,
    parse_usage,
    stop_reason,
    text_block,
    tool_use_block,
)
from hfgate.formats.base import ReplyInfo
from hfgate.formats.error_bodies import anthropic_error
from hfgate.inputs.messages import parse_arguments
from hfgate.types import ResponseMeta, StepResult, ToolCall, Usage

render_error = anthropic_error


# --- Anthropic -> unified ------------------------------------------------------------------


def step_from_blocks(
    blocks: Sequence[Mapping[str, Any]],
    stop: str | None,
    usage: Usage,
    meta: ResponseMeta,
    stop_sequence: Any = None,
) -> StepResult:
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[ToolCall] = []
    items: list[Mapping[str, Any]] = []
    answer: str | None = None
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text") or ""))
        elif kind in THINKING:
            thoughts.append(str(block.get("thinking") or ""))
            items.append(block)
        elif kind == "tool_use" and block.get("name") == ANSWER_TOOL:
            value = block.get("input")
            if isinstance(value, str):
                answer = value  # streamed: the JSON as sent (left to the schema check)
                continue
            if isinstance(value, Mapping) and set(value) == {"value"}:
                value = value["value"]
            answer = json.dumps(value)
        elif kind == "tool_use":
            args = block.get("input")
            raw = args if isinstance(args, str) else json.dumps(args or {})
            call_id = str(block.get("id") or f"call_{len(calls)}")
            calls.append(
                ToolCall(call_id, str(block.get("name") or ""), parse_arguments(args), raw)
            )
    finish = finish_reason(stop)
    if answer is not None:  # the structured answer is the text, not a call to run
        texts, finish = [answer], "stop" if finish == "tool-calls" else finish
    reasoning = "".join(thoughts)
    return StepResult(
        text="".join(texts),
        reasoning=reasoning or None,
        tool_calls=tuple(calls),
        finish_reason=finish,
        raw_finish_reason=stop,
        usage=usage,
        meta=meta,
        reasoning_items=tuple(items),
        stop_sequence=stop_sequence if isinstance(stop_sequence, str) else None,
    )


def parse_response(body: Any, meta: ResponseMeta) -> StepResult:
    if not isinstance(body, Mapping) or body.get("type") == "error":
        raise body_error(body if isinstance(body, Mapping) else {"error": body}, meta)
    blocks = [b for b in body.get("content") or () if isinstance(b, Mapping)]
    meta = ResponseMeta(body.get("model") or meta.model, meta.provider, meta.request_id)
    usage = parse_usage(body.get("usage")) or Usage()
    return step_from_blocks(blocks, body.get("stop_reason"), usage, meta, body.get("stop_sequence"))


# --- unified -> Anthropic ------------------------------------------------------------------


def message_envelope(
    info: ReplyInfo, content: list[Any], stop: str | None, usage: Any, stop_sequence: str | None
) -> dict[str, Any]:
    return {
        "id": f"msg_{info.id}",
        "type": "message",
        "role": "assistant",
        "model": info.model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": stop_sequence,
        "stop_details": None,
        "container": None,
        "usage": usage,
    }


def render_response(step: StepResult, info: ReplyInfo) -> dict[str, Any]:
    """Anthropic's own thinking blocks verbatim (signatures included); other upstreams'
    reasoning as one block with an empty signature, which parse_request keeps as text only."""
    content = [dict(i) for i in step.reasoning_items if i.get("type") in THINKING]
    if not content and step.reasoning:
        content.append({"type": "thinking", "thinking": step.reasoning, "signature": ""})
    if step.text:
        content.append(text_block(step.text))
    content.extend(tool_use_block(c.id, c.name, c.arguments) for c in step.tool_calls)
    usage = message_usage(step.usage)
    return message_envelope(info, content, stop_reason(step), usage, step.stop_sequence)
