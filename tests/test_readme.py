"""The README's examples stay true: its offline example runs, its commands are the CI's."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
OFFLINE_GUARD = Path(__file__).resolve().parent / "offline_guard"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_emulator_example_runs() -> None:
    block = next(b for b in _python_blocks() if "RouterEmulator" in b)
    exec(compile("import hfgate\n" + block, "README.md", "exec"), {})


def _setup_commands() -> list[str]:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [line[2:] for line in setup.splitlines() if line.startswith("$ ")]


def test_setup_commands_come_first_and_are_two() -> None:
    commands = _setup_commands()
    assert len(commands) == 2
    assert "hfgate run" in commands[0] and ".[local]" in commands[0]
    assert "pytest" in commands[1]
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "README.md" in ci  # .ci/run reads the test command from here


def test_every_documented_error_class_exists() -> None:
    import hfgate

    tree = README.split("### Errors", 1)[1].split("```", 2)[1]
    for name in re.findall(r"\b([A-Z][A-Za-z]+Error)\b", tree):
        assert isinstance(getattr(hfgate, name), type), name


@pytest.mark.local
def test_the_first_command_answers_paris_offline_and_keyless(tmp_path: Path) -> None:
    """The README's first command, its `hfgate run` step as written, in a fresh environment:
    an empty home and Hub cache, no key, no settings, no network but loopback (any other
    address it tried would be logged)."""
    run_step = _setup_commands()[0].rsplit(" && ", 1)[1]
    assert run_step == '.venv/bin/hfgate run "What is the capital of France?"'
    if not (ROOT / ".venv" / "bin" / "hfgate").exists():
        pytest.skip("no .venv at the repository root: run the README's set-up first")
    home, tried = tmp_path / "home", tmp_path / "network-attempts"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "HF_HOME": str(tmp_path / "hf-home"),
        "PYTHONPATH": str(OFFLINE_GUARD),
        "HFGATE_TEST_NET_LOG": str(tried),
    }
    done = subprocess.run(
        ["bash", "-c", run_step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Paris" in done.stdout
    assert "answering with the embedded local model" in done.stderr
    assert not tried.exists(), tried.read_text()
