"""Responses replies in both directions: `parse_response` reads an upstream's `response` object
into a `StepResult`, and `render_response` writes one for a gateway client.

Reading is tolerant (a field of the wrong shape holds nothing); writing follows the openai
SDK's `Response` schema, which the stream's final `response.*` event shares, so the output item
builders here serve `stream` too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from hfgate.formats._shared import body_error
from hfgate.formats.base import ReplyInfo
from hfgate.formats.error_bodies import openai_error
from hfgate.formats.responses.items import (
    arguments,
    item_id,
    message_text,
    output_item,
    read_call,
)
from hfgate.formats.responses.vocabulary import (
    incomplete_reason,
    objects,
    parse_usage,
    read_finish,
    reasoning_text,
    render_usage,
)
from hfgate.types import ResponseMeta, StepResult, ToolCall, Usage

render_error = openai_error


# --- Responses -> unified ------------------------------------------------------------------


def failure(body: Mapping[str, Any], meta: ResponseMeta) -> Exception | None:
    """The error of a failed response, if it is one."""
    if body.get("status") != "failed" and not body.get("error"):
        return None
    return body_error(body, meta)


def parse_response(body: Any, meta: ResponseMeta) -> StepResult:
    if not isinstance(body, Mapping):
        raise body_error({"error": "The answer is not a response object.", "got": body}, meta)
    error = failure(body, meta)
    if error is not None:
        raise error
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    for item in objects(body.get("output")):
        kind = item.get("type")
        if kind == "message":
            texts.append(message_text(item))
        elif kind == "reasoning":
            reasoning.append(reasoning_text(item))
        elif kind == "function_call":
            calls.append(read_call(item, len(calls)))
    joined_reasoning = "\n\n".join(r for r in reasoning if r)
    text = "".join(texts)
    return reply_step(body, meta, text, joined_reasoning or None, tuple(calls), body.get("model"))


def reply_step(
    body: Mapping[str, Any],
    meta: ResponseMeta,
    text: str,
    reasoning: str | None,
    calls: tuple[ToolCall, ...],
    model: str | None,
) -> StepResult:
    """The step a response object ends with; `model` is the one it reported, if any."""
    finish, raw_finish = read_finish(body.get("status"), body.get("incomplete_details"), calls)
    return StepResult(
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=finish,
        raw_finish_reason=raw_finish,
        usage=parse_usage(body.get("usage")) or Usage(),
        meta=ResponseMeta(model or meta.model, meta.provider, meta.request_id),
    )


# --- unified -> Responses ------------------------------------------------------------------


def render_response(step: StepResult, info: ReplyInfo) -> dict[str, Any]:
    """Item ids are `<kind>_<info.id>_<output index>`, as the stream names them, so a stream's
    final `response.completed` equals this answer."""
    pieces = [("reasoning", step.reasoning or "", "", ""), ("message", step.text, "", "")]
    pieces += [("function_call", arguments(c), c.id, c.name) for c in step.tool_calls]
    output: list[dict[str, Any]] = []
    for kind, text, call_id, name in pieces:
        if text:
            at = item_id(kind, info.id, len(output))
            output.append(output_item(kind, at, text, call_id, name, info.client_tools))
    return response_object(info, output, step)


_PARAMETERS: dict[str, Any] = {
    "instructions": None,
    "max_output_tokens": None,
    "max_tool_calls": None,
    "metadata": {},
    "parallel_tool_calls": True,
    "previous_response_id": None,
    "reasoning": {"effort": None, "summary": None},
    "temperature": 1.0,
    "text": {"format": {"type": "text"}, "verbosity": "medium"},
    "tool_choice": "auto",
    "tools": [],
    "top_logprobs": 0,
    "top_p": 1.0,
    "truncation": "disabled",
}
"""The request parameters a response object repeats, and what OpenAI's says for those a
request left out; `text` and `reasoning` are filled in field by field. `user`,
`safety_identifier` and `prompt_cache_key` appear only when the request set them."""


def parameters(echo: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters part of a response object: the request's (`ReplyInfo.echo`) over the
    defaults."""
    out = dict(_PARAMETERS)
    for key, value in echo.items():
        default = _PARAMETERS.get(key)
        if isinstance(default, dict) and default and isinstance(value, Mapping):
            value = {**default, **value}
        out[key] = value
    return out


def response_object(
    info: ReplyInfo, output: list[dict[str, Any]], step: StepResult | None, status: str = ""
) -> dict[str, Any]:
    """A whole response object, every field OpenAI's carries. The gateway keeps nothing, so
    `store` is false and `background` too; `usage` is left out until it is known (the schema
    has no null for it)."""
    reason = incomplete_reason(step)
    status = status or ("incomplete" if reason else "completed")
    body: dict[str, Any] = {
        "id": f"resp_{info.id}",
        "object": "response",
        "created_at": info.created,
        "status": status,
        "background": False,
        "completed_at": int(time.time()) if status == "completed" else None,
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "model": info.model,
        "output": output,
        **parameters(info.echo),
        "service_tier": "default",
        "store": False,
    }
    usage = render_usage(step.usage) if step else None
    if usage is not None:
        body["usage"] = usage
    return body
