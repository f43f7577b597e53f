"""Fixtures of the agent tests (imported by conftest.py): the real CLIs from .agents/
(scripts/install-agents.sh, which .ci/run calls), a gateway in front of the router emulator
scripted by `ShellScript`, and an environment for the agents with a home of their own and no
way out but loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gateway_harness import Gateway, router_gateway
from shell_script import ShellScript

from hfgate.testing import RouterEmulator

REPO = Path(__file__).resolve().parents[2]
AGENT_BIN = REPO / ".agents" / "node_modules" / ".bin"
_DEAD_PROXY = "http://127.0.0.1:9"

OFFLINE = {
    # Claude Code: no telemetry, error reports, update checks or other nonessential traffic;
    # --dangerously-skip-permissions is refused to root unless the box says it is a sandbox.
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "IS_SANDBOX": "1",
    # opencode: no models.dev catalog, update, LSP download, default plugins or sharing.
    "OPENCODE_DISABLE_MODELS_FETCH": "1",
    "OPENCODE_DISABLE_AUTOUPDATE": "1",
    "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
    "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
    "OPENCODE_DISABLE_SHARE": "1",
    # droid: no update, and air-gapped (no calls to Factory's API; BYOK models need none).
    "FACTORY_DROID_AUTO_UPDATE_ENABLED": "false",
    "FACTORY_AIRGAP_ENABLED": "true",
    # Anything else that honours a proxy goes nowhere; loopback goes direct.
    **{name: _DEAD_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")},
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
    "NO_COLOR": "1",
    "TERM": "dumb",
}


@pytest.fixture(scope="session")
def agent_bin() -> Path:
    """Where the CLIs are; the tests skip (saying why) only when they were never installed."""
    if not AGENT_BIN.is_dir():
        pytest.skip(
            f"the agent CLIs are not installed in {AGENT_BIN.parent.parent}: run "
            "scripts/install-agents.sh (.ci/run does)"
        )
    return AGENT_BIN


@dataclass(frozen=True)
class Workspace:
    """A run's own directories: the agent's home and working directory, and the file the
    scripted tool call writes."""

    home: Path
    work: Path
    marker: Path
    token: str


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    home, work = tmp_path / "home", tmp_path / "work"
    for folder in (home, work, home / ".config", home / ".local" / "share", home / ".cache"):
        folder.mkdir(parents=True, exist_ok=True)
    return Workspace(home, work, work / "made-by-the-agent.txt", "written-through-the-gateway")


FINAL = "The marker file is written; done through hfgate."


@pytest.fixture
def script(upstream: RouterEmulator, workspace: Workspace) -> ShellScript:
    """The router emulator plays a model making one shell call, then answering FINAL."""
    played = ShellScript(f"echo {workspace.token} > {workspace.marker}", FINAL)
    upstream.responder = played
    return played


@pytest.fixture
def agent_env(agent_bin: Path, workspace: Workspace) -> dict[str, str]:
    """An agent's environment from nothing: PATH with the CLIs first, a home of its own, the
    offline switches. No key or setting leaks in from the test process."""
    home = workspace.home
    return {
        "PATH": f"{agent_bin}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "LANG": "C.UTF-8",
        **OFFLINE,
    }


@pytest.fixture
def gateway(upstream: RouterEmulator, write_models: object, tmp_path: Path) -> Iterator[Gateway]:
    """`hfgate serve`'s app on loopback (SQLite) in front of the router emulator."""
    with router_gateway(upstream.base_url, str(tmp_path / "gateway.sqlite3")) as running:
        yield running
