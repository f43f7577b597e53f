"""Fixtures of the gateway tests (imported by conftest.py): the router emulator as the
upstream for Hugging Face ids, a settings file for named models, and a running gateway, once
on SQLite and once on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gateway_harness import Gateway, router_gateway

from hfgate.testing import AnthropicEmulator, OpenAIEmulator, RouterEmulator

HF_KEY = "hf_gateway_upstream_key"

WriteModels = Callable[..., Path]


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[RouterEmulator]:
    """The HF router emulator, with the gateway's own HF key in the environment (and a
    catalog cache of this test's own)."""
    from hfgate.routing.catalog import CACHE_DIR_ENV

    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("HF_TOKEN", HF_KEY)
    with RouterEmulator(require_auth=True) as router:
        monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
        yield router


@pytest.fixture
def anthropic_upstream() -> Iterator[AnthropicEmulator]:
    with AnthropicEmulator(require_auth=True) as emulator:
        yield emulator


@pytest.fixture
def openai_upstream() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator(require_auth=True) as emulator:
        yield emulator


@pytest.fixture
def write_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteModels:
    """Write the gateway's settings file (`customModels`), re-read within `ROUTES_TTL`."""
    path = tmp_path / "settings.json"
    monkeypatch.setenv("HFGATE_SETTINGS", str(path))

    def write(*models: dict[str, Any]) -> Path:
        path.write_text(json.dumps({"customModels": list(models)}))
        return path

    write()
    return write


@pytest.fixture
def gateway(
    upstream: RouterEmulator, write_models: WriteModels, store_url: str, tmp_path: Path
) -> Iterator[Gateway]:
    """A gateway in front of the router emulator, once per database backend."""
    with router_gateway(upstream.base_url, store_url, max_body_bytes=256 * 1024) as running:
        yield running
