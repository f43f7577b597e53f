"""The OpenTelemetry side of `hfgate.telemetry`, imported only once tracing is on.

hfgate exports through a `TracerProvider` of its own, configured from the standard OTEL_*
variables (endpoint, headers, protocol options, resource), so it never replaces one the
application set up; parents come from the current context all the same, so a span of the
application's around an hfgate call is its parent.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, set_span_in_context

from hfgate.http.transport import TRACE_HEADERS
from hfgate.inputs.request import ChatRequest
from hfgate.routing.resolve import Route
from hfgate.telemetry.attributes import (
    RowLike,
    error_type,
    request_attributes,
    row_attributes,
    step_attributes,
    usage_attributes,
)
from hfgate.telemetry.content import capture_wanted, input_messages, output_messages
from hfgate.types import StepResult, TextResult, ToolCall, ToolResult

_CANCELLED = (GeneratorExit, KeyboardInterrupt)
_PROPAGATED = frozenset({b"traceparent", b"tracestate", b"baggage"})
"""The only request headers a span reads: never `authorization` or the like."""


class Tracing:
    """The provider and its OTLP/HTTP exporter, batched."""

    def __init__(self, service: str) -> None:
        resource = Resource.create()
        if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
            resource = resource.merge(Resource({SERVICE_NAME: service}))
        self.provider = TracerProvider(resource=resource)
        self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        self.tracer = self.provider.get_tracer("hfgate", _version())
        self.capture = capture_wanted()

    def flush(self, timeout_ms: int) -> None:
        self.provider.force_flush(timeout_ms)

    def shutdown(self) -> None:
        self.provider.shutdown()


def _version() -> str | None:
    try:
        return version("hfgate")
    except PackageNotFoundError:
        return None


def _headers_of(span: Span) -> dict[str, str]:
    """`traceparent` (and whatever else the configured propagators add) for `span`."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=set_span_in_context(span))
    return carrier


def _fail(span: Span, exc: BaseException) -> None:
    """The class of the failure, not its message: a server's message may quote the prompt."""
    if isinstance(exc, _CANCELLED) or type(exc).__name__ == "CancelledError":
        span.set_attribute("hfgate.cancelled", True)
        return
    kind = error_type(exc)
    span.set_attribute("error.type", kind)
    span.set_status(Status(StatusCode.ERROR, kind))


class ChatCall:
    """`CallSpan` for real: one CLIENT `chat {model}` span per step, the steps of a tool
    loop under one INTERNAL `invoke_agent` span with the usage summed."""

    def __init__(
        self,
        tracing: Tracing,
        route: Route,
        request: ChatRequest,
        *,
        stream: bool,
        loop: bool,
    ) -> None:
        self.tracer = tracer = tracing.tracer
        self.capture = tracing.capture
        self.attributes = request_attributes(route, request, stream=stream)
        self.parent: Span | None = None
        if loop:
            agent = {**self.attributes, "gen_ai.operation.name": "invoke_agent"}
            self.parent = tracer.start_span(
                f"invoke_agent {request.model}", kind=SpanKind.INTERNAL, attributes=agent
            )
        self.span: Span | None = None
        self.token: contextvars.Token[Mapping[str, str] | None] | None = None
        self.tool: tuple[Span, contextvars.Token[Context]] | None = None
        self.steps = 0
        self.over = False

    def step(self, request: ChatRequest) -> None:
        context = set_span_in_context(self.parent) if self.parent is not None else None
        self.span = self.tracer.start_span(
            f"chat {request.model}", context, SpanKind.CLIENT, self.attributes
        )
        if self.capture:
            self.span.set_attributes(input_messages(request))
        self.token = TRACE_HEADERS.set(_headers_of(self.span))

    def step_done(self, step: StepResult) -> None:
        self._release()
        self.steps += 1
        if self.span is not None:
            self.span.set_attributes(step_attributes(step))
            if self.capture:
                self.span.set_attributes(output_messages(step))
            self.span.end()
            self.span = None

    def done(self, result: TextResult) -> None:
        if self.over:
            return
        self.over = True
        if self.parent is not None:
            summary = step_attributes(result.last)
            summary.update(usage_attributes(result.usage))
            summary["hfgate.steps"] = self.steps
            self.parent.set_attributes(summary)
            self.parent.end()

    def failed(self, exc: BaseException) -> None:
        if self.over:
            return
        self.over = True
        self._release()
        if self.tool is not None:  # a tool that raised past hfgate (an async tool, sync)
            self.tool_done(ToolResult("", "", "", is_error=True))
        for span in (self.span, self.parent):
            if span is not None:
                _fail(span, exc)
                span.end()

    def tool_started(self, call: ToolCall) -> None:
        """The tool's span is the current one while it runs, so spans it makes (or hfgate
        calls it makes) are its children."""
        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.name,
            "gen_ai.tool.call.id": call.id,
            "gen_ai.tool.type": "function",
        }
        context = set_span_in_context(self.parent) if self.parent is not None else None
        span = self.tracer.start_span(
            f"execute_tool {call.name}", context, SpanKind.INTERNAL, attributes
        )
        self.tool = span, otel_context.attach(set_span_in_context(span))

    def tool_done(self, result: ToolResult) -> ToolResult:
        if self.tool is not None:
            span, token = self.tool
            self.tool = None
            otel_context.detach(token)
            if result.is_error:  # the tool raised, or was unknown, or got invalid arguments
                span.set_attribute("error.type", "tool_error")
                span.set_status(Status(StatusCode.ERROR, "tool_error"))
            span.end()
        return result

    def _release(self) -> None:
        """Take the step's trace headers back off the context; a stream closed from another
        context (garbage collection, another task) cannot, and need not: it is over."""
        token, self.token = self.token, None
        if token is not None:
            try:
                TRACE_HEADERS.reset(token)
            except (ValueError, RuntimeError):
                pass


class GatewayRequest:
    """`RequestSpan` for real: a SERVER span named after the route, a child of the client's
    trace context; the upstream calls of this request carry its own."""

    def __init__(self, tracer: Tracer, scope: Mapping[str, Any], api: str) -> None:
        method, path = str(scope.get("method", "POST")), str(scope.get("path", ""))
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name in _PROPAGATED
        }
        attributes = {
            "http.request.method": method,
            "url.path": path,
            "http.route": path,
            "gen_ai.operation.name": "chat",
            "hfgate.api": api,
        }
        context = propagate.extract(headers)
        self.span = tracer.start_span(f"{method} {path}", context, SpanKind.SERVER, attributes)
        TRACE_HEADERS.set(_headers_of(self.span))  # the request's own task: gone with it
        self.step: StepResult | None = None
        self.over = False

    def saw(self, step: StepResult | None) -> None:
        if step is not None:
            self.step = step

    def end(self, row: RowLike, key_name: str) -> None:
        if self.over:
            return
        self.over = True
        self.span.set_attributes(row_attributes(row, key_name, self.step))
        if row.status >= 500:  # the conventions' rule for SERVER spans: 4xx are the client's
            self.span.set_status(Status(StatusCode.ERROR, row.error or str(row.status)))
        self.span.end()
