"""The one place that talks HTTP: headers, timeouts, retries, SSE decoding, status -> typed
error, and key redaction. Pure decisions live in module functions shared by both faces;
`SyncTransport` and `AsyncTransport` repeat only the I/O calls."""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent, SSEError, aconnect_sse, connect_sse

from hfgate.auth import Key, redact
from hfgate.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    HfgateError,
    error_class_for,
)
from hfgate.types import ResponseMeta

log = logging.getLogger("hfgate")

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
"""A server asking us to wait longer than this gets its error raised instead of a long sleep."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where requests go and what authenticates them."""

    base_url: str
    key: Key | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    """Shown as the provider in errors when the server does not say (e.g. 'llama.cpp')."""

    def __repr__(self) -> str:
        return f"Endpoint(base_url={self.base_url!r}, key={self.key!r}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, error: HfgateError) -> float | None:
        """Seconds to wait before retry number `attempt + 1`, or None to give up."""
        if attempt >= self.max_retries or not _retryable(error):
            return None
        hinted = error.retry_after if isinstance(error, APIStatusError) else None
        if hinted is not None:
            return hinted if hinted <= MAX_RETRY_AFTER else None
        backoff = min(self.initial_delay * 2.0**attempt, self.max_delay)
        return backoff * (0.75 + random.random() / 2)  # jitter spreads synchronized clients


def _retryable(error: HfgateError) -> bool:
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and error.status in RETRY_STATUSES


# --- pure helpers shared by both faces -----------------------------------------------------


def request_headers(endpoint: Endpoint, extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = {"content-type": "application/json", **endpoint.headers, **(extra or {})}
    if endpoint.key is not None:
        headers["authorization"] = f"Bearer {endpoint.key.secret}"
    return headers


def response_meta(headers: httpx.Headers, fallback_provider: str | None) -> ResponseMeta:
    return ResponseMeta(
        provider=headers.get("x-inference-provider") or fallback_provider,
        request_id=headers.get("x-request-id") or headers.get("x-amzn-trace-id"),
    )


def status_error(response: httpx.Response, endpoint: Endpoint) -> APIStatusError:
    """A typed error from an error response, whatever envelope the server used."""
    meta = response_meta(response.headers, endpoint.name)
    text = response.text
    body: Any = text
    if text[:1] in "{[":
        try:
            body = json.loads(text)
        except ValueError:
            pass
    message, code = _error_message(body)
    if not message:
        message = response.reason_phrase or f"HTTP {response.status_code}"
    secrets = (endpoint.key.secret,) if endpoint.key else ()
    kwargs: dict[str, Any] = dict(
        status=response.status_code,
        provider=meta.provider,
        request_id=meta.request_id,
        code=code,
        body=body if not secrets else _redacted_body(body, secrets),
    )
    cls = error_class_for(response.status_code, code)
    return cls(redact(message, secrets), retry_after=retry_after(response.headers), **kwargs)


def _error_message(body: Any) -> tuple[str, str | None]:
    """(message, code) from `{"error": "..."}`, `{"error": {"message": ...}}`, lists, plain
    `message`/`detail` keys, or a text/plain body."""
    if isinstance(body, str):
        return body.strip(), None
    if isinstance(body, list) and body:
        return _error_message(body[0])
    if not isinstance(body, Mapping):
        return "", None
    err = body.get("error")
    if isinstance(err, Mapping):
        code = err.get("code") or err.get("type")
        return str(err.get("message") or json.dumps(err)), str(code) if code else None
    if isinstance(err, list) and err:
        return _error_message({"error": err[0]})
    for key in ("error", "message", "detail", "error_description"):
        value = body.get(key)
        if value:
            code = body.get("code") or body.get("error_type")
            return (value if isinstance(value, str) else json.dumps(value)), (
                str(code) if code else None
            )
    return json.dumps(body), None


def _redacted_body(body: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(body, str):
        return redact(body, secrets)
    return json.loads(redact(json.dumps(body), secrets))


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import datetime

    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _connection_error(exc: httpx.HTTPError, endpoint: Endpoint) -> APIConnectionError:
    where = endpoint.base_url
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"Request to {where} timed out ({type(exc).__name__}).", provider=endpoint.name
        )
    detail = str(exc) or type(exc).__name__
    return APIConnectionError(f"Connection to {where} failed: {detail}", provider=endpoint.name)


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
            _connection_error(exc, self.call.endpoint) if isinstance(exc, httpx.HTTPError) else exc
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
    def url(self) -> str:
        return self.endpoint.base_url.rstrip("/") + self.path


_DONE: dict[str, Any] = {}


def _payload(sse: ServerSentEvent) -> dict[str, Any] | None:
    """The JSON of one event; `_DONE` for `[DONE]`; None for an empty or comment event."""
    data = sse.data
    if not data or data.startswith(":"):
        return None
    if data.strip() == "[DONE]":
        return _DONE
    value: dict[str, Any] = json.loads(data)
    return value


def _complete(response: httpx.Response) -> dict[str, Any]:
    """A server that ignored `stream: true` and answered with one JSON body."""
    return {"__complete__": json.loads(response.text)}


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
                return _json_body(response, call.endpoint), meta
            except Failure as exc:
                time.sleep(attempts.failed(exc))

    @contextmanager
    def stream(self, call: Call) -> Iterator[tuple[ResponseMeta, Iterator[dict[str, Any]]]]:
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
            raise _connection_error(exc, endpoint) from exc
        checked(response, endpoint)
        return _json_body(response, endpoint)


def _events(source: EventSource, endpoint: Endpoint) -> Iterator[dict[str, Any]]:
    """Decoded payloads; failures in the middle of a stream are translated, never retried."""
    try:
        if not _is_sse(source.response):
            source.response.read()
            yield _complete(source.response)
            return
        for sse in source.iter_sse():
            payload = _payload(sse)
            if payload is _DONE:
                return
            if payload is not None:
                yield payload
    except (httpx.HTTPError, SSEError, ValueError) as exc:
        raise _mid_stream_error(exc, endpoint) from exc


def _mid_stream_error(exc: Exception, endpoint: Endpoint) -> APIConnectionError:
    if isinstance(exc, httpx.HTTPError):
        return _connection_error(exc, endpoint)
    what = "Malformed event stream" if isinstance(exc, SSEError) else "Invalid JSON in stream"
    return APIConnectionError(f"{what} from {endpoint.base_url}: {exc}", provider=endpoint.name)


def _json_body(response: httpx.Response, endpoint: Endpoint) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise APIConnectionError(
            f"{endpoint.base_url} answered {response.status_code} with a body that is not JSON: "
            f"{response.text[:200]!r}",
            provider=endpoint.name,
        ) from exc


# --- async face: the same, awaiting ----------------------------------------------------------


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
                return _json_body(response, call.endpoint), meta
            except Failure as exc:
                await _asleep(attempts.failed(exc))

    @asynccontextmanager
    async def stream(
        self, call: Call
    ) -> AsyncIterator[tuple[ResponseMeta, AsyncIterator[dict[str, Any]]]]:
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
            raise _connection_error(exc, endpoint) from exc
        checked(response, endpoint)
        return _json_body(response, endpoint)


async def _aevents(source: EventSource, endpoint: Endpoint) -> AsyncIterator[dict[str, Any]]:
    try:
        if not _is_sse(source.response):
            await source.response.aread()
            yield _complete(source.response)
            return
        async for sse in source.aiter_sse():
            payload = _payload(sse)
            if payload is _DONE:
                return
            if payload is not None:
                yield payload
    except (httpx.HTTPError, SSEError, ValueError) as exc:
        raise _mid_stream_error(exc, endpoint) from exc


async def _asleep(seconds: float) -> None:
    import asyncio  # already loaded whenever this runs; kept off the sync import path

    await asyncio.sleep(seconds)
