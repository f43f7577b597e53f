"""WAL checkpoints of the SQLite store run in a thread, not inside a commit on the event loop:
the WAL stays small under steady writes, writes that arrive during a checkpoint wait for it
without blocking the loop, and the WAL starts over after it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from hfgate.gateway.keys import make_key
from hfgate.gateway.store import UsageRow
from hfgate.gateway.store import checkpoint as cp
from hfgate.gateway.store.sqlite import SqliteStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the gateway's loop (uvicorn)


def usage(key_id: str, n: int) -> UsageRow:
    return UsageRow(
        at=time.time(), key_id=key_id, model="org/m", served_model="org/m", provider="p",
        api="chat", status=200, input_tokens=10, output_tokens=n, cost_usd=1e-6,
        request_id=f"r{n}",
    )  # fmt: skip


def wal_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hfgate-wal"]


async def test_steady_writes_keep_the_wal_small_and_the_loop_connection_never_checkpoints(
    tmp_path: Path,
) -> None:
    path = tmp_path / "g.sqlite"
    store = SqliteStore(path)
    assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    key = make_key("k", rpm=10**9, budget_usd=10**6).record
    await store.create_key(key)
    for n in range(3000):  # ~11 pages each pair: ~130 MB of WAL if nothing checkpointed
        assert (await store.admit(key, time.time())).ok
        await store.record(usage(key.id, n))
    assert store._checkpoints.checkpoints >= 10
    assert Path(f"{path}-wal").stat().st_size < 16 * 2**20
    thread = store._checkpoints._thread
    assert thread is not None and thread.is_alive() and thread in wal_threads()
    await store.close()
    assert not thread.is_alive()
    with sqlite3.connect(path) as db:  # every row is there, read from the database file
        assert db.execute("SELECT COUNT(*) FROM usage").fetchone() == (3000,)


async def test_a_write_during_a_checkpoint_waits_for_it_while_the_loop_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "g.sqlite"
    release = threading.Event()
    started = threading.Event()

    class SlowCheckpoints(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
            if "wal_checkpoint" in sql:
                started.set()
                release.wait(10)
            return super().execute(sql, *args)

    def slow_connect(p: Path) -> sqlite3.Connection:
        db = sqlite3.connect(p, isolation_level=None, factory=SlowCheckpoints)
        return db

    store = SqliteStore(path)
    store._checkpoints._connect = slow_connect
    monkeypatch.setattr(cp, "EVERY_COMMITS", 3)
    key = make_key("k").record
    await store.create_key(key)
    for n in range(3):
        await store.record(usage(key.id, n))
    assert await asyncio.to_thread(started.wait, 10)
    write = asyncio.ensure_future(store.record(usage(key.id, 3)))
    ticks = 0
    for _ in range(20):  # the loop runs on while the write waits
        await asyncio.sleep(0.005)
        ticks += 1
    assert ticks == 20 and not write.done()
    release.set()
    await asyncio.wait_for(write, 10)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM usage").fetchone() == (4,)
        # the write after the checkpoint found every frame copied and started the WAL over
        frames = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    assert 0 < frames < 20
    await store.close()


async def test_a_store_that_is_only_read_starts_no_thread(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "g.sqlite")
    await store.list_keys()
    assert store._checkpoints._thread is None
    await store.close()
