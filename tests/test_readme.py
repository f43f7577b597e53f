"""The README's examples stay true: its offline example runs, its commands are the CI's."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_emulator_example_runs() -> None:
    block = next(b for b in _python_blocks() if "RouterEmulator" in b)
    exec(compile("import hfgate\n" + block, "README.md", "exec"), {})


def test_setup_commands_come_first_and_are_two() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = [line[2:] for line in setup.splitlines() if line.startswith("$ ")]
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
