"""A real gateway on loopback for the tests: uvicorn in a thread (or a separate process),
in front of the emulators, with the real openai and anthropic SDKs as its clients."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import uvicorn
from pg_cluster import free_port

from hfgate.gateway.app import create_app
from hfgate.gateway.config import GatewayConfig

MASTER = "hfgate-test-master-key"


@dataclass
class Gateway:
    url: str
    master_key: str = MASTER
    database_url: str = ""
    made: list[Any] = field(default_factory=list)

    def new_key(self, name: str = "test", **limits: Any) -> str:
        """A virtual key made through the real `/keys` API."""
        answer = httpx.post(
            f"{self.url}/keys",
            json={"name": name, **limits},
            headers={"authorization": f"Bearer {self.master_key}"},
        )
        assert answer.status_code == 201, answer.text
        key: str = answer.json()["key"]
        return key

    def openai(self, key: str | None = None, **kw: Any) -> openai.OpenAI:
        client = openai.OpenAI(
            base_url=f"{self.url}/v1", api_key=key or self.master_key, max_retries=0, **kw
        )
        self.made.append(client)
        return client

    def async_openai(self, key: str | None = None) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=f"{self.url}/v1", api_key=key or self.master_key, max_retries=0
        )

    def anthropic(self, key: str | None = None, **kw: Any) -> anthropic.Anthropic:
        client = anthropic.Anthropic(
            base_url=self.url, api_key=key or self.master_key, max_retries=0, **kw
        )
        self.made.append(client)
        return client

    def async_anthropic(self, key: str | None = None) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            base_url=self.url, api_key=key or self.master_key, max_retries=0
        )

    def post(
        self, path: str, body: Any = None, key: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {key or self.master_key}", **kw.pop("headers", {})}
        return httpx.post(f"{self.url}{path}", json=body, headers=headers, **kw)

    def close(self) -> None:
        for client in self.made:
            client.close()


@contextmanager
def router_gateway(router_url: str, database_url: str, **settings: Any) -> Iterator[Gateway]:
    """The gateway in this process in front of a router emulator, with the master key, no
    upstream retries (the library's retries have tests of their own) and the router's price
    catalog loaded before the first request, as `hfgate serve` does at start-up."""
    from hfgate.routing.catalog import load_catalog

    load_catalog(base_url=router_url)
    options: dict[str, Any] = {"refresh_catalog": False, "upstream_retries": 0, **settings}
    config = GatewayConfig(
        database_url=database_url, master_key=MASTER, router_url=router_url, **options
    )
    with gateway_in_thread(config) as running:
        yield running


@contextmanager
def gateway_in_thread(config: GatewayConfig) -> Iterator[Gateway]:
    """The app on uvicorn, in this process: fast to start, and the database opens in the
    server's own event loop, as in production."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    gateway = Gateway(
        f"http://127.0.0.1:{port}", config.master_key or MASTER, config.database_url or ""
    )
    try:
        yield gateway
    finally:
        gateway.close()
        server.should_exit = True
        thread.join(timeout=20)


class GatewayProcess:
    """`hfgate serve` as a separate process (for replicas and kill -9)."""

    def __init__(self, database_url: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.env = {**os.environ, **env, "HFGATE_MASTER_KEY": MASTER}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> GatewayProcess:
        command = [sys.executable, "-m", "hfgate.cli", "serve", "--port", str(self.port),
                   "--database-url", self.database_url]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gateway exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gateway did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def usage_rows(database_url: str) -> list[dict[str, Any]]:
    """Every usage row, oldest first, read straight from the database (not via the store:
    what is there is what a crash would leave)."""
    query = "SELECT * FROM usage ORDER BY id"
    if database_url.startswith(("postgresql://", "postgres://")):
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(database_url, row_factory=dict_row) as conn:
            return list(conn.execute(query).fetchall())
    import sqlite3

    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(query).fetchall()]


def wait_for(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)
