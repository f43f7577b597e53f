"""The typed catalog: permissive parsing, the one-hour cache, offline fallback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hfgate.errors import APIConnectionError, ServerError
from hfgate.routing.catalog import (
    RECHECK_SECONDS,
    CatalogModel,
    ProviderOffer,
    cache_path,
    cached_catalog,
    load_catalog,
    parse_catalog,
)

# The verbatim example from the router docs (hub-api.md), trimmed to three providers.
DOC_EXAMPLE = {
    "object": "list",
    "data": [
        {
            "id": "deepseek-ai/DeepSeek-V4-Pro",
            "object": "model",
            "created": 1776837885,
            "owned_by": "deepseek-ai",
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "providers": [
                {
                    "provider": "novita",
                    "status": "live",
                    "context_length": 1048576,
                    "pricing": {"input": 1.69, "output": 3.38},
                    "supports_tools": True,
                    "supports_structured_output": False,
                    "first_token_latency_ms": 1490,
                    "throughput": 24.69124008437934,
                    "is_model_author": False,
                },
                {"provider": "featherless-ai", "status": "live", "is_model_author": False},
                {"provider": "brand-new", "status": "degraded", "new_field": {"x": 1}},
            ],
        }
    ],
}


def test_parses_the_documented_shape() -> None:
    catalog = parse_catalog(DOC_EXAMPLE)
    (model,) = catalog.models
    assert model == CatalogModel(
        id="deepseek-ai/DeepSeek-V4-Pro",
        owned_by="deepseek-ai",
        input_modalities=("text",),
        output_modalities=("text",),
        providers=(
            ProviderOffer(
                provider="novita",
                status="live",
                context_length=1048576,
                input_price=1.69,
                output_price=3.38,
                supports_tools=True,
                supports_structured_output=False,
                first_token_latency_ms=1490.0,
                throughput=24.69124008437934,
                is_model_author=False,
            ),
            ProviderOffer("featherless-ai", "live", is_model_author=False),
            ProviderOffer("brand-new", "degraded"),  # unknown status kept, unknown field ignored
        ),
    )


def test_lookup_strips_suffixes_and_ignores_case() -> None:
    catalog = parse_catalog(DOC_EXAMPLE)
    assert catalog.get("deepseek-ai/deepseek-v4-pro:fastest") is catalog.models[0]
    assert catalog.offer("deepseek-ai/DeepSeek-V4-Pro:novita", "novita") is not None
    assert catalog.offer("deepseek-ai/DeepSeek-V4-Pro", "groq") is None
    assert catalog.get("other/model") is None


@pytest.mark.parametrize(
    "payload",
    [None, [], {"data": "nope"}, {"data": [1, "x", {"no": "id"}, {"id": ""}]}, "text"],
)
def test_garbage_gives_an_empty_catalog(payload: Any) -> None:
    assert parse_catalog(payload).models == ()


def test_wrong_types_become_unknown() -> None:
    catalog = parse_catalog(
        [{"id": "a/b", "providers": [{"provider": "p", "status": 3, "context_length": "big",
          "pricing": {"input": "1", "output": True}, "supports_tools": "yes"}]}]
    )  # fmt: skip
    assert catalog.models[0].providers[0] == ProviderOffer("p", "unknown")


def test_cache_read_price_when_the_router_gives_one() -> None:
    catalog = parse_catalog(
        [{"id": "a/b", "providers": [{"provider": "p", "status": "live",
          "pricing": {"input": 1, "output": 2, "cache_read": 0.25}}]}]
    )  # fmt: skip
    assert catalog.offer("a/b", "p") == ProviderOffer("p", "live", None, 1.0, 2.0, 0.25)


class _Catalog(BaseHTTPRequestHandler):
    hits: list[str] = []
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        body = json.dumps(DOC_EXAMPLE if self.status == 200 else {"error": "down"}).encode()
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[type[_Catalog]]:
    handler = type("Handler", (_Catalog,), {"hits": [], "status": 200})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("HFGATE_ROUTER_URL", f"http://127.0.0.1:{httpd.server_port}/v1")
    monkeypatch.setenv("HFGATE_CACHE_DIR", str(tmp_path / "cache"))
    try:
        yield handler
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_fetches_once_then_serves_the_cache_for_an_hour(server: type[_Catalog]) -> None:
    first = load_catalog()
    assert (first.from_cache, first.age, first.fetch_error) == (False, 0.0, None)
    assert server.hits == ["/v1/models"]
    assert json.loads(cache_path().read_text())["payload"] == DOC_EXAMPLE

    second = load_catalog()
    assert second.from_cache and second.catalog == first.catalog
    assert server.hits == ["/v1/models"]  # no second request

    load_catalog(refresh=True)
    assert len(server.hits) == 2


def test_a_stale_cache_is_refetched(server: type[_Catalog]) -> None:
    load_catalog()
    assert not load_catalog(ttl=0).from_cache
    assert len(server.hits) == 2


def test_offline_falls_back_to_any_cached_copy(server: type[_Catalog]) -> None:
    load_catalog()
    server.status = 503
    loaded = load_catalog(refresh=True)
    assert loaded.from_cache and isinstance(loaded.fetch_error, ServerError)
    assert loaded.catalog.models[0].id == "deepseek-ai/DeepSeek-V4-Pro"
    with pytest.raises(ServerError):
        load_catalog(refresh=True, offline_ok=False)


def test_no_cache_and_no_router_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HFGATE_CACHE_DIR", str(tmp_path))
    with pytest.raises(APIConnectionError):
        load_catalog(base_url="http://127.0.0.1:9/v1", timeout=2)


def test_cached_catalog_never_fetches(server: type[_Catalog]) -> None:
    assert cached_catalog() is None
    load_catalog()
    catalog = cached_catalog()
    assert catalog is not None and catalog.get("deepseek-ai/DeepSeek-V4-Pro") is not None
    assert cached_catalog() is catalog  # parsed once per change of the file
    assert len(server.hits) == 1
    time.sleep(0.01)


def test_another_processs_refresh_is_seen_within_a_second(server: type[_Catalog]) -> None:
    """The file is looked at once a second, not on every priced call (the gateway prices
    every request); this process's own refresh is seen at once."""
    load_catalog()
    first = cached_catalog()
    stored = json.loads(cache_path().read_text())
    stored["payload"] = {"object": "list", "data": []}
    other = cache_path().with_suffix(".other")
    other.write_text(json.dumps(stored))
    other.replace(cache_path())  # as another process's write_cache does
    assert cached_catalog() is first
    time.sleep(RECHECK_SECONDS + 0.05)
    emptied = cached_catalog()
    assert emptied is not None and emptied.get("deepseek-ai/DeepSeek-V4-Pro") is None
    load_catalog(refresh=True)  # this process's own write: at once
    again = cached_catalog()
    assert again is not None and again.get("deepseek-ai/DeepSeek-V4-Pro") is not None
