"""Every CLI call is logged to SQLite (never the key) and read back by `hfgate logs`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from hfgate.testing import Reply

Invoke = Callable[..., Result]
USAGE = {"prompt_tokens": 30, "completion_tokens": 7, "total_tokens": 37}


def _rows(cli_dirs: dict[str, str]) -> list[sqlite3.Row]:
    db = sqlite3.connect(Path(cli_dirs["HFGATE_DATA_DIR"]) / "logs.db")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM calls ORDER BY id").fetchall()
    finally:
        db.close()


def test_a_run_is_logged_and_read_back(
    invoke: Invoke, routed: Any, cli_dirs: dict[str, str]
) -> None:
    routed.push(
        Reply.text(
            "Paris.",
            reasoning="easy",
            usage=USAGE,
            cached_tokens=10,
            provider="novita",
            request_id="rid-7",
        )
    )
    assert invoke("run", "-m", "Qwen/Qwen3-32B", "-s", "Be brief.", "Capital?").exit_code == 0
    (row,) = _rows(cli_dirs)
    assert (row["model"], row["provider"], row["request_id"]) == (
        "Qwen/Qwen3-32B",
        "novita",
        "rid-7",
    )
    assert (row["prompt"], row["system"], row["response"]) == ("Capital?", "Be brief.", "Paris.")
    assert row["reasoning"] == "easy" and row["error"] is None
    assert (row["input_tokens"], row["output_tokens"], row["cached_tokens"]) == (30, 7, 10)
    assert row["duration_ms"] >= 0 and row["time"].endswith("+00:00")

    shown = invoke("logs", "-n", "1")
    assert "Qwen/Qwen3-32B · via novita · 30 in / 7 out" in shown.stdout
    assert "> Capital?" in shown.stdout and "Paris." in shown.stdout
    (entry,) = json.loads(invoke("logs", "--json").stdout)
    assert entry["response"] == "Paris." and entry["input_tokens"] == 30


def test_failed_calls_are_logged_with_the_error(
    invoke: Invoke, routed: Any, cli_dirs: dict[str, str]
) -> None:
    routed.push(Reply.error_string(402, "no credits left", provider="together", request_id="r2"))
    assert invoke("run", "-m", "a/b", "hi").exit_code == 4
    (row,) = _rows(cli_dirs)
    assert row["error"] == "PaymentRequiredError: no credits left"
    assert (row["provider"], row["request_id"], row["response"]) == ("together", "r2", None)
    assert "error: PaymentRequiredError: no credits left" in invoke("logs").stdout


def test_no_log_flag_and_env_turn_logging_off(
    invoke: Invoke, routed: Any, cli_dirs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    routed.push(Reply.text("a"), Reply.text("b"), Reply.text("c"))
    invoke("run", "--no-log", "-m", "a/b", "x")
    invoke("--no-log", "run", "-m", "a/b", "x")
    monkeypatch.setenv("HFGATE_NO_LOG", "1")
    invoke("run", "-m", "a/b", "x")
    assert not (Path(cli_dirs["HFGATE_DATA_DIR"]) / "logs.db").exists()
    assert invoke("logs").stdout == "No calls logged yet.\n"


def test_the_key_is_never_stored(
    invoke: Invoke, routed: Any, cli_dirs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_k3ysecretvalue")
    routed.push(Reply.error_string(401, "Invalid token hf_k3ysecretvalue"))
    invoke("run", "-m", "a/b", "my token is hf_k3ysecretvalue")
    data = Path(cli_dirs["HFGATE_DATA_DIR"])
    raw = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("logs.db"))
    assert raw and b"k3ysecret" not in raw


def test_usage_sums_per_model_since(invoke: Invoke, routed: Any) -> None:
    routed.push(
        Reply.text("1", usage=USAGE, provider="novita"),
        Reply.text("2", usage=USAGE, provider="novita"),
    )
    invoke("run", "-m", "a/b", "one")
    invoke("run", "-m", "a/b", "two")
    table = invoke("logs", "usage", "--since", "7d")
    assert table.exit_code == 0
    row = next(line for line in table.stdout.splitlines() if "a/b" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[:8] == ["a/b", "novita", "2", "0", "60", "?", "14", "?"]
    (usage,) = json.loads(invoke("logs", "usage", "--json").stdout)
    assert (usage["calls"], usage["input_tokens"], usage["output_tokens"]) == (2, 60, 14)
    future = invoke("logs", "usage", "--since", "2999-01-01")
    assert future.stdout == "No calls logged since 2999-01-01.\n"


def test_bad_since_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("logs", "usage", "--since", "last tuesday")
    assert result.exit_code == 2 and "use 30m, 24h, 7d, 2w" in result.stderr


def test_logs_path(invoke: Invoke, cli_dirs: dict[str, str]) -> None:
    assert invoke("logs", "path").stdout.strip() == str(
        Path(cli_dirs["HFGATE_DATA_DIR"]) / "logs.db"
    )
