"""A loopback server that stands in for the Hugging Face Hub (`HF_ENDPOINT`), speaking the
routes huggingface_hub uses: `whoami-v2`, a model's info with its files, and `resolve/` for
HEAD and GET of a file (with the commit, ETag and size headers hf_hub_download reads).
Errors carry the `X-Error-Code` header the Hub sends, so huggingface_hub raises its own
`RepositoryNotFoundError` / `EntryNotFoundError` from them."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

TOKEN = "hf_standin_valid_token"
USER = "standin-user"


@dataclass
class Repo:
    files: dict[str, Path]
    """Name in the repo -> the file on disk served for it."""
    commit: str = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class HubStandIn:
    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every request, to prove what went over the wire."""

    def __post_init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.hub = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HubStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop answering (idempotent): later requests find nothing listening."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()

    def downloads(self) -> list[str]:
        return [path for method, path in self.requests if method == "GET" and "/resolve/" in path]


def _etag(path: Path) -> str:
    return hashlib.sha256(str(path).encode() + str(path.stat().st_size).encode()).hexdigest()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hub: HubStandIn


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._route(body=False)

    def do_GET(self) -> None:
        self._route(body=True)

    def _route(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        self.server.hub.requests.append((self.command, path))
        if path == "/api/whoami-v2":
            return self._whoami()
        if path.startswith("/api/models/"):
            return self._info(path.removeprefix("/api/models/"))
        if "/resolve/" in path:
            repo, _, rest = path.lstrip("/").partition("/resolve/")
            _, _, name = rest.partition("/")
            return self._file(repo, name, body)
        self._error(404, "EntryNotFound", "no such route")

    def _whoami(self) -> None:
        if self.headers.get("authorization") != f"Bearer {TOKEN}":
            return self._json(401, {"error": "Invalid credentials in Authorization header"})
        self._json(200, {"type": "user", "name": USER, "auth": {"type": "access_token"}})

    def _info(self, rest: str) -> None:
        repo_id = "/".join(rest.split("/")[:2])
        repo = self.server.hub.repos.get(repo_id)
        if repo is None:
            return self._error(404, "RepoNotFound", "Repository not found")
        siblings = [
            {"rfilename": name, "size": path.stat().st_size} for name, path in repo.files.items()
        ]
        self._json(200, {"id": repo_id, "sha": repo.commit, "siblings": siblings})

    def _file(self, repo_id: str, name: str, body: bool) -> None:
        repo = self.server.hub.repos.get(repo_id)
        if repo is None:
            return self._error(404, "RepoNotFound", "Repository not found")
        path = repo.files.get(name)
        if path is None:
            return self._error(404, "EntryNotFound", "Entry not found")
        size = path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.send_header("X-Repo-Commit", repo.commit)
        self.send_header("ETag", f'"{_etag(path)}"')
        self.end_headers()
        if body:
            with path.open("rb") as data:
                while chunk := data.read(1 << 20):
                    self.wfile.write(chunk)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"error": message}, {"X-Error-Code": code})

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
