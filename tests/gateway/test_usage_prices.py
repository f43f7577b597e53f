"""A usage row costs what the library says the same call cost (`TextResult.cost`), for every
kind of route; the gateway only keeps a router model's price for `PRICES_TTL`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from hfgate.gateway.pricing import PRICES_TTL, UsagePrices
from hfgate.routing.cost import price_result
from hfgate.routing.resolve import Origin, Route, resolve_model
from hfgate.types import ResponseMeta, StepResult, TextResult, Usage

ROUTER = "http://127.0.0.1:9/v1"  # nothing listens there: prices come from the cache file


def _catalog(path: Path, input_price: float, mtime: float) -> None:
    record = {"base_url": ROUTER, "fetched_at": 0, "payload": {"data": [
        {"id": "deepseek-ai/DeepSeek-R1", "providers": [
            {"provider": "together", "status": "live",
             "pricing": {"input": input_price, "output": 7}},
            {"provider": "promo", "status": "live", "is_free": True},
        ]}]}}  # fmt: skip
    path.write_text(json.dumps(record))
    os.utime(path, (mtime, mtime))


def _step(usage: Usage, model: str | None, provider: str | None) -> StepResult:
    return StepResult("hi", None, (), "stop", "stop", usage, ResponseMeta(model, provider, "r"))


def _library_cost(route: Route, step: StepResult) -> float | None:
    """How the library's clients price the same call."""
    return TextResult(
        (step,),
        step.usage,
        priced_by=route.priced_by,
        requested_model=route.model,
        api_url=route.api_url,
        api_provider=route.price_provider,
        pricer=price_result,
    ).cost


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Origin:
    monkeypatch.setenv("HFGATE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    _catalog(tmp_path / "catalog.json", 3.0, 1)
    return Origin(ROUTER, True)


USAGES = [
    Usage(input_tokens=1_000_000, output_tokens=500_000),
    Usage(input_tokens=2_000, output_tokens=10, cached_input_tokens=1_000),
    Usage(input_tokens=None, output_tokens=10),  # unknown counts: unknown cost
]
CALLS = [
    ("deepseek-ai/DeepSeek-R1:together", None, None),  # the suffix names the provider
    ("deepseek-ai/DeepSeek-R1", None, "together"),  # the server says who answered
    ("deepseek-ai/DeepSeek-R1", None, "promo"),  # free
    ("deepseek-ai/DeepSeek-R1", None, "nobody"),  # no price there: unknown
    ("someone/else", "deepseek-ai/DeepSeek-R1", "together"),  # the served id is tried
    ("openai:gpt-4o-mini", "gpt-4o-mini-2024-07-18", None),  # genai-prices
    ("local", None, "local"),  # the embedded model
]


@pytest.mark.parametrize("usage", USAGES)
@pytest.mark.parametrize(("model", "served", "provider"), CALLS)
def test_a_row_costs_what_the_library_prices_the_call_at(
    router: Origin, model: str, served: str | None, provider: str | None, usage: Usage
) -> None:
    route = resolve_model(model, router)
    step = _step(usage, served, provider)
    expected = _library_cost(route, step)
    prices = UsagePrices()
    for _ in range(2):  # priced afresh, then from what it kept
        assert prices.cost(route, step) == expected


def test_the_expected_costs_are_not_all_unknown(router: Origin) -> None:
    """The parity above compares real prices, not None with None."""
    route = resolve_model("deepseek-ai/DeepSeek-R1", router)
    step = _step(Usage(input_tokens=1_000_000, output_tokens=1_000_000), None, "together")
    assert UsagePrices().cost(route, step) == pytest.approx(10.0)
    local = _step(Usage(input_tokens=5, output_tokens=5), None, "local")
    assert UsagePrices().cost(resolve_model("local", router), local) == 0.0
    api = _step(Usage(input_tokens=1_000_000, output_tokens=0), "gpt-4o-mini", None)
    assert UsagePrices().cost(resolve_model("openai:gpt-4o-mini", router), api) == 0.15


def test_a_new_catalog_prices_rows_within_prices_ttl(router: Origin, tmp_path: Path) -> None:
    route = resolve_model("deepseek-ai/DeepSeek-R1", router)
    step = _step(Usage(input_tokens=1_000_000, output_tokens=0), None, "together")
    prices = UsagePrices()
    assert prices.cost(route, step) == pytest.approx(3.0)
    _catalog(tmp_path / "catalog.json", 5.0, 2)
    time.sleep(PRICES_TTL + 1.1)  # and the catalog's own once-a-second file check
    assert prices.cost(route, step) == pytest.approx(5.0)
