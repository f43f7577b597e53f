"""What every emulator shares: a real HTTP server on loopback, a queue of scripted replies and
a record of the requests, plus the `Surface` that makes it one API or another.

Standard library only (ThreadingHTTPServer, HTTP/1.1 keep-alive, TCP_NODELAY), so any client
meets it the way it meets the real service: JSON or chunked SSE, error envelopes, headers,
and the awkward-but-legal variations.
"""

from __future__ import annotations

import copy
import selectors
import socket
import socketserver
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar, Self

from hfgate.testing._common import Answer, resolve_echo
from hfgate.testing._handler import Handler
from hfgate.testing._sdks import require_sdks
from hfgate.testing.replies import Reply
from hfgate.testing.wires import Format
from hfgate.testing.wires.chat_completions.request import last_user_text


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; `headers` has lower-case names, `json` is None when the body
    is empty or not JSON."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    raw: bytes


@dataclass(frozen=True)
class Surface:
    """One API as seen from outside: which `POST` paths serve which wire, how it checks keys,
    names its request-id header and wraps its own errors (404s, a script it cannot render).

    models / listing: the default `GET /v1/models` catalog (copied per emulator, editable as
        its `models`) and the listing's body around it; `listing` None serves no catalog.
    authorize: with `require_auth`, the 401 for request headers without a key, else None.
    meta_headers: the headers of a scripted answer (provider, request id, the reply's own).
    own_headers: the headers of the emulator's own answers (404, 401, a request's 400).
    error: the body of the emulator's own errors, from status and message.
    """

    name: str
    routes: Mapping[str, Callable[[], Format]]
    base_path: str
    models: Sequence[Mapping[str, Any]]
    listing: Callable[[list[dict[str, Any]]], Any] | None
    authorize: Callable[[Mapping[str, str]], Answer | None]
    meta_headers: Callable[[Reply], dict[str, str]]
    own_headers: Callable[[], dict[str, str]]
    error: Callable[[int, str], Any]


Responder = Callable[[RecordedRequest], Reply]
"""Chooses the answer to one request from what it holds (a multi-turn script)."""


class Emulator:
    """An API on loopback: `with SomeEmulator() as api:`, then `api.push(...)` scripted
    replies; an empty queue answers with `responder(request)` when one is set (for scripts
    that depend on what the client sent: its tools, a tool result), else with
    `default_reply` (an echo at first). Subclasses only name their `surface`."""

    surface: ClassVar[Surface]

    def __init__(self, host: str = "127.0.0.1", port: int = 0, require_auth: bool = False) -> None:
        require_sdks()  # before serving: a missing SDK would fail inside the server thread
        self.require_auth = require_auth
        self.requests: list[RecordedRequest] = []
        self.default_reply: Reply = Reply.echo()
        self.responder: Responder | None = None
        self.closed_routes: set[str] = set()
        """POST paths answered 404 as if this API had no such route (an older server)."""
        self.models: list[dict[str, Any]] = [copy.deepcopy(dict(m)) for m in self.surface.models]
        self.stopping = threading.Event()
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = EmulatorServer((host, port), self)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://[{name}]:{port}" if ":" in name else f"http://{name}:{port}"

    @property
    def base_url(self) -> str:
        """What an SDK takes as its `base_url`: the URL plus the API's path prefix."""
        return self.url + self.surface.base_path

    @property
    def connections_opened(self) -> int:
        """TCP connections clients have opened to this emulator, to check connection reuse."""
        return self._server.accepted

    @property
    def pending(self) -> int:
        """Replies pushed and not served yet, e.g. to check a script was used up."""
        with self._lock:
            return len(self._queue)

    def push(self, *replies: Reply) -> None:
        """Queue replies, served in order to the answering routes, whichever wire they use."""
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> Self:
        if self._closed:
            raise RuntimeError(f"a stopped {type(self).__name__} cannot be started again")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve,
                name=f"hfgate-{self.surface.name}-emulator:{self._server.server_address[1]}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and hang up on open connections, so keep-alive clients notice."""
        if self._closed:
            return
        self._closed = True
        self.stopping.set()
        if self._thread is not None:
            self._server.wake()
            self._thread.join(timeout=5)
        self._server.hang_up_all()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, pending={self.pending})"

    # --- used by the handler -----------------------------------------------------------------

    def record(
        self, method: str, path: str, headers: dict[str, str], body: Any, raw: bytes
    ) -> RecordedRequest:
        request = RecordedRequest(method, path, headers, body, raw)
        with self._lock:
            self.requests.append(request)
        return request

    def next_reply(
        self,
        request: Mapping[str, Any],
        user_text: Callable[[Mapping[str, Any]], str] = last_user_text,
        recorded: RecordedRequest | None = None,
    ) -> Reply:
        """The next scripted reply, else the responder's for the `recorded` request, else
        the default; an echo becomes the text it answers, found in the request by the wire's
        `user_text`."""
        with self._lock:
            queued = self._queue.popleft() if self._queue else None
        responder = self.responder
        if queued is not None:
            reply = queued
        elif responder is not None and recorded is not None:
            reply = responder(recorded)
        else:
            reply = self.default_reply
        if reply.kind == "echo":
            return resolve_echo(reply, f"You said: {user_text(request)}")
        return reply


class EmulatorServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with an accept loop that stops at once (serve_forever polls, which
    costs each test's teardown up to a poll interval) and that can hang up on its clients."""

    daemon_threads = True
    request_queue_size = 1024  # listen backlog (socketserver has 5): 1,000 clients at once
    timeout = 0.5  # bounds handle_request's own wait, should a ready connection vanish

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.accepted = 0
        """TCP connections opened by clients so far (a pooled client reuses one)."""
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._wake: tuple[socket.socket, socket.socket] | None = None
        super().__init__(address, Handler)  # binds, or closes itself and raises
        self._wake = socket.socketpair()

    def serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            if self._wake is not None:
                selector.register(self._wake[0], selectors.EVENT_READ)
            while not self.emulator.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self and not self.emulator.stopping.is_set():
                        self.handle_request()

    def wake(self) -> None:
        """Make `serve` look at the stopping flag now."""
        if self._wake is not None:
            self._wake[1].send(b"x")

    def server_close(self) -> None:
        super().server_close()
        for end in self._wake or ():
            end.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a DNS lookup we do not need.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def track(self, connection: socket.socket, *, alive: bool) -> None:
        with self.connections_lock:
            if alive:
                self.accepted += 1
                self.connections.add(connection)
            else:
                self.connections.discard(connection)

    def hang_up_all(self) -> None:
        with self.connections_lock:
            connections, self.connections = self.connections, set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is a scenario under test, not a server fault.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)
