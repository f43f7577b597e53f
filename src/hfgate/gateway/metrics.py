"""`GET /metrics`: Prometheus text for one gateway process (scrape every replica). Fed from
the same `UsageRow` the database gets, so the two never disagree."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from hfgate.gateway.store import UsageRow

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_TOKEN_KINDS = ("input", "output", "cached", "reasoning")


_SERIES_LIMIT = 10_000


class _ByStatus:
    """`hfgate_requests` of one (api, model, provider, key), a child per status."""

    def __init__(self, counter: Counter, labels: tuple[str, ...]) -> None:
        self._counter = counter
        self._labels = labels
        self._children: dict[str, Counter] = {}

    def labels(self, status: str) -> Counter:
        child = self._children.get(status)
        if child is None:
            child = self._children[status] = self._counter.labels(*self._labels, status)
        return child


_Series = tuple[_ByStatus, Histogram, tuple[Counter, ...], Counter]
"""requests by status, the latency histogram, the token counters by kind, the cost."""


class Metrics:
    """Counters for requests, errors, tokens and cost, and a latency histogram, labelled by
    model, provider and key name (never the key itself)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("api", "model", "provider", "key")
        self.requests = Counter(
            "hfgate_requests", "Requests answered, by HTTP status.", (*labels, "status"),
            registry=self.registry,
        )  # fmt: skip
        self.errors = Counter(
            "hfgate_errors", "Failed requests, by error class.", (*labels, "error"),
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "hfgate_request_duration_seconds", "Time from request to the end of the answer.",
            ("api", "model", "provider"), buckets=_LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.tokens = Counter(
            "hfgate_tokens", "Tokens, by kind (cached and reasoning are parts of input and "
            "output).", ("model", "provider", "key", "kind"), registry=self.registry,
        )  # fmt: skip
        self.cost = Counter(
            "hfgate_cost_usd", "Cost in US dollars of priced requests.",
            ("model", "provider", "key"), registry=self.registry,
        )  # fmt: skip
        self.token_counts = Counter(
            "hfgate_token_counts", "Token counts answered (free: not in hfgate_requests), by "
            "where the count came from.", ("source", "key"), registry=self.registry,
        )  # fmt: skip
        self._series: dict[tuple[str, str, str, str], _Series] = {}

    def observe(self, row: UsageRow, key_name: str, model: str) -> None:
        """`model` is a label the caller vouches for: never a raw client string."""
        provider = row.provider or ""
        labels = (row.api, model, provider, key_name)
        series = self._series.get(labels)
        if series is None:
            series = self._series_for(labels)
        requests, latency, tokens, cost = series
        requests.labels(str(row.status)).inc()
        if row.error:
            self.errors.labels(*labels, row.error).inc()
        latency.observe(row.latency_ms / 1000)
        counts = (row.input_tokens, row.output_tokens, row.cached_tokens, row.reasoning_tokens)
        for counter, count in zip(tokens, counts, strict=True):
            if count:
                counter.inc(count)
        if row.cost_usd:
            cost.inc(row.cost_usd)

    def _series_for(self, labels: tuple[str, str, str, str]) -> _Series:
        """The children of one (api, model, provider, key), looked up once: `labels()` on
        every request was most of this class's cost."""
        api, model, provider, key_name = labels
        series: _Series = (
            _ByStatus(self.requests, labels),
            self.latency.labels(api, model, provider),
            tuple(self.tokens.labels(model, provider, key_name, k) for k in _TOKEN_KINDS),
            self.cost.labels(model, provider, key_name),
        )
        if len(self._series) >= _SERIES_LIMIT:
            self._series.clear()
        self._series[labels] = series
        return series

    def render(self) -> bytes:
        return generate_latest(self.registry)
