"""A real OTLP/HTTP trace receiver on loopback: what the OpenTelemetry Collector's `otlp`
receiver does for `POST /v1/traces`, decoded with the official protobuf definitions
(`opentelemetry-proto`), so the tests read the bytes the real exporter sent, not an in-memory
shortcut. The official OpenTelemetry Collector has no Debian or PyPI package here; Rotel, a
collector that PyPI does ship, forwards to this receiver in `test_through_a_collector.py`."""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from hfgate import telemetry

KINDS = {
    Span.SPAN_KIND_INTERNAL: "INTERNAL",
    Span.SPAN_KIND_SERVER: "SERVER",
    Span.SPAN_KIND_CLIENT: "CLIENT",
}
STATUSES = {0: "UNSET", 1: "OK", 2: "ERROR"}


@dataclass(frozen=True)
class ReceivedSpan:
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]
    status: str
    status_message: str
    events: tuple[str, ...]
    resource: dict[str, Any]
    scope: str
    raw: bytes
    """The span's own protobuf bytes: searched for secrets and content as they were sent."""

    def __getitem__(self, name: str) -> Any:
        return self.attributes[name]


def value_of(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return tuple(value_of(v) for v in value.array_value.values)
    if which == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, which) if which else None


class OtlpReceiver:
    """`with OtlpReceiver() as otlp:` then point `OTEL_EXPORTER_OTLP_ENDPOINT` at `otlp.url`;
    every export is checked (path, content type, protobuf) where it arrives."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.bodies: list[bytes] = []
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def receive(self, path: str, headers: Any, body: bytes) -> int:
        if path != "/v1/traces":
            self.problems.append(f"POST to {path}")
            return 404
        if headers.get("content-type") != "application/x-protobuf":
            self.problems.append(f"content-type {headers.get('content-type')}")
            return 415
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)  # raises on bytes that are not a valid message
        spans = [
            _span(span, resource, scope)
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]
        with self._lock:
            self.bodies.append(body)
            self.spans.extend(spans)
        return 200


def _span(span: Span, resource: Any, scope: Any) -> ReceivedSpan:
    return ReceivedSpan(
        name=span.name,
        kind=KINDS.get(span.kind, str(span.kind)),
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_id=span.parent_span_id.hex(),
        attributes={kv.key: value_of(kv.value) for kv in span.attributes},
        status=STATUSES[span.status.code],
        status_message=span.status.message,
        events=tuple(event.name for event in span.events),
        resource={kv.key: value_of(kv.value) for kv in resource.resource.attributes},
        scope=scope.scope.name,
        raw=span.SerializeToString(),
    )


def _handler(receiver: OtlpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            try:
                status = receiver.receive(self.path, self.headers, body)
            except Exception as exc:  # noqa: BLE001 - reported to the test, answered 400
                receiver.problems.append(f"undecodable export: {exc!r}")
                status = 400
            answer = ExportTraceServiceResponse().SerializeToString() if status == 200 else b""
            self.send_response(status)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class Traces:
    def __init__(self, receiver: OtlpReceiver) -> None:
        self.receiver = receiver

    def spans(self, count: int | None = None) -> list[ReceivedSpan]:
        """Every span exported so far (pending ones flushed first), oldest first."""
        telemetry.flush()
        assert not self.receiver.problems, self.receiver.problems
        spans = list(self.receiver.spans)
        if count is not None:
            assert len(spans) == count, [s.name for s in spans]
        return spans

    def named(self, prefix: str) -> list[ReceivedSpan]:
        return [s for s in self.spans() if s.name.startswith(prefix)]

    def dump(self) -> bytes:
        """Every byte the exporter sent, for searching."""
        telemetry.flush()
        return b"".join(self.receiver.bodies)


def attrs(span: ReceivedSpan, *names: str) -> dict[str, Any]:
    return {n: span.attributes.get(n) for n in names}
