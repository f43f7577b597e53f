"""The models behind the gateway: a client's model name resolved the way the library resolves
it, then tried with its settings `fallbacks` in order. A candidate that fails with 408, 429,
5xx or a connection error before its first byte hands over to the next; once bytes flowed to
the client, an error is the client's to see.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from hfgate.client.async_backends import async_backend_for
from hfgate.client.backends import AsyncBackend, BackendItem, PromptUsage
from hfgate.errors import HfgateError, InvalidModelError
from hfgate.formats.base import Inbound
from hfgate.gateway.errors import GatewayError, falls_back, refuses_wire
from hfgate.gateway.http import upstream_client
from hfgate.gateway.keys import allows
from hfgate.gateway.pricing import priceable
from hfgate.http.async_transport import AsyncTransport
from hfgate.http.endpoint import RetryPolicy
from hfgate.inputs.model_ids import is_local_model
from hfgate.inputs.request import ChatRequest
from hfgate.routing.resolve import Origin, Route, resolve_model
from hfgate.types import ResponseMeta, StepResult, StreamEvent, Usage

WIRE_REFUSAL_TTL = 600.0
"""Seconds a router's refusal of its Messages endpoint for a model is remembered."""
ROUTES_TTL = 1.0
"""Seconds a model name's resolved candidates are reused: settings files, the router catalog
and the HF token are re-read at most this often, not on every request (their `stat`s and
environment reads were ~6 % of the gateway's CPU). Errors are never remembered."""
_ROUTES_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model that may answer: the name it is known by (the client's, or a fallback's
    from settings) and where it goes."""

    name: str
    route: Route
    native: bool = False
    """The router's own Messages endpoint for a Hub id; the chat twin after it answers when
    the router refuses this wire (`refuses_wire`)."""

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
    """A stream whose first event arrived: who answers, that first event (None when the
    stream ended before one), and the rest, which may still hold `ResponseMeta` and
    `PromptUsage` items to skip (the caller must `aclose()` it). Not one generator over both:
    that would be one more async frame per streamed event."""

    candidate: Candidate
    first: StreamEvent | None
    rest: AsyncIterator[BackendItem]
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
        self._wire_refusals: dict[str, float] = {}
        """Hub id -> when the router last refused its Messages endpoint for it."""
        self._routes: dict[tuple[object, ...], tuple[float, tuple[Candidate, ...]]] = {}
        """(model, patterns, budgeted, bill_to, dialect) -> (until when, its candidates)."""

    def candidates(
        self,
        model: str,
        patterns: tuple[str, ...] = (),
        *,
        budgeted: bool = False,
        bill_to: str | None = None,
        dialect: str = "",
    ) -> list[Candidate]:
        """The route for `model` and, for a settings model, for each of its fallbacks that
        the key's `patterns` allow, with router calls billed to `bill_to`. Raises the
        library's own error (InvalidModelError, MissingKeyError...) for `model`; a fallback
        that does not resolve is skipped, since the first may still answer. A `budgeted` key
        only gets models with a known price. For an Anthropic client (`dialect` "messages")
        a Hub id goes first to the router's own Messages endpoint, with no translation, and
        to its chat wire when the router refuses that one. Reused for `ROUTES_TTL` seconds."""
        memo = (model, patterns, budgeted, bill_to, dialect)
        now = time.monotonic()
        hit = self._routes.get(memo)
        if hit is not None and now < hit[0]:
            return list(hit[1])
        found = self._resolve(model, patterns, budgeted=budgeted, bill_to=bill_to, dialect=dialect)
        if len(self._routes) >= _ROUTES_LIMIT:
            self._routes.clear()
        self._routes[memo] = (now + ROUTES_TTL, tuple(found))
        return found

    def _resolve(
        self,
        model: str,
        patterns: tuple[str, ...],
        *,
        budgeted: bool,
        bill_to: str | None,
        dialect: str,
    ) -> list[Candidate]:
        origin = replace(self.origin, bill_to=bill_to) if bill_to else self.origin
        first = self._candidate(model, origin)
        found = [first]
        if dialect == "messages" and _hub_model(first.route) and not self._refused(model):
            native = resolve_model(model, origin, api="messages")
            found.insert(0, Candidate(model, native, native=True))
        custom = first.route.custom
        for name in custom.fallbacks if custom is not None else ():
            if allows(patterns, name):
                with contextlib.suppress(HfgateError):
                    found.append(self._candidate(name, origin))
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

    def _refused(self, model: str) -> bool:
        """Whether the router refused its Messages endpoint for `model` lately: then its
        chat wire is used at once, not after one more refusal per request."""
        at = self._wire_refusals.get(model)
        return at is not None and time.monotonic() - at < WIRE_REFUSAL_TTL

    def _wire_refused(self, candidate: Candidate, error: HfgateError) -> bool:
        """Whether `candidate` is the router's Messages endpoint and refused: then its chat
        twin serves, and serves at once for this model for a while. Other errors of a native
        candidate skip its twin (the same router and provider would say the same)."""
        if not (candidate.native and refuses_wire(error)):
            return False
        if len(self._wire_refusals) > 10_000:  # client-chosen names: bounded
            self._wire_refusals.clear()
        self._wire_refusals[candidate.name] = time.monotonic()
        self._routes.clear()  # the remembered native candidates are out of date now
        return True

    def _candidate(self, name: str, origin: Origin) -> Candidate:
        """Resolved as the library resolves it, except that a client may not name a GGUF
        file (`local/<path>` would let it probe the disk): only the packaged `local`."""
        if is_local_model(name) and name != "local":
            raise InvalidModelError(f"{name!r}: only the packaged `local` model is served.")
        return Candidate(name, resolve_model(name, origin))

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
        skip_twin = False
        for index, candidate in enumerate(candidates):
            if skip_twin:
                skip_twin = False
                continue
            last = _is_last(candidates, index)
            try:
                request = self.request_for(candidate, inbound, dialect)
                step = await self.backend(candidate, last=last).complete(request)
            except HfgateError as error:
                skip_twin = self._after_failure(candidate, error, last=last)
                continue
            return candidate, step
        raise AssertionError("no candidates")  # candidates() always returns one

    async def open_stream(
        self, candidates: list[Candidate], inbound: Inbound, dialect: str
    ) -> OpenStream:
        """The first candidate whose stream produced its first event."""
        skip_twin = False
        for index, candidate in enumerate(candidates):
            if skip_twin:
                skip_twin = False
                continue
            last = _is_last(candidates, index)
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
                skip_twin = self._after_failure(candidate, error, last=last)
                continue
            assert not isinstance(first, ResponseMeta | PromptUsage)
            return OpenStream(candidate, first, events, meta, counted)
        raise AssertionError("no candidates")

    def _after_failure(self, candidate: Candidate, error: HfgateError, *, last: bool) -> bool:
        """After `candidate` failed before its first byte: raises `error` when no candidate
        may try next; else whether to skip the next one (a native candidate's chat twin,
        which the same router and provider would fail alike, unless this wire was refused)."""
        if self._wire_refused(candidate, error):
            return False  # the chat twin is next
        if last or not falls_back(error):
            raise error
        return candidate.native

    async def aclose(self) -> None:
        await self.transport.aclose()


def _same_wire(candidate: Candidate, dialect: str) -> bool:
    """Whether the candidate's upstream speaks the client's own API."""
    wire = candidate.route.wire
    return wire is not None and wire.name == dialect


def _hub_model(route: Route) -> bool:
    """A Hub id sent to the router as it is (not a settings entry, not the embedded model)."""
    return route.custom is None and route.priced_by is not None and route.endpoint is not None


def _is_last(candidates: list[Candidate], index: int) -> bool:
    """No candidate after this one but, for a native one, its chat twin: so the last gets
    the retries (a fallback waiting hands over at once instead)."""
    after = len(candidates) - index - 1
    return after <= (1 if candidates[index].native else 0)


async def aclose(iterator: object) -> None:
    """Close an async generator now, so its `finally` runs (the HTTP stream closes) at once
    rather than whenever the garbage collector gets to it; anything else is left alone."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()
