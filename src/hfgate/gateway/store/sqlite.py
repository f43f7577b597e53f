"""The SQLite store: one file, one connection, used inline from the event loop.

Why inline rather than a worker thread: the hot statements take tens of microseconds, less than
a hop to a thread. Measured on the dev machine (2 cores, ext4), a loop of 1000 x (admit with an
rpm + record), WAL + synchronous=NORMAL: inline p50 0.16-0.22 ms per pair (230 ms in all);
`asyncio.to_thread` p50 0.75-1.1 ms (~1 s); a dedicated one-thread executor p50 0.65-1.1 ms.
The price: while another process holds the write lock (a short `hfgate keys` command, a second
gateway on the same file), the loop waits with the statement, at most `busy_timeout`.
Only the report queries, which may scan many rows, run in a thread, on their own read-only
connection (WAL lets them read while the gateway writes). Admissions and usage rows of requests
that arrive together share one transaction (`group_commit`), each still awaited until it is
committed; WAL checkpoints run in a thread (`checkpoint`), not in the commit that crosses
1,000 pages as SQLite's own do.

Durability: WAL with synchronous=NORMAL makes every committed transaction survive the process
being killed (kill -9): the commit has been written to the WAL file, which the OS owns. Only an OS
crash or power loss can lose the last transactions (synchronous=FULL would fsync each commit at
~1-10 ms apiece). Other processes on the same file (a second gateway, `hfgate keys`) wait on
`busy_timeout`; every write takes the lock at its first statement (one statement or BEGIN
IMMEDIATE), so waiting never ends in a deadlock error.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hfgate.errors import ConfigError

from . import Admission, KeyRecord, UsageGroup, UsageRow, UsageTotal, reports, rollup
from . import _common as c
from .checkpoint import Checkpointer
from .group_commit import GroupCommit
from .migrations import steps, too_new, version_table
from .reports import Series, SeriesGroup, TailRow

BUSY_TIMEOUT_MS = 5000

# A key's row, its last admission's number and its rpm-th latest admission's time (the one a
# new request must be a minute younger than): one statement, not three.
_ADMIT_READ = f"""
    SELECT {c.ADMIT_COLUMNS}, COALESCE(rate.seq, 0), (
        SELECT at FROM admissions
        WHERE admissions.key_id = keys.id AND admissions.seq = COALESCE(rate.seq, 0) - keys.rpm + 1
    )
    FROM keys LEFT JOIN rate ON rate.key_id = keys.id WHERE keys.id = ?"""
_COUNT = (
    "INSERT INTO rate (key_id, seq) VALUES (?, ?) "
    "ON CONFLICT (key_id) DO UPDATE SET seq = excluded.seq"
)
_ADMITTED = "INSERT INTO admissions (key_id, seq, at) VALUES (?, ?, ?)"
_INSERT_KEY = (
    f"INSERT INTO keys ({', '.join(c.KEY_COLUMNS)}) VALUES ({', '.join('?' * len(c.KEY_COLUMNS))})"
)
_INSERT_USAGE = (
    f"INSERT INTO usage ({', '.join(c.USAGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(c.USAGE_COLUMNS))})"
)
_SELECT_KEY = f"SELECT {', '.join(c.KEY_COLUMNS)} FROM keys"


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    else:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        _wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
    return db


def _wal(db: sqlite3.Connection) -> None:
    """Switch to WAL. The switch needs the file to itself and SQLite does not wait for it
    (busy_timeout does not apply), so processes opening a new file at once retry here."""
    for attempt in range(100):
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)


def migrate(db: sqlite3.Connection) -> list[int]:
    """Apply the missing migrations under BEGIN IMMEDIATE (one writer at a time, so two
    processes opening at once never both apply one); returns the versions applied."""
    applied: list[int] = []
    with _transaction(db):
        db.execute(version_table("sqlite"))
        found = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        all_steps = steps("sqlite")
        if found > len(all_steps):
            raise ConfigError(too_new(found))
        for version, statements in enumerate(all_steps[found:], start=found + 1):
            for sql in statements:
                db.execute(sql)
            db.execute("INSERT INTO schema_version VALUES (?, ?)", (version, time.time()))
            applied.append(version)
    return applied


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SqliteStore:
    """The `Store` on one SQLite file. The threading lock only guards against use of one store
    from several threads (e.g. several event loops); within one loop it is never contended."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = connect(path)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(f"cannot open the gateway database {str(path)!r}: {e}") from e
        try:
            migrate(self._db)
        except BaseException as e:
            self._db.close()
            if isinstance(e, sqlite3.Error):
                raise ConfigError(f"cannot migrate the gateway database {str(path)!r}: {e}") from e
            raise
        self._lock = threading.Lock()
        self._db.execute("PRAGMA wal_autocheckpoint = 0")  # `Checkpointer` does it, off the loop
        self._checkpoints = Checkpointer(path, connect)
        self._writes = GroupCommit(self._db, self._lock, self._checkpoints)
        self._pruned = 0.0

    async def create_key(self, record: KeyRecord) -> None:
        params = c.key_params(record)
        try:
            with self._lock:
                self._db.execute(_INSERT_KEY, params)
        except sqlite3.IntegrityError as e:
            raise ConfigError(_duplicate(record)) from e

    async def get_key(self, key_id: str) -> KeyRecord | None:
        with self._lock:
            row = self._db.execute(f"{_SELECT_KEY} WHERE id = ?", (key_id,)).fetchone()
        return c.key_record(row) if row else None

    async def list_keys(self) -> list[KeyRecord]:
        with self._lock:
            rows = self._db.execute(f"{_SELECT_KEY} ORDER BY created_at DESC, id").fetchall()
        return [c.key_record(row) for row in rows]

    async def revoke_key(self, key_id_or_name: str, at: float) -> bool:
        sql = "UPDATE keys SET revoked_at = ? WHERE {} = ? AND revoked_at IS NULL"
        with self._lock:
            for column in ("id", "name"):
                if self._db.execute(sql.format(column), (at, key_id_or_name)).rowcount:
                    return True
        return False

    async def admit(self, key: KeyRecord, now: float) -> Admission:
        """A key without an rpm (which never changes) needs its row read, revoked or over
        budget. One with an rpm, in a transaction (`GroupCommit`, one writer at a time across
        processes): its row and its rpm-th latest admission read, this one counted only if
        that is a minute old. A refused key writes nothing."""
        if key.rpm is None:
            with self._lock:
                found = self._db.execute(_ADMIT_READ, (key.id,)).fetchone()
            return c.verdict(found[:4] if found else None, True, now)
        return await self._writes.run(lambda: self._admit(key, now))

    def _admit(self, key: KeyRecord, now: float) -> Admission:
        self._prune(now)
        found = self._db.execute(_ADMIT_READ, (key.id,)).fetchone()
        if found is None or c.refusal(found[:4]) is not None or found[0] is None:  # [0]: rpm
            return c.verdict(found[:4] if found else None, False, now)
        row, (seq, oldest) = found[:4], found[4:]
        if oldest is not None and oldest > now - c.WINDOW:
            return c.verdict(row, False, now, oldest)
        self._db.execute(_COUNT, (key.id, seq + 1))
        self._db.execute(_ADMITTED, (key.id, seq + 1, now))
        return c.verdict(row, True, now)

    async def record(self, row: UsageRow) -> None:
        await self._writes.run(lambda: self._record(row))

    def _record(self, row: UsageRow) -> None:
        hourly, hourly_params = rollup.upsert(row, "?")
        self._db.execute(_INSERT_USAGE, c.usage_params(row))
        self._db.execute(hourly, hourly_params)
        if row.key_id is not None and row.cost_usd:
            self._db.execute(
                "UPDATE keys SET spent_usd = spent_usd + ? WHERE id = ?",
                (row.cost_usd, row.key_id),
            )

    async def usage(self, by: UsageGroup, since: float | None = None) -> list[UsageTotal]:
        sql = c.usage_query(by, since, "sqlite", "?")
        rows = await self._read(sql, () if since is None else (since,))
        return c.usage_totals(rows)

    async def series(self, by: SeriesGroup, since: float, bucket_seconds: int) -> Series:
        reports.check_series_args(since, bucket_seconds)
        if rollup.covers(since, bucket_seconds):
            sql = rollup.series_query(by, "?")
            rows = await self._read(sql, rollup.series_params(by, since, bucket_seconds))
            return reports.fold(rollup.cells(rows), since, bucket_seconds, by)
        sql = reports.series_query(by, "sqlite", "?")
        rows = await self._read(sql, (bucket_seconds, since))
        return reports.fold(reports.raw_cells(rows), since, bucket_seconds, by)

    async def tail(self, limit: int, after_id: int = 0) -> list[TailRow]:
        return reports.tail_rows(await self._read(reports.tail_query("?"), (after_id, limit)))

    async def _read(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        """A report query in a thread, on its own read-only connection."""

        def run() -> list[Any]:
            db = connect(self.path, readonly=True)
            try:
                return db.execute(sql, params).fetchall()
            finally:
                db.close()

        return await asyncio.to_thread(run)

    async def close(self) -> None:
        self._checkpoints.close()
        with self._lock:
            self._db.close()

    def _prune(self, now: float) -> None:
        """Drop admissions that can never count again, once a minute."""
        if now - self._pruned > c.WINDOW:
            self._pruned = now
            self._db.execute("DELETE FROM admissions WHERE at < ?", (now - c.PRUNE_AFTER,))


def _duplicate(record: KeyRecord) -> str:
    return (
        f"a key with id {record.id!r} or a live key named {record.name!r} already exists "
        "(revoke the old key first, or choose another name)"
    )
