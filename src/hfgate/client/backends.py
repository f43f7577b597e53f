"""A backend answers one unified request: over HTTP with a wire format (chat completions,
Responses or Messages: one class, the wire is data), or in-process (the local model).
Generation logic above it (tool loop, structured output) never sees the wire.

Streams yield deltas and end with a `StepFinish` carrying the assembled step.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import Any, Protocol

from hfgate.errors import StreamError
from hfgate.formats import CHAT, Format
from hfgate.http.endpoint import Endpoint, RetryPolicy
from hfgate.http.errors import redacted
from hfgate.http.transport import AsyncTransport, Call, CompleteBody, SyncTransport
from hfgate.inputs.request import ChatRequest
from hfgate.local import async_local_backend, local_backend
from hfgate.routing.resolve import Route
from hfgate.types import (
    ReasoningDelta,
    ResponseMeta,
    StepFinish,
    StepResult,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
)

BackendItem = ResponseMeta | StreamEvent
"""What a backend's stream yields: an HTTP backend's first item is the `ResponseMeta` of who
answers (from the headers, before any event); the client drops it, the gateway reports it."""


class Backend(Protocol):
    def complete(self, req: ChatRequest) -> StepResult: ...

    def stream(self, req: ChatRequest) -> Iterator[BackendItem]: ...


class AsyncBackend(Protocol):
    async def complete(self, req: ChatRequest) -> StepResult: ...

    def stream(self, req: ChatRequest) -> AsyncIterator[BackendItem]: ...


class _HttpBase:
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

    def _call(self, req: ChatRequest, *, stream: bool) -> Call:
        body = self.wire.build_body(req, stream=stream)
        return Call(self.endpoint, self.wire.path, body, self.headers, self.timeout, self.retry)


def _step_from_complete(
    wire: Format, complete: CompleteBody, meta: ResponseMeta
) -> list[StreamEvent]:
    """Events for a server that answered a stream request with one JSON body."""
    step = wire.parse_response(complete.body, meta)
    events: list[StreamEvent] = [ReasoningDelta(step.reasoning)] if step.reasoning else []
    if step.text:
        events.append(TextDelta(step.text))
    events.extend(ToolCallEvent(call) for call in step.tool_calls)
    return [*events, StepFinish(step)]


def _with_model(meta: ResponseMeta, req: ChatRequest) -> ResponseMeta:
    """The requested model stands in until the server names the one it ran."""
    return ResponseMeta(req.model, meta.provider, meta.request_id)


class HttpChat(_HttpBase):
    """One request over HTTP in any wire format, sync."""

    def __init__(self, transport: SyncTransport, endpoint: Endpoint, **kw: Any) -> None:
        super().__init__(endpoint, **kw)
        self.transport = transport

    def complete(self, req: ChatRequest) -> StepResult:
        body, meta = self.transport.post_json(self._call(req, stream=False))
        try:
            return self.wire.parse_response(body, _with_model(meta, req))
        except StreamError as exc:
            raise redacted(exc, self.endpoint) from None

    def stream(self, req: ChatRequest) -> Iterator[BackendItem]:
        try:
            yield from self._stream(req)
        except StreamError as exc:
            raise redacted(exc, self.endpoint) from None

    def _stream(self, req: ChatRequest) -> Iterator[BackendItem]:
        with self.transport.stream(self._call(req, stream=True)) as (meta, chunks):
            meta = _with_model(meta, req)
            yield meta
            acc = self.wire.accumulator(meta)
            for chunk in chunks:
                if isinstance(chunk, CompleteBody):
                    yield from _step_from_complete(self.wire, chunk, meta)
                    return
                yield from acc.feed(chunk)
        events, step = acc.finish()
        yield from events
        yield StepFinish(step)


class AsyncHttpChat(_HttpBase):
    """One request over HTTP in any wire format, async."""

    def __init__(self, transport: AsyncTransport, endpoint: Endpoint, **kw: Any) -> None:
        super().__init__(endpoint, **kw)
        self.transport = transport

    async def complete(self, req: ChatRequest) -> StepResult:
        body, meta = await self.transport.post_json(self._call(req, stream=False))
        try:
            return self.wire.parse_response(body, _with_model(meta, req))
        except StreamError as exc:
            raise redacted(exc, self.endpoint) from None

    async def stream(self, req: ChatRequest) -> AsyncIterator[BackendItem]:
        events = self._stream(req)
        try:
            async for event in events:
                yield event
        except StreamError as exc:
            raise redacted(exc, self.endpoint) from None
        finally:
            await events.aclose()  # closes the HTTP stream now, not whenever GC runs

    async def _stream(self, req: ChatRequest) -> AsyncGenerator[BackendItem, None]:
        async with self.transport.stream(self._call(req, stream=True)) as (meta, chunks):
            meta = _with_model(meta, req)
            yield meta
            acc = self.wire.accumulator(meta)
            async for chunk in chunks:
                if isinstance(chunk, CompleteBody):
                    for event in _step_from_complete(self.wire, chunk, meta):
                        yield event
                    return
                for event in acc.feed(chunk):
                    yield event
        events, step = acc.finish()
        for event in events:
            yield event
        yield StepFinish(step)


def backend_for(route: Route, transport: Callable[[], SyncTransport], **http: Any) -> Backend:
    """The backend that answers `route`: the embedded model, or HTTP in the route's format.
    `transport` is called only for HTTP, so a local call opens no connection pool; `http`
    is `HttpChat`'s headers, timeout and retry."""
    if route.endpoint is None or route.wire is None:
        return local_backend(route.model)
    return HttpChat(transport(), route.endpoint, wire=route.wire, **http)


def async_backend_for(
    route: Route, transport: Callable[[], AsyncTransport], **http: Any
) -> AsyncBackend:
    """`backend_for` for the async face: the client and the gateway both choose here."""
    if route.endpoint is None or route.wire is None:
        return async_local_backend(route.model)
    return AsyncHttpChat(transport(), route.endpoint, wire=route.wire, **http)
