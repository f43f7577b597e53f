"""Every call made through the CLI, in SQLite: `<user data dir>/logs.db` (`HFGATE_DATA_DIR`
overrides the directory; `HFGATE_NO_LOG=1` or `--no-log` turns logging off).

The schema changes only through the ordered migrations below, each recorded by name in the
`_migrations` table once applied (the simonw/llm pattern): add a migration, never edit one.
API keys are never written: the values of the key environment variables are redacted from
every text column as a last line of defence (error messages are already redacted upstream).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hfgate._constants import data_dir

NO_LOG_ENV = "HFGATE_NO_LOG"

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_calls(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            model TEXT,
            provider TEXT,
            prompt TEXT,
            system TEXT,
            response TEXT,
            reasoning TEXT,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cached_tokens INTEGER,
            reasoning_tokens INTEGER,
            cost REAL,
            duration_ms INTEGER,
            error TEXT,
            request_id TEXT
        )"""
    )


@migration
def m002_time_index(db: sqlite3.Connection) -> None:
    db.execute("CREATE INDEX calls_time ON calls (time)")


@migration
def m003_conversation(db: sqlite3.Connection) -> None:
    # Chat turns share a conversation id, so a session can be read back in order.
    db.execute("ALTER TABLE calls ADD COLUMN conversation_id TEXT")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One call. `time` is UTC ISO-8601; token counts and cost are None when unknown."""

    model: str | None
    prompt: str | None
    response: str | None = None
    provider: str | None = None
    system: str | None = None
    reasoning: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost: float | None = None
    duration_ms: int | None = None
    error: str | None = None
    request_id: str | None = None
    conversation_id: str | None = None
    time: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class UsageRow:
    model: str | None
    provider: str | None
    calls: int
    errors: int
    input_tokens: int | None
    """Token sums are over the calls that reported them; None when none did."""
    output_tokens: int | None
    cached_tokens: int | None
    reasoning_tokens: int | None
    cost: float | None
    """Sum over the calls with a known cost; None when none had one."""
    unpriced: int
    """Successful calls whose cost is unknown (not counted in `cost`)."""


_COLUMNS = tuple(f.name for f in fields(LogEntry) if f.name != "id")
_TEXT = ("prompt", "system", "response", "reasoning", "error")


def default_path() -> Path:
    return data_dir() / "logs.db"


def logging_disabled() -> bool:
    return os.environ.get(NO_LOG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _secrets() -> tuple[str, ...]:
    from hfgate.http.auth import ENV_VARS

    names = (*ENV_VARS, "OPENAI_API_KEY", "ANTHROPIC_API_KEY")
    return tuple(v for v in (os.environ.get(n, "").strip() for n in names) if len(v) >= 4)


class LogStore:
    """The log database; `with LogStore() as store:` opens, migrates and closes it."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=10.0)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.migrate()

    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; returns their names."""
        with self.db:
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
            )
        done = {row[0] for row in self.db.execute("SELECT name FROM _migrations")}
        applied = []
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            with self.db:
                fn(self.db)
                self.db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, now_iso()))
            applied.append(name)
        return applied

    def add(self, entry: LogEntry) -> int:
        """Store one call (keys redacted); returns its id."""
        from hfgate.http.auth import redact

        values = asdict(entry)
        values["time"] = values["time"] or now_iso()
        secrets = _secrets()
        for name in _TEXT:
            if values[name] is not None and secrets:
                values[name] = redact(values[name], secrets)
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with self.db:
            cursor = self.db.execute(
                f"INSERT INTO calls ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
                [values[c] for c in _COLUMNS],
            )
        return int(cursor.lastrowid or 0)

    def recent(self, n: int = 3) -> list[LogEntry]:
        """The last `n` calls, oldest first."""
        rows = self.db.execute("SELECT * FROM calls ORDER BY id DESC LIMIT ?", (max(n, 0),))
        return [_entry(row) for row in reversed(rows.fetchall())]

    def recent_models(self, n: int = 10) -> list[str]:
        """Distinct models of the latest calls that answered, newest first (a typo that
        failed is not worth offering again)."""
        rows = self.db.execute(
            "SELECT model, MAX(id) AS last FROM calls WHERE model IS NOT NULL AND error IS NULL "
            "GROUP BY model ORDER BY last DESC LIMIT ?",
            (n,),
        )
        return [row[0] for row in rows]

    def usage(self, since: datetime | None = None) -> list[UsageRow]:
        """Totals per (model, provider), most expensive first."""
        where, args = (
            ("WHERE time >= ?", [since.astimezone(UTC).isoformat(timespec="milliseconds")])
            if since
            else ("", [])
        )
        rows = self.db.execute(
            f"""SELECT model, provider, COUNT(*), COUNT(error),
                SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(reasoning_tokens),
                SUM(cost), SUM(cost IS NULL AND error IS NULL)
            FROM calls {where} GROUP BY model, provider
            ORDER BY COALESCE(SUM(cost), 0) DESC, COUNT(*) DESC""",
            args,
        )
        return [UsageRow(*row) for row in rows]

    def __iter__(self) -> Iterator[LogEntry]:
        for row in self.db.execute("SELECT * FROM calls ORDER BY id"):
            yield _entry(row)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _entry(row: sqlite3.Row) -> LogEntry:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}
    return LogEntry(**values)
