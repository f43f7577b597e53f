"""The frictions a new user met in their first five minutes (issue 15), one test each; each
failed on the code before its fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from click.testing import Result

Invoke = Callable[..., Result]


def test_a_missing_openai_key_names_openai_not_hugging_face(invoke: Invoke, routed: Any) -> None:
    result = invoke("run", "-m", "openai:gpt-5-mini", "hi")
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()[-2:]
    assert first.startswith("error: no API key: No OpenAI key: set OPENAI_API_KEY")
    assert hint.startswith("hint: export OPENAI_API_KEY=")
    assert "Hugging Face" not in result.stderr and "HF_TOKEN" not in result.stderr
    assert routed.requests == []


def test_a_missing_anthropic_key_names_its_variable(invoke: Invoke, routed: Any) -> None:
    result = invoke("run", "-m", "anthropic:claude-sonnet-4-5", "hi")
    assert result.exit_code == 2
    assert "hint: export ANTHROPIC_API_KEY=" in result.stderr
    assert "HF_TOKEN" not in result.stderr
