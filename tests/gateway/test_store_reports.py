"""The console's queries (`Store.series`, `Store.tail`): the same answers on SQLite and on
PostgreSQL, checked against sums worked out by hand."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_store import DAY1, key, query, usage

from hfgate.errors import ConfigError
from hfgate.gateway.store import Store, UsageRow, rollup
from hfgate.gateway.store.reports import BIN_SQL, BOUNDS, Cell, Series, quantile

pytestmark = pytest.mark.anyio

HOUR = 3600


async def fill(store: Store) -> list[UsageRow]:
    await store.create_key(key("alice"))
    rows = [
        usage(DAY1 + 10, "id-alice", "m1", provider="p1", input_tokens=100, cached_tokens=40,
              output_tokens=10, cost_usd=0.5, latency_ms=100.0),
        usage(DAY1 + 20, "id-alice", "m2", provider="p2", input_tokens=50, output_tokens=5,
              cost_usd=0.25, latency_ms=200.0),
        usage(DAY1 + HOUR + 5, None, "m1", provider="p1", status=502, error="ServerError",
              latency_ms=1000.0),
        usage(DAY1 + HOUR + 6, "id-gone", "m1", provider=None, input_tokens=10,
              latency_ms=0.5),
        usage(DAY1 - 10, "id-alice", "old", latency_ms=5.0),  # before the window
    ]  # fmt: skip
    for row in rows:
        await store.record(row)
    return rows


def summary(series: Series) -> dict[tuple[float, str], tuple[int, int, int, int, int, float]]:
    return {
        k: (c.requests, c.errors, c.input_tokens, c.output_tokens, c.cached_tokens, c.cost_usd)
        for k, c in series.cells.items()
    }


async def test_series_by_key_model_and_provider(store: Store) -> None:
    await fill(store)
    by_key = await store.series("key", DAY1, HOUR)
    assert summary(by_key) == {
        (DAY1, "alice"): (2, 0, 150, 15, 40, 0.75),
        (DAY1 + HOUR, "master"): (1, 1, 0, 0, 0, 0.0),
        (DAY1 + HOUR, "id-gone"): (1, 0, 10, 0, 0, 0.0),  # a deleted key: its id
    }
    assert list(by_key.groups) == ["alice", "id-gone", "master"]
    assert by_key.buckets == [DAY1, DAY1 + HOUR]
    assert by_key.total.requests == 4 and by_key.total.cached_share == 40 / 160
    by_model = await store.series("model", DAY1, 2 * HOUR)
    assert {g: c.requests for g, c in by_model.groups.items()} == {"m1": 3, "m2": 1}
    by_provider = await store.series("provider", DAY1, HOUR)
    assert {g: c.requests for g, c in by_provider.groups.items()} == {"p1": 2, "p2": 1, "": 1}
    alice = by_key.groups["alice"]
    assert alice.latency_ms(0.5) == pytest.approx(100, rel=0.1)
    assert alice.latency_ms(0.95) == pytest.approx(200, rel=0.1)
    assert (by_key.groups["id-gone"].latency_ms(0.5) or 9) < 1  # one bin below 1 ms


async def test_an_empty_window_and_bad_arguments(store: Store) -> None:
    empty = await store.series("model", DAY1, 60)
    assert empty.cells == {} and empty.total.latency_ms(0.5) is None
    assert empty.total.cached_share is None and empty.buckets == [DAY1]
    with pytest.raises(ConfigError, match="key, model or provider"):
        await store.series("day", DAY1, 60)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="whole number of seconds"):
        await store.series("model", DAY1, 0)


async def test_tail_is_newest_first_and_pages_by_id(store: Store) -> None:
    rows = await fill(store)
    tail = await store.tail(3)
    assert [t.at for t in tail] == [rows[4].at, rows[3].at, rows[2].at]
    assert tail[2].key == "master" and tail[2].error == "ServerError" and tail[2].status == 502
    newer = await store.tail(10, after_id=tail[0].id)
    assert newer == []
    await store.record(usage(DAY1 + 99, "id-alice", "m9", cost_usd=0.125, stream=True))
    (latest,) = await store.tail(10, after_id=tail[0].id)
    assert (latest.key, latest.model, latest.cost_usd, latest.stream) == (
        "alice", "m9", 0.125, True,
    )  # fmt: skip


def test_quantiles_of_random_latencies_are_within_the_bin_width() -> None:
    rng = random.Random(7)
    values = sorted(rng.lognormvariate(5, 1.5) for _ in range(20_000))
    bins: dict[int, int] = {}
    for v in values:
        b = sum(1 for bound in BOUNDS if v >= bound)
        bins[b] = bins.get(b, 0) + 1
    for q in (0.5, 0.95):
        exact = values[int(q * len(values)) - 1]
        assert quantile(bins, q) == pytest.approx(exact, rel=0.1)
    cell = Cell(latency_bins=bins)
    assert cell.latency_ms(0.5) == quantile(bins, 0.5)


def random_rows(count: int, seed: int = 3) -> list[UsageRow]:
    rng = random.Random(seed)
    return [
        usage(
            DAY1 + 10 + rng.uniform(0, 3 * 86400),
            rng.choice(["id-alice", "id-bob", None, "id-gone"]),
            rng.choice(["m1", "m2", "org/m3"]),
            provider=rng.choice(["p1", "p2", None]),
            status=rng.choice([200, 200, 200, 429, 502]),
            input_tokens=rng.choice([None, rng.randint(0, 500)]),
            output_tokens=rng.randint(0, 50),
            cached_tokens=rng.choice([None, 0, 7]),
            cost_usd=rng.choice([None, 0.0, 0.125, 0.5]),
            latency_ms=rng.lognormvariate(4, 2),
            error=rng.choice([None, None, "ServerError"]),
        )
        for _ in range(count)
    ]


def as_numbers(series: Series) -> tuple[object, ...]:
    def cell(c: Cell) -> tuple[object, ...]:
        return (c.requests, c.errors, c.input_tokens, c.output_tokens, c.cached_tokens,
                c.cost_usd, sorted(c.latency_bins.items()))  # fmt: skip

    return (
        {k: cell(c) for k, c in series.cells.items()},
        [(g, cell(c)) for g, c in series.groups.items()],
        cell(series.total),
    )


async def test_the_hourly_table_answers_as_the_usage_rows_do(store: Store) -> None:
    await store.create_key(key("alice"))
    await store.create_key(key("bob"))
    for row in random_rows(400):
        await store.record(row)
    for by in ("key", "model", "provider"):
        for bucket in (HOUR, 6 * HOUR, 86400):
            assert rollup.covers(DAY1, bucket) and not rollup.covers(DAY1 + 0.5, bucket)
            hourly = await store.series(by, DAY1, bucket)  # type: ignore[arg-type]
            rows = await store.series(by, DAY1 + 0.5, bucket)  # type: ignore[arg-type]
            assert hourly.total.requests == 400
            assert as_numbers(hourly) == as_numbers(rows), (by, bucket)


async def test_migration_4_fills_the_hourly_table_from_the_rows_before_it(
    store: Store, store_url: str
) -> None:
    await store.create_key(key("alice"))
    for row in random_rows(300, seed=5):
        await store.record(row)
    select = "SELECT * FROM usage_hourly ORDER BY dim, hour, grp"
    kept = query(store_url, select)
    dialect = "postgres" if store_url.startswith("postgresql://") else "sqlite"
    execute(store_url, "DELETE FROM usage_hourly", *rollup.backfill(dialect))
    assert query(store_url, select) == kept and len(kept) > 100


def test_the_python_bin_is_the_sql_bin() -> None:
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE usage (latency_ms REAL)")
    values = [0.0, 0.999, 1.0, *BOUNDS, *(b * 1.0001 for b in BOUNDS), 1e9]
    db.executemany("INSERT INTO usage VALUES (?)", [(v,) for v in values])
    bins = [b for (b,) in db.execute(f"SELECT {BIN_SQL} FROM usage")]
    assert bins == [rollup.latency_bin(v) for v in values]


def execute(url: str, *statements: str) -> None:
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]
        return
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(url)) as db, db:
        for sql in statements:
            db.execute(sql)


def test_the_x_axis_reaches_until_even_when_quiet() -> None:
    quiet = Series(DAY1, HOUR, "model", {(DAY1 + HOUR, "m"): Cell(requests=1)}, {}, Cell())
    assert quiet.buckets == [DAY1, DAY1 + HOUR]
    assert quiet.buckets_until(DAY1 + 3 * HOUR + 5) == [DAY1 + i * HOUR for i in range(4)]
    assert quiet.buckets_until(DAY1) == quiet.buckets


async def test_sqlite_and_postgres_give_the_same_answers(postgres_db: str, tmp_path: Path) -> None:
    from hfgate.gateway.store import open_store

    answers = []
    for url in (str(tmp_path / "gateway.sqlite3"), postgres_db):
        store = await open_store(url)
        try:
            await store.create_key(key("alice"))
            await store.create_key(key("bob"))
            for row in random_rows(500, seed=11):
                await store.record(row)
            series = [
                as_numbers(await store.series(by, since, bucket))  # type: ignore[arg-type]
                for by in ("key", "model", "provider")
                for since, bucket in ((DAY1, HOUR), (DAY1 + 0.5, 60), (DAY1, 86400))
            ]
            tail = [(t.key, t.model, t.status, t.cost_usd, t.error) for t in await store.tail(50)]
            answers.append((series, tail))
        finally:
            await store.close()
    assert answers[0] == answers[1]
