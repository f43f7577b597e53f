"""One client request, start to finish: authenticate, parse the client's API, check the key's
models and limits, call the upstream (with fallbacks), record usage, answer in the client's
API. The usage row is committed before the answer's last byte leaves, so a client that got a
complete answer always has its row, even if the gateway dies a moment later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from hfgate.client.backends import PromptUsage
from hfgate.formats import MESSAGES
from hfgate.formats.base import Format, Inbound, ReplyInfo, StreamRenderer
from hfgate.formats.error_bodies import anthropic_error, openai_error
from hfgate.gateway.auth import Authenticator, Caller
from hfgate.gateway.body import read_json
from hfgate.gateway.counting import CHARS_PER_TOKEN, SOURCE_HEADER, estimate_tokens
from hfgate.gateway.errors import GatewayError, classify
from hfgate.gateway.keys import allows
from hfgate.gateway.metrics import Metrics
from hfgate.gateway.pricing import UsagePrices
from hfgate.gateway.request_ids import new_request_id
from hfgate.gateway.store import Store, UsageRow
from hfgate.gateway.upstream import Candidate, OpenStream, Upstreams, aclose
from hfgate.http.auth import redact
from hfgate.http.errors import dumps
from hfgate.inputs.request import ChatRequest
from hfgate.telemetry import OFF, RequestSpan, request_span
from hfgate.types import (
    ReasoningDelta,
    ResponseMeta,
    StepFinish,
    StepResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)

log = logging.getLogger("hfgate.gateway")

CLIENT_CLOSED = 499
"""nginx's status for a client that hung up before the answer was complete."""


@dataclass(slots=True)
class Ticket:
    """What the usage row needs, filled in as the request goes."""

    api: str
    started: float
    clock: float
    request_id: str
    prices: UsagePrices
    """What prices its row (`Exchanges.prices`)."""
    caller: Caller | None = None
    model: str = ""
    stream: bool = False
    resolved: bool = False
    warnings: tuple[str, ...] = ()
    """The model named a real route: safe to use as a metrics label (client strings are
    not, or any client could mint endless series)."""
    trace: RequestSpan = OFF
    """The request's span (`hfgate.telemetry`), ended with its row."""

    @property
    def key_label(self) -> str:
        return self.caller.name if self.caller else "-"

    def model_label(self, row: UsageRow) -> str:
        return row.served_model or (self.model[:200] if self.resolved else "-")

    def row(
        self,
        status: int,
        *,
        candidate: Candidate | None = None,
        step: StepResult | None = None,
        error: str | None = None,
        estimate: StepResult | None = None,
    ) -> UsageRow:
        """`estimate` prices a stream cut short (its tokens stay unknown in the row)."""
        self.trace.saw(step)
        usage = step.usage if step is not None else None
        said = step.meta.provider if step is not None else None
        provider = said or (candidate.provider if candidate is not None else None)
        return UsageRow(
            at=self.started,
            key_id=self.caller.key.id if self.caller and self.caller.key else None,
            model=self.model,
            served_model=candidate.name if candidate else None,
            provider=provider,
            api=self.api,
            status=status,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
            cached_tokens=usage.cached_input_tokens if usage else None,
            reasoning_tokens=usage.reasoning_tokens if usage else None,
            cost_usd=self._cost(candidate, step or estimate),
            latency_ms=(time.perf_counter() - self.clock) * 1000,
            request_id=self.request_id,
            error=error,
            stream=self.stream,
        )

    def _cost(self, candidate: Candidate | None, step: StepResult | None) -> float | None:
        if candidate is None or step is None:
            return None
        return self.prices.cost(candidate.route, step)


class Exchanges:
    """The request pipeline shared by the three client APIs."""

    def __init__(
        self,
        store: Store,
        upstreams: Upstreams,
        auth: Authenticator,
        metrics: Metrics,
        *,
        max_body_bytes: int,
    ) -> None:
        self.store = store
        self.upstreams = upstreams
        self.auth = auth
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.prices = UsagePrices()

    async def handle(self, request: Request, dialect: Format) -> Response:
        ticket = Ticket(
            dialect.name, time.time(), time.perf_counter(), new_request_id(), self.prices
        )
        ticket.trace = request_span(request.scope, dialect.name)
        try:
            ticket.caller = await self.auth.caller(request.headers)
            inbound = dialect.parse_request(await read_json(request, self.max_body_bytes))
            ticket.model = inbound.request.model
            ticket.stream = inbound.stream
            candidates = self.candidates(ticket.caller, ticket.model, dialect.name)
            ticket.resolved = True
            await self._admit(ticket.caller)
            if inbound.stream:
                return await self._stream(ticket, dialect, inbound, candidates)
            candidate, step = await self.upstreams.complete(candidates, inbound, dialect.name)
            self._warn(ticket, candidate, inbound)
            body = dialect.render_response(step, _info(ticket, candidate, inbound))
            headers = _served_headers(ticket, candidate, step.meta)
            answer = _json(body, 200, headers, candidate.secrets)
            # No row, no answer: a complete answer always has its usage row, and the row is
            # written once the answer exists, so its status is the one the client gets.
            await self._record(ticket.row(200, candidate=candidate, step=step), ticket)
        except Exception as exc:  # noqa: BLE001 - every failure is answered in the client's API
            return await self._failed(ticket, dialect, exc)
        return answer

    def candidates(self, caller: Caller, model: str, dialect: str = "") -> list[Candidate]:
        """Who may answer `model` for this caller: its key's patterns and budget checked;
        `dialect` is the client's API (`Upstreams.candidates`)."""
        if caller.key is not None and not allows(caller.key.models, model):
            allowed = ", ".join(caller.key.models)
            raise GatewayError(
                403,
                f"This key may not use model {model!r}; it may use: {allowed}.",
                code="model_not_allowed",
            )
        if caller.key is None:
            return self.upstreams.candidates(model, dialect=dialect)
        key = caller.key
        budgeted = key.budget_usd is not None
        return self.upstreams.candidates(
            model, key.models, budgeted=budgeted, bill_to=key.bill_to, dialect=dialect
        )

    def _warn(self, ticket: Ticket, candidate: Candidate, inbound: Inbound) -> None:
        """What the request this candidate got left out, for the headers and the log."""
        ticket.warnings = self.upstreams.warnings_for(candidate, inbound, ticket.api)
        for warning in ticket.warnings:
            log.warning("request %s: %s", ticket.request_id, warning)

    async def _admit(self, caller: Caller) -> None:
        if caller.key is None:
            return
        admission = await self.store.admit(caller.key, time.time())
        if admission.ok:
            return
        if admission.reason == "rate":
            wait = max(1, int(-(-(admission.retry_after or 1) // 1)))
            raise GatewayError(
                429,
                f"Rate limit of this key reached: {caller.key.rpm} requests per minute. "
                f"Retry in {wait} s.",
                code="rate_limit_exceeded",
                headers={"retry-after": str(wait)},
            )
        if admission.reason == "budget":
            raise GatewayError(
                402,
                f"Budget of this key used up: ${admission.spent_usd:.4f} spent of "
                f"${caller.key.budget_usd:.4f}. Ask the gateway's operator for a new key.",
                code="budget_exceeded",
                headers={"x-should-retry": "false"},
            )
        raise GatewayError(401, "This API key has been revoked.", code="revoked_api_key")

    async def _stream(
        self, ticket: Ticket, dialect: Format, inbound: Inbound, candidates: list[Candidate]
    ) -> Response:
        opened = await self.upstreams.open_stream(candidates, inbound, dialect.name)
        candidate = opened.candidate
        self._warn(ticket, candidate, inbound)
        info = _info(ticket, candidate, inbound)
        headers = {**_served_headers(ticket, candidate, opened.meta), **_SSE_HEADERS}
        if dialect.name == MESSAGES.name:  # message_start carries the prompt's count
            counted = opened.prompt_usage
            headers[SOURCE_HEADER] = "upstream" if counted else "estimate"
            estimate = Usage(input_tokens=estimate_tokens(inbound.request))
            info = replace(info, prompt_usage=counted or estimate)
        renderer = dialect.stream_renderer(info)
        cut = _CutShort(inbound.request, opened.meta or ResponseMeta(candidate.route.model))
        frames = self._frames(ticket, renderer, opened, cut)
        return ClosingStream(frames, headers=headers, media_type="text/event-stream")

    async def _frames(
        self, ticket: Ticket, renderer: StreamRenderer, opened: OpenStream, cut: _CutShort
    ) -> AsyncIterator[str]:
        recorded = False
        step: StepResult | None = None
        candidate = opened.candidate
        secrets = candidate.secrets

        def relay(event: StreamEvent) -> str:
            nonlocal step
            if isinstance(event, StepFinish):
                step = event.step
            else:
                cut.count(event)
            frames = renderer.event(event)
            return _sent(frames, secrets) if frames else ""

        try:
            yield "".join(renderer.start())
            try:
                if opened.first is not None and (sent := relay(opened.first)):
                    yield sent
                async for item in opened.rest:
                    if not isinstance(item, ResponseMeta | PromptUsage) and (sent := relay(item)):
                        yield sent
            finally:
                await aclose(opened.rest)
            row = ticket.row(200, candidate=candidate, step=step)
            with anyio.CancelScope(shield=True):  # a hang-up now must not lose the row
                await self._record(row, ticket)
            recorded = True
            yield _sent(renderer.finish(), secrets)
        except Exception as exc:  # noqa: BLE001 - mid-stream: the client's API's error frame
            failure = classify(exc, ticket.model)
            if not recorded:
                recorded = True
                row = ticket.row(
                    failure.status, candidate=candidate, error=failure.error, estimate=cut.step()
                )
                await self._record_quietly(row, ticket)
            yield _sent(renderer.error(failure.status, failure.message, failure.code), secrets)
        finally:
            if not recorded:  # the client hung up: the upstream call is already cancelled
                row = ticket.row(
                    CLIENT_CLOSED,
                    candidate=candidate,
                    step=step,
                    error="ClientDisconnected",
                    estimate=None if step else cut.step(),
                )
                with anyio.CancelScope(shield=True):
                    await self._record_quietly(row, ticket)

    async def _failed(self, ticket: Ticket, dialect: Format, exc: Exception) -> Response:
        failure = classify(exc, ticket.model)
        row = ticket.row(failure.status, error=failure.error)
        if ticket.caller is not None:  # unauthenticated requests belong to no key: not stored
            try:
                await self._record(row, ticket)
            except Exception as unrecorded:  # noqa: BLE001 - the error answer still goes out
                failure = classify(unrecorded)
        else:
            self.metrics.observe(row, "-", "-")
        ticket.trace.end(row, ticket.key_label)
        error = failure.status, failure.message, failure.param, failure.code
        body = dialect.render_error(*error, ticket.request_id)
        headers = {"x-request-id": ticket.request_id, "request-id": ticket.request_id}
        return _json(body, failure.status, {**headers, **failure.headers})

    async def _record(self, row: UsageRow, ticket: Ticket) -> None:
        await self.store.record(row)
        self.metrics.observe(row, ticket.key_label, ticket.model_label(row))
        ticket.trace.end(row, ticket.key_label)

    async def _record_quietly(self, row: UsageRow, ticket: Ticket) -> None:
        """Record where nothing can be answered any more (the stream is failing or gone)."""
        try:
            await self._record(row, ticket)
        except Exception as exc:  # noqa: BLE001 - logged: there is no one left to tell
            log.error("usage row of request %s not recorded: %s", row.request_id, exc)
            ticket.trace.end(row, ticket.key_label)


class _CutShort:
    """What a stream that ends early (a hang-up, an upstream failure) has cost so far, when the
    upstream never said: the prompt as `counting.estimate_tokens` puts it, the streamed output
    at about 4 characters a token. The provider charged for those tokens, so the key's budget
    is charged for them too."""

    def __init__(self, request: ChatRequest, meta: ResponseMeta) -> None:
        self.request = request
        self.meta = meta
        self.streamed = 0

    def count(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta | ReasoningDelta):
            self.streamed += len(event.text)
        elif isinstance(event, ToolCallDelta):
            self.streamed += len(event.arguments_delta)

    def step(self) -> StepResult:
        prompt = estimate_tokens(self.request)
        usage = Usage(input_tokens=prompt, output_tokens=self.streamed // CHARS_PER_TOKEN + 1)
        return StepResult("", None, (), "other", None, usage, self.meta)


def _info(ticket: Ticket, candidate: Candidate, inbound: Inbound) -> ReplyInfo:
    started = int(ticket.started)
    return ReplyInfo(
        ticket.request_id,
        candidate.name,
        started,
        inbound.include_usage,
        inbound.client_tools,
        inbound.echo,
    )


def _served_headers(
    ticket: Ticket, candidate: Candidate, meta: ResponseMeta | None
) -> dict[str, str]:
    """Which model and provider answered (a fallback may have), and the ids to quote."""
    headers = {
        "x-request-id": ticket.request_id,
        "request-id": ticket.request_id,
        "x-hfgate-model": candidate.name,
    }
    provider = (meta.provider if meta else None) or candidate.provider
    if provider:
        headers["x-hfgate-provider"] = provider
    if meta is not None and meta.request_id:
        headers["x-upstream-request-id"] = meta.request_id
    if ticket.warnings:  # one header; commas inside a warning are fine for a single value
        headers["x-hfgate-warning"] = _header_text(" | ".join(ticket.warnings))
    return headers


_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def error_response(exc: Exception, anthropic_client: bool = False) -> Response:
    """A failure outside the dialect endpoints (/keys, /v1/models, unknown routes), in
    OpenAI's error format, or Anthropic's for a client that sent `anthropic-version`."""
    failure = classify(exc)
    render = anthropic_error if anthropic_client else openai_error
    request_id = new_request_id()
    body = render(failure.status, failure.message, failure.param, failure.code, request_id)
    headers = {"x-request-id": request_id, "request-id": request_id, **failure.headers}
    return _json(body, failure.status, headers)


def _sent(frames: list[str], secrets: tuple[str, ...]) -> str:
    """Frames as sent: the upstream's own credentials taken out, should it have echoed them."""
    text = "".join(frames)
    return redact(text, secrets) if secrets else text


def _json(
    body: Any, status: int, headers: dict[str, str], secrets: tuple[str, ...] = ()
) -> Response:
    data = dumps(body)
    if any(secret and secret.encode() in data for secret in secrets):  # an upstream echoed one
        data = redact(data.decode(), secrets).encode()
    return Response(data, status, headers, media_type="application/json")


class ClosingStream(StreamingResponse):
    """A streaming response that always closes its frame generator, so the generator's
    `finally` (recording usage, closing the upstream call) runs at once when the client
    hangs up, not whenever the garbage collector gets to it."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await aclose(self.body_iterator)


def _header_text(text: str) -> str:
    """A header value from text that may quote a client's strings: printable ASCII only."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:2000]
