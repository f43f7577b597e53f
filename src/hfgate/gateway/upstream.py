"""The models behind the gateway: a client's model name resolved the way the library resolves
it, then tried with its settings `fallbacks` in order. A candidate that fails with 408, 429,
5xx or a connection error before its first byte hands over to the next; once bytes flowed to
the client, an error is the client's to see.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from hfgate.client.async_backends import async_backend_for
from hfgate.client.backends import AsyncBackend, BackendItem, PromptUsage
from hfgate.errors import HfgateError, InvalidModelError
from hfgate.formats.base import Inbound
from hfgate.gateway.errors import GatewayError, falls_back
from hfgate.gateway.http import upstream_client
from hfgate.gateway.keys import allows
from hfgate.gateway.pricing import priceable
from hfgate.http.async_transport import AsyncTransport
from hfgate.http.endpoint import RetryPolicy
from hfgate.inputs.model_ids import is_local_model
from hfgate.inputs.request import ChatRequest
from hfgate.routing.resolve import Origin, Route, resolve_model
from hfgate.types import ResponseMeta, StepResult, StreamEvent, Usage


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model that may answer: the name it is known by (the client's, or a fallback's
    from settings) and where it goes."""

    name: str
    route: Route

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials this candidate's upstream is sent, kept out of what its client
        gets even when the upstream echoes them in an answer."""
        return self.route.endpoint.secrets() if self.route.endpoint is not None else ()

    @property
    def provider(self) -> str | None:
        """Who answers when the server does not say: the endpoint's name, or `local`."""
        if self.route.endpoint is None:
            return "local"
        return self.route.endpoint.name


@dataclass(frozen=True, slots=True)
class OpenStream:
    """A stream whose first event arrived: who answers, and all its events, that first one
    included (the caller must `aclose()` them)."""

    candidate: Candidate
    events: AsyncGenerator[StreamEvent, None]
    meta: ResponseMeta | None
    prompt_usage: Usage | None = None
    """The prompt's counts, when the upstream said them before its first event."""


class Upstreams:
    """Resolves names and sends requests, sharing one connection pool across clients."""

    def __init__(self, origin: Origin, *, retries: int = 2, timeout: float | None = None) -> None:
        self.origin = origin
        self.retries = retries
        self.timeout = timeout
        self.transport = AsyncTransport(upstream_client())

    def candidates(
        self, model: str, patterns: tuple[str, ...] = (), *, budgeted: bool = False
    ) -> list[Candidate]:
        """The route for `model` and, for a settings model, for each of its fallbacks that
        the key's `patterns` allow. Raises the library's own error (InvalidModelError,
        MissingKeyError...) for `model`; a fallback that does not resolve is skipped, since
        the first may still answer. A `budgeted` key only gets models with a known price."""
        first = self._candidate(model)
        found = [first]
        custom = first.route.custom
        for name in custom.fallbacks if custom is not None else ():
            if allows(patterns, name):
                with contextlib.suppress(HfgateError):
                    found.append(self._candidate(name))
        if budgeted:
            found = [c for c in found if priceable(c.route)]
            if not found:
                raise GatewayError(
                    403,
                    f"This key has a budget, and the gateway knows no price for {model!r}, "
                    "so it cannot be metered; use a priced model or a key without a budget.",
                    code="model_not_priced",
                )
        return found

    def _candidate(self, name: str) -> Candidate:
        """Resolved as the library resolves it, except that a client may not name a GGUF
        file (`local/<path>` would let it probe the disk): only the packaged `local`."""
        if is_local_model(name) and name != "local":
            raise InvalidModelError(f"{name!r}: only the packaged `local` model is served.")
        return Candidate(name, resolve_model(name, self.origin))

    def request_for(self, candidate: Candidate, inbound: Inbound, dialect: str) -> ChatRequest:
        """The unified request as this candidate gets it. The client's extra fields ride
        along only to an upstream that speaks the client's own API, and under the operator's
        extraArgs (`Route.prepare` is the one place that merges them)."""
        same = _same_wire(candidate, dialect)
        if not same and inbound.same_wire_required is not None:
            raise inbound.same_wire_required
        return candidate.route.prepare(
            inbound.request, foreign=inbound.passthrough if same else None
        )

    def warnings_for(self, candidate: Candidate, inbound: Inbound, dialect: str) -> tuple[str, ...]:
        """What the client is told was left out of the request this candidate got."""
        if _same_wire(candidate, dialect):
            return inbound.warnings
        return (*inbound.warnings, *inbound.same_wire_only)

    def backend(self, candidate: Candidate, *, last: bool) -> AsyncBackend:
        # With a fallback waiting, hand over at once instead of retrying here.
        retry = RetryPolicy(self.retries if last else 0)
        return async_backend_for(
            candidate.route, self._transport, timeout=self.timeout, retry=retry
        )

    def _transport(self) -> AsyncTransport:
        return self.transport

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
    ) -> OpenStream:
        """The first candidate whose stream produced its first event."""
        for index, candidate in enumerate(candidates):
            last = index == len(candidates) - 1
            events: AsyncIterator[BackendItem] | None = None
            meta: ResponseMeta | None = None
            counted: Usage | None = None
            try:
                request = self.request_for(candidate, inbound, dialect)
                events = aiter(self.backend(candidate, last=last).stream(request))
                first = await anext(events, None)
                while isinstance(first, ResponseMeta | PromptUsage):  # before the first event
                    if isinstance(first, ResponseMeta):
                        meta = first
                    else:
                        counted = first.usage
                    first = await anext(events, None)
            except HfgateError as error:
                await aclose(events)
                if last or not falls_back(error):
                    raise
                continue
            return OpenStream(candidate, _starting_with(first, events), meta, counted)
        raise AssertionError("no candidates")

    async def aclose(self) -> None:
        await self.transport.aclose()


def _same_wire(candidate: Candidate, dialect: str) -> bool:
    """Whether the candidate's upstream speaks the client's own API."""
    wire = candidate.route.wire
    return wire is not None and wire.name == dialect


async def _starting_with(
    first: BackendItem | None, rest: AsyncIterator[BackendItem]
) -> AsyncGenerator[StreamEvent, None]:
    try:
        if first is not None and not isinstance(first, ResponseMeta | PromptUsage):
            yield first
        async for event in rest:
            if not isinstance(event, ResponseMeta | PromptUsage):
                yield event
    finally:
        await aclose(rest)


async def aclose(iterator: object) -> None:
    """Close an async generator now, so its `finally` runs (the HTTP stream closes) at once
    rather than whenever the garbage collector gets to it; anything else is left alone."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()
