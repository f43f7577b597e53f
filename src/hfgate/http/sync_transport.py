"""The sync face, generated from `hfgate/http/async_transport.py` by `scripts/unasync.py`: do not
edit; edit the async module and run `python scripts/unasync.py`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
from httpx_sse import EventSource, connect_sse

from hfgate.http._faces import drain, sleep, within
from hfgate.http.endpoint import Endpoint
from hfgate.http.errors import connection_error, json_body, mid_stream_error
from hfgate.http.transport import (
    DONE,
    DRAIN_SECONDS,
    FAILURES,
    POOL_LIMITS,
    SSE_ENCODING,
    STREAM_FAILURES,
    Attempts,
    Call,
    Chunk,
    checked,
    complete_body,
    decode_event,
    is_sse,
    request_headers,
    timeout_for,
)
from hfgate.types import ResponseMeta


class SyncTransport:
    """Sends `Call`s over one pooled httpx client."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self.http = client or httpx.Client(timeout=timeout_for(None), limits=POOL_LIMITS)

    def close(self) -> None:
        self.http.close()

    def post_json(self, call: Call) -> tuple[Any, ResponseMeta]:
        """One JSON answer; `call.timeout` bounds each try as a whole, trickled bytes too."""
        attempts = Attempts(call)
        while True:
            try:
                response = within(call.timeout, lambda: self.http.request(**attempts.request()))
                meta = checked(response, call.endpoint)
                return json_body(response, call.endpoint), meta
            except FAILURES as exc:
                sleep(attempts.failed(exc))

    @contextmanager
    def stream(self, call: Call) -> Iterator[tuple[ResponseMeta, Iterator[Chunk]]]:
        """Open a stream (retrying only until it has started) and yield its decoded events.
        `call.timeout` bounds connecting and the wait for the headers (an error's body too),
        and then each silence between bytes: keep-alive comments keep a long stream alive."""
        attempts = Attempts(call)
        while True:
            with ExitStack() as stack:

                def opened() -> EventSource:
                    source = stack.enter_context(connect_sse(self.http, **attempts.request()))
                    if source.response.status_code >= 400:
                        source.response.read()
                    return source

                try:
                    source = within(call.timeout, opened)
                    meta = checked(source.response, call.endpoint)
                except FAILURES as exc:
                    stack.close()
                    sleep(attempts.failed(exc))
                    continue
                yield meta, _events(source, call.endpoint)
                return

    def get_json(self, url: str, endpoint: Endpoint, timeout: float | None = None) -> Any:
        try:
            response = self.http.get(
                url, headers=request_headers(endpoint, None), timeout=timeout_for(timeout)
            )
        except httpx.HTTPError as exc:
            raise connection_error(exc, endpoint) from exc
        checked(response, endpoint)
        return json_body(response, endpoint)


def _events(source: EventSource, endpoint: Endpoint) -> Iterator[Chunk]:
    """Decoded payloads, then `DONE` if the server sent `[DONE]` (the caller tells a stream
    that ended from one that was cut); failures in the middle are translated, never retried.
    After `[DONE]` the body is read to its end (briefly), so the connection goes back to the
    pool: an unread body closes it, and the next stream pays a new TCP and TLS handshake."""
    try:
        if not is_sse(source.response):
            source.response.read()
            yield complete_body(source.response)
            return
        source.response.encoding = SSE_ENCODING
        events = source.iter_sse()
        for sse in events:
            payload = decode_event(sse)
            if payload is DONE:
                yield DONE
                drain(events, DRAIN_SECONDS)
                return
            if payload is not None:
                yield payload
    except STREAM_FAILURES as exc:
        raise mid_stream_error(exc, endpoint) from None
