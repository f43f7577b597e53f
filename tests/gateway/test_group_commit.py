"""Group commit on SQLite: writes that come in together share one transaction, each caller
still waits for the commit holding its own write, and one write's failure is its own."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from hfgate.gateway.store.group_commit import GroupCommit
from hfgate.gateway.store.sqlite import SqliteStore, connect

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the gateway's loop (uvicorn)


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    conn = connect(tmp_path / "g.sqlite")
    conn.execute("CREATE TABLE t (n INTEGER NOT NULL)")
    return conn


def insert(db: sqlite3.Connection, n: int) -> int:
    db.execute("INSERT INTO t VALUES (?)", (n,))
    return n


def rows(path: Path) -> list[int]:
    with sqlite3.connect(path) as other:  # another connection: only what was committed
        return sorted(n for (n,) in other.execute("SELECT n FROM t"))


async def test_writes_that_arrive_together_share_one_commit(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    writes = GroupCommit(db, threading.Lock())
    done = await asyncio.gather(*(writes.run(lambda n=n: insert(db, n)) for n in range(50)))
    assert done == list(range(50))
    assert writes.commits == 1
    assert rows(tmp_path / "g.sqlite") == list(range(50))  # committed before anyone returned
    await writes.run(lambda: insert(db, 50))  # alone: a commit of its own, at once
    assert writes.commits == 2 and rows(tmp_path / "g.sqlite")[-1] == 50


async def test_a_failing_write_is_undone_alone(db: sqlite3.Connection, tmp_path: Path) -> None:
    writes = GroupCommit(db, threading.Lock())

    def half_then_fail() -> None:
        insert(db, 100)
        raise ValueError("this write only")

    results = await asyncio.gather(
        writes.run(lambda: insert(db, 1)),
        writes.run(half_then_fail),
        writes.run(lambda: insert(db, 2)),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == 2
    assert isinstance(results[1], ValueError)
    assert rows(tmp_path / "g.sqlite") == [1, 2]  # the failed write's row is gone, the others
    assert writes.commits == 1  # ran again in savepoints, once each, in the same transaction


async def test_a_failed_commit_fails_every_caller(db: sqlite3.Connection, tmp_path: Path) -> None:
    writes = GroupCommit(db, threading.Lock())

    def ends_the_transaction() -> None:
        db.execute("ROLLBACK")  # its savepoint is gone: the batch cannot be committed

    results = await asyncio.gather(
        writes.run(lambda: insert(db, 1)), writes.run(ends_the_transaction), return_exceptions=True
    )
    assert all(isinstance(r, sqlite3.Error) for r in results)
    assert rows(tmp_path / "g.sqlite") == [] and not db.in_transaction
    assert await writes.run(lambda: insert(db, 3)) == 3  # and the next batch works


async def test_a_cancelled_callers_write_still_lands(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    """As an inline write, which no cancellation could interrupt: a usage row is never lost
    because its client hung up while the row waited for the loop's next turn."""
    writes = GroupCommit(db, threading.Lock())
    task = asyncio.ensure_future(writes.run(lambda: insert(db, 7)))
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0)
    await writes.run(lambda: insert(db, 8))
    assert task.cancelled() and rows(tmp_path / "g.sqlite") == [7, 8]


async def test_the_store_batches_admissions_and_rows(tmp_path: Path) -> None:
    from test_store import key, usage

    store = SqliteStore(tmp_path / "s.sqlite")
    alice = key("alice", rpm=1000, budget_usd=5.0)
    await store.create_key(alice)
    now = 1_700_000_000.0
    admitted = await asyncio.gather(*(store.admit(alice, now) for _ in range(40)))
    assert all(a.ok for a in admitted)
    await asyncio.gather(*(store.record(usage(now, alice.id, cost_usd=0.01)) for _ in range(40)))
    assert store._writes.commits == 2  # 40 admissions in one, 40 rows in another
    assert (await store.get_key(alice.id)).spent_usd == pytest.approx(0.4)  # type: ignore[union-attr]
    await store.close()
