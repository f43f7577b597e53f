"""The models behind the gateway: a client's model name resolved the way the library resolves
it, then tried with its settings `fallbacks` in order. A candidate that fails with 429, 5xx or
a connection error before its first byte hands over to the next; once bytes flowed to the
client, an error is the client's to see.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from hfgate.backends import AsyncBackend, AsyncHttpChat
from hfgate.endpoint import RetryPolicy
from hfgate.errors import APIConnectionError, APIStatusError, HfgateError
from hfgate.gateway.dialects import Inbound
from hfgate.request import ChatRequest
from hfgate.routing import Origin, Route, resolve_model
from hfgate.transport import AsyncTransport
from hfgate.types import StepResult, StreamEvent


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model that may answer: the name it is known by (the client's, or a fallback's
    from settings) and where it goes."""

    name: str
    route: Route

    @property
    def provider(self) -> str | None:
        """Who answers when the server does not say: the endpoint's name, or `local`."""
        if self.route.endpoint is None:
            return "local"
        return self.route.endpoint.name


def falls_back(error: BaseException) -> bool:
    """Errors worth trying the next candidate for: rate limits, server errors, and servers
    that could not be reached."""
    if isinstance(error, APIConnectionError):
        return True
    status = (error.status or 0) if isinstance(error, APIStatusError) else 0
    return status in (408, 429) or status >= 500


class Upstreams:
    """Resolves names and sends requests, sharing one connection pool across clients."""

    def __init__(self, origin: Origin, *, retries: int = 2, timeout: float | None = None) -> None:
        self.origin = origin
        self.retries = retries
        self.timeout = timeout
        self.transport = AsyncTransport()

    def candidates(self, model: str) -> list[Candidate]:
        """The route for `model` and, when it is a settings model, for each of its fallbacks.
        Raises the library's own error (InvalidModelError, MissingKeyError...) for `model`;
        a fallback that does not resolve is skipped, since the first may still answer."""
        first = Candidate(model, resolve_model(model, self.origin))
        found = [first]
        custom = first.route.custom
        for name in custom.fallbacks if custom is not None else ():
            with contextlib.suppress(HfgateError):
                found.append(Candidate(name, resolve_model(name, self.origin)))
        return found

    def request_for(self, candidate: Candidate, inbound: Inbound, dialect: str) -> ChatRequest:
        """The unified request as this candidate gets it: the client's extra fields ride
        along only to an upstream that speaks the client's own API."""
        request = inbound.request
        wire = candidate.route.wire
        if inbound.passthrough and wire is not None and wire.name == dialect:
            extra = {**inbound.passthrough, **(request.extra_body or {})}
            request = replace(request, extra_body=extra)
        return candidate.route.prepare(request)

    def backend(self, candidate: Candidate, *, last: bool) -> AsyncBackend:
        route = candidate.route
        if route.endpoint is None or route.wire is None:
            from hfgate.local import async_local_backend

            return async_local_backend(route.model)
        # With a fallback waiting, hand over at once instead of retrying here.
        retry = RetryPolicy(self.retries if last else 0)
        return AsyncHttpChat(
            self.transport, route.endpoint, wire=route.wire, timeout=self.timeout, retry=retry
        )

    async def complete(
        self, candidates: list[Candidate], inbound: Inbound, dialect: str
    ) -> tuple[Candidate, StepResult]:
        for index, candidate in enumerate(candidates):
            last = index == len(candidates) - 1
            try:
                request = self.request_for(candidate, inbound, dialect)
                step = await self.backend(candidate, last=last).complete(request)
            except HfgateError as error:
                if last or not falls_back(error):
                    raise
                continue
            return candidate, step
        raise AssertionError("no candidates")  # candidates() always returns one

    async def open_stream(
        self, candidates: list[Candidate], inbound: Inbound, dialect: str
    ) -> tuple[Candidate, StreamEvent | None, AsyncIterator[StreamEvent]]:
        """The first candidate whose stream produced its first event: (candidate, that
        event, the rest). The caller must `aclose()` the rest."""
        for index, candidate in enumerate(candidates):
            last = index == len(candidates) - 1
            events: AsyncIterator[StreamEvent] | None = None
            try:
                request = self.request_for(candidate, inbound, dialect)
                events = aiter(self.backend(candidate, last=last).stream(request))
                first = await anext(events, None)
            except HfgateError as error:
                if events is not None:
                    await _aclose(events)
                if last or not falls_back(error):
                    raise
                continue
            return candidate, first, events
        raise AssertionError("no candidates")

    async def aclose(self) -> None:
        await self.transport.aclose()


async def _aclose(events: AsyncIterator[StreamEvent]) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        await close()
