"""A gateway for one `hfgate launch`: the app `hfgate serve` runs, on uvicorn in a thread of
this process, on a free loopback port, with a master key made for this run and known only to
the agent. It logs to a file, never to the terminal the agent draws on."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hfgate.errors import ConfigError

_LOGGERS = ("hfgate", "uvicorn", "uvicorn.error", "uvicorn.access")
_START_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class RunningGateway:
    url: str
    key: str = field(repr=False)


@contextmanager
def local_gateway(database_url: str | None, log_path: Path) -> Iterator[RunningGateway]:
    """Start the gateway, yield where it listens, stop it on the way out."""
    import uvicorn

    from hfgate.gateway.app import create_app
    from hfgate.gateway.config import GatewayConfig

    key = "hfgate-launch-" + secrets.token_urlsafe(24)
    config = GatewayConfig.from_env(database_url=database_url, master_key=key)
    with _logging_to(log_path):
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(config),
                host="127.0.0.1",
                port=0,
                log_config=None,
                log_level="warning",
                timeout_graceful_shutdown=5,
            )  # fmt: skip
        )
        thread = threading.Thread(target=server.run, name="hfgate-launch-gateway", daemon=True)
        thread.start()
        try:
            _wait_started(server, thread, log_path)
            port = server.servers[0].sockets[0].getsockname()[1]
            yield RunningGateway(f"http://127.0.0.1:{port}", key)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _wait_started(server: object, thread: threading.Thread, log_path: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while not getattr(server, "started", False):
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigError(f"The local gateway did not start; its log is {log_path}.")
        time.sleep(0.02)


@contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    """The gateway's and uvicorn's records go to `path` (appended) while the agent runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    saved = [(lg.handlers[:], lg.propagate, lg.level) for lg in loggers]
    for logger in loggers:
        logger.handlers = [handler]
        logger.propagate = False
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, (handlers, propagate, level) in zip(loggers, saved, strict=True):
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(level)
        handler.close()
