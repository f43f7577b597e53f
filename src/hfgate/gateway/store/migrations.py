"""The gateway schema as ordered migrations, one list shared by SQLite and PostgreSQL.

Each step is applied once, in order, inside the transaction that records its number in
`schema_version`; add a step, never edit one (a database that ran it would not see the change).
The few dialect differences are placeholders filled by `steps()`.

Key names are unique among live keys only (a partial unique index): revoking by name is never
ambiguous, yet a key can be rotated under the same name, and its usage stays grouped under it.
"""

from __future__ import annotations

from typing import Literal

Dialect = Literal["sqlite", "postgres"]

_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {
        "real": "REAL",
        "bigint": "INTEGER",
        "bool": "INTEGER",
        # a rowid alias: no AUTOINCREMENT, usage rows are never deleted so ids never repeat
        "id": "INTEGER PRIMARY KEY",
        "stamps": "TEXT",  # a JSON array
    },
    "postgres": {
        "real": "DOUBLE PRECISION",
        "bigint": "BIGINT",
        "bool": "BOOLEAN",
        "id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "stamps": "DOUBLE PRECISION[]",
    },
}

MIGRATIONS: list[list[str]] = [
    # 1: keys, rate windows, usage
    [
        """CREATE TABLE keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            salt TEXT NOT NULL,
            hash TEXT NOT NULL,
            models TEXT NOT NULL DEFAULT '[]',
            rpm INTEGER,
            budget_usd {real},
            spent_usd {real} NOT NULL DEFAULT 0,
            created_at {real} NOT NULL,
            revoked_at {real}
        )""",
        "CREATE UNIQUE INDEX keys_live_name ON keys (name) WHERE revoked_at IS NULL",
        # one row per key and minute; rows older than the previous minute are pruned
        """CREATE TABLE rate (
            key_id TEXT NOT NULL,
            window_start {bigint} NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (key_id, window_start)
        )""",
        # no foreign key to keys: a usage row must never be refused because of its key
        """CREATE TABLE usage (
            id {id},
            at {real} NOT NULL,
            key_id TEXT,
            model TEXT NOT NULL,
            served_model TEXT,
            provider TEXT,
            api TEXT NOT NULL,
            status INTEGER NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cached_tokens INTEGER,
            reasoning_tokens INTEGER,
            cost_usd {real},
            latency_ms {real} NOT NULL,
            request_id TEXT,
            error TEXT,
            stream {bool} NOT NULL
        )""",
        "CREATE INDEX usage_at ON usage (at)",
        "CREATE INDEX usage_key_at ON usage (key_id, at)",
        "CREATE INDEX usage_model_at ON usage (model, at)",
    ],
    # 2: rpm as a sliding log: per key, the times of its latest admissions (at most rpm), so
    # no 60-second span ever holds more than rpm requests. Fixed clock-minute windows let
    # 2 x rpm through around a minute boundary.
    [
        "DROP TABLE rate",
        """CREATE TABLE rate (
            key_id TEXT PRIMARY KEY,
            admitted {stamps} NOT NULL
        )""",
    ],
]

SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at {real})"
)


def steps(dialect: Dialect) -> list[list[str]]:
    """`MIGRATIONS` in the given dialect; index i holds the statements of version i + 1."""
    return [[sql.format(**_TYPES[dialect]) for sql in step] for step in MIGRATIONS]


def version_table(dialect: Dialect) -> str:
    return SCHEMA_VERSION_TABLE.format(**_TYPES[dialect])


def too_new(found: int) -> str:
    return (
        f"the gateway database is at schema version {found}, newer than this hfgate knows "
        f"({len(MIGRATIONS)}): upgrade hfgate (pip install -U hfgate)"
    )
