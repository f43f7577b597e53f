"""A backend answers one unified request: over HTTP with a wire format (chat completions,
Responses or Messages: one class, the wire is data), or in-process (the local model).
Generation logic above it (tool loop, structured output) never sees the wire.

Streams yield deltas and end with a `StepFinish` carrying the assembled step. This module is
what both faces share; `async_backends` holds the async I/O and `sync_backends` is generated
from it (`scripts/unasync.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol

from hfgate.errors import IncompleteStreamError
from hfgate.formats import CHAT, Format
from hfgate.formats.base import Accumulator
from hfgate.formats.checks import checked_step
from hfgate.http.endpoint import Endpoint, RetryPolicy
from hfgate.http.transport import Call, CompleteBody
from hfgate.inputs.request import ChatRequest
from hfgate.types import (
    ReasoningDelta,
    ResponseMeta,
    StepFinish,
    StepResult,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    Usage,
)


@dataclass(frozen=True, slots=True)
class PromptUsage:
    """The prompt's token counts, when the upstream says them before any content (Anthropic's
    `message_start`): the gateway's own first frame carries them; the client drops them, since
    the step's usage repeats them."""

    usage: Usage


BackendItem = ResponseMeta | PromptUsage | StreamEvent
"""What a backend's stream yields: an HTTP backend's first item is the `ResponseMeta` of who
answers (from the headers, before any event), then perhaps a `PromptUsage`; the client drops
both, the gateway reports them."""


class Backend(Protocol):
    def complete(self, req: ChatRequest) -> StepResult: ...

    def stream(self, req: ChatRequest) -> Iterator[BackendItem]: ...


class AsyncBackend(Protocol):
    async def complete(self, req: ChatRequest) -> StepResult: ...

    def stream(self, req: ChatRequest) -> AsyncIterator[BackendItem]: ...


class HttpBase:
    """What both faces' HTTP backends hold: where to send, in which format, with which
    headers, timeout and retries."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        wire: Format = CHAT,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.wire = wire
        self.headers = headers
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    def call(self, req: ChatRequest, *, stream: bool) -> Call:
        body = self.wire.build_body(req, stream=stream)
        return Call(self.endpoint, self.wire.path, body, self.headers, self.timeout, self.retry)


def events_from_complete(
    wire: Format, complete: CompleteBody, meta: ResponseMeta, requested_model: str
) -> list[StreamEvent]:
    """Events for a server that answered a stream request with one JSON body."""
    step = checked_step(wire.parse_response(complete.body, meta), requested_model)
    events: list[StreamEvent] = [ReasoningDelta(step.reasoning)] if step.reasoning else []
    if step.text:
        events.append(TextDelta(step.text))
    events.extend(ToolCallEvent(call) for call in step.tool_calls)
    return [*events, StepFinish(step)]


def incomplete(acc: Accumulator, endpoint: Endpoint, why: str) -> IncompleteStreamError:
    """The error for a stream that stopped before its end: what had arrived rides along."""
    try:
        _, step = acc.finish()
        text, usage = step.text, step.usage
    except Exception:  # noqa: BLE001 - a partial answer that cannot even be folded
        text, usage = "", None
    got = f"{len(text)} characters of text" if text else "no text"
    return IncompleteStreamError(
        f"The stream from {endpoint.base_url} stopped before its end ({why}) after {got}; "
        "the connection was probably cut. Retry the request.",
        provider=endpoint.name,
        partial_text=text,
        usage=usage,
    )


def with_model(meta: ResponseMeta, req: ChatRequest) -> ResponseMeta:
    """The requested model stands in until the server names the one it ran."""
    return ResponseMeta(req.model, meta.provider, meta.request_id)
