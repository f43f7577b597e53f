"""The cost module: prices from the catalog, applied to usage; None whenever unsure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hfgate.routing.catalog import parse_catalog
from hfgate.routing.cost import CostEstimate, Price, cost_of, estimate, price_for, result_cost
from hfgate.types import ResponseMeta, StepResult, TextResult, Usage

CATALOG = parse_catalog(
    {
        "data": [
            {
                "id": "deepseek-ai/DeepSeek-R1",
                "providers": [
                    {"provider": "together", "status": "live",
                     "pricing": {"input": 3.0, "output": 7.0}},
                    {"provider": "novita", "status": "live",
                     "pricing": {"input": 2.0, "output": 8.0, "cache_read": 0.5}},
                    {"provider": "featherless-ai", "status": "live"},
                    {"provider": "promo", "status": "live", "is_free": True},
                ],
            }
        ]
    }
)  # fmt: skip


def test_plain_cost_is_tokens_times_price_per_million() -> None:
    usage = Usage(input_tokens=1000, output_tokens=500)
    assert cost_of(usage, Price(3.0, 7.0)) == pytest.approx((1000 * 3 + 500 * 7) / 1e6)
    assert estimate(usage, Price(3.0, 7.0)) == CostEstimate(pytest.approx(0.0065))


def test_unknown_price_or_counts_give_none_not_zero() -> None:
    assert cost_of(Usage(input_tokens=10, output_tokens=10), None) is None
    assert cost_of(Usage(input_tokens=None, output_tokens=10), Price(1, 1)) is None
    assert cost_of(Usage(input_tokens=10, output_tokens=None), Price(1, 1)) is None


def test_cached_tokens_at_the_cache_price_report_the_saving() -> None:
    usage = Usage(input_tokens=1000, output_tokens=100, cached_input_tokens=600)
    got = estimate(usage, Price(2.0, 8.0, cache_read=0.5))
    assert got.usd == pytest.approx((400 * 2.0 + 600 * 0.5 + 100 * 8.0) / 1e6)
    assert got.cached_priced is True
    assert got.saved_usd == pytest.approx(600 * (2.0 - 0.5) / 1e6)


def test_cached_tokens_without_a_cache_price_are_flagged_not_guessed() -> None:
    usage = Usage(input_tokens=1000, output_tokens=100, cached_input_tokens=600)
    got = estimate(usage, Price(3.0, 7.0))
    assert got.usd == pytest.approx((1000 * 3.0 + 100 * 7.0) / 1e6)  # the upper bound
    assert got.cached_priced is False
    assert got.saved_usd is None


def test_cached_count_larger_than_input_is_capped() -> None:
    got = estimate(Usage(input_tokens=10, output_tokens=0, cached_input_tokens=50), Price(1, 1, 0))
    assert got.usd == 0.0 and got.saved_usd == pytest.approx(10 / 1e6)


def test_price_for_strips_policies_and_uses_the_serving_provider() -> None:
    assert price_for("deepseek-ai/DeepSeek-R1:cheapest", "together", CATALOG) == Price(3.0, 7.0)
    assert price_for("deepseek-ai/deepseek-r1", "novita", CATALOG) == Price(2.0, 8.0, 0.5)
    assert price_for("huggingface/together/deepseek-ai/DeepSeek-R1", "together", CATALOG)


def test_price_for_falls_back_to_the_provider_suffix_only_when_unknown() -> None:
    assert price_for("deepseek-ai/DeepSeek-R1:novita", None, CATALOG) == Price(2.0, 8.0, 0.5)
    assert price_for("deepseek-ai/DeepSeek-R1", None, CATALOG) is None
    # The provider that actually answered wins over the suffix.
    assert price_for("deepseek-ai/DeepSeek-R1:novita", "together", CATALOG) == Price(3.0, 7.0)


def test_missing_prices_free_offers_and_unknown_models() -> None:
    assert price_for("deepseek-ai/DeepSeek-R1", "featherless-ai", CATALOG) is None
    assert price_for("deepseek-ai/DeepSeek-R1", "promo", CATALOG) == Price(0.0, 0.0, 0.0)
    assert price_for("deepseek-ai/DeepSeek-R1", "groq", CATALOG) is None
    assert price_for("nobody/nothing", "together", CATALOG) is None
    assert price_for("deepseek-ai/DeepSeek-R1", "together", None) is None


def _result(provider: str | None, usage: Usage, model: str | None = None) -> TextResult:
    step = StepResult("hi", None, (), "stop", "stop", usage, ResponseMeta(model, provider, "r1"))
    return TextResult((step,), usage)


def test_result_cost_reads_only_the_cache_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HFGATE_ROUTER_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    result = _result("together", Usage(input_tokens=1_000_000, output_tokens=0))
    assert result_cost(result, "deepseek-ai/DeepSeek-R1") is None  # no cache: unknown

    record = {
        "base_url": "http://127.0.0.1:9/v1",
        "fetched_at": 0,  # very old: still used, prices change rarely
        "payload": {"data": [{"id": "deepseek-ai/DeepSeek-R1", "providers": [
            {"provider": "together", "status": "live", "pricing": {"input": 3, "output": 7}}
        ]}]},
    }  # fmt: skip
    (tmp_path / "catalog.json").write_text(json.dumps(record))
    os.utime(tmp_path / "catalog.json", (1, 1))
    assert result_cost(result, "deepseek-ai/DeepSeek-R1") == pytest.approx(3.0)
    # Without the requested id, the server's model name is tried.
    served = _result(
        "together", Usage(input_tokens=0, output_tokens=1_000_000), "deepseek-ai/DeepSeek-R1"
    )
    assert result_cost(served) == pytest.approx(7.0)
    assert result_cost(_result(None, Usage(1, 1))) is None


def test_result_cost_ignores_a_cache_written_for_another_router(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_CACHE_DIR", str(tmp_path))
    record = {"base_url": "http://elsewhere/v1", "fetched_at": 0, "payload": {"data": [
        {"id": "a/b", "providers": [{"provider": "p", "status": "live",
                                     "pricing": {"input": 1, "output": 1}}]}]}}  # fmt: skip
    (tmp_path / "catalog.json").write_text(json.dumps(record))
    assert result_cost(_result("p", Usage(10, 10)), "a/b") is None
