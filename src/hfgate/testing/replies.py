"""Scripted answers for the router emulator.

A `Reply` describes one answer; the same Reply is served as JSON or as an SSE stream,
whichever the request asked for, so one script exercises both paths.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ReasoningField = Literal["reasoning", "reasoning_content", "think"]
UsageChunk = Literal["separate", "last", "none"]


@dataclass(frozen=True)
class ToolCallSpec:
    name: str
    arguments: Mapping[str, Any]
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reply:
    kind: Literal["text", "tool_calls", "error", "stream_error", "disconnect"] = "text"
    content: str = ""
    reasoning: str | None = None
    reasoning_field: ReasoningField = "reasoning"
    calls: tuple[ToolCallSpec, ...] = ()
    arguments_as_object: bool = False
    split: int = 3
    finish_reason: str | None = "stop"
    usage: Mapping[str, int] | None = None
    cached_tokens: int | None = None
    cache_hit_field: Literal["prompt_tokens_details", "prompt_cache_hit_tokens"] = (
        "prompt_tokens_details"
    )
    reasoning_tokens: int | None = None
    model: str | None = None
    provider: str | None = "together"
    request_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # stream shape
    chunk_size: int = 4
    usage_chunk: UsageChunk = "separate"
    delay_first_byte: float = 0.0
    chunk_delay: float = 0.0
    drop_after: int | None = None
    done: bool = True
    data_prefix: str = "data: "
    role_in_every_delta: bool = False
    # errors
    status: int = 200
    body: str | Mapping[str, Any] | None = None
    content_type: str = "application/json"
    retry_after: str | float | None = None
    error_type: str = "validation"
    as_object: bool = False
    after_chunks: int = 1

    @classmethod
    def text(cls, text: str, **kw: Any) -> Reply:
        """An answer in text, optionally with reasoning in one of its three forms."""
        return cls(kind="text", content=text, **kw)

    @classmethod
    def tool_calls(cls, calls: Sequence[ToolCallSpec], *, text: str = "", **kw: Any) -> Reply:
        """Tool calls; in streams each call's arguments arrive in `split` fragments, and
        parallel calls interleave their fragments."""
        kw.setdefault("finish_reason", "tool_calls")
        return cls(kind="tool_calls", calls=tuple(calls), content=text, **kw)

    @classmethod
    def error(
        cls,
        status: int,
        body: str | Mapping[str, Any],
        *,
        content_type: str = "application/json",
        **kw: Any,
    ) -> Reply:
        """An HTTP error with the body as given (a str is sent raw, e.g. text/plain)."""
        return cls(kind="error", status=status, body=body, content_type=content_type, **kw)

    @classmethod
    def error_string(cls, status: int, message: str, **kw: Any) -> Reply:
        """HF's own envelope: `{"error": "..."}`."""
        return cls.error(status, {"error": message}, **kw)

    @classmethod
    def error_object(
        cls,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        **kw: Any,
    ) -> Reply:
        """The OpenAI-style envelope: `{"error": {"message", "type", "param", "code"}}`."""
        body = {"error": {"message": message, "type": type, "param": param, "code": code}}
        return cls.error(status, body, **kw)

    @classmethod
    def model_not_supported(cls, model: str, **kw: Any) -> Reply:
        """The router's verbatim 400 for a model no enabled provider serves."""
        message = (
            f"The requested model '{model}' is not supported by any provider you have enabled."
        )
        return cls.error_object(400, message, code="model_not_supported", param="model", **kw)

    @classmethod
    def stream_error(
        cls,
        message: str,
        *,
        after_chunks: int = 1,
        error_type: str = "validation",
        as_object: bool = False,
        **kw: Any,
    ) -> Reply:
        """Status 200, some text, then `data: {"error": ...}` inside the stream."""
        kw.setdefault("content", "partial answer ")
        return cls(
            kind="stream_error",
            body={"message": message},
            after_chunks=after_chunks,
            error_type=error_type,
            as_object=as_object,
            **kw,
        )

    @classmethod
    def disconnect(cls) -> Reply:
        """Read the request, then hang up without answering."""
        return cls(kind="disconnect")

    def error_payload(self) -> dict[str, Any]:
        message = (
            str((self.body or {}).get("message", "")) if isinstance(self.body, Mapping) else ""
        )
        if self.as_object:
            return {"error": {"message": message, "type": self.error_type}}
        return {"error": message, "error_type": self.error_type}


def new_request_id() -> str:
    """An id in the router's AWS-trace format."""
    hexes = uuid.uuid4().hex
    return f"Root=1-{hexes[:8]}-{hexes[8:32]};{uuid.uuid4()}"
