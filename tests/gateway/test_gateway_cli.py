"""`hfgate keys` and `hfgate usage` on the gateway's database (both backends), and
`hfgate serve`'s own checks. The commands run in-process through click."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import openai
import pytest
from click.testing import CliRunner, Result
from gateway_harness import Gateway

from hfgate.cli import cli
from hfgate.testing import Reply, RouterEmulator

MODEL = "deepseek-ai/DeepSeek-V4-Pro"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_keys_create_list_revoke(store_url: str) -> None:
    made = run("keys", "create", "--name", "ci-bot", "--budget-usd", "5", "--rpm", "60",
               "--models", "Qwen/*,Sonnet", "--database-url", store_url)  # fmt: skip
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("hfg_")
    assert "not shown again" in made.stderr
    assert "models Qwen/*,Sonnet, 60 requests/min, budget $5" in made.stderr

    listed = json.loads(run("keys", "list", "--json", "--database-url", store_url).stdout)
    assert [(k["name"], k["models"], k["rpm"], k["budget_usd"]) for k in listed] == [
        ("ci-bot", ["Qwen/*", "Sonnet"], 60, 5.0)
    ]
    table = run("keys", "list", "--database-url", store_url).stdout
    assert "ci-bot" in table and "active" in table and secret not in table

    assert run("keys", "revoke", "ci-bot", "--database-url", store_url).exit_code == 0
    assert "revoked" in run("keys", "list", "--database-url", store_url).stdout
    again = CliRunner().invoke(cli, ["keys", "revoke", "ci-bot", "--database-url", store_url])
    assert again.exit_code != 0 and "No active key" in again.output


def test_usage_by_key_model_and_day(
    gateway: Gateway, upstream: RouterEmulator, store_url: str
) -> None:
    key = gateway.new_key("reporter")
    upstream.push(Reply.text("a", usage={"prompt_tokens": 100_000, "completion_tokens": 10}))
    gateway.openai(key).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "x"}]
    )
    with pytest.raises(openai.NotFoundError):
        gateway.openai().chat.completions.create(
            model="nope", messages=[{"role": "user", "content": "x"}]
        )

    by_key = json.loads(run("usage", "--by", "key", "--json", "--database-url", store_url).stdout)
    groups = {t["group"]: t for t in by_key}
    assert groups["reporter"]["requests"] == 1 and groups["reporter"]["errors"] == 0
    assert groups["reporter"]["input_tokens"] == 100_000
    assert groups["reporter"]["cost_usd"] == pytest.approx(0.21 + 10 * 4.4e-6)
    assert groups["master"]["errors"] == 1

    by_model = run("usage", "--by", "model", "--database-url", store_url).stdout
    assert MODEL in by_model and "nope" in by_model
    by_day = json.loads(run("usage", "--by", "day", "--json", "--database-url", store_url).stdout)
    assert sum(t["requests"] for t in by_day) == 2


def test_usage_on_an_empty_database(tmp_path: Path) -> None:
    result = run("usage", "--database-url", str(tmp_path / "empty.sqlite3"))
    assert result.stdout.strip() == "No gateway requests recorded yet."


def test_bad_database_url_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["keys", "list", "--database-url", "postgresql://u:secret@127.0.0.1:1/db"]
    )
    assert result.exit_code != 0
    assert "secret" not in result.output
    assert "Traceback" not in result.output
    assert "127.0.0.1:1" in result.output


def test_serve_help_names_both_sdks() -> None:
    text = run("serve", "--help").stdout
    assert 'OpenAI(base_url="http://HOST:PORT/v1"' in text
    assert "--database-url" in text and "HFGATE_MASTER_KEY" in text
    assert "http://HOST:PORT/console" in text


def test_readme_gateway_example_runs(
    gateway: Gateway, anthropic_upstream: Any, write_models: Any
) -> None:
    """The README's SDK example, pointed at this gateway, with a key made the README's way."""
    write_models({"model": "claude-sonnet-4-5", "displayName": "Sonnet",
                  "provider": "anthropic", "baseUrl": anthropic_upstream.url,
                  "apiKey": "sk-ant-x"})  # fmt: skip
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## The gateway", 1)[1]
    command = next(line for line in section.splitlines() if "hfgate keys create" in line)
    args = shlex.split(command.split("hfgate ", 1)[1].split("#")[0])
    database = gateway.database_url
    made = run(*args, "--database-url", database)
    assert made.exit_code == 0, made.output
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    code = block.replace("http://localhost:4000", gateway.url).replace(
        "hfg_...", made.stdout.strip()
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert anthropic_upstream.requests[-1].json["model"] == "claude-sonnet-4-5"
    namespace["openai"].close()
    namespace["claude"].close()
