"""The gateway schema as ordered migrations, one list shared by SQLite and PostgreSQL.

Each step is applied once, in order, inside the transaction that records its number in
`schema_version`; add a step, never edit one (a database that ran it would not see the change).
The few dialect differences are placeholders filled by `steps()`.

Key names are unique among live keys only (a partial unique index): revoking by name is never
ambiguous, yet a key can be rotated under the same name, and its usage stays grouped under it.
"""

from __future__ import annotations

from typing import Literal

from . import rollup

Dialect = Literal["sqlite", "postgres"]

_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {
        "real": "REAL",
        "bigint": "INTEGER",
        "bool": "INTEGER",
        # a rowid alias: no AUTOINCREMENT, usage rows are never deleted so ids never repeat
        "id": "INTEGER PRIMARY KEY",
    },
    "postgres": {
        "real": "DOUBLE PRECISION",
        "bigint": "BIGINT",
        "bool": "BOOLEAN",
        "id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    },
}

PG_ADMIT = """
CREATE FUNCTION hfgate_admit(k TEXT, now DOUBLE PRECISION)
RETURNS TABLE (rpm INTEGER, budget_usd DOUBLE PRECISION, spent_usd DOUBLE PRECISION,
               revoked_at DOUBLE PRECISION, admitted BOOLEAN, oldest DOUBLE PRECISION)
LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
    last BIGINT;
    first_at DOUBLE PRECISION;
BEGIN
    -- each statement below takes a fresh snapshot: once the FOR UPDATE has the key's rate
    -- row, the admissions of any replica that held it before are visible
    SELECT keys.rpm, keys.budget_usd, keys.spent_usd, keys.revoked_at INTO r
        FROM keys WHERE keys.id = k;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF r.revoked_at IS NOT NULL OR r.rpm IS NULL OR r.rpm < 1
            OR (r.budget_usd IS NOT NULL AND r.spent_usd >= r.budget_usd) THEN
        RETURN QUERY SELECT r.rpm, r.budget_usd, r.spent_usd, r.revoked_at, FALSE,
            NULL::DOUBLE PRECISION;
        RETURN;
    END IF;
    INSERT INTO rate (key_id, seq) VALUES (k, 0) ON CONFLICT (key_id) DO NOTHING;
    SELECT rate.seq INTO last FROM rate WHERE rate.key_id = k FOR UPDATE;
    SELECT a.at INTO first_at FROM admissions a WHERE a.key_id = k AND a.seq = last - r.rpm + 1;
    IF first_at IS NOT NULL AND first_at > now - 60 THEN
        RETURN QUERY SELECT r.rpm, r.budget_usd, r.spent_usd, r.revoked_at, FALSE, first_at;
        RETURN;
    END IF;
    UPDATE rate SET seq = last + 1 WHERE rate.key_id = k;
    INSERT INTO admissions (key_id, seq, at) VALUES (k, last + 1, now);
    RETURN QUERY SELECT r.rpm, r.budget_usd, r.spent_usd, r.revoked_at, TRUE,
        NULL::DOUBLE PRECISION;
END
$$"""
"""The PostgreSQL admission: one round trip, exact under concurrent replicas."""

Statement = str | dict[Dialect, str]
"""A statement for both databases, or one per dialect (the others skip it)."""


def _per_dialect(sqlite: list[str], postgres: list[str]) -> list[Statement]:
    return [{"sqlite": a, "postgres": b} for a, b in zip(sqlite, postgres, strict=True)]


MIGRATIONS: list[list[Statement]] = [
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
    # 2: rpm as a sliding log: every admission numbered per key, so "the rpm-th latest" is one
    # primary-key lookup and no 60-second span ever holds more than rpm requests (fixed
    # clock-minute windows let 2 x rpm through around a minute boundary). Rows older than two
    # minutes are pruned. PostgreSQL admits in one function call, under the key's row lock.
    [
        "DROP TABLE rate",
        "CREATE TABLE rate (key_id TEXT PRIMARY KEY, seq {bigint} NOT NULL)",
        """CREATE TABLE admissions (
            key_id TEXT NOT NULL,
            seq {bigint} NOT NULL,
            at {real} NOT NULL,
            PRIMARY KEY (key_id, seq)
        )""",
        "CREATE INDEX admissions_at ON admissions (at)",
        {"postgres": PG_ADMIT},
    ],
    # 3: a key may bill its router calls to an HF organization (`X-HF-Bill-To`)
    ["ALTER TABLE keys ADD COLUMN bill_to TEXT"],
    # 4: usage summed per hour and key, model or provider, with a latency histogram, for the
    # console's long windows (rollup.py); filled here from the rows so far
    [
        rollup.create_table("{real}", "{bigint}"),
        *_per_dialect(rollup.backfill("sqlite"), rollup.backfill("postgres")),
    ],
]

SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at {real})"
)


def steps(dialect: Dialect) -> list[list[str]]:
    """`MIGRATIONS` in the given dialect; index i holds the statements of version i + 1."""
    return [
        [
            sql.format(**_TYPES[dialect]) if isinstance(sql, str) else sql[dialect]
            for sql in step
            if isinstance(sql, str) or dialect in sql
        ]
        for step in MIGRATIONS
    ]


def version_table(dialect: Dialect) -> str:
    return SCHEMA_VERSION_TABLE.format(**_TYPES[dialect])


def too_new(found: int) -> str:
    return (
        f"the gateway database is at schema version {found}, newer than this hfgate knows "
        f"({len(MIGRATIONS)}): upgrade hfgate (pip install -U hfgate)"
    )
