"""A hostile HTTP server on loopback: it answers with exactly the bytes a test scripts,
however wrong (bad framing, broken gzip, trickled headers, a dropped connection), and can quote
the credential it was sent back at the client. The emulators in `hfgate.testing` speak the
APIs correctly; this one does not have to."""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

KEY_MARK = b"{KEY}"
"""Replaced, in every byte the server sends, by the credential the request carried."""


@dataclass(frozen=True)
class Piece:
    data: bytes
    delay: float = 0.0
    """Seconds to wait before sending `data`."""


@dataclass(frozen=True)
class Script:
    """One answer as raw pieces; the connection is closed after the last one."""

    pieces: tuple[Piece, ...]
    name: str = ""


def raw(data: bytes, name: str = "") -> Script:
    return Script((Piece(data),), name)


def http(
    status: int,
    body: bytes,
    content_type: str = "application/json",
    *,
    headers: dict[str, str] | None = None,
    name: str = "",
    length: int | None = None,
) -> Script:
    """A whole HTTP/1.1 answer; `length` overrides Content-Length (a lying server)."""
    lines = [f"HTTP/1.1 {status} X", f"content-type: {content_type}", "connection: close"]
    lines.append(f"content-length: {len(body) if length is None else length}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return Script((Piece(head + body),), name)


def json_answer(value: Any, status: int = 200, name: str = "", **kw: Any) -> Script:
    return http(status, json.dumps(value).encode(), name=name, **kw)


def sse(events: list[str], *, name: str = "", newline: str = "\n", prefix: bytes = b"") -> Script:
    """An event stream of `data:` lines (each item is one event's data, or a raw line when
    it starts with ':' or contains a field name), with `newline` as the line ending."""
    out = []
    for event in events:
        lines = (
            event.split("\n") if event.startswith(("event:", ":", "id:")) else [f"data: {event}"]
        )
        out.append(newline.join(lines) + newline + newline)
    body = prefix + "".join(out).encode()
    return http(200, body, "text/event-stream", name=name)


def gzipped(script: Script, *, corrupt: bool) -> Script:
    """`script`'s body gzip-encoded, then broken (`corrupt`) or cut short."""
    head, _, body = script.pieces[0].data.partition(b"\r\n\r\n")
    packed = gzip.compress(body)
    packed = packed[:10] + b"\x00garbage\xff" * 4 if corrupt else packed[: len(packed) // 2]
    lines = [line for line in head.split(b"\r\n") if not line.startswith(b"content-length")]
    lines += [b"content-encoding: gzip", f"content-length: {len(packed)}".encode()]
    return Script((Piece(b"\r\n".join(lines) + b"\r\n\r\n" + packed),), script.name)


def trickled(script: Script, *, every: float, head_only: bool = False) -> Script:
    """`script` one byte at a time, `every` seconds apart (the headers only, or all)."""
    data = script.pieces[0].data
    split = data.index(b"\r\n\r\n") + 4 if head_only else len(data)
    pieces = [Piece(data[i : i + 1], every) for i in range(split)]
    if split < len(data):
        pieces.append(Piece(data[split:]))
    return Script(tuple(pieces), script.name)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RawServer:
    """Serves `script` (or `models` for GET */models) to every request, one connection each."""

    script: Script = field(default_factory=lambda: json_answer({}))
    models: Script = field(
        default_factory=lambda: json_answer({"object": "list", "data": []}, name="models")
    )
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(socketserver.StreamRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        raw_server = self.server.raw
        request = _read_request(self.rfile)
        if request is None:
            return
        raw_server.requests.append(request)
        script = raw_server.models if request.path.endswith("/models") else raw_server.script
        key = _credential(request.headers).encode()
        try:
            for piece in _with_key(script.pieces, key):
                if piece.delay:
                    time.sleep(piece.delay)
                self.wfile.write(piece.data)
                self.wfile.flush()
        except OSError:
            return  # the client gave up (a timeout): fine
        finally:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _with_key(pieces: tuple[Piece, ...], key: bytes) -> tuple[Piece, ...]:
    """The pieces with the key in place of every mark, and a Content-Length that still
    counts the body (a one-piece answer whose body quotes the key)."""
    if len(pieces) != 1 or KEY_MARK not in pieces[0].data:
        return pieces
    head, sep, body = pieces[0].data.partition(b"\r\n\r\n")
    body = body.replace(KEY_MARK, key)
    lines = [
        f"content-length: {len(body)}".encode() if line.startswith(b"content-length:") else line
        for line in head.replace(KEY_MARK, key).split(b"\r\n")
    ]
    return (Piece(b"\r\n".join(lines) + sep + body, pieces[0].delay),)


def _credential(headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    return auth.split(" ", 1)[-1] if auth else headers.get("x-api-key", "no-key")


def _read_request(rfile: Any) -> Recorded | None:
    line = rfile.readline(65536).decode("latin-1").strip()
    if not line:
        return None
    method, path, _ = (line.split(" ") + ["", ""])[:3]
    headers: dict[str, str] = {}
    while True:
        header = rfile.readline(65536).decode("latin-1")
        if header in ("\r\n", "\n", ""):
            break
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = rfile.read(int(headers.get("content-length") or 0))
    return Recorded(method, path, headers, body)


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    raw: RawServer


@contextmanager
def raw_server() -> Iterator[RawServer]:
    server = _TCPServer(("127.0.0.1", 0), _Handler)
    server.raw = RawServer(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server.raw
    finally:
        server.shutdown()
        server.server_close()
