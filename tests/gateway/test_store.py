"""The gateway store, every test on SQLite and on a throw-away PostgreSQL cluster."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from pg_cluster import PgCluster

from hfgate.errors import ConfigError
from hfgate.gateway.store import (
    KeyRecord,
    Store,
    UsageRow,
    default_database_path,
    open_store,
)
from hfgate.gateway.store.migrations import MIGRATIONS
from hfgate.gateway.store.postgres import PostgresStore

pytestmark = pytest.mark.anyio

MINUTE = 60 * 28_000_000  # a minute boundary, in unix seconds (2023)
DAY1 = 1709251200.0  # 2024-03-01T00:00:00Z
DAY2 = DAY1 + 86400


def key(name: str = "alice", **kw: Any) -> KeyRecord:
    fields: dict[str, Any] = {"id": f"id-{name}", "name": name, "salt": "s", "hash": "h"}
    return KeyRecord(**{**fields, "created_at": 1000.0, **kw})


def usage(at: float, key_id: str | None, model: str = "m1", **kw: Any) -> UsageRow:
    base: dict[str, Any] = {"served_model": model, "provider": "p", "api": "chat", "status": 200}
    return UsageRow(at=at, key_id=key_id, model=model, **{**base, **kw})


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Read the database behind the store's back."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]
    with closing(sqlite3.connect(url)) as db:
        return db.execute(sql).fetchall()


def test_public_names() -> None:
    import hfgate.gateway.store as store

    assert all(hasattr(store, name) for name in store.__all__)


async def test_migrations_are_recorded_and_idempotent(store_url: str) -> None:
    for _ in range(2):
        store = await open_store(store_url)
        await store.close()
    versions = query(store_url, "SELECT version FROM schema_version ORDER BY version")
    assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]


async def test_a_newer_schema_is_refused(store_url: str) -> None:
    await (await open_store(store_url)).close()
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url) as conn:
            conn.execute("INSERT INTO schema_version VALUES (999, 0)")
    else:
        with closing(sqlite3.connect(store_url)) as db, db:
            db.execute("INSERT INTO schema_version VALUES (999, 0)")
    with pytest.raises(ConfigError, match="schema version 999.*upgrade hfgate"):
        await open_store(store_url)


async def test_key_crud(store: Store) -> None:
    alice = key("alice", models=("gpt-*", "meta-llama/*"), rpm=10, budget_usd=5.0)
    await store.create_key(alice)
    await store.create_key(key("bob", created_at=2000.0))
    assert await store.get_key("id-alice") == alice
    assert await store.get_key("nope") is None
    assert [k.name for k in await store.list_keys()] == ["bob", "alice"]  # newest first
    with pytest.raises(ConfigError, match="live key named 'alice' already exists"):
        await store.create_key(key("alice", id="id-other"))
    with pytest.raises(ConfigError, match="reserved"):
        await store.create_key(key("master"))


async def test_revoke_by_id_and_by_name(store: Store) -> None:
    await store.create_key(key("alice"))
    await store.create_key(key("bob"))
    assert await store.revoke_key("id-alice", at=5000.0)
    assert not await store.revoke_key("id-alice", at=6000.0)  # already revoked
    assert await store.revoke_key("bob", at=5000.0)
    assert not await store.revoke_key("carol", at=5000.0)
    revoked = await store.get_key("id-alice")
    assert revoked is not None and revoked.revoked_at == 5000.0
    # the name is free again once revoked: a key can be rotated
    await store.create_key(key("alice", id="id-alice2", created_at=3000.0))
    assert [(k.id, k.revoked_at) for k in await store.list_keys()] == [
        ("id-alice2", None),
        ("id-alice", 5000.0),
        ("id-bob", 5000.0),
    ]


async def test_admit_counts_rpm_in_any_sixty_seconds(store: Store) -> None:
    k = key(rpm=3)
    await store.create_key(k)
    now = MINUTE + 15
    assert [(await store.admit(k, now)).ok for _ in range(3)] == [True, True, True]
    refused = await store.admit(k, now + 1)
    assert (refused.ok, refused.reason, refused.retry_after) == (False, "rate", 59)
    # a new clock minute is no fresh window: the three still count until MINUTE + 75
    assert not (await store.admit(k, MINUTE + 60)).ok
    assert not (await store.admit(k, MINUTE + 74.9)).ok
    assert [(await store.admit(k, MINUTE + t)).ok for t in (75.5, 76, 77)] == [True] * 3
    later = await store.admit(k, MINUTE + 78)
    assert (later.ok, later.retry_after) == (False, pytest.approx(57.5))  # 75.5 leaves at 135.5


async def test_rpm_holds_across_a_minute_boundary(store: Store) -> None:
    """Hammered at 10 requests a second for three minutes: every 60-second span of the
    admitted requests holds at most rpm of them (fixed windows let 2 x rpm through)."""
    k = key(rpm=30)
    await store.create_key(k)
    times = [MINUTE + 30 + i / 10 for i in range(1800)]
    admitted = [t for t in times if (await store.admit(k, t)).ok]
    most = max(sum(1 for u in admitted if t <= u < t + 60) for t in admitted)
    assert most == 30
    assert len(admitted) == 90  # 30 per minute, no more, no fewer


async def test_admit_without_rpm_never_counts(store: Store) -> None:
    k = key()
    await store.create_key(k)
    assert all([(await store.admit(k, MINUTE)).ok for _ in range(50)])


async def test_admit_refuses_unknown_and_revoked_keys(store: Store) -> None:
    assert (await store.admit(key("ghost"), MINUTE)).reason == "unknown"
    k = key(rpm=5)
    await store.create_key(k)
    await store.revoke_key(k.id, at=MINUTE)
    assert (await store.admit(k, MINUTE)).reason == "revoked"


async def test_budget_is_enforced_once_record_has_spent_it(store: Store) -> None:
    k = key(budget_usd=0.01, rpm=100)
    await store.create_key(k)
    assert (await store.admit(k, MINUTE)).ok
    await store.record(usage(MINUTE, k.id, cost_usd=0.006))
    assert (await store.admit(k, MINUTE)).ok
    await store.record(usage(MINUTE, k.id, cost_usd=0.006))
    refused = await store.admit(k, MINUTE)
    assert (refused.ok, refused.reason) == (False, "budget")
    assert refused.spent_usd == pytest.approx(0.012)
    stored = await store.get_key(k.id)
    assert stored is not None and stored.spent_usd == pytest.approx(0.012)


async def test_usage_groups_by_key_model_and_day(store: Store) -> None:
    await store.create_key(key("alice"))
    await store.create_key(key("bob"))
    rows = [
        usage(DAY1, "id-alice", input_tokens=10, output_tokens=5, cost_usd=0.5),
        usage(DAY1 + 3600, None, input_tokens=1, output_tokens=1, cost_usd=0.125),
        usage(
            DAY2,
            "id-alice",
            "m2",
            input_tokens=20,
            output_tokens=10,
            cached_tokens=3,
            reasoning_tokens=2,
            cost_usd=0.25,
            stream=True,
        ),  # fmt: skip
        usage(DAY2 + 1, "id-bob", status=502, error="ServerError"),
        usage(DAY2 + 2, "id-alice", error="ClientDisconnected", cost_usd=0.0),
    ]
    for row in rows:
        await store.record(row)

    by_key = await store.usage("key")
    assert [(t.group, t.requests, t.errors) for t in by_key] == [
        ("alice", 3, 1),
        ("master", 1, 0),
        ("bob", 1, 1),
    ]
    alice = by_key[0]
    assert (alice.input_tokens, alice.output_tokens, alice.cached_tokens) == (30, 15, 3)
    assert (alice.reasoning_tokens, alice.cost_usd) == (2, 0.75)
    bob = by_key[2]  # its one request failed before any count: unknown, not 0
    assert (bob.input_tokens, bob.output_tokens, bob.cached_tokens) == (None, None, None)
    by_model = await store.usage("model")
    assert [(t.group, t.requests, t.cost_usd) for t in by_model] == [
        ("m1", 4, 0.625),
        ("m2", 1, 0.25),
    ]
    by_day = await store.usage("day")
    assert [(t.group, t.requests, t.errors) for t in by_day] == [
        ("2024-03-01", 2, 0),
        ("2024-03-02", 3, 2),
    ]
    since = await store.usage("key", since=DAY2)
    assert [(t.group, t.requests, t.cost_usd) for t in since] == [("alice", 2, 0.25), ("bob", 1, 0)]
    stored = await store.get_key("id-alice")
    assert stored is not None and stored.spent_usd == 0.75


async def test_concurrent_admits_take_exactly_rpm_slots(store: Store) -> None:
    k = key(rpm=5)
    await store.create_key(k)
    results = await asyncio.gather(*(store.admit(k, MINUTE) for _ in range(20)))
    assert sum(r.ok for r in results) == 5
    assert {r.reason for r in results if not r.ok} == {"rate"}


# A child process: opens the store, says "ready", waits for "go", then admits `attempts` times
# at once and prints how many were admitted (mode "admit"), admits requests back to back on a
# fast clock and prints the admitted times (mode "sweep"), or just opens it (mode "open").
CHILD = """
import asyncio, sys, time
from hfgate.gateway.store import open_store

async def main(url, mode, key_id, attempts, now):
    if mode == "open":
        print("ready", flush=True); sys.stdin.readline()
    store = await open_store(url)
    try:
        if mode == "admit":
            key = await store.get_key(key_id)
            print("ready", flush=True); sys.stdin.readline()
            results = await asyncio.gather(*(store.admit(key, now) for _ in range(attempts)))
            print(sum(r.ok for r in results), flush=True)
        if mode == "sweep":  # requests back to back on a clock 60x fast, `attempts` seconds of it
            key = await store.get_key(key_id)
            print("ready", flush=True); sys.stdin.readline()
            start, admitted = time.monotonic(), []
            while (t := now + (time.monotonic() - start) * 60) < now + attempts:
                if (await store.admit(key, t)).ok:
                    admitted.append(str(t))
            print(" ".join(admitted), flush=True)
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))
"""


def run_together(count: int, *args: str) -> list[str]:
    """Start `count` children, let them all go at once, return their last output lines."""
    argv = [sys.executable, "-c", CHILD, *args]
    children = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    outputs = [child.communicate(timeout=30)[0] for child in children]
    assert [child.returncode for child in children] == [0] * count
    return [out.strip() for out in outputs]


async def test_two_processes_share_the_rate_limit(store: Store, store_url: str) -> None:
    k = key(rpm=250)
    await store.create_key(k)
    admitted = run_together(2, store_url, "admit", k.id, "300", str(MINUTE + 1))
    assert sum(int(n) for n in admitted) == 250


async def test_two_processes_share_a_sliding_window_across_minute_boundaries(
    store: Store, store_url: str
) -> None:
    k = key(rpm=40)
    await store.create_key(k)
    lines = run_together(2, store_url, "sweep", k.id, "180", str(MINUTE + 45))
    admitted = sorted(float(t) for line in lines for t in line.split())
    most = max(sum(1 for u in admitted if t <= u < t + 60) for t in admitted)
    assert most == 40
    assert 120 <= len(admitted) <= 160  # 40 a minute over three minutes of clock
    # (whichever replica asks first when a slot frees takes it; often the one started first)


async def test_processes_opening_at_once_migrate_once(store_url: str) -> None:
    run_together(4, store_url, "open", "-", "0", "0")
    versions = query(store_url, "SELECT version FROM schema_version")
    assert sorted(versions) == [(v,) for v in range(1, len(MIGRATIONS) + 1)]


async def test_a_postgres_restart_costs_no_request() -> None:
    """The database restarts while a replica's pool holds several idle connections, all dead
    now: the next requests, however many and however late, all succeed."""
    cluster = PgCluster().start()
    try:
        store = await PostgresStore.open(cluster.url, min_size=4, max_size=8)
        try:
            k = key(rpm=1000)
            await store.create_key(k)
            await asyncio.gather(*(store.admit(k, MINUTE) for _ in range(16)))  # fill the pool
            cluster.restart()
            outcomes = []
            for i in range(12):
                try:
                    outcomes.append((await store.admit(k, MINUTE + 1 + i)).ok)
                except Exception as exc:  # noqa: BLE001 - counted, then reported
                    outcomes.append(repr(exc))
            assert outcomes == [True] * 12
            assert await store.get_key(k.id) is not None  # what /health asks
        finally:
            await store.close()
    finally:
        cluster.stop()


# --- open_store: URLs and errors --------------------------------------------------------------


async def test_paths_and_sqlite_urls_open_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "g.db"
    first = await open_store(f"sqlite://{path}")
    await first.create_key(key())
    await first.close()
    for again in (await open_store(str(path)), await open_store(path)):
        assert await again.get_key("id-alice") is not None
        await again.close()


async def test_default_path_is_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_DATA_DIR", str(tmp_path))
    assert default_database_path() == tmp_path / "gateway.sqlite3"
    await (await open_store(None)).close()
    assert (tmp_path / "gateway.sqlite3").exists()
    await (await open_store(None, path=tmp_path / "other.db")).close()
    assert (tmp_path / "other.db").exists()


@pytest.mark.parametrize("url", ["mysql://u:s3cret-pass@db/x", "sqlite://:memory:", ":memory:"])
async def test_unsupported_urls(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        await open_store(url)
    assert "s3cret-pass" not in str(info.value)


async def test_unreachable_postgres_names_no_password() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://user:s3cret-pass@127.0.0.1:{port}/db"
    with pytest.raises(ConfigError, match="cannot open the gateway database") as info:
        await open_store(url)
    assert "s3cret-pass" not in str(info.value)
    assert f"user:***@127.0.0.1:{port}" in str(info.value)
    assert info.value.__cause__ is None  # a chained libpq message could quote the URL


def test_missing_psycopg_names_the_extra() -> None:
    script = (
        "import asyncio, sys; sys.modules['psycopg'] = None\n"
        "from hfgate.gateway.store import open_store\n"
        "asyncio.run(open_store('postgresql://127.0.0.1/x'))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1
    assert "pip install 'hfgate[postgres]'" in done.stderr
