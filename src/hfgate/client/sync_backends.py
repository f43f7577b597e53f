"""The sync face, generated from `hfgate/client/async_backends.py` by `scripts/unasync.py`: do not
edit; edit the async module and run `python scripts/unasync.py`."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any

from hfgate.client.backends import (
    Backend,
    BackendItem,
    HttpBase,
    PromptUsage,
    events_from_complete,
    incomplete,
    with_model,
)
from hfgate.errors import APIConnectionError, HfgateError
from hfgate.formats.checks import checked_event, checked_step
from hfgate.http.endpoint import Endpoint
from hfgate.http.errors import FOREIGN, malformed, redacted
from hfgate.http.sync_transport import SyncTransport
from hfgate.http.transport import DONE, CompleteBody
from hfgate.inputs.request import ChatRequest
from hfgate.local import local_backend
from hfgate.routing.resolve import Route
from hfgate.types import StepFinish, StepResult


class HttpChat(HttpBase):
    """One request over HTTP in any wire format. Every error leaves through `redacted`, and
    anything the format's checks let through but could not read is a MalformedResponseError:
    no foreign exception and no key ever reaches the caller."""

    def __init__(self, transport: SyncTransport, endpoint: Endpoint, **kw: Any) -> None:
        super().__init__(endpoint, **kw)
        self.transport = transport

    def complete(self, req: ChatRequest) -> StepResult:
        try:
            body, meta = self.transport.post_json(self.call(req, stream=False))
            return checked_step(self.wire.parse_response(body, with_model(meta, req)), req.model)
        except HfgateError as exc:
            raise redacted(exc, self.endpoint) from None
        except FOREIGN as exc:
            raise redacted(malformed(exc, self.endpoint), self.endpoint) from None

    def stream(self, req: ChatRequest) -> Iterator[BackendItem]:
        events = self._stream(req)
        try:
            yield from events
        except HfgateError as exc:
            raise redacted(exc, self.endpoint) from None
        except FOREIGN as exc:
            raise redacted(malformed(exc, self.endpoint), self.endpoint) from None
        finally:
            events.close()  # closes the HTTP stream now, not whenever GC runs

    def _stream(self, req: ChatRequest) -> Generator[BackendItem, None, None]:
        with self.transport.stream(self.call(req, stream=True)) as (meta, chunks):
            meta = with_model(meta, req)
            yield meta
            acc = self.wire.accumulator(meta)
            ended = counted = False
            try:
                for chunk in chunks:
                    if chunk is DONE:
                        ended = True
                    elif isinstance(chunk, CompleteBody):
                        for event in events_from_complete(self.wire, chunk, meta, req.model):
                            yield event
                        return
                    else:
                        events = acc.feed(chunk)
                        if not counted and acc.prompt_usage is not None:
                            counted = True
                            yield PromptUsage(acc.prompt_usage)
                        for event in events:
                            yield checked_event(event)
            except APIConnectionError as exc:
                if type(exc) is not APIConnectionError:  # a timeout, a malformed event
                    raise
                raise incomplete(acc, self.endpoint, exc.message) from None
        if not (ended or acc.finished):
            raise incomplete(acc, self.endpoint, "no finish reason, no terminator")
        events, step = acc.finish()
        for event in events:
            yield checked_event(event)
        yield StepFinish(checked_step(step, req.model))


def backend_for(route: Route, transport: Callable[[], SyncTransport], **http: Any) -> Backend:
    """The backend that answers `route`: the embedded model, or HTTP in the route's format.
    `transport` is called only for HTTP, so a local call opens no connection pool; `http`
    is the backend's headers, timeout and retry. The client and the gateway both choose here."""
    if route.endpoint is None or route.wire is None:
        return local_backend(route.model)
    return HttpChat(transport(), route.endpoint, wire=route.wire, **http)
