"""How long the console's queries take on a million usage rows, on SQLite and (when its server
binaries are installed) a throw-away PostgreSQL cluster: `Store.series` for each window and
grouping the console offers, and `Store.tail`. A benchmark, not a test: it writes its figures
into docs/benchmarks.md (`--out -` prints them instead).

    python bench/console_queries.py [--rows 1000000] [--repeat 5] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from _report import DEFAULT_OUT, write_section

from hfgate.gateway.console.usage_pages import GROUPS, RANGES, TAIL_ROWS
from hfgate.gateway.store import KeyRecord, Store, UsageRow, open_store, rollup
from hfgate.gateway.store._common import USAGE_COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "gateway"))
DAYS = 30
KEYS, MODELS, PROVIDERS = 50, 40, 8
BATCH = 20_000


def fake_rows(count: int, now: float, seed: int = 17) -> Iterator[tuple[Any, ...]]:
    """Usage rows spread evenly over the last 30 days, in time order (as the gateway writes
    them): 50 keys, 40 models, 8 providers, 2% errors, log-normal latencies."""
    rng = random.Random(seed)
    start = now - DAYS * 86400
    step = DAYS * 86400 / count
    for i in range(count):
        failed = rng.random() < 0.02
        inp = rng.randint(10, 4000)
        values = {
            "at": start + i * step,
            "key_id": f"k{rng.randrange(KEYS)}",
            "model": f"org/model-{rng.randrange(MODELS)}",
            "served_model": None,
            "provider": f"provider-{rng.randrange(PROVIDERS)}",
            "api": rng.choice(("chat", "responses", "messages")),
            "status": 502 if failed else 200,
            "input_tokens": None if failed else inp,
            "output_tokens": None if failed else rng.randint(1, 800),
            "cached_tokens": None if failed else rng.randint(0, inp),
            "reasoning_tokens": None,
            "cost_usd": None if failed else inp * 1e-6,
            "latency_ms": rng.lognormvariate(6, 1),
            "request_id": None,
            "error": "ServerError" if failed else None,
            "stream": rng.random() < 0.5,
        }
        yield tuple(values[c] for c in USAGE_COLUMNS)


def batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def add_keys(store: Store, now: float) -> None:
    for i in range(KEYS):
        record = KeyRecord(id=f"k{i}", name=f"key-{i}", salt="s", hash="h", created_at=now)
        await store.create_key(record)


def fill_sqlite(path: Path, count: int, now: float) -> None:
    insert = f"INSERT INTO usage ({', '.join(USAGE_COLUMNS)}) VALUES ({', '.join('?' * 16)})"
    with sqlite3.connect(path) as db:
        for batch in batches(fake_rows(count, now)):
            db.executemany(insert, batch)
        for sql in rollup.backfill("sqlite"):  # as migration 4 does; `record` keeps it after
            db.execute(sql)
        db.execute("ANALYZE")


def fill_postgres(url: str, count: int, now: float) -> None:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY usage ({', '.join(USAGE_COLUMNS)}) FROM STDIN") as copy:
            for row in fake_rows(count, now):
                copy.write_row(row)
        for sql in rollup.backfill("postgres"):
            conn.execute(sql)  # type: ignore[arg-type]
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE usage")


async def timed(work: Callable[[], Awaitable[Any]], repeat: int) -> float:
    """Median wall time of `work` in milliseconds, after one warm-up run."""
    await work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def timed_records(store: Store, now: float, count: int = 2000) -> float:
    """Median time of `Store.record` on the full table, the gateway's per-request write."""
    times = []
    for i, values in enumerate(fake_rows(count, now + 1, seed=99)):
        row = UsageRow(**{**dict(zip(USAGE_COLUMNS, values, strict=True)), "at": now + i / 10})
        started = time.perf_counter()
        await store.record(row)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def measure(store: Store, now: float, repeat: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    for window, (span, bucket) in RANGES.items():
        since = (int((now - span) // bucket) + 1) * bucket
        for by in GROUPS:

            async def series(by: Any = by, since: float = since, bucket: int = bucket) -> Any:
                return await store.series(by, since, bucket)

            figures[f"series {window} by {by}"] = await timed(series, repeat)
    figures["record (a usage row and its hour), per request"] = await timed_records(store, now)
    latest = (await store.tail(1))[0].id
    figures[f"tail, latest {TAIL_ROWS}"] = await timed(lambda: store.tail(TAIL_ROWS), repeat)
    figures["tail, rows after the latest (a poll)"] = await timed(
        lambda: store.tail(TAIL_ROWS, latest), repeat
    )
    return figures


async def run_sqlite(count: int, now: float, repeat: int) -> tuple[dict[str, float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gateway.sqlite3"
        store = await open_store(path)
        await add_keys(store, now)
        started = time.perf_counter()
        fill_sqlite(path, count, now)
        print(f"sqlite: {count:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        with sqlite3.connect(path) as db:
            hourly = int(db.execute("SELECT COUNT(*) FROM usage_hourly").fetchone()[0])
        try:
            return await measure(store, now, repeat), hourly
        finally:
            await store.close()


async def run_postgres(count: int, now: float, repeat: int) -> tuple[dict[str, float], str]:
    import psycopg
    from pg_cluster import PgCluster

    cluster = PgCluster().start()
    try:
        store = await open_store(cluster.url)
        await add_keys(store, now)
        started = time.perf_counter()
        fill_postgres(cluster.url, count, now)
        print(f"postgres: {count:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        with psycopg.connect(cluster.url) as conn:
            version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        try:
            return await measure(store, now, repeat), version
        finally:
            await store.close()
    finally:
        cluster.stop()


def table(sqlite: dict[str, float], postgres: dict[str, float] | None) -> str:
    head = "| query | SQLite (ms) | PostgreSQL (ms) |\n|---|---:|---:|\n"
    lines = [
        f"| {name} | {ms:,.1f} | {'—' if postgres is None else f'{postgres[name]:,.1f}'} |"
        for name, ms in sqlite.items()
    ]
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="a Markdown file, or - to print")
    args = parser.parse_args()
    now = time.time()
    sqlite_figures, hourly = asyncio.run(run_sqlite(args.rows, now, args.repeat))
    pg_figures, pg_version = None, "not run"
    if not args.no_postgres:
        try:
            pg_figures, pg_version = asyncio.run(run_postgres(args.rows, now, args.repeat))
        except RuntimeError as exc:  # no server binaries: SQLite only
            print(f"postgres skipped: {exc}", file=sys.stderr)
    intro = (
        f"## Console queries on {args.rows:,} usage rows\n\n`bench/console_queries.py`, "
        f"{date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL "
        f"{pg_version}. Rows spread evenly over {DAYS} days ({args.rows // DAYS:,} a day; "
        f"{KEYS} keys, {MODELS} models, {PROVIDERS} providers); median of {args.repeat} runs "
        "after a warm-up, through the `Store` methods the console calls (query and fold). "
        "The 1 h window (1-minute buckets) reads the usage rows by the `usage (at)` index; "
        "longer ones read `usage_hourly` (migration 4: a row per hour and key, per hour and "
        f"model, per hour and provider: {hourly:,} rows here). "
        "`record` is the gateway's write per request, the hourly upsert included.\n\n"
    )
    report = intro + table(sqlite_figures, pg_figures)
    if args.out == "-":
        print(report)
    else:
        write_section(Path(args.out), "console_queries", report)
        print(report)


if __name__ == "__main__":
    main()
