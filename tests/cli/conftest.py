"""Fixtures for driving the CLI: every directory it touches lives under tmp_path, and the
router is an emulator on loopback (HFGATE_ROUTER_URL)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import hfgate
from hfgate.cli import cli

SRC = str(Path(hfgate.__file__).resolve().parent.parent)


@pytest.fixture(autouse=True)
def cli_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Cache, data, config and home under tmp_path; the working directory too."""
    dirs = {
        "HFGATE_CACHE_DIR": str(tmp_path / "cache"),
        "HFGATE_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
    }
    for name, value in dirs.items():
        Path(value).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HFGATE_NO_LOG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    return dirs


@pytest.fixture
def routed(router: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The emulator, with the CLI pointed at it and a (fake) HF key set."""
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    return router


Invoke = Callable[..., Result]


@pytest.fixture
def invoke() -> Invoke:
    """Run the CLI in-process (click's CliRunner); stdout and stderr are kept apart."""

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@dataclass(frozen=True)
class Done:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def proc_env() -> dict[str, str]:
    """The environment for a child process: this test's, plus hfgate's source on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def hfgate_process(proc_env: dict[str, str]) -> Callable[..., Done]:
    """Run `python -m hfgate.cli ...` as a real subprocess."""

    def run(*args: str, input: str | None = None, timeout: float = 30) -> Done:
        proc = subprocess.run(
            [sys.executable, "-m", "hfgate.cli", *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=proc_env,
            timeout=timeout,
        )
        return Done(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def no_router(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A router URL where nothing listens."""
    url = "http://127.0.0.1:9/v1"
    monkeypatch.setenv("HFGATE_ROUTER_URL", url)
    yield url
