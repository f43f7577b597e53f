"""The real coding-agent CLIs, headless and offline, through the gateway to an upstream that
makes one shell tool call: the call ran (the file it writes exists) and the final answer
reached the agent's output. Each agent on each API it can speak to the gateway, configured
the way `hfgate launch` configures it; then `hfgate launch` itself, end to end.

Each test also checks what crossed the gateway: the shell tool the agent offered (found in its
real requests) and the API its requests came in on (the usage log's `api`)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from agent_fixtures import FINAL, Workspace
from gateway_harness import Gateway, usage_rows
from shell_script import ShellScript

from hfgate.cli._agents import AGENTS, Connection
from hfgate.cli.launch import agent_command
from hfgate.testing import RouterEmulator

MODEL = "Qwen/Qwen3-32B"
PROMPT = "Write the marker file with your shell tool, then say that you are done."
RUN_TIMEOUT = 180


@dataclass(frozen=True)
class Case:
    agent: str
    api: str
    shell_tool: str
    headless: tuple[str, ...]
    """The agent's own arguments for one non-interactive prompt that may run commands."""


HEADLESS = {
    "claude": ("-p", PROMPT, "--dangerously-skip-permissions"),
    # Codex in its default configuration; only the update check is turned off.
    "codex": (
        "-c",
        "check_for_update_on_startup=false",
        "exec",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        PROMPT,
    ),  # fmt: skip
    "droid": ("exec", "--auto", "high", PROMPT),
    "opencode": ("run", "--auto", PROMPT),
}
SHELL = {"claude": "Bash", "codex": "exec_command", "droid": "Execute", "opencode": "bash"}
CASES = [
    Case(agent, api, SHELL[agent], HEADLESS[agent])
    for agent, spec in AGENTS.items()
    for api in spec.apis
]


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=RUN_TIMEOUT, check=False)  # fmt: skip


def assert_tool_ran_and_answered(
    done: subprocess.CompletedProcess[str], script: ShellScript, case: Case, ws: Workspace
) -> None:
    said = f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, said
    assert [name for name, _ in script.calls] == [case.shell_tool], said
    assert ws.marker.read_text().strip() == ws.token, said
    assert len(script.results) == 1, said
    assert FINAL in done.stdout, said


@pytest.mark.parametrize("case", CASES, ids=[f"{c.agent}-{c.api}" for c in CASES])
def test_agent_runs_a_tool_through_the_gateway(
    case: Case,
    gateway: Gateway,
    upstream: RouterEmulator,
    script: ShellScript,
    workspace: Workspace,
    agent_env: dict[str, str],
    agent_bin: Path,
    tmp_path: Path,
) -> None:
    spec = AGENTS[case.agent]
    key = gateway.new_key(f"{case.agent}-{case.api}")
    connection = Connection(gateway.url, key, MODEL, case.api)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    binary = str(agent_bin / spec.name)
    argv, env = agent_command(spec, binary, connection, run_dir, case.headless, agent_env)

    done = run(argv, env, workspace.work)

    assert_tool_ran_and_answered(done, script, case, workspace)
    rows = usage_rows(gateway.database_url)
    assert rows, "the gateway logged no call"
    assert {(r["api"], r["status"], r["model"]) for r in rows} == {(case.api, 200, MODEL)}
    assert all(r.json["model"] == MODEL for r in upstream.requests if r.method == "POST")
    assert key not in done.stdout + done.stderr


# --- hfgate launch, end to end -----------------------------------------------------------------

LAUNCHED = {c.agent: c for c in CASES if c.agent in ("claude", "codex")}


@pytest.mark.parametrize(
    ("agent", "model"),
    [("claude", None), ("codex", MODEL)],
    ids=["claude-catalog-pick", "codex"],
)
def test_hfgate_launch_runs_the_agent_on_its_own_gateway(
    agent: str,
    model: str | None,
    upstream: RouterEmulator,
    script: ShellScript,
    workspace: Workspace,
    agent_env: dict[str, str],
    agent_bin: Path,
    tmp_path: Path,
) -> None:
    """`hfgate launch` as a user runs it: it starts the gateway, hands over, runs the agent,
    passes its output and exit code through. With no -m it picks a tool-calling coder from
    the live catalog (here the emulator's, whose first pick is DeepSeek-V4-Pro on together,
    the tool-calling provider with the best throughput)."""
    case = LAUNCHED[agent]
    data = tmp_path / "hfgate-data"
    env = {
        **agent_env,
        "HF_TOKEN": "hf_launch_upstream_key",
        "HFGATE_ROUTER_URL": upstream.base_url,
        "HFGATE_DATA_DIR": str(data),
        "HFGATE_CACHE_DIR": str(tmp_path / "hfgate-cache"),
        "HFGATE_SETTINGS": str(tmp_path / "settings.json"),
        AGENTS[agent].bin_var: str(agent_bin / agent),  # the CLIs are not on PATH here
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    chosen = ["-m", model] if model else []
    argv = [sys.executable, "-m", "hfgate.cli", "launch", agent, *chosen, "--", *case.headless]

    done = run(argv, env, workspace.work)

    assert_tool_ran_and_answered(done, script, case, workspace)
    expected = model or "deepseek-ai/DeepSeek-V4-Pro:together"
    assert f"hfgate: {AGENTS[agent].title} on {expected}, through http://127.0.0.1:" in done.stderr
    posted = [r for r in upstream.requests if r.method == "POST"]
    assert posted and all(r.json["model"] == expected for r in posted)
    rows = usage_rows(str(data / "gateway.sqlite3"))
    assert rows and {(r["api"], r["status"]) for r in rows} == {(case.api, 200)}
    assert "hf_launch_upstream_key" not in done.stdout + done.stderr
