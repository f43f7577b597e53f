"""The one place that decides HTTP: headers, timeouts, retries and SSE decoding (error mapping
and key redaction live in `http.errors`). Everything here is pure and shared by both faces:
`async_transport` holds the I/O, and `sync_transport` is generated from it
(`scripts/unasync.py`), so the two cannot drift."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, SSEError

from hfgate.errors import APIStatusError, HfgateError
from hfgate.http.endpoint import Endpoint, RetryPolicy
from hfgate.http.errors import connection_error, dumps, loads, response_meta, status_error
from hfgate.types import ResponseMeta

log = logging.getLogger("hfgate")

TRACE_HEADERS: ContextVar[Mapping[str, str] | None] = ContextVar("hfgate_trace", default=None)
"""The W3C trace context (`traceparent`) of the span around the current call, sent with its
requests; set by `hfgate.telemetry` only while tracing is on, so otherwise always None."""


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
    traced = TRACE_HEADERS.get()
    if traced:  # before the caller's own headers, which may carry a traceparent of theirs
        headers.update(traced)
    for more in (endpoint.headers, extra):
        if more:
            headers.update((name.lower(), value) for name, value in more.items())
    return headers


POOL_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
"""A client's connections: httpx's default caps them at 100, so the 101st concurrent stream of
one client waits for a free connection (and its timeout counts the wait); the openai SDK allows
1,000 too. Idle connections kept: httpx's 100."""


@functools.lru_cache(maxsize=32)
def timeout_for(seconds: float | None) -> httpx.Timeout:
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
            "content": dumps(self.call.body),
            "headers": request_headers(self.call.endpoint, self.call.headers),
            "timeout": timeout_for(self.call.timeout),
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


DONE: dict[str, Any] = {}
"""What `decode_event` returns for `[DONE]`; compared by identity."""


def decode_event(sse: ServerSentEvent) -> dict[str, Any] | None:
    """The JSON of one event; `DONE` for `[DONE]`; None for an empty or comment event."""
    data = sse.data
    if data[:1] != "{":  # the rare cases first, off the per-chunk path
        if not data or data[0] == ":":
            return None
        if data.strip() == "[DONE]":
            return DONE
    value = loads(data)
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


def complete_body(response: httpx.Response) -> CompleteBody:
    return CompleteBody(loads(response.text))


def is_sse(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


FAILURES = (httpx.HTTPError, APIStatusError)
"""What a try can fail with before its stream starts: `Attempts.failed` decides what follows."""
STREAM_FAILURES = (httpx.HTTPError, SSEError, ValueError, RecursionError)
"""What reading a started stream can fail with: the connection, the framing, the JSON."""
SSE_ENCODING = "utf-8-sig"
"""Event streams are UTF-8; this codec also drops the byte-order mark a server may lead with,
which would otherwise hide the first event's `data` field."""
DRAIN_SECONDS = 0.25
"""How long a stream's body is read on after `[DONE]`, so its connection can be pooled."""
