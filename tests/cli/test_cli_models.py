"""`hfgate models`: the live catalog as a table or JSON, filters, the cache, offline use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from hfgate.routing.catalog import Catalog, fetch_catalog
from hfgate.testing import RouterEmulator

Invoke = Callable[..., Result]


def _catalog(router: Any) -> Catalog:
    catalog = fetch_catalog(router.base_url)
    assert catalog.models, "the emulator serves an empty catalog"
    return catalog


def _cells(stdout: str) -> list[list[str]]:
    rows = [line for line in stdout.splitlines() if line.startswith("│")]
    return [[c.strip() for c in row.strip("│").split("│")] for row in rows]


def test_table_rows_hold_the_catalog_values(invoke: Invoke, routed: Any) -> None:
    catalog = _catalog(routed)
    result = invoke("models")
    assert result.exit_code == 0
    cells = _cells(result.stdout)
    offers = [(m, o) for m in catalog.models for o in m.providers]
    assert len(cells) == len(offers)
    for row, (model, offer) in zip(cells, offers, strict=True):
        assert row[0] in (model.id, "")
        assert row[1] == offer.provider and row[2] == offer.status
        if offer.context_length is not None:
            assert row[3] == f"{offer.context_length:,}"
        if offer.input_price is not None and not offer.is_free:
            assert row[4] == f"{offer.input_price:g}" and row[5] == f"{offer.output_price:g}"
        assert row[8] == {True: "yes", False: "no", None: "-"}[offer.supports_tools]


def test_json_and_filters(invoke: Invoke, routed: Any) -> None:
    catalog = _catalog(routed)
    everything = json.loads(invoke("models", "--json").stdout)
    assert [m["id"] for m in everything] == [m.id for m in catalog.models]

    provider = catalog.models[0].providers[0].provider
    only = json.loads(invoke("models", "--json", "--provider", provider).stdout)
    assert only and all(p["provider"] == provider for m in only for p in m["providers"])

    tools = json.loads(invoke("models", "--json", "--tools").stdout)
    assert all(p["supports_tools"] is True for m in tools for p in m["providers"])
    expected = sum(o.supports_tools is True for m in catalog.models for o in m.providers)
    assert sum(len(m["providers"]) for m in tools) == expected

    structured = json.loads(invoke("models", "--json", "--structured").stdout)
    assert all(p["supports_structured_output"] is True for m in structured for p in m["providers"])

    needle = catalog.models[-1].id.split("/")[1][:5].upper()
    found = json.loads(invoke("models", "--json", "--search", needle).stdout)
    assert found and all(needle.lower() in m["id"].lower() for m in found)
    assert invoke("models", "--search", "no-such-model-anywhere").stderr == "no model matches\n"


def test_cached_for_an_hour_then_offline_with_a_notice(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, cli_dirs: dict[str, str]
) -> None:
    with RouterEmulator() as router:
        monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
        first = invoke("models", "--json")
        assert first.exit_code == 0 and first.stderr == ""
        gets = _catalog_requests(router)
        second = invoke("models", "--json")
        assert second.stdout == first.stdout
        assert _catalog_requests(router) == gets  # served from the cache
    cache = Path(cli_dirs["HFGATE_CACHE_DIR"]) / "catalog.json"
    assert json.loads(cache.read_text())["base_url"] == router.base_url

    fresh = invoke("models", "--json")  # the router is gone, but the cache is fresh
    assert fresh.exit_code == 0 and fresh.stdout == first.stdout and fresh.stderr == ""
    offline = invoke("models", "--json", "--refresh")
    assert offline.exit_code == 0 and offline.stdout == first.stdout
    assert offline.stderr.startswith("offline: showing the catalog cached 0 s ago (")


def test_offline_without_a_cache_fails_with_exit_7(invoke: Invoke, no_router: str) -> None:
    result = invoke("models")
    assert result.exit_code == 7
    assert result.stderr.startswith(f"error: could not reach the server: Connection to {no_router}")


def _catalog_requests(router: Any) -> int:
    return sum(1 for r in router.requests if r.path.endswith("/models"))
