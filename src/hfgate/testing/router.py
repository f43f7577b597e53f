"""A wire-level emulator of the Hugging Face router: a real HTTP server on loopback.

Standard library only (ThreadingHTTPServer, HTTP/1.1 keep-alive, TCP_NODELAY), so it answers
any client the way the router does: JSON or SSE with chunked encoding, both error envelopes,
`x-inference-provider` and `x-request-id` headers, and the awkward-but-legal variations.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hfgate.testing import payloads
from hfgate.testing.catalog import DEFAULT_MODELS
from hfgate.testing.replies import Reply, new_request_id

_CHAT = "/v1/chat/completions"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    json: Any


class _EchoReply:
    """Marker for the default: answer "You said: <last user message>"."""


ECHO = _EchoReply()


class RouterEmulator:
    """Start with `with RouterEmulator() as router:`; script answers with `router.push(...)`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, require_auth: bool = False) -> None:
        self.require_auth = require_auth
        self.requests: list[RecordedRequest] = []
        self.default_reply: Reply | _EchoReply = ECHO
        self.models: list[dict[str, Any]] = [dict(m) for m in DEFAULT_MODELS]
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str, bool, bool], list[bytes]] = {}
        self._pinned: list[Reply] = []
        self._server = _Server((host, port), _Handler)
        self._server.emulator = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> RouterEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RouterEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- used by the handler -----------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def next_reply(self, request: Mapping[str, Any]) -> Reply:
        with self._lock:
            reply = self._queue.popleft() if self._queue else self.default_reply
        if isinstance(reply, _EchoReply):
            last: Mapping[str, Any] = next(
                (m for m in reversed(request.get("messages") or ()) if m.get("role") == "user"), {}
            )
            return Reply.text(f"You said: {payloads.message_text(last)}")
        return reply

    def rendered(self, reply: Reply, model: str, request: Mapping[str, Any]) -> list[bytes]:
        """The JSON body (one item) or the SSE events of a reply. Cached when the reply fixes
        its usage (computed usage depends on the request): benchmarks repeat one reply."""
        stream = bool(request.get("stream"))
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        key = (id(reply), model, stream, include_usage)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if stream:
            parts = [
                payloads.sse(c, reply.data_prefix) for c in payloads.chunks(reply, model, request)
            ]
        else:
            parts = [payloads.dumps(payloads.completion(reply, model, request))]
        if reply.usage is not None:
            self._cache[key] = parts
            self._pinned.append(reply)  # keeps id(reply) from being reused while cached
        return parts


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: RouterEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is a scenario under test, not a server fault.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Without this, loopback requests hit a 40 ms Nagle/delayed-ACK floor.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    @property
    def emulator(self) -> RouterEmulator:
        return self.server.emulator

    # --- GET ---------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._record(b"")
        path = self.path.split("?", 1)[0]
        if path == "/v1/models":
            self._json(200, {"object": "list", "data": self.emulator.models})
            return
        if path.startswith("/v1/models/"):
            wanted = path[len("/v1/models/") :]
            found = next((m for m in self.emulator.models if m["id"] == wanted), None)
            if found is None:
                self._json(404, {"error": f"Model {wanted} does not exist"})
            else:
                self._json(200, found)
            return
        self._json(404, {"error": "Not Found"})

    # --- POST --------------------------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError as exc:
            self._record(raw)
            self._send(
                400,
                f"Failed to deserialize the JSON body into the target type: {exc}".encode(),
                "text/plain; charset=utf-8",
            )
            return
        self._record(raw, body)
        if self.path.split("?", 1)[0] != _CHAT:
            self._json(404, {"error": "Not Found"})
            return
        if self.emulator.require_auth and not self._authorized():
            self._json(401, {"error": "Invalid credentials in Authorization header"})
            return
        if not isinstance(body, dict) or not body.get("model"):
            self._json(422, {"error": "missing field `model`", "error_type": "validation"})
            return
        self._answer(self.emulator.next_reply(body), body)

    def _authorized(self) -> bool:
        auth = self.headers.get("authorization") or ""
        return auth.startswith("Bearer hf_")

    def _answer(self, reply: Reply, request: dict[str, Any]) -> None:
        if reply.delay_first_byte:
            time.sleep(reply.delay_first_byte)
        if reply.kind == "disconnect":
            self._hang_up()
            return
        headers = _meta_headers(reply)
        if reply.kind == "error":
            self._error(reply, headers)
            return
        model = reply.model or str(request["model"])
        if reply.kind == "stream_error":
            items = payloads.stream_error_chunks(reply, model)
            if request.get("stream"):
                self._stream([payloads.sse(c, reply.data_prefix) for c in items], reply, headers)
            else:
                self._json(200, reply.error_payload(), headers)
            return
        if request.get("stream"):
            events = self.emulator.rendered(reply, model, request)
            if reply.done:
                events = [*events, reply.data_prefix.encode() + b"[DONE]\n\n"]
            self._stream(events, reply, headers)
        else:
            body = self.emulator.rendered(reply, model, request)[0]
            self._send(200, body, "application/json", headers)

    def _error(self, reply: Reply, headers: dict[str, str]) -> None:
        if reply.retry_after is not None:
            headers["Retry-After"] = str(reply.retry_after)
        body = reply.body if isinstance(reply.body, str) else payloads.dumps(reply.body)
        data = body.encode() if isinstance(body, str) else body
        self._send(reply.status, data, reply.content_type, headers)

    # --- low-level writing -------------------------------------------------------------------

    def _record(self, raw: bytes, parsed: Any = None) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.emulator.record(RecordedRequest(self.command, self.path, headers, raw, parsed))

    def _json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, payloads.dumps(payload), "application/json", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, events: list[bytes], reply: Reply, headers: Mapping[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        for count, event in enumerate(events):
            if reply.drop_after is not None and count >= reply.drop_after:
                self._hang_up()
                return
            if reply.chunk_delay and count:
                time.sleep(reply.chunk_delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
        self.wfile.write(b"0\r\n\r\n")

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _meta_headers(reply: Reply) -> dict[str, str]:
    headers = dict(reply.headers)
    if reply.provider is not None:
        headers.setdefault("x-inference-provider", reply.provider)
        headers.setdefault("x-request-id", reply.request_id or new_request_id())
    return headers
