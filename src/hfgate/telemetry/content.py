"""Messages on spans, only when asked for: the conventions' opt-in,
`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` (or `span_only`, `span_and_event`).
Off by default, since prompts and answers are the users' data. Images are named, never sent
(a `data:` URL would be the whole file); keys are never part of a message.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hfgate.inputs.request import ChatRequest
from hfgate.telemetry.attributes import FINISH_REASONS, Attributes
from hfgate.types import ImagePart, Message, StepResult, ToolCall

CAPTURE_VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_ON = frozenset({"true", "span_only", "span_and_event"})


def capture_wanted() -> bool:
    return os.environ.get(CAPTURE_VARIABLE, "").strip().lower() in _ON


def input_messages(request: ChatRequest) -> Attributes:
    """`gen_ai.system_instructions` and `gen_ai.input.messages`, as JSON text."""
    system = [p for m in request.messages if m.role == "system" for p in _parts(m)]
    chat = [_message(m) for m in request.messages if m.role != "system"]
    found: Attributes = {"gen_ai.input.messages": _json(chat)}
    if system:
        found["gen_ai.system_instructions"] = _json(system)
    return found


def output_messages(step: StepResult) -> Attributes:
    answer = {
        **_message(step.message),
        "finish_reason": FINISH_REASONS[step.finish_reason],
    }
    return {"gen_ai.output.messages": _json([answer])}


def _message(message: Message) -> dict[str, Any]:
    return {"role": message.role, "parts": _parts(message)}


def _parts(message: Message) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if message.reasoning:
        parts.append({"type": "reasoning", "content": message.reasoning})
    if message.role == "tool":
        parts.append(
            {"type": "tool_call_response", "id": message.tool_call_id, "response": message.text}
        )
        return parts
    if isinstance(message.content, str):
        if message.content:
            parts.append({"type": "text", "content": message.content})
    else:
        for part in message.content:
            if isinstance(part, ImagePart):
                parts.append({"type": "image"})  # the URL may be a whole data: file
            else:
                parts.append({"type": "text", "content": part.text})
    parts.extend(_call(call) for call in message.tool_calls)
    return parts


def _call(call: ToolCall) -> dict[str, Any]:
    arguments: Any = call.arguments if call.arguments or not call.raw_arguments else None
    return {
        "type": "tool_call",
        "id": call.id,
        "name": call.name,
        "arguments": arguments if arguments is not None else call.raw_arguments,
    }


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
