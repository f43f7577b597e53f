"""`hfgate launch` around a stand-in agent: a small script in the agent's place that reports
what it was given and calls the gateway it was pointed at, so the contract (settings for this
run only, the key, the exit code, signals, stopping the gateway) is checked without the real
CLIs; tests/agents runs the real ones. The catalog pick is checked on crafted catalogs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_harness import MASTER, gateway_in_thread

from hfgate.cli._agents import AGENTS, droid_model_id
from hfgate.cli._coders import coders, context_window
from hfgate.gateway.config import GatewayConfig
from hfgate.routing.catalog import parse_catalog
from hfgate.testing import RouterEmulator
from hfgate.testing.catalog import DEFAULT_MODELS

SRC = str(Path(__file__).resolve().parents[2] / "src")

MODEL = "Qwen/Qwen3-32B"

STAND_IN = """\
import json, os, signal, sys, time, urllib.request
report = {"argv": sys.argv[1:], "cwd": os.getcwd(),
          "env": {k: v for k, v in os.environ.items()
                  if k.startswith(("ANTHROPIC_", "CLAUDE_CODE_", "HFGATE_", "OPENCODE_"))}}
args = sys.argv[1:]
if "--settings" in args:
    path = args[args.index("--settings") + 1]
    report["settings"] = json.load(open(path))
    report["settings_mode"] = oct(os.stat(path).st_mode & 0o777)
    report["settings_path"] = path
base = os.environ.get("ANTHROPIC_BASE_URL")
if base:  # a Messages call, with the key the agent was given
    body = json.dumps({"model": os.environ["ANTHROPIC_MODEL"], "max_tokens": 20,
                       "messages": [{"role": "user", "content": "hi"}]}).encode()
    request = urllib.request.Request(base + "/v1/messages", body, {
        "authorization": "Bearer " + os.environ["ANTHROPIC_AUTH_TOKEN"],
        "anthropic-version": "2023-06-01", "content-type": "application/json"})
    answer = json.load(urllib.request.urlopen(request, timeout=30))
    report["answer"] = answer["content"][0]["text"]
    report["gateway"] = base
json.dump(report, open(os.environ["STAND_IN_REPORT"], "w"))
if os.environ.get("STAND_IN_WAIT"):
    def stop(signum, frame):
        open(os.environ["STAND_IN_REPORT"] + ".signal", "w").write(str(signum))
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        time.sleep(0.05)
print("stand-in agent done")
sys.exit(int(os.environ.get("STAND_IN_EXIT", "0")))
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Put the stand-in in place of an agent (HFGATE_AGENT_BIN_<NAME>); its report's path."""
    script = tmp_path / "stand-in-agent"
    script.write_text(f"#!{sys.executable}\n{STAND_IN}")
    script.chmod(0o755)
    report = tmp_path / "report.json"
    monkeypatch.setenv("STAND_IN_REPORT", str(report))

    def install(agent: str) -> Path:
        monkeypatch.setenv(AGENTS[agent].bin_var, str(script))
        return report

    return install


Env = Callable[..., dict[str, str]]


@pytest.fixture
def launch_env(routed: RouterEmulator) -> Env:
    """The environment of an `hfgate launch` run, as it is when called: this test's (the
    router emulator and an HF key from `routed`, the stand-in), hfgate's source on the path,
    `changes` applied (None removes a variable)."""

    def env(**changes: str | None) -> dict[str, str]:
        made = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
        for name, value in changes.items():
            if value is None:
                made.pop(name, None)
            else:
                made[name] = value
        return made

    return env


def launch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hfgate.cli", "launch", *args], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip


def read(report: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def test_claude_gets_the_gateway_for_this_run_and_its_exit_code_is_passed_on(
    stand_in: Callable[[str], Path], launch_env: Env, routed: RouterEmulator
) -> None:
    report = stand_in("claude")
    env = launch_env(STAND_IN_EXIT="7", ANTHROPIC_API_KEY="sk-ant-users-own")
    done = launch(env, "claude", "-m", MODEL, "--", "-p", "hello there")
    assert done.returncode == 7, done.stderr
    got = read(report)
    assert got["argv"] == ["-p", "hello there"]
    given = got["env"]
    assert given["ANTHROPIC_BASE_URL"].startswith("http://127.0.0.1:")
    assert given["ANTHROPIC_MODEL"] == given["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == MODEL
    assert given["CLAUDE_CODE_SUBAGENT_MODEL"] == MODEL
    assert given["CLAUDE_CODE_MAX_CONTEXT_TOKENS"] == "131072"  # groq's, from the catalog
    assert given["ANTHROPIC_AUTH_TOKEN"] == given["HFGATE_API_KEY"]
    assert "ANTHROPIC_API_KEY" not in given  # it would win over the gateway's key
    # The key works on the gateway it came with, which calls the router with the user's HF key.
    assert got["answer"] == "You said: hi"
    assert routed.requests[-1].headers["authorization"] == "Bearer hf_test"
    assert given["ANTHROPIC_AUTH_TOKEN"] not in done.stdout + done.stderr
    assert f"Claude Code on {MODEL}, through {given['ANTHROPIC_BASE_URL']}" in done.stderr
    # Stopped with the agent: nothing listens there any more.
    with pytest.raises(httpx.ConnectError):
        httpx.get(given["ANTHROPIC_BASE_URL"] + "/health", timeout=2)


def test_droid_gets_a_settings_file_that_lives_for_the_run_only(
    stand_in: Callable[[str], Path], launch_env: Env, tmp_path: Path
) -> None:
    report = stand_in("droid")
    env = launch_env()
    home = Path(env["HOME"])
    done = launch(env, "droid", "--api", "messages", "-m", MODEL, "--", "exec", "hi")
    assert done.returncode == 0, done.stderr
    got = read(report)
    assert got["argv"][:2] == ["--settings", got["settings_path"]]
    assert got["argv"][2:] == ["exec", "hi"]
    [entry] = got["settings"]["customModels"]
    assert entry["provider"] == "anthropic" and entry["baseUrl"].startswith("http://127.0.0.1:")
    assert entry["apiKey"] == "${HFGATE_API_KEY}"  # expanded by droid: no key in the file
    assert entry["model"] == MODEL and entry["maxContextLimit"] == 131072
    assert got["settings"]["sessionDefaultSettings"]["model"] == droid_model_id(
        entry["displayName"]
    )
    assert got["settings_mode"] == "0o600"
    assert not Path(got["settings_path"]).exists()  # the run's directory is gone
    assert not (home / ".factory").exists()  # the user's own settings are not touched


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_reaches_the_agent_once_and_its_status_is_ours(
    sent: signal.Signals, stand_in: Callable[[str], Path], launch_env: Env
) -> None:
    """Off a terminal (here), a SIGINT is passed on like SIGTERM; at a terminal, Ctrl-C
    reaches the agent by itself and launch leaves it alone."""
    report = stand_in("codex")
    env = launch_env(STAND_IN_WAIT="1")
    process = subprocess.Popen([sys.executable, "-m", "hfgate.cli", "launch", "codex", "-m",
                                MODEL], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not report.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert report.exists(), "the agent did not start"
        process.send_signal(sent)
        assert process.wait(30) == 128 + sent
    finally:
        process.kill()
        process.communicate()
    assert Path(str(report) + ".signal").read_text() == str(int(sent))


def test_a_running_gateway_is_used_as_given(
    stand_in: Callable[[str], Path],
    launch_env: Env,
    routed: RouterEmulator,
    tmp_path: Path,
) -> None:
    report = stand_in("claude")
    config = GatewayConfig(database_url=str(tmp_path / "gw.sqlite3"), master_key=MASTER,
                           router_url=routed.base_url, refresh_catalog=False)  # fmt: skip
    with gateway_in_thread(config) as running:
        done = launch(launch_env(), "claude", "-m", MODEL, "--gateway", running.url + "/v1/",
                      "--key", MASTER)  # fmt: skip
        assert done.returncode == 0, done.stderr
        got = read(report)
        assert got["gateway"] == running.url and got["env"]["ANTHROPIC_AUTH_TOKEN"] == MASTER
        assert got["answer"] == "You said: hi"
        refused = launch(launch_env(), "claude", "-m", MODEL, "--gateway", running.url,
                         "--key", "not-its-key")  # fmt: skip
    assert refused.returncode == 2
    assert f"The gateway at {running.url} refused the key (401)" in refused.stderr
    assert "not-its-key" not in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["claude", "--api", "chat"], "Claude Code speaks messages, not chat."),
        (["codex", "--key", "k"], "--key is the key of a running gateway: give --gateway URL"),
        (["codex", "--gateway", "http://127.0.0.1:9"], "--gateway needs that gateway's key"),
        (["codex", "--gateway", "gw:4000", "--key", "k"], "--gateway wants an http(s) URL"),
    ],
)
def test_usage_errors(args: list[str], message: str, launch_env: Env) -> None:
    done = launch(launch_env(HFGATE_API_KEY=None), *args, "-m", MODEL)
    assert done.returncode == 2 and message in done.stderr


def test_a_missing_agent_names_its_package_and_the_override(
    launch_env: Env,
) -> None:
    env = launch_env(PATH=os.path.dirname(sys.executable), HFGATE_AGENT_BIN_OPENCODE=None)
    done = launch(env, "opencode", "-m", MODEL)
    assert done.returncode == 2
    assert "npm install -g opencode-ai" in done.stderr
    assert "HFGATE_AGENT_BIN_OPENCODE" in done.stderr


def test_a_model_the_gateway_cannot_serve_fails_before_the_agent_starts(
    stand_in: Callable[[str], Path], launch_env: Env
) -> None:
    report = stand_in("claude")
    env = launch_env(HF_TOKEN=None, HFGATE_ROUTER_URL="http://127.0.0.1:9/v1")
    done = launch(env, "claude", "-m", MODEL)
    assert done.returncode == 2 and "No Hugging Face key found" in done.stderr
    assert not report.exists()


# --- --print -------------------------------------------------------------------------------------


@pytest.mark.parametrize("agent", list(AGENTS))
def test_print_is_a_script_without_the_key(agent: str, launch_env: Env, tmp_path: Path) -> None:
    env = launch_env(HFGATE_API_KEY="hfg_secret_of_the_user")
    done = launch(env, agent, "-m", MODEL, "--print")
    assert done.returncode == 0, done.stderr
    script = done.stdout
    assert "hfg_secret_of_the_user" not in script
    assert "http://127.0.0.1:4000" in script  # `hfgate serve`'s default address
    assert script.splitlines()[-1].startswith(agent)
    # The script runs: a stand-in on PATH reports what the agent would get.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / agent).write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import json, os, sys; "
                                 "json.dump({\"argv\": sys.argv[1:], \"env\": dict(os.environ)}, "
                                 "sys.stdout)' \"$@\"\n")  # fmt: skip
    (bin_dir / agent).chmod(0o755)
    ran = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={**env, "PATH": f"{bin_dir}:/usr/bin:/bin"}, check=True)  # fmt: skip
    seen = json.loads(ran.stdout)
    if agent == "claude":
        assert seen["env"]["ANTHROPIC_AUTH_TOKEN"] == "hfg_secret_of_the_user"
        assert seen["env"]["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:4000"
    if agent == "codex":
        assert 'model_providers.hfgate.base_url="http://127.0.0.1:4000/v1"' in seen["argv"]
    if agent == "droid":
        settings = json.loads((tmp_path / "droid-settings.json").read_text())
        assert settings["customModels"][0]["baseUrl"] == "http://127.0.0.1:4000/v1"
    if agent == "opencode":
        config = json.loads(seen["env"]["OPENCODE_CONFIG_CONTENT"])
        assert config["model"] == f"hfgate/{MODEL}"
        assert config["provider"]["hfgate"]["options"]["apiKey"] == "{env:HFGATE_API_KEY}"


# --- the model picked when none is named ---------------------------------------------------------


def _catalog(*models: tuple[str, list[dict[str, Any]]]) -> Any:
    return parse_catalog({"data": [{"id": i, "providers": p} for i, p in models]})


def _offer(provider: str, tools: bool | None, output: float, context: int = 131072,
           status: str = "live", throughput: float = 50.0) -> dict[str, Any]:  # fmt: skip
    return {"provider": provider, "status": status, "supports_tools": tools,
            "pricing": {"input": 0.1, "output": output}, "context_length": context,
            "throughput": throughput}  # fmt: skip


def test_coders_rank_families_then_price_and_pin_a_tool_calling_provider() -> None:
    kimi = [_offer("groq", True, 3.0, throughput=200), _offer("novita", None, 2.5)]
    coder = [_offer("together", True, 2.0, 262144), _offer("novita", True, 1.3, 131072)]
    catalog = _catalog(
        ("meta-llama/Llama-3.3-70B-Instruct", [_offer("groq", True, 9.0)]),
        ("openai/gpt-oss-120b", [_offer("cerebras", True, 0.7)]),
        ("moonshotai/Kimi-K2-Instruct", kimi),
        ("Qwen/Qwen3-Coder-30B-A3B-Instruct", [_offer("nebius", True, 0.3, 262144)]),
        ("Qwen/Qwen3-Coder-480B-A35B-Instruct", coder),
        ("zai-org/GLM-4.6", [_offer("novita", True, 2.2, status="error")]),
        ("google/gemma-3-27b-it", [_offer("nebius", False, 0.3)]),
    )
    ranked = coders(catalog)
    assert [c.model for c in ranked] == [
        "Qwen/Qwen3-Coder-480B-A35B-Instruct",  # every live offer calls tools: the router picks
        "Qwen/Qwen3-Coder-30B-A3B-Instruct",
        "moonshotai/Kimi-K2-Instruct:groq",  # novita might not call tools: pinned to groq
        "openai/gpt-oss-120b",
        "meta-llama/Llama-3.3-70B-Instruct",  # no family: after them, priciest first
    ]  # GLM-4.6 is not live, gemma calls no tools
    assert ranked[0].context_window == 131072  # the smallest window the router may land on
    assert ranked[2].context_window == 131072 and ranked[2].output_price == 3.0


def test_the_emulator_catalog_pick_and_context_windows() -> None:
    catalog = parse_catalog({"data": DEFAULT_MODELS})
    assert coders(catalog)[0].model == "deepseek-ai/DeepSeek-V4-Pro:together"
    assert context_window(catalog, "deepseek-ai/DeepSeek-V4-Pro") == 512000
    assert context_window(catalog, "deepseek-ai/DeepSeek-V4-Pro:novita") == 1048576
    assert context_window(catalog, "deepseek-ai/DeepSeek-V4-Pro:fastest") == 512000
    assert context_window(catalog, "no/such-model") is None


def test_no_model_named_off_a_terminal_takes_the_first_pick(
    stand_in: Callable[[str], Path], launch_env: Env
) -> None:
    report = stand_in("claude")
    done = launch(launch_env(), "claude")
    assert done.returncode == 0, done.stderr
    assert read(report)["env"]["ANTHROPIC_MODEL"] == "deepseek-ai/DeepSeek-V4-Pro:together"


def test_on_a_terminal_the_user_picks_the_model(launch_env: Env) -> None:
    """No -m at a terminal: the ranked list, then the choice (here the second)."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "hfgate.cli", "launch", "opencode",
                                "--print"], env=launch_env(), stdin=follower, stdout=follower,
                               stderr=follower, close_fds=True)  # fmt: skip
    os.close(follower)
    shown = b""
    try:
        while b"Model [1]:" not in shown:
            shown += os.read(leader, 4096)
        os.write(leader, b"2\n")
        process.wait(30)
        while chunk := _read_some(leader):
            shown += chunk
    finally:
        process.kill()
        os.close(leader)
    text = shown.decode()
    assert "1. deepseek-ai/DeepSeek-V4-Pro:together  (512,000 tokens, $4.4/1M out)" in text
    assert "2. openai/gpt-oss-120b:cerebras  (131,072 tokens, $0.69/1M out)" in text
    assert '"model": "hfgate/openai/gpt-oss-120b:cerebras"' in text
    assert process.returncode == 0


def _read_some(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # the other end closed
        return b""


def test_an_agent_that_cannot_be_run_is_one_error_line(launch_env: Env, tmp_path: Path) -> None:
    broken = tmp_path / "claude"
    broken.write_text("#!/no/such/interpreter\n")
    broken.chmod(0o755)
    done = launch(launch_env(HFGATE_AGENT_BIN_CLAUDE=str(broken)), "claude", "-m", MODEL)
    assert done.returncode == 2
    assert f"error: invalid input: Could not run {broken}: No such file or directory" in (
        done.stderr
    )
