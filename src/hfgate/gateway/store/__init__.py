"""Durable state of the gateway: virtual keys, rate windows, budgets and one usage row per
request, on SQLite (the default, one file in the user data dir) or PostgreSQL (replicas share
it). Both speak the same `Store` protocol; every limit is checked and every row written in one
database transaction, so replicas agree without talking to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from .reports import Series, SeriesGroup, TailRow

__all__ = [
    "Admission",
    "KeyRecord",
    "Store",
    "UsageGroup",
    "UsageRow",
    "UsageTotal",
    "default_database_path",
    "open_store",
]


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A virtual key as stored: never the key itself, only a salted hash of its secret."""

    id: str
    """The public part of the key (`hfg_<id>_<secret>`), its primary key."""
    name: str
    salt: str
    hash: str
    models: tuple[str, ...] = ()
    """Allowed model-name patterns (fnmatch, case-insensitive); empty allows every model."""
    rpm: int | None = None
    budget_usd: float | None = None
    spent_usd: float = 0.0
    created_at: float = 0.0
    revoked_at: float | None = None
    bill_to: str | None = None
    """The Hugging Face organization (or resource group) its router calls are billed to,
    sent as `X-HF-Bill-To`; None bills the gateway's own HF account."""


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to "may this key send one more request now?"."""

    ok: bool
    reason: Literal["ok", "rate", "budget", "revoked", "unknown"] = "ok"
    retry_after: float | None = None
    """Seconds until the rate window has room again (reason "rate")."""
    spent_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class UsageRow:
    at: float
    """Unix seconds when the request arrived."""
    key_id: str | None
    """None for the master key."""
    model: str
    """The model name the client asked for."""
    served_model: str | None
    """The model that answered (a fallback's name when one served)."""
    provider: str | None
    api: str
    """The client's dialect: chat, responses or messages."""
    status: int
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float = 0.0
    request_id: str | None = None
    error: str | None = None
    """The error class (`RateLimitError`, `ClientDisconnected`, ...) when it failed."""
    stream: bool = False


UsageGroup = Literal["key", "model", "day"]


@dataclass(frozen=True, slots=True)
class UsageTotal:
    """One line of `hfgate usage --by ...`."""

    group: str
    requests: int
    errors: int
    input_tokens: int | None
    """Sums over the rows that knew their counts; None when none did."""
    output_tokens: int | None
    cached_tokens: int | None
    reasoning_tokens: int | None
    cost_usd: float


class Store(Protocol):
    async def create_key(self, record: KeyRecord) -> None: ...

    async def get_key(self, key_id: str) -> KeyRecord | None: ...

    async def list_keys(self) -> list[KeyRecord]: ...

    async def revoke_key(self, key_id_or_name: str, at: float) -> bool:
        """Revoke by id or by name; False when nothing matched."""
        ...

    async def admit(self, key: KeyRecord, now: float) -> Admission:
        """Atomically: refuse a revoked key, a key whose spend reached its budget, or one whose
        current minute already holds `rpm` requests; otherwise count this request in the
        minute. Two replicas asking at once never both get the last slot."""
        ...

    async def record(self, row: UsageRow) -> None:
        """Insert the usage row and add its cost to its key's spend, in one transaction that
        has committed when this returns."""
        ...

    async def usage(self, by: UsageGroup, since: float | None = None) -> list[UsageTotal]: ...

    async def series(self, by: SeriesGroup, since: float, bucket_seconds: int) -> Series:
        """Usage since `since` in buckets of `bucket_seconds`, by key, model or provider: the
        console's charts (`reports.py`)."""
        ...

    async def tail(self, limit: int, after_id: int = 0) -> list[TailRow]:
        """The latest `limit` usage rows with an id above `after_id`, newest first."""
        ...

    async def close(self) -> None: ...


def default_database_path() -> Path:
    """`<user data dir>/gateway.sqlite3`, beside the CLI's log (`HFGATE_DATA_DIR` moves both)."""
    from hfgate._constants import data_dir

    return data_dir() / "gateway.sqlite3"


async def open_store(url: str | Path | None = None, *, path: Path | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `url`: None for the SQLite file at
    `path` (default `default_database_path()`), a file path or `sqlite:///path` for SQLite,
    `postgresql://user:pass@host:port/db` (or `postgres://`) for PostgreSQL.

    Raises `ConfigError` for a bad URL, a missing driver or an unreachable database; its
    message never holds the password."""
    from hfgate.errors import ConfigError

    if url is None or isinstance(url, Path):
        return _open_sqlite(url or path or default_database_path())
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _open_sqlite(Path(url))
    if scheme == "sqlite":
        return _open_sqlite(Path(rest))
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresStore

        return await PostgresStore.open(url)
    from ._common import redact_url

    raise ConfigError(
        f"unsupported database URL {redact_url(url)!r}: use a file path, sqlite:///path or "
        "postgresql://user:password@host:port/database"
    )


def _open_sqlite(path: Path) -> Store:
    from hfgate.errors import ConfigError

    from .sqlite import SqliteStore

    if not str(path) or str(path) == ":memory:":
        raise ConfigError("the gateway database needs a file path, e.g. sqlite:///var/hfgate.db")
    return SqliteStore(path.expanduser())
