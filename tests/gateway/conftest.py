from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pg_cluster import PgCluster

from hfgate.gateway.store import Store, open_store

# --- store and PostgreSQL fixtures -------------------------------------------------------------
# `postgres_url`: one throw-away cluster per session (fails, not skips, without PostgreSQL: CI
# installs it). `postgres_db`: a fresh empty database per test. `store_url` / `store`: the same
# test on SQLite and on PostgreSQL.


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of the maintenance database of a throw-away PostgreSQL cluster on loopback."""
    try:
        cluster = PgCluster().start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """URL of a new, empty database, dropped after the test (CREATE DATABASE takes ~10 ms)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL that no store has opened yet, once per backend."""
    if request.param == "sqlite":
        return str(tmp_path / "gateway.sqlite3")
    return str(request.getfixturevalue("postgres_db"))


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """An open, migrated, empty store, once per backend (tests using it need `anyio`)."""
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()


# --- end of store and PostgreSQL fixtures ------------------------------------------------------

# The gateway's own fixtures live in gateway_fixtures.py.
from gateway_fixtures import (  # noqa: E402, F401
    anthropic_upstream,
    gateway,
    openai_upstream,
    upstream,
    write_models,
)
