"""`hfgate doctor`: key source (never the key), settings files, router, model resolution."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Invoke = Callable[..., Result]


def test_no_key_no_settings_and_an_unreachable_router(invoke: Invoke, no_router: str) -> None:
    result = invoke("doctor")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("! key: no Hugging Face key found (looked in $HF_TOKEN")
    assert lines[1].startswith("- settings: no settings files found (looked for ")
    assert lines[2].startswith(f"✗ router: {no_router} does not answer: could not reach")
    assert lines[3] == "- endpoints: no custom endpoints configured"


def test_key_source_is_named_and_the_key_never_printed(
    invoke: Invoke, routed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_verysecretvalue")
    result = invoke("doctor")
    # The key is only present: offline (as every test is), nobody can say it works.
    assert "! key: Hugging Face key found in $HF_TOKEN; not checked: huggingface_hub is " in (
        result.stdout
    )
    assert "verysecret" not in result.stdout + result.stderr
    assert f"✓ router: {routed.base_url} answers (" in result.stdout
    assert result.exit_code == 0


def test_settings_files_are_parsed_with_line_and_column(
    invoke: Invoke, no_router: str, tmp_path: Path, cli_dirs: dict[str, str]
) -> None:
    local = tmp_path / ".hfgate" / "settings.json"
    local.parent.mkdir()
    local.write_text('{\n  "models": [\n    {"name": "x",}\n  ]\n}\n')
    user = Path(cli_dirs["XDG_CONFIG_HOME"]) / "hfgate" / "settings.json"
    user.parent.mkdir()
    user.write_text('{"models": []}')
    result = invoke("doctor")
    assert f"✗ settings: {local} is not valid JSON: " in result.stdout
    assert "at line 3, column 18" in result.stdout
    assert f"✓ settings: {user} read" in result.stdout
    assert result.exit_code == 1


def test_factory_settings_in_home_are_checked(
    invoke: Invoke, no_router: str, cli_dirs: dict[str, str]
) -> None:
    factory = Path(cli_dirs["HOME"]) / ".factory" / "settings.json"
    factory.parent.mkdir()
    factory.write_text("{}")
    assert f"✓ settings: {factory} read" in invoke("doctor").stdout


def test_model_that_resolves_lists_its_providers(invoke: Invoke, routed: Any) -> None:
    model = routed.models[0]
    result = invoke("doctor", "-m", f"{model['id']}:fastest")
    line = next(x for x in result.stdout.splitlines() if x.startswith("✓ model "))
    assert f"resolves to {model['id']}:fastest; served by " in line
    for offer in model["providers"]:
        assert f"{offer['provider']} ({offer['status']})" in line


def test_model_problems(invoke: Invoke, routed: Any) -> None:
    model_id = routed.models[0]["id"]
    bad = invoke("doctor", "-m", "no-slash")
    assert "✗ model no-slash: Model id 'no-slash' is not of the form" in bad.stdout
    assert bad.exit_code == 1
    unknown = invoke("doctor", "-m", "nobody/nothing")
    assert "✗ model nobody/nothing: nobody/nothing is not served by any provider" in unknown.stdout
    wrong = invoke("doctor", "-m", f"{model_id}:no-such-provider")
    assert "no-such-provider does not serve it; served by " in wrong.stdout


def test_model_without_a_router(invoke: Invoke, no_router: str) -> None:
    result = invoke("doctor", "-m", "Qwen/Qwen3-32B")
    assert "! model Qwen/Qwen3-32B: resolves to Qwen/Qwen3-32B; providers unknown" in result.stdout
