"""The one place that talks HTTP: headers, timeouts, retries and SSE decoding (error mapping
and key redaction live in `http_errors`). Pure decisions are module functions and `Attempts`,
shared by both faces; `SyncTransport` and `AsyncTransport` repeat only the I/O calls."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent, SSEError, aconnect_sse, connect_sse

from hfgate.errors import APIStatusError, HfgateError
from hfgate.http.endpoint import Endpoint, RetryPolicy
from hfgate.http.errors import (
    connection_error,
    json_body,
    mid_stream_error,
    response_meta,
    status_error,
)
from hfgate.types import ResponseMeta

log = logging.getLogger("hfgate")

# --- pure helpers shared by both faces -----------------------------------------------------


def request_headers(endpoint: Endpoint, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The key first, then the endpoint's and the call's headers, which may replace it (a
    settings model's `extraHeaders` can carry its own `Authorization`). Names are folded to
    lower case so a replacement never goes out twice."""
    headers = {"content-type": "application/json"}
    if endpoint.key is not None:
        if endpoint.auth == "x-api-key":
            headers["x-api-key"] = endpoint.key.secret
        else:
            headers["authorization"] = f"Bearer {endpoint.key.secret}"
    for more in (endpoint.headers, extra):
        if more:
            headers.update((name.lower(), value) for name, value in more.items())
    return headers


@functools.lru_cache(maxsize=32)
def _timeout(seconds: float | None) -> httpx.Timeout:
    """Default: 10 s to connect, 600 s otherwise (long generations). Cached: it is per call."""
    if seconds is None:
        return httpx.Timeout(600.0, connect=10.0)
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


class Attempts:
    """Counts tries of one call and decides, after each failure, whether to wait and retry."""

    __slots__ = ("call", "number")

    def __init__(self, call: Call) -> None:
        self.call = call
        self.number = 0

    def request(self) -> dict[str, Any]:
        """Keyword arguments for httpx's `request`/`stream` for the next try."""
        if log.isEnabledFor(logging.DEBUG):
            log.debug("POST %s (attempt %d)", self.call.url, self.number + 1)
        return {
            "method": "POST",
            "url": self.call.url,
            "content": json.dumps(self.call.body).encode(),
            "headers": request_headers(self.call.endpoint, self.call.headers),
            "timeout": _timeout(self.call.timeout),
        }

    def failed(self, exc: Exception) -> float:
        """Seconds to wait before the next try; raises the typed error when giving up."""
        error = (
            connection_error(exc, self.call.endpoint) if isinstance(exc, httpx.HTTPError) else exc
        )
        assert isinstance(error, HfgateError)
        wait = self.call.retry.delay(self.number, error)
        if wait is None:
            raise error from (exc if exc is not error else None)
        self.number += 1
        return wait


def checked(response: httpx.Response, endpoint: Endpoint) -> ResponseMeta:
    """The response's meta, or the typed error for an error status (body already read)."""
    if response.status_code >= 400:
        raise status_error(response, endpoint)
    return response_meta(response.headers, endpoint.name)


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP call, ready to send."""

    endpoint: Endpoint
    path: str
    body: dict[str, Any]
    headers: Mapping[str, str] | None = None
    timeout: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def url(self) -> httpx.URL:
        return _parsed(self.endpoint.url(self.path))


@functools.lru_cache(maxsize=256)
def _parsed(url: str) -> httpx.URL:
    """Parsed once per URL: httpx would parse the string again on every request."""
    return httpx.URL(url)


_DONE: dict[str, Any] = {}


def _payload(sse: ServerSentEvent) -> dict[str, Any] | None:
    """The JSON of one event; `_DONE` for `[DONE]`; None for an empty or comment event."""
    data = sse.data
    if data[:1] != "{":  # the rare cases first, off the per-chunk path
        if not data or data[0] == ":":
            return None
        if data.strip() == "[DONE]":
            return _DONE
    value = json.loads(data)
    if not isinstance(value, dict):  # valid JSON, but no event: reported like bad JSON
        raise ValueError(f"an event must be a JSON object, got {data[:40]!r}")
    return value


@dataclass(frozen=True, slots=True)
class CompleteBody:
    """What a server that ignored `stream: true` sent instead: one JSON body, which the
    stream's consumer parses as a one-shot answer."""

    body: Any


Chunk = dict[str, Any] | CompleteBody
"""One decoded stream event, or the whole answer of a server that did not stream."""


def _complete(response: httpx.Response) -> CompleteBody:
    return CompleteBody(json.loads(response.text))


def _is_sse(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


# --- sync face: only the I/O calls ---------------------------------------------------------

Failure = (httpx.HTTPError, APIStatusError)


class SyncTransport:
    def __init__(self, client: httpx.Client | None = None) -> None:
        self.http = client or httpx.Client(timeout=_timeout(None))

    def close(self) -> None:
        self.http.close()

    def post_json(self, call: Call) -> tuple[Any, ResponseMeta]:
        attempts = Attempts(call)
        while True:
            try:
                response = self.http.request(**attempts.request())
                meta = checked(response, call.endpoint)
                return json_body(response, call.endpoint), meta
            except Failure as exc:
                time.sleep(attempts.failed(exc))

    @contextmanager
    def stream(self, call: Call) -> Iterator[tuple[ResponseMeta, Iterator[Chunk]]]:
        """Open a stream (retrying only until it has started) and yield its decoded events."""
        attempts = Attempts(call)
        while True:
            with ExitStack() as stack:
                try:
                    source = stack.enter_context(connect_sse(self.http, **attempts.request()))
                    if source.response.status_code >= 400:
                        source.response.read()
                    meta = checked(source.response, call.endpoint)
                except Failure as exc:
                    stack.close()
                    time.sleep(attempts.failed(exc))
                    continue
                yield meta, _events(source, call.endpoint)
                return

    def get_json(self, url: str, endpoint: Endpoint, timeout: float | None = None) -> Any:
        try:
            response = self.http.get(
                url, headers=request_headers(endpoint, None), timeout=_timeout(timeout)
            )
        except httpx.HTTPError as exc:
            raise connection_error(exc, endpoint) from exc
        checked(response, endpoint)
        return json_body(response, endpoint)


def _events(source: EventSource, endpoint: Endpoint) -> Iterator[Chunk]:
    """Decoded payloads; failures in the middle of a stream are translated, never retried."""
    try:
        if not _is_sse(source.response):
            source.response.read()
            yield _complete(source.response)
            return
        events = source.iter_sse()
        for sse in events:
            payload = _payload(sse)
            if payload is _DONE:
                _drain_sync(events)
                return
            if payload is not None:
                yield payload
    except (httpx.HTTPError, SSEError, ValueError) as exc:
        raise mid_stream_error(exc, endpoint) from exc


class AsyncTransport:
    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self.http = client or httpx.AsyncClient(timeout=_timeout(None))

    async def aclose(self) -> None:
        await self.http.aclose()

    async def post_json(self, call: Call) -> tuple[Any, ResponseMeta]:
        attempts = Attempts(call)
        while True:
            try:
                response = await self.http.request(**attempts.request())
                meta = checked(response, call.endpoint)
                return json_body(response, call.endpoint), meta
            except Failure as exc:
                await _asleep(attempts.failed(exc))

    @asynccontextmanager
    async def stream(self, call: Call) -> AsyncIterator[tuple[ResponseMeta, AsyncIterator[Chunk]]]:
        attempts = Attempts(call)
        while True:
            async with AsyncExitStack() as stack:
                try:
                    source = await stack.enter_async_context(
                        aconnect_sse(self.http, **attempts.request())
                    )
                    if source.response.status_code >= 400:
                        await source.response.aread()
                    meta = checked(source.response, call.endpoint)
                except Failure as exc:
                    await stack.aclose()
                    await _asleep(attempts.failed(exc))
                    continue
                yield meta, _aevents(source, call.endpoint)
                return

    async def get_json(self, url: str, endpoint: Endpoint, timeout: float | None = None) -> Any:
        try:
            response = await self.http.get(
                url, headers=request_headers(endpoint, None), timeout=_timeout(timeout)
            )
        except httpx.HTTPError as exc:
            raise connection_error(exc, endpoint) from exc
        checked(response, endpoint)
        return json_body(response, endpoint)


async def _aevents(source: EventSource, endpoint: Endpoint) -> AsyncIterator[Chunk]:
    try:
        if not _is_sse(source.response):
            await source.response.aread()
            yield _complete(source.response)
            return
        events = source.aiter_sse()
        async for sse in events:
            payload = _payload(sse)
            if payload is _DONE:
                await _drain(events)
                return
            if payload is not None:
                yield payload
    except (httpx.HTTPError, SSEError, ValueError) as exc:
        raise mid_stream_error(exc, endpoint) from exc


_DRAIN_SECONDS = 0.25


def _drain_sync(events: Iterator[ServerSentEvent]) -> None:
    """The sync twin of `_drain`: read the body to its end after `[DONE]` so the connection
    goes back to the pool. A blocking read cannot be cut short, so the bound is checked
    between events; a server that holds an idle body open after `[DONE]` costs up to the
    read timeout (as in the openai SDK, whose sync stream also reads to the end)."""
    deadline = time.monotonic() + _DRAIN_SECONDS
    try:
        for _ in events:
            if time.monotonic() > deadline:
                return
    except (httpx.HTTPError, SSEError):
        pass


async def _drain(events: AsyncIterator[ServerSentEvent]) -> None:
    """Read a body to its end after `[DONE]`, so its connection goes back to the pool: an
    unread body closes it, and the next stream pays a new TCP and TLS handshake. Bounded, so a
    server that keeps the body open after `[DONE]` costs its connection, not the caller."""
    import asyncio

    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _ in events:
                pass
    except (TimeoutError, httpx.HTTPError, SSEError):
        pass


async def _asleep(seconds: float) -> None:
    import asyncio  # already loaded whenever this runs; kept off the sync import path

    await asyncio.sleep(seconds)
