"""Fixtures for bring-your-own-key calls: emulators of the three wires on loopback and a home
folder whose settings files each test writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hfgate.testing import AnthropicEmulator, OpenAIEmulator

Write = Callable[..., Path]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home, config dir and working directory: no settings but the test's own."""
    home = tmp_path / "home"
    (home / ".factory").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("HFGATE_SETTINGS", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


@pytest.fixture
def write_settings(home: Path) -> Write:
    """Write `~/.factory/settings.json` with these customModels entries."""

    def write(*models: dict[str, Any], name: str = "settings.json") -> Path:
        path = home / ".factory" / name
        path.write_text(json.dumps({"customModels": list(models)}, indent=2))
        return path

    return write


@pytest.fixture
def anthropic_api() -> Iterator[AnthropicEmulator]:
    with AnthropicEmulator(require_auth=True) as emulator:
        yield emulator


@pytest.fixture
def openai_api() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator(require_auth=True) as emulator:
        yield emulator
