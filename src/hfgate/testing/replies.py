"""Scripted answers for the emulators.

A `Reply` describes one answer; the same Reply is served as JSON or as an SSE stream,
whichever the request asked for, and on whichever wire it was asked on (chat completions,
OpenAI Responses, Anthropic Messages), so one script exercises every path. Its numbers are
in chat-completions terms (`prompt_tokens`, `finish_reason` "length") and each wire translates
them. Replies are immutable (mappings are copied on construction), which lets the emulator
cache their serialised bytes.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Unpack

ReasoningField = Literal["reasoning", "reasoning_content", "think"]
UsageChunk = Literal["separate", "last", "none"]
CacheHitField = Literal["prompt_tokens_details", "prompt_cache_hit_tokens"]
Kind = Literal["text", "tool_calls", "echo", "error", "stream_error", "disconnect"]
ReasoningItem = Literal["summary", "content", "both"]
ErrorEvent = Literal["response.failed", "error"]

_REASONING_FIELDS = ("reasoning", "reasoning_content", "think")
_USAGE_CHUNKS = ("separate", "last", "none")
_CACHE_HIT_FIELDS = ("prompt_tokens_details", "prompt_cache_hit_tokens")
_REASONING_ITEMS = ("summary", "content", "both")
_ERROR_EVENTS = ("response.failed", "error")
_SIGNATURE = "RW11bGF0ZWQgdGhpbmtpbmcgc2lnbmF0dXJl"  # base64, like the real (opaque) ones


class MetaOptions(TypedDict, total=False):
    """Options every reply takes.

    provider: the router's `x-inference-provider` header; None sends neither it nor
        `x-request-id`. The OpenAI and Anthropic emulators ignore it and always send an id.
    request_id: the request-id header (`x-request-id`, Anthropic's `request-id`); None
        generates a fresh id per answer in the emulated API's format.
    headers: extra response headers.
    delay_first_byte: seconds to wait before the status line (for timeout tests).
    """

    provider: str | None
    request_id: str | None
    headers: Mapping[str, str] | None
    delay_first_byte: float


class ErrorOptions(MetaOptions, total=False):
    """Options of `Reply.error` and its helpers; `retry_after` sets `Retry-After`."""

    content_type: str
    retry_after: str | float | None


class StreamErrorOptions(MetaOptions, total=False):
    """Options of `Reply.stream_error`; `error_event` picks the Responses wire's failure:
    a `response.failed` event (the default) or a bare `error` event."""

    model: str | None
    chunk_delay: float
    data_prefix: str
    error_event: ErrorEvent
    event_lines: bool


class AnswerOptions(MetaOptions, total=False):
    """Options of `Reply.text`, `Reply.tool_calls` and `Reply.echo`.

    reasoning / reasoning_field: reasoning text as a `reasoning` or `reasoning_content` field,
        or ("think") inline as `<think>REASONING</think>` at the start of the content.
    usage: `prompt_tokens` / `completion_tokens` / `total_tokens`; None counts words. Every
        wire reads these: Responses as input/output tokens, Anthropic with `input_tokens` =
        prompt_tokens - cached_tokens - cache_write_tokens (its input excludes the cache).
    cached_tokens / cache_hit_field: cache hits as `prompt_tokens_details.cached_tokens` or
        DeepSeek's top-level `prompt_cache_hit_tokens`.
    reasoning_tokens: `completion_tokens_details.reasoning_tokens`.
    model: the `model` answered; None echoes the request's model string.
    chunk_size: characters of reasoning or content per stream chunk.
    usage_chunk: "separate" (extra final chunk, `choices: []`, OpenAI), "last" (on the
        finishing chunk, Together) or "none"; streams only send usage when the request set
        `stream_options.include_usage`. On Responses "none" leaves `usage` out, the others
        send it; Anthropic always sends usage.
    chunk_delay: seconds between SSE events.
    drop_after: after this many SSE events, hang up without a terminating chunk.
    done: end with `data: [DONE]`; False ends with EOF only.
    data_prefix: "data: " or the equally legal "data:".
    role_in_every_delta: repeat `role: "assistant"` on every delta, not only the first.
    completion_id: the `id` of the completion and chunks ("" is legal), of the Responses
        `response` or of the Anthropic `message`; None generates one.
    null_usage_chunks: put `usage: null` on every chunk that has no usage.

    The Responses and Messages wires ignore the chat-only options (reasoning_field,
    cache_hit_field, done, role_in_every_delta, null_usage_chunks, arguments_as_object):
    there reasoning always has its own item or block. Options for them:
    cache_write_tokens: prompt tokens written to the cache: Anthropic's
        `cache_creation_input_tokens`, Responses' `input_tokens_details.cache_write_tokens`,
        chat's `prompt_tokens_details.cache_write_tokens`.
    reasoning_item: the Responses reasoning item as a `summary` (OpenAI's summary_text parts
        and reasoning_summary_* events), `content` (reasoning_text parts and
        reasoning_text.* events, as HF's responses.js sends raw reasoning) or `both`.
    event_lines: Responses streams carry `event: <type>` lines; False sends `data:` only
        (HF's responses.js). Anthropic streams always name their events.
    thinking_signature: the signature of Anthropic's thinking block.
    stop_sequence: Anthropic: the stop sequence hit; sets `stop_reason: "stop_sequence"`.
    """

    reasoning: str | None
    reasoning_field: ReasoningField
    usage: Mapping[str, Any] | None
    cached_tokens: int | None
    cache_hit_field: CacheHitField
    reasoning_tokens: int | None
    model: str | None
    chunk_size: int
    usage_chunk: UsageChunk
    chunk_delay: float
    drop_after: int | None
    done: bool
    data_prefix: str
    role_in_every_delta: bool
    completion_id: str | None
    null_usage_chunks: bool
    cache_write_tokens: int | None
    reasoning_item: ReasoningItem
    event_lines: bool
    thinking_signature: str
    stop_sequence: str | None


def _json_copy(value: Any) -> Any:
    """A deep copy that also proves the value is JSON, at script time rather than mid-answer."""
    return json.loads(json.dumps(value))


@dataclass(frozen=True)
class ToolCallSpec:
    """One function call in a scripted answer; `id` None means "call_<index>"."""

    name: str
    arguments: Mapping[str, Any]
    id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "arguments", _json_copy(dict(self.arguments)))


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One scripted answer. Build it with the class methods; the fields are their options.

    Its bytes are rendered once per request shape and reused, so a reply served again
    repeats its completion `id` and `created` (headers such as `x-request-id` stay fresh)."""

    kind: Kind = "text"
    content: str = ""
    reasoning: str | None = None
    reasoning_field: ReasoningField = "reasoning"
    calls: tuple[ToolCallSpec, ...] = ()
    arguments_as_object: bool = False
    split: int = 3
    finish_reason: str | None = "stop"
    usage: Mapping[str, Any] | None = None
    cached_tokens: int | None = None
    cache_hit_field: CacheHitField = "prompt_tokens_details"
    reasoning_tokens: int | None = None
    model: str | None = None
    provider: str | None = "together"
    request_id: str | None = None
    headers: Mapping[str, str] | None = None
    # stream shape
    chunk_size: int = 4
    usage_chunk: UsageChunk = "separate"
    delay_first_byte: float = 0.0
    chunk_delay: float = 0.0
    drop_after: int | None = None
    done: bool = True
    data_prefix: str = "data: "
    role_in_every_delta: bool = False
    completion_id: str | None = None
    null_usage_chunks: bool = False
    # the other wires
    cache_write_tokens: int | None = None
    reasoning_item: ReasoningItem = "summary"
    event_lines: bool = True
    thinking_signature: str = _SIGNATURE
    stop_sequence: str | None = None
    error_event: ErrorEvent = "response.failed"
    # errors
    status: int = 200
    body: str | Mapping[str, Any] | None = None
    content_type: str = "application/json"
    retry_after: str | float | None = None
    message: str = ""
    error_type: str | None = None
    as_object: bool = False
    after_chunks: int = 1
    # Serialised bytes per request shape, filled by the emulator (see payloads.render).
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check()
        if self.usage is not None:
            object.__setattr__(self, "usage", _json_copy(dict(self.usage)))
        if self.headers is not None:
            object.__setattr__(self, "headers", {str(k): str(v) for k, v in self.headers.items()})
        if isinstance(self.body, Mapping):
            object.__setattr__(self, "body", _json_copy(dict(self.body)))

    def _check(self) -> None:
        problems = [
            (self.chunk_size < 1, "chunk_size must be >= 1"),
            (self.split < 1, "split must be >= 1"),
            (self.after_chunks < 0, "after_chunks must be >= 0"),
            (self.drop_after is not None and self.drop_after < 0, "drop_after must be >= 0"),
            (self.reasoning_field not in _REASONING_FIELDS, "unknown reasoning_field"),
            (self.usage_chunk not in _USAGE_CHUNKS, "unknown usage_chunk"),
            (self.cache_hit_field not in _CACHE_HIT_FIELDS, "unknown cache_hit_field"),
            (self.reasoning_item not in _REASONING_ITEMS, "unknown reasoning_item"),
            (self.error_event not in _ERROR_EVENTS, "unknown error_event"),
            (not 100 <= self.status <= 599, "status must be an HTTP status"),
        ]
        for failed, problem in problems:
            if failed:
                raise ValueError(f"Reply: {problem}")

    @classmethod
    def text(
        cls, text: str, *, finish_reason: str | None = "stop", **options: Unpack[AnswerOptions]
    ) -> Reply:
        """An answer in text, optionally with reasoning in one of its three forms."""
        return cls(kind="text", content=text, finish_reason=finish_reason, **options)

    @classmethod
    def echo(cls, **options: Unpack[AnswerOptions]) -> Reply:
        """The default answer: "You said: <last user message>", usage counted in words."""
        return cls(kind="echo", **options)

    @classmethod
    def tool_calls(
        cls,
        calls: Sequence[ToolCallSpec],
        *,
        text: str | None = None,
        arguments_as_object: bool = False,
        split: int = 3,
        finish_reason: str | None = "tool_calls",
        **options: Unpack[AnswerOptions],
    ) -> Reply:
        """Tool calls. In streams each call's argument string arrives in `split` fragments and
        parallel calls interleave theirs; `arguments_as_object` sends the arguments as a JSON
        object instead of a string (TGI), whole, in the call's first chunk."""
        return cls(
            kind="tool_calls",
            calls=tuple(calls),
            content=text or "",
            arguments_as_object=arguments_as_object,
            split=split,
            finish_reason=finish_reason,
            **options,
        )

    @classmethod
    def error(
        cls, status: int, body: str | Mapping[str, Any], **options: Unpack[ErrorOptions]
    ) -> Reply:
        """An HTTP error with the body as given: a str is sent raw (e.g. text/plain), a
        mapping JSON-encoded."""
        return cls(kind="error", status=status, body=body, **options)

    @classmethod
    def error_string(cls, status: int, message: str, **options: Unpack[ErrorOptions]) -> Reply:
        """HF's own envelope: `{"error": "..."}`."""
        return cls.error(status, {"error": message}, **options)

    @classmethod
    def error_object(
        cls,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        **options: Unpack[ErrorOptions],
    ) -> Reply:
        """The OpenAI-style envelope: `{"error": {"message", "type", "param", "code"}}`."""
        body = {"error": {"message": message, "type": type, "param": param, "code": code}}
        return cls.error(status, body, **options)

    @classmethod
    def anthropic_error(
        cls, status: int, type: str, message: str, **options: Unpack[ErrorOptions]
    ) -> Reply:
        """Anthropic's envelope: `{"type": "error", "error": {"type", "message"}}`, e.g.
        (529, "overloaded_error"), (401, "authentication_error"), (429, "rate_limit_error")."""
        body = {"type": "error", "error": {"type": type, "message": message}}
        return cls.error(status, body, **options)

    @classmethod
    def model_not_supported(cls, model: str, **options: Unpack[ErrorOptions]) -> Reply:
        """The router's verbatim 400 for a model that no enabled provider serves."""
        message = (
            f"The requested model '{model}' is not supported by any provider you have enabled."
        )
        return cls.error_object(400, message, code="model_not_supported", param="model", **options)

    @classmethod
    def stream_error(
        cls,
        message: str,
        *,
        after_chunks: int = 1,
        error_type: str | None = None,
        as_object: bool = False,
        text: str = "partial answer",
        **options: Unpack[StreamErrorOptions],
    ) -> Reply:
        """Status 200, `after_chunks` chunks carrying `text`, then the failure and the end.

        Chat completions: `data: {"error": ...}` (TGI); a non-streaming request gets that
        object as a 200 JSON body. Responses: a `response.failed` event with `error.code`
        (or a bare `error` event); non-streaming, a 200 `response` with status "failed".
        Messages: `event: error`; non-streaming, that envelope with the error type's HTTP
        status (529 for overloaded_error). `error_type` None means each wire's usual one:
        "validation", "server_error", "overloaded_error"."""
        return cls(
            kind="stream_error",
            content=text,
            message=message,
            after_chunks=after_chunks,
            error_type=error_type,
            as_object=as_object,
            **options,
        )

    @classmethod
    def disconnect(cls, *, delay_first_byte: float = 0.0) -> Reply:
        """Read the request, then hang up without answering: a connection error."""
        return cls(kind="disconnect", delay_first_byte=delay_first_byte)

    def error_payload(self) -> dict[str, Any]:
        """The chat-completions error object sent inside a 200 stream (or as a 200 body)."""
        error_type = self.error_type or "validation"
        if self.as_object:
            return {"error": {"message": self.message, "type": error_type}}
        return {"error": self.message, "error_type": error_type}


def new_request_id() -> str:
    """An id in the router's AWS-trace format: `Root=1-<8 hex>-<24 hex>;<uuid>`."""
    trace = f"{random.getrandbits(128):032x}"  # not uuid4(): os.urandom per answer is slow
    return f"Root=1-{trace[:8]}-{trace[8:]};{uuid.UUID(int=random.getrandbits(128), version=4)}"
