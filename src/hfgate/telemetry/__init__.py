"""OpenTelemetry traces of library calls and gateway requests, off unless configured.

Tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
set, neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none` is, and the `otel` extra
is installed. That is decided once, on first use. When it is off, nothing of `opentelemetry`
is imported and each hook below costs one check of a cached boolean before returning a span
that does nothing; the callers (client, gateway) never test for tracing themselves.

Spans follow the OpenTelemetry GenAI conventions (`attributes`) and carry no prompt, answer
or key: only names, counts, finish reasons and error classes.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from hfgate.inputs.request import ChatRequest
from hfgate.types import StepResult, TextResult, ToolCall, ToolResult

if TYPE_CHECKING:
    from hfgate.routing.resolve import Route
    from hfgate.telemetry.attributes import RowLike

__all__ = [
    "OFF",
    "CallSpan",
    "RequestSpan",
    "chat_call",
    "enabled",
    "flush",
    "reconfigure",
    "request_span",
    "serve_as",
]

MISSING_EXTRA = (
    "hfgate: OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed, so no "
    "traces are sent; install it with: pip install 'hfgate[otel]'"
)

GRPC_UNSUPPORTED = (
    "hfgate: OTEL_EXPORTER_OTLP_PROTOCOL is grpc, but hfgate sends traces over OTLP/HTTP "
    "(http/protobuf) only; point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP port "
    "(4318 by default) and unset the protocol"
)

_on: bool | None = None
_tracing: Any = None
"""`_otel.Tracing` while tracing is on."""
_service = "hfgate"


class CallSpan(Protocol):
    """The trace of one library call: a `chat` span per step, under an `invoke_agent` span
    when Python tools may run several steps, with an `execute_tool` span per tool run."""

    def step(self, request: ChatRequest) -> None: ...

    def step_done(self, step: StepResult) -> None: ...

    def done(self, result: TextResult) -> None: ...

    def failed(self, exc: BaseException) -> None: ...

    def tool_started(self, call: ToolCall) -> None: ...

    def tool_done(self, result: ToolResult) -> ToolResult: ...


class RequestSpan(Protocol):
    """The trace of one gateway request: a SERVER span, ended with its usage row."""

    def saw(self, step: StepResult | None) -> None: ...

    def end(self, row: RowLike, key_name: str) -> None: ...


class _Off:
    """Both spans, doing nothing: what every hook returns while tracing is off."""

    __slots__ = ()

    def step(self, request: ChatRequest) -> None:
        pass

    def step_done(self, step: StepResult) -> None:
        pass

    def done(self, result: TextResult) -> None:
        pass

    def failed(self, exc: BaseException) -> None:
        pass

    def tool_started(self, call: ToolCall) -> None:
        pass

    def tool_done(self, result: ToolResult) -> ToolResult:
        return result

    def saw(self, step: StepResult | None) -> None:
        pass

    def end(self, row: RowLike, key_name: str) -> None:
        pass


OFF = _Off()


def enabled() -> bool:
    """Whether spans are exported; the environment is read on the first call only."""
    if _on is None:
        _configure()
    return bool(_on)


def serve_as(service: str) -> None:
    """The default `service.name` (`OTEL_SERVICE_NAME` wins), set by the gateway before its
    first request; without effect once tracing was configured."""
    global _service
    _service = service


def chat_call(route: Route, request: ChatRequest, *, stream: bool, max_steps: int) -> CallSpan:
    if not (_on if _on is not None else enabled()):
        return OFF
    from hfgate.telemetry._otel import ChatCall

    loop = max_steps > 1 and any(tool.function is not None for tool in request.tools)
    return ChatCall(_tracing, route, request, stream=stream, loop=loop)


def request_span(scope: Mapping[str, Any], api: str) -> RequestSpan:
    """Starts the span of a gateway request (its ASGI `scope`), a child of the client's
    `traceparent`; upstream calls made in this request's task carry the span's own."""
    if not (_on if _on is not None else enabled()):
        return OFF
    from hfgate.telemetry._otel import GatewayRequest

    return GatewayRequest(_tracing.tracer, scope, api)


def flush(timeout_ms: int = 10_000) -> None:
    """Export every ended span now (spans go out in batches otherwise)."""
    if _tracing is not None:
        _tracing.flush(timeout_ms)


def reconfigure() -> None:
    """Export what is pending, then read the environment again on next use, with the
    library's default service name (tests; a process that changes its OTEL_* variables)."""
    global _on, _tracing, _service
    if _tracing is not None:
        _tracing.shutdown()
    _on, _tracing, _service = None, None, "hfgate"


def _configure() -> None:
    global _on, _tracing
    wanted = bool(
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    disabled = (
        os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
        or os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none"
    )
    if not wanted or disabled:
        _on = False
        return
    try:
        from hfgate.telemetry._otel import Tracing
    except ImportError:
        _on = False
        warnings.warn(MISSING_EXTRA, RuntimeWarning, stacklevel=3)
        return
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", ""
    )
    if protocol.strip().lower() == "grpc":
        warnings.warn(GRPC_UNSUPPORTED, RuntimeWarning, stacklevel=3)
    _tracing = Tracing(_service)
    _on = True
