"""Settings models in the CLI: `run -m <name>`, `/model` in chat, and `doctor`'s report of
every settings problem and endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from hfgate.testing import AnthropicEmulator, OpenAIEmulator, Reply

Invoke = Callable[..., Result]


@pytest.fixture
def vllm() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator(require_auth=True) as emulator:
        yield emulator


def _settings(cli_dirs: dict[str, str], *models: dict[str, Any]) -> Path:
    path = Path(cli_dirs["HOME"]) / ".factory" / "settings.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"customModels": list(models)}))
    return path


def _entry(base_url: str, **kw: Any) -> dict[str, Any]:
    return {
        "model": "qwen2.5-7b",
        "displayName": "Box",
        "baseUrl": base_url,
        "apiKey": "${BOX_KEY}",
        "provider": "generic-chat-completion-api",
        "extraHeaders": {"X-Tenant": "lab"},
        **kw,
    }


def test_run_calls_a_settings_model_by_name(
    invoke: Invoke, no_router: str, vllm: OpenAIEmulator, cli_dirs: dict[str, str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("BOX_KEY", "sk-box")
    _settings(cli_dirs, _entry(vllm.base_url))
    vllm.push(Reply.text("Hello from the box."))
    result = invoke("run", "-m", "Box", "hi")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello from the box.\n"
    sent = vllm.requests[-1]
    assert sent.path == "/v1/chat/completions" and sent.json["model"] == "qwen2.5-7b"
    assert sent.headers["authorization"] == "Bearer sk-box"
    assert sent.headers["x-tenant"] == "lab"


def test_run_with_an_unknown_name_suggests_and_exits_2(
    invoke: Invoke, no_router: str, cli_dirs: dict[str, str]
) -> None:
    _settings(cli_dirs, _entry("http://127.0.0.1:9/v1"))
    result = invoke("run", "-m", "Bx", "hi")
    assert result.exit_code == 2
    assert "Unknown model 'Bx'" in result.stderr and "Did you mean: Box?" in result.stderr


def test_chat_lists_custom_models_and_switches_to_one(
    invoke: Invoke, routed: Any, vllm: OpenAIEmulator, cli_dirs: dict[str, str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("BOX_KEY", "sk-box")
    _settings(cli_dirs, _entry(vllm.base_url))
    vllm.push(Reply.text("boxed"))
    result = invoke("chat", "-m", "a/b", input="/model\n\n/model Box\nhello\n")
    assert "Custom models\n  1. Box" in result.stdout
    assert "now using Box" in result.stderr
    assert "boxed" in result.stdout
    assert vllm.requests[-1].json["messages"][-1]["content"] == "hello"


def test_doctor_reports_each_problem_and_probes_each_endpoint(
    invoke: Invoke, no_router: str, cli_dirs: dict[str, str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("BOX_KEY", "sk-box")
    with OpenAIEmulator() as box, AnthropicEmulator() as claude:
        path = _settings(
            cli_dirs,
            _entry(box.base_url),
            _entry(
                claude.base_url,
                model="claude-x",
                displayName="Claude",
                provider="anthropic",
                apiKey="sk-ant",
            ),
            _entry("http://127.0.0.1:9", displayName="Bad", provider="OpenAI"),
            _entry("http://127.0.0.1:9/v1", displayName="NoVar", apiKey="${NOT_SET_ANYWHERE}"),
        )
        result = invoke("doctor", "-m", "Claude")
        box_listing, claude_listing = box.requests[-1], claude.requests[-1]
    out = result.stdout
    assert result.exit_code == 1
    assert f"✓ settings: {path} read" in out
    assert (
        '✗ settings: ~/.factory/settings.json customModels[2] ("Bad")' not in out
    )  # paths are shown as written: the home here is a test folder
    assert 'Invalid provider "OpenAI" in ' in out and 'customModels[2] ("Bad")' in out
    assert f"✓ endpoint Box: {box.base_url}/models answers (" in out
    assert f"✓ endpoint Claude: {claude.url}/v1/models answers (" in out
    assert "✗ endpoint NoVar: Environment variable NOT_SET_ANYWHERE is not set" in out
    assert box_listing.headers["authorization"] == "Bearer sk-box"  # key and extraHeaders
    assert box_listing.headers["x-tenant"] == "lab"
    assert claude_listing.headers["x-api-key"] == "sk-ant"
    assert f"✓ model Claude: from {path}" not in out  # shown with ~ for the home dir
    assert "✓ model Claude: from ~/.factory/settings.json customModels[1]" in out
    assert f"claude-x via POST {claude.url}/v1/messages (key: apiKey of ~/" in out


def test_doctor_checks_official_prefixes_without_sending_anything(
    invoke: Invoke, no_router: str, monkeypatch: Any
) -> None:
    missing = invoke("doctor", "-m", "anthropic:claude-x")
    assert "✗ model anthropic:claude-x: No Anthropic key: set ANTHROPIC_API_KEY" in missing.stdout
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    found = invoke("doctor", "-m", "openai:gpt-5")
    expected = "✓ model openai:gpt-5: gpt-5 via POST https://api.openai.com/v1/responses"
    assert f"{expected} (key: $OPENAI_API_KEY)" in found.stdout


def test_run_json_prices_an_anthropic_settings_model(
    invoke: Invoke, no_router: str, cli_dirs: dict[str, str]
) -> None:
    with AnthropicEmulator() as claude:
        _settings(
            cli_dirs,
            _entry(
                claude.base_url,
                model="claude-sonnet-4-5",
                displayName="Sonnet",
                provider="anthropic",
                apiKey="sk-ant",
            ),
        )
        claude.push(Reply.text("Hi.", usage={"prompt_tokens": 1000, "completion_tokens": 10}))
        result = invoke("run", "--json", "-m", "Sonnet", "hi")
    out = json.loads(result.stdout)
    assert out["text"] == "Hi."
    assert out["usage"]["input_tokens"] == 1000
    assert out["cost"] == pytest.approx((1000 * 3 + 10 * 15) / 1_000_000)


def test_doctor_survives_a_settings_entry_named_local(
    invoke: Invoke, no_router: str, cli_dirs: dict[str, str]
) -> None:
    _settings(cli_dirs, _entry("http://127.0.0.1:9/v1", displayName="local", apiKey="k"))
    result = invoke("doctor", "-m", "local")
    assert "endpoint local: http://127.0.0.1:9/v1/models does not answer" in result.stdout
    assert "model local:" in result.stdout


def test_hfgate_settings_lists_each_model_its_origin_and_problems(
    invoke: Invoke, no_router: str, cli_dirs: dict[str, str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("BOX_KEY", "sk-box-secret")
    path = _settings(
        cli_dirs,
        _entry("http://127.0.0.1:9/v1"),
        _entry("http://127.0.0.1:9/v1/chat/completions", displayName="Pasted"),
        _entry("http://127.0.0.1:9/v1", displayName="NoKey", apiKey="${UNSET_KEY_VAR}"),
        {"model": "anthropic.claude", "displayName": "Rock", "provider": "bedrock"},
    )
    listed = json.loads(invoke("settings", "--json").stdout)
    by_name = {m["name"]: m for m in listed["models"]}
    assert list(by_name) == ["Box", "Pasted", "NoKey"]
    assert by_name["Box"]["state"] == "ok" and by_name["Box"]["problems"] == []
    assert by_name["Box"]["place"] == '~/.factory/settings.json customModels[0] ("Box")'
    assert by_name["Pasted"]["state"] == "warning"
    assert "calls go to http://127.0.0.1:9/v1/chat/completions" in by_name["Pasted"]["problems"][0]
    assert by_name["NoKey"]["state"] == "error"
    assert "UNSET_KEY_VAR is not set" in by_name["NoKey"]["problems"][0]
    assert [p.split(" in ")[0] for p in listed["problems"]] == ['Unsupported provider "bedrock"']
    text = invoke("settings").stdout
    assert "Box\t" in text and "✗ NoKey: Environment variable UNSET_KEY_VAR" in text
    assert "sk-box-secret" not in text + json.dumps(listed)
    assert str(path.parent.name) in text
