"""Shared fixtures: a clean environment, the real network blocked, emulators on loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

_KEY_VARS = (
    "HF_TOKEN",
    "HUGGINGFACE_API_KEY",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",
    "HFGATE_ROUTER_URL",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "HFGATE_SETTINGS",
    "HFGATE_READ_FACTORY",
    "HFGATE_STRICT_SETTINGS",
)


def pytest_configure(config: pytest.Config) -> None:
    # huggingface_hub reads HF_HOME once, at import: point it at an empty folder first.
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="hfgate-tests-hf-home-")
    os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture
def hf_home() -> Path:
    """huggingface_hub's folder for this run (its token store is `hf_home / "token"`)."""
    return Path(os.environ["HF_HOME"])


@pytest.fixture(scope="session")
def empty_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty-home")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, hf_home: Path, empty_home: Path) -> None:
    """No key or settings file leaks in from the developer's machine (an empty home and
    config dir); huggingface_hub's store is empty."""
    for var in _KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(empty_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(empty_home / ".config"))
    (hf_home / "token").unlink(missing_ok=True)


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"tests may not reach the network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def router() -> Iterator[Any]:
    from hfgate.testing import RouterEmulator

    with RouterEmulator() as emulator:
        yield emulator


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def hf(router: Any) -> Iterator[Callable[..., Any]]:
    """Make `hfgate.Client`s aimed at the router emulator; all closed after the test."""
    import hfgate

    made: list[hfgate.Client] = []

    def make(**kw: Any) -> hfgate.Client:
        options = {"api_key": "hf_test_key", "base_url": router.base_url, "hf_router": True}
        client = hfgate.Client(**{**options, **kw})
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# --- checking request bodies against the official SDKs' own request types -----------------

SdkCheck = Callable[[TypeAdapter[Any], Mapping[str, Any]], Any]


def _consume(value: Any) -> Any:
    """pydantic validates `Iterable[...]` fields lazily (the SDKs type message lists that way):
    walk the result so every item is really validated."""
    if isinstance(value, Mapping):
        return {k: _consume(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_consume(v) for v in value]
    if isinstance(value, Iterator):
        return [_consume(v) for v in value]
    return value


@pytest.fixture
def sdk_check() -> SdkCheck:
    """Validate a body against an SDK's request TypedDict, all the way down."""

    def check(adapter: TypeAdapter[Any], body: Mapping[str, Any]) -> Any:
        return _consume(adapter.validate_python(body))

    return check
