"""`usage_hourly`: the usage table summed per hour and key, per hour and model, and per hour
and provider (`dim` says which, `grp` is the key id, model or provider), with the latency
histogram as one column per bin (`lat_0` ... `lat_76`). `Store.record` adds each request to
its three rows in the transaction that inserts the usage row, in one statement; migration 4
fills the table from the rows before it.

Why: a chart of 30 days scans every row of those days, 2-6 s for a million rows even by index;
the same chart from this table reads one row per hour and key (or model, or provider) in use,
however many requests those were and however keys, models and providers combine. Short
windows (buckets under an hour) still read the usage rows, which are few there. The histogram
as columns, not rows, keeps one row per hour and group: merging histograms is then a SUM per
column, in SQL.

`BOUNDS` (in reports.py) is part of this table's meaning: changing it needs a new migration.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from . import UsageRow
from .reports import BIN_SQL, BOUNDS, Cell, SeriesGroup

HOUR = 3600
LAT_COLUMNS = tuple(f"lat_{i}" for i in range(len(BOUNDS) + 1))
SUMS = ("requests", "errors", "input_tokens", "output_tokens", "cached_tokens", "cost_usd")
DIMS: dict[SeriesGroup, str] = {
    "key": "COALESCE(usage.key_id, '')",
    "model": "usage.model",
    "provider": "COALESCE(usage.provider, '')",
}
"""What `grp` holds for each `dim`, from a usage row ('' for no key or no provider)."""

_HOUR_SQL = {
    "sqlite": "CAST(usage.at / 3600 AS INTEGER)",
    "postgres": "CAST(floor(usage.at / 3600) AS BIGINT)",
}
_GROUPS: dict[SeriesGroup, str] = {
    "key": "COALESCE(keys.name, NULLIF(r.grp, ''), 'master')",
    "model": "r.grp",
    "provider": "r.grp",
}


def create_table(real: str, bigint: str) -> str:
    lat = ", ".join(f"{c} {bigint} NOT NULL DEFAULT 0" for c in LAT_COLUMNS)
    return f"""CREATE TABLE usage_hourly (
        hour {bigint} NOT NULL,
        dim TEXT NOT NULL,
        grp TEXT NOT NULL,
        requests {bigint} NOT NULL,
        errors {bigint} NOT NULL,
        input_tokens {bigint} NOT NULL,
        output_tokens {bigint} NOT NULL,
        cached_tokens {bigint} NOT NULL,
        cost_usd {real} NOT NULL,
        {lat},
        PRIMARY KEY (dim, hour, grp)
    )"""


def backfill(dialect: str) -> list[str]:
    """Migration 4's sums of the usage rows already there, one statement per dimension."""
    lat = ", ".join(f"SUM(CASE WHEN b = {i} THEN 1 ELSE 0 END)" for i in range(len(LAT_COLUMNS)))
    return [
        f"""INSERT INTO usage_hourly (hour, dim, grp, {", ".join(SUMS)}, {", ".join(LAT_COLUMNS)})
        SELECT hour, '{dim}', grp, COUNT(*), SUM(failed),
            COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
            COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cost_usd), 0), {lat}
        FROM (SELECT {_HOUR_SQL[dialect]} AS hour, {grp} AS grp,
                CASE WHEN usage.status >= 400 OR usage.error IS NOT NULL THEN 1 ELSE 0 END
                    AS failed,
                usage.input_tokens, usage.output_tokens, usage.cached_tokens, usage.cost_usd,
                {BIN_SQL} AS b
            FROM usage) AS per_row
        GROUP BY hour, grp"""
        for dim, grp in DIMS.items()
    ]


def latency_bin(ms: float) -> int:
    """The bin `BIN_SQL` puts `ms` in: how many bounds it reaches."""
    return bisect.bisect_right(BOUNDS, ms)


def upsert(row: UsageRow, mark: str) -> tuple[str, tuple[Any, ...]]:
    """The statement adding `row` to its hour's three rows, and its parameters."""
    lat = LAT_COLUMNS[latency_bin(row.latency_ms)]
    failed = 1 if row.status >= 400 or row.error is not None else 0
    sums = (failed, row.input_tokens or 0, row.output_tokens or 0, row.cached_tokens or 0,
            row.cost_usd or 0.0)  # fmt: skip
    hour = int(row.at // HOUR)
    groups = (row.key_id or "", row.model, row.provider or "")
    params = tuple(
        v for dim, grp in zip(DIMS, groups, strict=True) for v in (hour, dim, grp, *sums)
    )
    return _upsert_sql(lat, mark), params


@functools.cache
def _upsert_sql(lat: str, mark: str) -> str:
    """One statement per latency bin and dialect, built once (it was ~2 % of a request)."""
    values = f"({', '.join([mark] * 3)}, 1, {', '.join([mark] * 5)}, 1)"
    adds = ", ".join(f"{c} = usage_hourly.{c} + excluded.{c}" for c in (*SUMS, lat))
    return (
        f"INSERT INTO usage_hourly (hour, dim, grp, {', '.join(SUMS)}, {lat}) "
        f"VALUES {', '.join([values] * len(DIMS))} "
        f"ON CONFLICT (dim, hour, grp) DO UPDATE SET {adds}"
    )


def covers(since: float, bucket_seconds: int) -> bool:
    """Whether the hourly table can answer: whole hours from an hour's start."""
    return bucket_seconds % HOUR == 0 and since % HOUR == 0


def series_query(by: SeriesGroup, mark: str) -> str:
    """Parameters: hours per bucket, the dimension (`by`), first hour."""
    lat = ", ".join(f"SUM(r.{c})" for c in LAT_COLUMNS)
    sums = ", ".join(f"SUM(r.{c})" for c in SUMS)
    join = "LEFT JOIN keys ON keys.id = r.grp" if by == "key" else ""
    return f"""
        SELECT r.hour / {mark} AS bucket, {_GROUPS[by]} AS grp, {sums}, {lat}
        FROM usage_hourly r {join}
        WHERE r.dim = {mark} AND r.hour >= {mark}
        GROUP BY 1, 2"""


def series_params(by: SeriesGroup, since: float, bucket_seconds: int) -> tuple[Any, ...]:
    return bucket_seconds // HOUR, by, int(since // HOUR)


def cells(rows: Iterable[Sequence[Any]]) -> Iterable[tuple[int, str, Cell]]:
    """(bucket, group, cell) of each answer row."""
    for row in rows:
        n, errors, inp, out, cached, cost = row[2:8]
        cell = Cell(int(n), int(errors), int(inp), int(out), int(cached), float(cost))
        cell.latency_bins.update({b: int(k) for b, k in enumerate(row[8:]) if k})
        yield int(row[0]), str(row[1]), cell
