"""A wire-level emulator of the Hugging Face router: a real HTTP server on loopback.

Standard library only (ThreadingHTTPServer, HTTP/1.1 keep-alive, TCP_NODELAY), so any client
meets it the way it meets the router: JSON or chunked SSE, both error envelopes, the
`x-inference-provider` / `x-request-id` headers, and the awkward-but-legal variations.
"""

from __future__ import annotations

import copy
import selectors
import socket
import socketserver
import sys
import threading
from collections import deque
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from hfgate.testing import payloads
from hfgate.testing._handler import Handler
from hfgate.testing.catalog import DEFAULT_MODELS
from hfgate.testing.replies import Reply


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; `headers` has lower-case names, `json` is None when the body
    is empty or not JSON."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    raw: bytes


class RouterEmulator:
    """The router on loopback: `with RouterEmulator() as router:`, then `router.push(...)`
    scripted replies; an empty queue answers with `default_reply` (an echo at first)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, require_auth: bool = False) -> None:
        self.require_auth = require_auth
        self.requests: list[RecordedRequest] = []
        self.default_reply: Reply = Reply.echo()
        self.models: list[dict[str, Any]] = copy.deepcopy(DEFAULT_MODELS)
        self.stopping = threading.Event()
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = RouterServer((host, port), self)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://[{name}]:{port}" if ":" in name else f"http://{name}:{port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @property
    def pending(self) -> int:
        """Replies pushed and not served yet, e.g. to check a script was used up."""
        with self._lock:
            return len(self._queue)

    def push(self, *replies: Reply) -> None:
        """Queue replies, served in order to `POST /v1/chat/completions`."""
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> RouterEmulator:
        if self._closed:
            raise RuntimeError("a stopped RouterEmulator cannot be started again")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve,
                name=f"hfgate-router-emulator:{self._server.server_address[1]}",
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

    def __enter__(self) -> RouterEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RouterEmulator({self.base_url!r}, pending={self.pending})"

    # --- used by the handler -----------------------------------------------------------------

    def record(
        self, method: str, path: str, headers: dict[str, str], body: Any, raw: bytes
    ) -> None:
        request = RecordedRequest(method, path, headers, body, raw)
        with self._lock:
            self.requests.append(request)

    def next_reply(self, request: dict[str, Any]) -> Reply:
        """The next scripted reply, or the default; an echo becomes the text it answers."""
        with self._lock:
            reply = self._queue.popleft() if self._queue else self.default_reply
        if reply.kind == "echo":
            return payloads.resolve_echo(reply, request)
        return reply


class RouterServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with an accept loop that stops at once (serve_forever polls, which
    costs each test's teardown up to a poll interval) and that can hang up on its clients."""

    daemon_threads = True
    timeout = 0.5  # bounds handle_request's own wait, should a ready connection vanish

    def __init__(self, address: tuple[str, int], emulator: RouterEmulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
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
