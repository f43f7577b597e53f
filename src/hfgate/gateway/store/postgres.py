"""The PostgreSQL store, for several gateway replicas sharing one state.

Every operation is ONE statement on an autocommit connection from a psycopg pool: a statement is
its own transaction, so it is as atomic as BEGIN ... COMMIT and costs one round trip instead of
three. `admit` is one call of the `hfgate_admit` function (migration 2): it locks the key's rate
row, finds the key's rpm-th latest admission and counts the request only if that is a minute
old, so concurrent replicas never both take the last slot. The key row is read without FOR
SHARE: a spend committing at the same instant is simply ordered after this admission (its
request was in flight anyway), and share locks on a hot row would cost a multixact per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from hfgate.errors import ConfigError

from . import Admission, KeyRecord, UsageGroup, UsageRow, UsageTotal, reports, rollup
from . import _common as c
from .migrations import steps, too_new, version_table
from .reports import Series, SeriesGroup, TailRow

try:  # imported only for a postgresql:// URL
    import psycopg
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool
except ImportError as e:
    raise ConfigError(
        "a postgresql:// database needs the psycopg driver: pip install 'hfgate[postgres]'"
    ) from e

T = TypeVar("T")
Work = Callable[[AsyncConnection[Any]], Awaitable[T]]

MIGRATION_LOCK = 0x6866676174650001
"""pg_advisory_xact_lock key taken by `migrate` ("hfgate" + 1), so replicas migrate one by one."""

_ADMIT = "SELECT * FROM hfgate_admit(%s, %s)"
_INSERT_KEY = (
    f"INSERT INTO keys ({', '.join(c.KEY_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(c.KEY_COLUMNS))})"
)
_INSERT_USAGE = (
    f"INSERT INTO usage ({', '.join(c.USAGE_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(c.USAGE_COLUMNS))})"
)
_SPEND = "UPDATE keys SET spent_usd = spent_usd + %s WHERE id = %s"
"""With the usage row and its hour (`rollup.upsert`), one statement: one round trip."""
_SELECT_KEY = f"SELECT {', '.join(c.KEY_COLUMNS)} FROM keys"


async def migrate(conn: AsyncConnection[Any]) -> list[int]:
    """Apply the missing migrations in one transaction holding an advisory lock, so two
    replicas starting at once apply each step once; returns the versions applied."""
    applied: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(version_table("postgres"))
        cur = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        found = int((await cur.fetchone() or (0,))[0])
        all_steps = steps("postgres")
        if found > len(all_steps):
            raise ConfigError(too_new(found))
        for version, statements in enumerate(all_steps[found:], start=found + 1):
            for sql in statements:
                await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_version VALUES (%s, extract(epoch from now()))", (version,)
            )
            applied.append(version)
    return applied


class PostgresStore:
    """The `Store` on a PostgreSQL database, through a small async connection pool."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool
        self._pruned = 0.0

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> PostgresStore:
        """Connect once to migrate (a failure then reads as libpq's own message, not a pool
        timeout), then open the pool."""
        pool: AsyncConnectionPool[Any] | None = None
        try:
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=10)
            async with conn:
                await migrate(conn)
            pool = AsyncConnectionPool(
                url,
                min_size=min_size,
                max_size=max_size,
                open=False,
                kwargs={"autocommit": True, "connect_timeout": 5},
                # a request waits at most this for a connection: with the database down, the
                # client gets its 503 (and /health its answer) in seconds, not the default 30
                timeout=5.0,
                name="hfgate-gateway",
            )
            await pool.open(wait=True, timeout=10)
        except psycopg.Error as e:
            if pool is not None:
                await pool.close()
            where = c.redact_url(url)
            message = c.redact(f"cannot open the gateway database {where}: {e}", url)
            # from None: libpq may quote the whole URL, password included, in the cause
            raise ConfigError(message) from None
        return cls(pool)

    async def _run(self, work: Work[T]) -> T:
        """`work` on a pooled connection. A connection found broken (the database restarted
        since it was last used) fails before its statement ran: the pool then drops every
        idle connection the restart broke, and the work runs once more on a fresh one, so a
        restart costs no request."""
        used: list[AsyncConnection[Any]] = []
        try:
            async with self._pool.connection() as conn:
                used.append(conn)
                return await work(conn)
        except psycopg.OperationalError:
            if not used or not used[0].broken:
                raise
        await self._pool.check()
        async with self._pool.connection() as conn:
            return await work(conn)

    async def create_key(self, record: KeyRecord) -> None:
        params = c.key_params(record)

        async def insert(conn: AsyncConnection[Any]) -> None:
            await conn.execute(_INSERT_KEY, params)

        try:
            await self._run(insert)
        except psycopg.errors.UniqueViolation as e:
            raise ConfigError(
                f"a key with id {record.id!r} or a live key named {record.name!r} already exists "
                "(revoke the old key first, or choose another name)"
            ) from e

    async def get_key(self, key_id: str) -> KeyRecord | None:
        async def select(conn: AsyncConnection[Any]) -> Any:
            cur = await conn.execute(f"{_SELECT_KEY} WHERE id = %s", (key_id,))
            return await cur.fetchone()

        row = await self._run(select)
        return c.key_record(row) if row else None

    async def list_keys(self) -> list[KeyRecord]:
        async def select(conn: AsyncConnection[Any]) -> list[Any]:
            cur = await conn.execute(f"{_SELECT_KEY} ORDER BY created_at DESC, id")
            return await cur.fetchall()

        return [c.key_record(row) for row in await self._run(select)]

    async def revoke_key(self, key_id_or_name: str, at: float) -> bool:
        async def update(conn: AsyncConnection[Any]) -> bool:
            for column in ("id", "name"):
                cur = await conn.execute(
                    f"UPDATE keys SET revoked_at = %s WHERE {column} = %s AND revoked_at IS NULL",
                    (at, key_id_or_name),
                )
                if cur.rowcount:
                    return True
            return False

        return await self._run(update)

    async def admit(self, key: KeyRecord, now: float) -> Admission:
        async def count(conn: AsyncConnection[Any]) -> Admission:
            if now - self._pruned > c.WINDOW:  # once a minute: admissions that cannot count
                self._pruned = now
                await conn.execute("DELETE FROM admissions WHERE at < %s", (now - c.PRUNE_AFTER,))
            cur = await conn.execute(_ADMIT, (key.id, now))
            row = await cur.fetchone()
            if row is None:
                return c.verdict(None, False, now)
            return c.verdict(row[:4], bool(row[4]), now, row[5])

        return await self._run(count)

    async def record(self, row: UsageRow) -> None:
        params = c.usage_params(row)
        hourly, hourly_params = rollup.upsert(row, "%s")

        async def insert(conn: AsyncConnection[Any]) -> None:
            if row.key_id is not None and row.cost_usd:
                sql = f"WITH u AS ({_INSERT_USAGE}), h AS ({hourly}) {_SPEND}"
                await conn.execute(sql, (*params, *hourly_params, row.cost_usd, row.key_id))
            else:
                sql = f"WITH u AS ({_INSERT_USAGE}) {hourly}"
                await conn.execute(sql, (*params, *hourly_params))

        await self._run(insert)

    async def usage(self, by: UsageGroup, since: float | None = None) -> list[UsageTotal]:
        sql = c.usage_query(by, since, "postgres", "%s")

        async def report(conn: AsyncConnection[Any]) -> list[Any]:
            cur = await conn.execute(sql, () if since is None else (since,))
            return await cur.fetchall()

        return c.usage_totals(await self._run(report))

    async def series(self, by: SeriesGroup, since: float, bucket_seconds: int) -> Series:
        reports.check_series_args(since, bucket_seconds)
        if rollup.covers(since, bucket_seconds):
            sql = rollup.series_query(by, "%s")
            rows = await self._read(sql, rollup.series_params(by, since, bucket_seconds))
            return reports.fold(rollup.cells(rows), since, bucket_seconds, by)
        sql = reports.series_query(by, "postgres", "%s")
        rows = await self._read(sql, (bucket_seconds, since))
        return reports.fold(reports.raw_cells(rows), since, bucket_seconds, by)

    async def tail(self, limit: int, after_id: int = 0) -> list[TailRow]:
        return reports.tail_rows(await self._read(reports.tail_query("%s"), (after_id, limit)))

    async def _read(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        async def select(conn: AsyncConnection[Any]) -> list[Any]:
            cur = await conn.execute(sql, params)
            return await cur.fetchall()

        return await self._run(select)

    async def close(self) -> None:
        await self._pool.close()
