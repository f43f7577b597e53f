"""The console's queries (`Store.series`, `Store.tail`): the same answers on SQLite and on
PostgreSQL, checked against sums worked out by hand."""

from __future__ import annotations

import random

import pytest
from test_store import DAY1, key, usage

from hfgate.errors import ConfigError
from hfgate.gateway.store import Store, UsageRow
from hfgate.gateway.store.reports import BOUNDS, Cell, Series, quantile

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
