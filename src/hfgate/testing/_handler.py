"""The HTTP side of the emulators: routing, request bodies, JSON and chunked SSE. What a
path means comes from the emulator's `Surface`, how a body reads and renders from its `Format`."""

from __future__ import annotations

import json
import socket
import sys
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from hfgate.testing._common import Answer, dumps
from hfgate.testing.replies import Reply

if TYPE_CHECKING:
    from hfgate.testing.server import Emulator, EmulatorServer, RecordedRequest
    from hfgate.testing.wires import Format

_MODELS = "/v1/models"
_TEXT = "text/plain; charset=utf-8"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Buffered writes: a JSON answer leaves in one segment; streams flush once per event.
    wbufsize = -1
    server: EmulatorServer
    fields: dict[str, str]  # the request headers, names lower-cased
    raw_requestline: bytes

    def setup(self) -> None:
        super().setup()
        # Without this, loopback requests hit a 40 ms Nagle/delayed-ACK floor.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, alive=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, alive=False)

    def version_string(self) -> str:
        return f"hfgate-{self.emulator.surface.name}-emulator"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and benchmarks want a quiet server

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def parse_request(self) -> bool:
        """The stdlib's checks, minus its email-parser header parsing: that was a third of the
        emulator's time per request, and a benchmark should measure clients, not us."""
        self.command = ""
        self.request_version = "HTTP/0.9"
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({self.requestline!r})")
            return False
        command, path, version = words
        if version not in ("HTTP/1.0", "HTTP/1.1"):
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Bad version {version!r}")
            return False
        self.command, self.request_version = command, version
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path
        message = HTTPMessage()
        fields: dict[str, str] = {}
        while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            if len(line) > 65536 or len(fields) >= 100:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
                return False
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if not colon:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad header line {line!r}")
                return False
            name, value = name.strip(), value.strip()
            message[name] = value
            fields[name.lower()] = value
        self.headers, self.fields = message, fields
        connection = fields.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            version == "HTTP/1.0" and connection != "keep-alive"
        )
        if fields.get("expect", "").lower() == "100-continue":
            accepted = self.handle_expect_100()
            self.wfile.flush()  # the client waits for this before it sends the body
            return accepted
        return True

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # --- routing -----------------------------------------------------------------------------

    def _dispatch(self) -> None:
        try:
            raw = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            self._record(b"", None)
            self._send(400, f"Failed to read the request body: {exc}".encode(), _TEXT)
            return
        body: Any = None
        problem: str | None = None
        try:
            body = json.loads(raw) if raw or self.command == "POST" else None
        except ValueError as exc:
            problem = str(exc)
        recorded = self._record(raw, body)
        surface = self.emulator.surface
        path = unquote(urlsplit(self.path).path).rstrip("/")
        served = self.command == "POST" and path not in self.emulator.closed_routes
        wire = surface.routes.get(path) if served else None
        listing = surface.listing if self.command == "GET" else None
        if wire is not None:
            self._serve(wire(), body, problem, recorded)
        elif listing is not None and path == _MODELS:
            self._json(200, listing(self.emulator.models))
        elif listing is not None and path.startswith(_MODELS + "/"):
            self._model(path[len(_MODELS) + 1 :])
        else:
            self._own_error(404, "Not Found")

    def _model(self, model_id: str) -> None:
        found = next((m for m in self.emulator.models if m.get("id") == model_id), None)
        if found is None:
            self._own_error(404, f"Model {model_id} does not exist")
        else:
            self._json(200, found)

    def _serve(
        self, wire: Format, body: Any, problem: str | None, recorded: RecordedRequest
    ) -> None:
        surface = self.emulator.surface
        rejection = surface.authorize(self.fields) if self.emulator.require_auth else None
        if rejection is None:
            rejection = wire.check(body, problem, self.fields)
        if rejection is not None:
            self._send_answer(rejection, surface.own_headers())
        else:
            try:
                reply = self.emulator.next_reply(body, wire.user_text, recorded)
            except Exception as exc:  # a responder's bug should fail the test, not hang it
                traceback.print_exc(file=sys.stderr)
                self._own_error(500, f"hfgate {surface.name} emulator's responder: {exc!r}")
                return
            self._answer(reply, body, wire)

    # --- answering a scripted reply ----------------------------------------------------------

    def _answer(self, reply: Reply, request: dict[str, Any], wire: Format) -> None:
        if reply.delay_first_byte > 0 and self.emulator.stopping.wait(reply.delay_first_byte):
            self._hang_up()  # the emulator is stopping: do not keep its caller waiting
            return
        if reply.kind == "disconnect":
            self._hang_up()
            return
        headers = self.emulator.surface.meta_headers(reply)
        if reply.kind == "error":
            self._error(reply, headers)
            return
        stream = bool(request.get("stream"))
        try:
            if reply.kind == "stream_error" and not stream:
                rendered: Answer | bytes | tuple[bytes, ...] = wire.render_failure(reply, request)
            elif stream:
                rendered = wire.render_stream(reply, request)
            else:
                rendered = wire.render_json(reply, request)
        except Exception as exc:  # a bad script should fail the test, not hang the client
            traceback.print_exc(file=sys.stderr)
            name = self.emulator.surface.name
            self._own_error(500, f"hfgate {name} emulator could not render: {exc!r}")
            return
        if isinstance(rendered, Answer):
            self._send_answer(rendered, headers)
        elif isinstance(rendered, bytes):
            self._send(200, rendered, "application/json", headers)
        else:
            self._stream(rendered, reply, headers)

    def _error(self, reply: Reply, headers: dict[str, str]) -> None:
        if reply.retry_after is not None:
            headers["Retry-After"] = _header_number(reply.retry_after)
        body = reply.body if reply.body is not None else ""
        data = body.encode() if isinstance(body, str) else dumps(body)
        self._send(reply.status, data, reply.content_type, headers)

    def _stream(self, events: tuple[bytes, ...], reply: Reply, headers: Mapping[str, str]) -> None:
        chunked = self.request_version != "HTTP/1.0"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:  # HTTP/1.0 has no chunks: the end of the body is the end of the connection
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        for count, event in enumerate(events):
            if count == reply.drop_after:
                break
            if count and reply.chunk_delay > 0 and self.emulator.stopping.wait(reply.chunk_delay):
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event) if chunked else event)
            self.wfile.flush()
        else:
            if reply.drop_after is None:
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                return
        self._hang_up()  # dropped: no [DONE], no terminating chunk

    # --- low-level reading and writing -------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.fields.get("transfer-encoding", "").lower():
            return self._read_chunked()
        length = int(self.fields.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            raise ConnectionResetError("the client hung up mid-body")
        return data

    def _read_chunked(self) -> bytes:
        parts = []
        while size := int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16):
            parts.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(parts)

    def _record(self, raw: bytes, body: Any) -> RecordedRequest:
        return self.emulator.record(self.command, self.path, dict(self.fields), body, raw)

    def _json(self, status: int, payload: Any) -> None:
        headers = self.emulator.surface.own_headers()
        self._send(status, dumps(payload), "application/json", headers)

    def _own_error(self, status: int, message: str) -> None:
        """An error of the emulator's own, in its API's envelope."""
        self._json(status, self.emulator.surface.error(status, message))

    def _send_answer(self, answer: Answer, headers: Mapping[str, str]) -> None:
        self._send(answer.status, answer.body, answer.content_type, headers)

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

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _header_number(value: str | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
