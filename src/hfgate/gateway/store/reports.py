"""The console's questions of the usage table, as SQL both backends run unchanged (but for the
time-bucket expression) and a pure fold of the answers, so SQLite and PostgreSQL agree.

Latency quantiles: neither SQLite nor a portable SQL has a percentile function, and fetching
every latency of a million rows would not stay fast. So the query counts rows per latency bin
(geometric, 2^(1/4) wide: 1 ms to ~7 min in 77 bins, found by a nested CASE of 7 comparisons)
and p50/p95 are read off the merged histogram: a bin's geometric middle, within ±9% of the
true value. One scan of the window answers requests, tokens, cost and latency together; a
window of whole hours reads the hourly sums instead (rollup.py), the same answers from far
fewer rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hfgate.errors import ConfigError

SeriesGroup = Literal["key", "model", "provider"]

BIN_RATIO = 2**0.25
BOUNDS: tuple[float, ...] = tuple(round(BIN_RATIO**i, 6) for i in range(76))
"""Bin i holds latencies in [BOUNDS[i-1], BOUNDS[i]) ms; bin 0 below 1 ms, bin 76 the rest."""

_GROUPS: dict[SeriesGroup, str] = {
    "key": "COALESCE(keys.name, usage.key_id, 'master')",
    "model": "usage.model",
    "provider": "COALESCE(usage.provider, '')",
}
BUCKET_SQL = {
    "sqlite": "CAST(usage.at / {mark} AS INTEGER)",
    "postgres": "CAST(floor(usage.at / {mark}) AS BIGINT)",
}


@dataclass(slots=True)
class Cell:
    """The usage of one group in one time bucket (or, for totals, the whole window)."""

    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    latency_bins: dict[int, int] = field(default_factory=dict)

    @property
    def cached_share(self) -> float | None:
        """Cached input tokens over input tokens; None when no input was counted."""
        return self.cached_tokens / self.input_tokens if self.input_tokens else None

    def latency_ms(self, q: float) -> float | None:
        """The q-quantile of latency (±9%), None with no rows."""
        return quantile(self.latency_bins, q)

    def add(self, other: Cell) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cached_tokens += other.cached_tokens
        self.cost_usd += other.cost_usd
        for b, n in other.latency_bins.items():
            self.latency_bins[b] = self.latency_bins.get(b, 0) + n


@dataclass(frozen=True, slots=True)
class Series:
    """Usage over time: `cells[(bucket_start, group)]`, with totals per group and overall."""

    since: float
    bucket_seconds: int
    by: SeriesGroup
    cells: dict[tuple[float, str], Cell]
    groups: dict[str, Cell]
    """Totals per group, largest request count first."""
    total: Cell

    @property
    def buckets(self) -> list[float]:
        """Every bucket start from `since` to the last with usage, empty ones too."""
        return self.buckets_until(self.since)

    def buckets_until(self, until: float) -> list[float]:
        """Every bucket start from `since` to `until` (or the last with usage, if later):
        a chart's x axis, up to now even when the last hours were quiet."""
        size = self.bucket_seconds
        first = math.floor(self.since / size)
        last = max((b for b, _ in self.cells), default=first * size)
        last = max(last, math.floor(until / size) * size)
        return [(first + i) * size for i in range(int((last - first * size) // size) + 1)]


@dataclass(frozen=True, slots=True)
class TailRow:
    """One usage row as the live tail shows it: what happened, never what was said."""

    id: int
    at: float
    key: str
    model: str
    served_model: str | None
    provider: str | None
    api: str
    status: int
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    cost_usd: float | None
    latency_ms: float
    error: str | None
    stream: bool


def _bin_case(lo: int, hi: int) -> str:
    """The bin of `usage.latency_ms` among bins lo..hi, as a binary search of CASEs."""
    if lo == hi:
        return str(lo)
    mid = (lo + hi + 1) // 2
    left, right = _bin_case(lo, mid - 1), _bin_case(mid, hi)
    return f"CASE WHEN usage.latency_ms < {BOUNDS[mid - 1]!r} THEN {left} ELSE {right} END"


BIN_SQL = _bin_case(0, len(BOUNDS))


def series_query(by: SeriesGroup, dialect: str, mark: str) -> str:
    """Parameters: bucket seconds, since (both `mark`)."""
    if by not in _GROUPS:
        raise ConfigError(f"usage can be charted by key, model or provider, not {by!r}")
    bucket = BUCKET_SQL[dialect].format(mark=mark)
    return f"""
        SELECT {bucket} AS bucket, {_GROUPS[by]} AS grp, {BIN_SQL} AS bin,
            COUNT(*),
            SUM(CASE WHEN usage.status >= 400 OR usage.error IS NOT NULL THEN 1 ELSE 0 END),
            COALESCE(SUM(usage.input_tokens), 0),
            COALESCE(SUM(usage.output_tokens), 0),
            COALESCE(SUM(usage.cached_tokens), 0),
            COALESCE(SUM(usage.cost_usd), 0)
        FROM usage LEFT JOIN keys ON keys.id = usage.key_id
        WHERE usage.at >= {mark}
        GROUP BY 1, 2, 3"""


def tail_query(mark: str) -> str:
    """Parameters: after id, limit; newest first."""
    return f"""
        SELECT usage.id, usage.at, COALESCE(keys.name, usage.key_id, 'master'), usage.model,
            usage.served_model, usage.provider, usage.api, usage.status, usage.input_tokens,
            usage.output_tokens, usage.cached_tokens, usage.cost_usd, usage.latency_ms,
            usage.error, usage.stream
        FROM usage LEFT JOIN keys ON keys.id = usage.key_id
        WHERE usage.id > {mark}
        ORDER BY usage.id DESC
        LIMIT {mark}"""


def check_series_args(since: float, bucket_seconds: int) -> None:
    if not isinstance(bucket_seconds, int) or bucket_seconds < 1:
        raise ConfigError(f"a time bucket is a whole number of seconds ≥ 1, not {bucket_seconds!r}")
    if not math.isfinite(since):
        raise ConfigError("`since` must be a finite unix time")


def raw_cells(rows: Iterable[Sequence[Any]]) -> Iterable[tuple[int, str, Cell]]:
    """(bucket, group, cell) of each row of `series_query`: one latency bin each."""
    for bucket, grp, bin_, n, errors, inp, out, cached, cost in rows:
        part = Cell(int(n), int(errors), int(inp), int(out), int(cached), float(cost))
        part.latency_bins[int(bin_)] = int(n)
        yield int(bucket), str(grp), part


def fold(
    parts: Iterable[tuple[int, str, Cell]], since: float, bucket_seconds: int, by: SeriesGroup
) -> Series:
    cells: dict[tuple[float, str], Cell] = {}
    groups: dict[str, Cell] = {}
    total = Cell()
    for bucket, grp, part in parts:
        cells.setdefault((float(bucket * bucket_seconds), grp), Cell()).add(part)
        groups.setdefault(grp, Cell()).add(part)
        total.add(part)
    ranked = dict(sorted(groups.items(), key=lambda kv: (-kv[1].requests, kv[0])))
    return Series(since, bucket_seconds, by, cells, ranked, total)


def tail_rows(rows: Iterable[Sequence[Any]]) -> list[TailRow]:
    return [
        TailRow(
            id=int(r[0]),
            at=float(r[1]),
            key=str(r[2]),
            model=r[3],
            served_model=r[4],
            provider=r[5],
            api=r[6],
            status=int(r[7]),
            input_tokens=r[8],
            output_tokens=r[9],
            cached_tokens=r[10],
            cost_usd=r[11],
            latency_ms=float(r[12]),
            error=r[13],
            stream=bool(r[14]),
        )  # fmt: skip
        for r in rows
    ]


def quantile(bins: dict[int, int], q: float) -> float | None:
    count = sum(bins.values())
    if not count:
        return None
    rank, seen = q * count, 0
    for b in sorted(bins):
        seen += bins[b]
        if seen >= rank:
            return _middle(b)
    return _middle(max(bins))


def _middle(b: int) -> float:
    if b == 0:
        return BOUNDS[0] / math.sqrt(BIN_RATIO)
    if b >= len(BOUNDS):
        return BOUNDS[-1]
    return math.sqrt(BOUNDS[b - 1] * BOUNDS[b])
