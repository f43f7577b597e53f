"""The SQLite call log: migrations, round trips, usage sums, keys never stored."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hfgate.cli.logstore import MIGRATIONS, LogEntry, LogStore, default_path, logging_disabled


def test_migrations_run_once_in_order_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    with LogStore(path) as store:
        names = [row[0] for row in store.db.execute("SELECT name FROM _migrations ORDER BY rowid")]
        assert names == [name for name, _ in MIGRATIONS]
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with LogStore(path) as store:
        assert store.migrate() == []


def test_a_database_from_an_older_version_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    MIGRATIONS[0][1](db)
    db.execute("INSERT INTO _migrations VALUES ('m001_calls', 'then')")
    db.execute("INSERT INTO calls (time, model, prompt) VALUES ('2020-01-01', 'old/model', 'hi')")
    db.commit()
    db.close()
    with LogStore(path) as store:
        (entry,) = store.recent(5)
        assert (entry.model, entry.prompt, entry.conversation_id) == ("old/model", "hi", None)


def test_entries_round_trip(tmp_path: Path) -> None:
    with LogStore(tmp_path / "logs.db") as store:
        written = LogEntry(
            model="Qwen/Qwen3-32B",
            prompt="hello",
            response="hi there",
            provider="together",
            system="be brief",
            reasoning="thinking",
            input_tokens=12,
            output_tokens=3,
            cached_tokens=4,
            reasoning_tokens=1,
            cost=0.00012,
            duration_ms=250,
            request_id="req-1",
            conversation_id="c1",
        )
        row_id = store.add(written)
        (read,) = store.recent(10)
        assert read.id == row_id and read.time.endswith("+00:00")
        assert read == LogEntry(**{**_fields(written), "time": read.time, "id": row_id})


def _fields(entry: LogEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in entry.__slots__}


def test_recent_is_oldest_first_and_limited(tmp_path: Path) -> None:
    with LogStore(tmp_path / "logs.db") as store:
        for i in range(5):
            store.add(LogEntry(model=f"m/{i}", prompt=str(i)))
        assert [e.prompt for e in store.recent(3)] == ["2", "3", "4"]
        assert store.recent_models(2) == ["m/4", "m/3"]


def test_usage_sums_per_model_and_provider_since_a_time(tmp_path: Path) -> None:
    old = (datetime.now(UTC) - timedelta(days=10)).isoformat(timespec="milliseconds")
    with LogStore(tmp_path / "logs.db") as store:
        store.add(LogEntry(model="a/b", prompt="1", provider="p", input_tokens=10,
                           output_tokens=5, cached_tokens=2, cost=0.5))  # fmt: skip
        store.add(LogEntry(model="a/b", prompt="2", provider="p", input_tokens=1,
                           output_tokens=1, cost=None))  # fmt: skip
        store.add(LogEntry(model="a/b", prompt="3", provider="p", error="ServerError: x"))
        store.add(LogEntry(model="a/b", prompt="4", provider="p", input_tokens=100, time=old))
        store.add(LogEntry(model="c/d", prompt="5", provider="q", cost=0.1))
        rows = store.usage(datetime.now(UTC) - timedelta(days=7))
        first, second = rows
        assert (first.model, first.provider, first.calls, first.errors) == ("a/b", "p", 3, 1)
        assert (first.input_tokens, first.output_tokens, first.cached_tokens) == (11, 6, 2)
        assert (first.cost, first.unpriced) == (0.5, 1)
        assert (second.model, second.cost) == ("c/d", 0.1)
        assert store.usage()[0].input_tokens == 111


def test_keys_are_redacted_from_everything_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_supersecret123")
    with LogStore(tmp_path / "logs.db") as store:
        store.add(
            LogEntry(
                model="a/b",
                prompt="my key is hf_supersecret123",
                response="you said hf_supersecret123",
                error="AuthenticationError: bad hf_supersecret123",
            )
        )
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("logs.db"))
    assert b"supersecret" not in raw and b"you said ***" in raw


def test_default_location_and_switch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HFGATE_DATA_DIR", str(tmp_path))
    assert default_path() == tmp_path / "logs.db"
    for value, disabled in [("", False), ("0", False), ("1", True), ("yes", True)]:
        monkeypatch.setenv("HFGATE_NO_LOG", value)
        assert logging_disabled() is disabled
