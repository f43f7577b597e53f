"""Turn a `Reply` into an Anthropic Messages answer, as bytes: a `message` object, or the
named SSE events of one being streamed (`event: <type>` then `data: <json>`).

Every object is validated by the `anthropic` SDK's types; a dumped dict is patched only where
a script goes past them (a stop reason the SDK does not list). Blocks come in the order
thinking, text, tool_use. Usage follows Anthropic: `input_tokens` leaves out the prompt tokens
read from or written to the cache, which have their own counts.
"""

from __future__ import annotations

import json
import typing
import uuid
from collections.abc import Mapping
from typing import Any

from anthropic.types import (
    Message,
    MessageTokensCount,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
    StopReason,
)

from hfgate.testing._common import (
    Answer,
    build,
    cached,
    dump,
    dumps,
    padded_split,
    pieces,
    split_in,
    token_counts,
)
from hfgate.testing.replies import Reply
from hfgate.testing.wires.anthropic.request import anthropic_error, prompt_words

_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}
_SDK_STOP_REASONS = frozenset(typing.get_args(StopReason))
_STATUS_OF_ERROR = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def render_json(reply: Reply, request: Mapping[str, Any]) -> bytes:
    """The non-streaming `message` body, cached per (model, prompt size)."""
    model = reply.model or str(request.get("model"))
    words = prompt_words(request) if reply.usage is None else -1

    def render() -> bytes:
        stop = _stop_reason(reply)
        payload = build(
            Message,
            id=_message_id(reply),
            role="assistant",
            model=model,
            content=_blocks(reply),
            stop_reason=_sdk_stop(stop),
            stop_sequence=reply.stop_sequence,
            usage=_usage(reply, words) | _output_usage(reply, words),
        )
        payload["stop_reason"] = stop
        return dumps(payload)

    return cached(reply, ("messages-json", model, words), render)


def render_count(reply: Reply, request: Mapping[str, Any]) -> bytes:
    """A count_tokens answer: the prompt's tokens as a message would count them (its words, or
    the reply's scripted `prompt_tokens`), cache reads and writes included."""
    prompt = token_counts(reply, prompt_words(request))["prompt_tokens"]
    return dumps(dump(MessageTokensCount.model_validate({"input_tokens": prompt})))


def render_failure(reply: Reply, request: Mapping[str, Any]) -> Answer:
    """A `stream_error` asked for without streaming: the error with its type's HTTP status
    (529 for overloaded_error), as the API answers a request that fails whole."""
    kind = reply.error_type or "overloaded_error"
    return anthropic_error(_STATUS_OF_ERROR.get(kind, 500), kind, reply.message)


def render_stream(reply: Reply, request: Mapping[str, Any]) -> tuple[bytes, ...]:
    """Every SSE event of a streamed answer, from `message_start` to `message_stop` (for a
    stream_error: to its `error` event)."""
    model = reply.model or str(request.get("model"))
    words = prompt_words(request) if reply.usage is None else -1

    def render() -> tuple[bytes, ...]:
        prefix = reply.data_prefix.encode()
        return tuple(
            b"event: %s\n%s%s\n\n" % (p["type"].encode(), prefix, dumps(p))
            for p in _stream(reply, model, words)
        )

    return cached(reply, ("messages-sse", model, words), render)


def _message_id(reply: Reply) -> str:
    return reply.completion_id if reply.completion_id is not None else f"msg_{uuid.uuid4().hex}"


def _stop_reason(reply: Reply) -> str | None:
    if reply.stop_sequence is not None:
        return "stop_sequence"
    if reply.finish_reason is None:
        return None
    return _STOP_REASONS.get(reply.finish_reason, reply.finish_reason)


def _sdk_stop(stop: str | None) -> str | None:
    """The SDK only knows Anthropic's stop reasons; others are patched in after dumping."""
    return stop if stop is None or stop in _SDK_STOP_REASONS else "end_turn"


def _usage(reply: Reply, words: int) -> dict[str, Any]:
    """The input side of the usage, as `message_start` sends it."""
    prompt = token_counts(reply, words)["prompt_tokens"]
    cached, written = reply.cached_tokens or 0, reply.cache_write_tokens or 0
    if prompt < cached + written:
        raise ValueError(
            f"prompt_tokens ({prompt}) < cached_tokens + cache_write_tokens: Anthropic's "
            "input_tokens would be negative; script `usage` explicitly"
        )
    return {
        "input_tokens": prompt - cached - written,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": cached,
    }


def _output_usage(reply: Reply, words: int) -> dict[str, Any]:
    usage: dict[str, Any] = {"output_tokens": token_counts(reply, words)["completion_tokens"]}
    if reply.reasoning_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": reply.reasoning_tokens}
    return usage


def _blocks(reply: Reply) -> list[dict[str, Any]]:
    """The finished content blocks."""
    blocks: list[dict[str, Any]] = []
    if reply.reasoning is not None:
        thinking = {"thinking": reply.reasoning, "signature": reply.thinking_signature}
        blocks.append({"type": "thinking", **thinking})
    if reply.content or not reply.calls:
        blocks.append({"type": "text", "text": reply.content})
    for index, call in enumerate(reply.calls):
        block_id = call.id or f"toolu_{index}"
        blocks.append(
            {"type": "tool_use", "id": block_id, "name": call.name, "input": call.arguments}
        )
    return blocks


def _opened(block: dict[str, Any]) -> dict[str, Any]:
    """A block as `content_block_start` opens it: its text, thinking or input still empty."""
    empty = {"text": {"text": ""}, "thinking": {"thinking": "", "signature": ""}}
    return block | empty.get(block["type"], {"input": {}})


def _deltas(reply: Reply, block: dict[str, Any]) -> list[dict[str, Any]]:
    if block["type"] == "text":
        return [{"type": "text_delta", "text": p} for p in pieces(block["text"], reply.chunk_size)]
    if block["type"] == "thinking":
        thoughts = pieces(block["thinking"], reply.chunk_size)
        return [{"type": "thinking_delta", "thinking": p} for p in thoughts] + [
            {"type": "signature_delta", "signature": block["signature"]}
        ]
    arguments = split_in(json.dumps(block["input"]), reply.split)
    return [{"type": "input_json_delta", "partial_json": p} for p in arguments]


def _stream(reply: Reply, model: str, words: int) -> list[dict[str, Any]]:
    """message_start, each block (start, deltas, stop; a `ping` after the first start),
    message_delta with the stop reason and output tokens, message_stop."""
    if reply.kind == "stream_error":
        return _failure(reply, model, words)
    out = [_start(reply, model, words)]
    for index, block in enumerate(_blocks(reply)):
        out.append(build(RawContentBlockStartEvent, index=index, content_block=_opened(block)))
        if index == 0:
            out.append({"type": "ping"})
        out += [
            build(RawContentBlockDeltaEvent, index=index, delta=d) for d in _deltas(reply, block)
        ]
        out.append(build(RawContentBlockStopEvent, index=index))
    stop = _stop_reason(reply)
    delta = {"stop_reason": _sdk_stop(stop), "stop_sequence": reply.stop_sequence}
    out.append(build(RawMessageDeltaEvent, delta=delta, usage=_output_usage(reply, words)))
    out[-1]["delta"]["stop_reason"] = stop
    out.append(build(RawMessageStopEvent))
    return out


def _failure(reply: Reply, model: str, words: int) -> list[dict[str, Any]]:
    """A text block opened, `after_chunks` text deltas, then an `error` event and the end."""
    texts = padded_split(reply.content, reply.after_chunks)
    deltas = [{"type": "text_delta", "text": text} for text in texts]
    error = {"type": reply.error_type or "overloaded_error", "message": reply.message}
    return [
        _start(reply, model, words),
        build(RawContentBlockStartEvent, index=0, content_block={"type": "text", "text": ""}),
        {"type": "ping"},
        *(build(RawContentBlockDeltaEvent, index=0, delta=delta) for delta in deltas),
        {"type": "error", "error": error},
    ]


def _start(reply: Reply, model: str, words: int) -> dict[str, Any]:
    """message_start: the message with no content yet, its input usage and 1 output token."""
    message: dict[str, Any] = {
        "id": _message_id(reply),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _usage(reply, words) | {"output_tokens": 1},
    }
    return build(RawMessageStartEvent, message=message)
