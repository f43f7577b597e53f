"""The router's live model catalog (`GET /v1/models`) as typed values, with a one-hour cache.

    loaded = load_catalog()            # the cache if younger than an hour, else the router
    offer = loaded.catalog.offer("deepseek-ai/DeepSeek-R1:cheapest", "together")

Every per-provider field except `provider` and `status` is optional: the router leaves out what
its probes have not measured, and `None` means exactly that. Unknown fields are ignored and
unknown statuses kept as written, so a new router field never breaks the CLI.

The cache is one JSON file, `<user cache dir>/catalog.json` (`HFGATE_CACHE_DIR` overrides the
directory), holding the raw payload, the URL it came from and when it was fetched; a cache
written for another router URL counts as missing.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgate._constants import ROUTER_URL, env_router_url
from hfgate.errors import HfgateError
from hfgate.http.auth import find_hf_key
from hfgate.http.endpoint import Endpoint
from hfgate.http.sync_transport import SyncTransport
from hfgate.inputs.model_ids import parse_hf_model_id

CACHE_TTL = 3600.0
"""Seconds a cached catalog is served without asking the router again."""
CACHE_DIR_ENV = "HFGATE_CACHE_DIR"
_CACHE_FILE = "catalog.json"


@dataclass(frozen=True, slots=True)
class ProviderOffer:
    """One provider serving one model; prices are USD per 1M tokens."""

    provider: str
    status: str
    context_length: int | None = None
    input_price: float | None = None
    output_price: float | None = None
    cache_read_price: float | None = None
    is_free: bool | None = None
    supports_tools: bool | None = None
    supports_structured_output: bool | None = None
    first_token_latency_ms: float | None = None
    throughput: float | None = None
    is_model_author: bool | None = None


@dataclass(frozen=True, slots=True)
class CatalogModel:
    id: str
    owned_by: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    providers: tuple[ProviderOffer, ...] = ()

    def offer(self, provider: str) -> ProviderOffer | None:
        for offer in self.providers:
            if offer.provider == provider:
                return offer
        return None


@dataclass(frozen=True, slots=True)
class Catalog:
    models: tuple[CatalogModel, ...] = ()
    _by_id: dict[str, CatalogModel] = field(init=False, repr=False, compare=False)
    """Lower-cased id -> its first model: the gateway looks up every request's model, and the
    router lists thousands."""

    def __post_init__(self) -> None:
        by_id: dict[str, CatalogModel] = {}
        for model in self.models:
            by_id.setdefault(model.id.lower(), model)
        object.__setattr__(self, "_by_id", by_id)

    def get(self, model_id: str) -> CatalogModel | None:
        """The model for an id as users write it (`:provider`/`:policy` suffixes and the
        LiteLLM `huggingface/` spelling accepted); Hub ids match case-insensitively."""
        return self._by_id.get(repo_of(model_id).lower())

    def offer(self, model_id: str, provider: str) -> ProviderOffer | None:
        model = self.get(model_id)
        return model.offer(provider) if model is not None else None

    def suggestions(self, name: str, n: int = 3) -> list[str]:
        """The closest ids, for "did you mean": whole ids, and the name after the org, so
        `qwen3-32b` finds `Qwen/Qwen3-32B`."""
        import difflib

        wanted = repo_of(name).casefold() if "/" in name else name.casefold()
        by_fold: dict[str, str] = {}
        for model in self.models:
            by_fold.setdefault(model.id.casefold(), model.id)
            by_fold.setdefault(model.id.rsplit("/", 1)[-1].casefold(), model.id)
        close = difflib.get_close_matches(wanted, list(by_fold), n=n * 2, cutoff=0.75)
        return list(dict.fromkeys(by_fold[c] for c in close))[:n]


@dataclass(frozen=True, slots=True)
class CatalogLoad:
    """What `load_catalog` found. `fetch_error` is set when the router could not be reached
    and an older cached copy is served instead."""

    catalog: Catalog
    from_cache: bool
    age: float | None
    """Seconds since the catalog was fetched (0 for a fresh fetch)."""
    fetch_error: HfgateError | None = None


def repo_of(model_id: str) -> str:
    """`org/model` from any accepted spelling; the id itself when it does not parse."""
    try:
        return parse_hf_model_id(model_id).repo
    except HfgateError:
        return model_id.partition(":")[0]


# --- parsing: permissive, unknown fields ignored ------------------------------------------


def parse_catalog(payload: Any) -> Catalog:
    """A catalog from the JSON of `GET /v1/models` (`{"data": [...]}` or a bare list)."""
    items = payload.get("data") if isinstance(payload, Mapping) else payload
    if not isinstance(items, list):
        return Catalog()
    models = (_model(item) for item in items if isinstance(item, Mapping))
    return Catalog(tuple(m for m in models if m is not None))


def _model(item: Mapping[str, Any]) -> CatalogModel | None:
    model_id = item.get("id")
    if not isinstance(model_id, str) or not model_id:
        return None
    arch = item.get("architecture")
    arch = arch if isinstance(arch, Mapping) else {}
    offers = item.get("providers")
    providers = tuple(
        o for o in (_offer(p) for p in (offers if isinstance(offers, list) else [])) if o
    )
    return CatalogModel(
        id=model_id,
        owned_by=_str(item.get("owned_by")),
        input_modalities=_strings(arch.get("input_modalities")),
        output_modalities=_strings(arch.get("output_modalities")),
        providers=providers,
    )


def _offer(item: Any) -> ProviderOffer | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("provider"), str):
        return None
    pricing = item.get("pricing")
    pricing = pricing if isinstance(pricing, Mapping) else {}
    context = _number(item.get("context_length"))
    return ProviderOffer(
        provider=item["provider"],
        status=_str(item.get("status")) or "unknown",
        context_length=int(context) if context is not None else None,
        input_price=_number(pricing.get("input")),
        output_price=_number(pricing.get("output")),
        cache_read_price=_first_number(pricing, ("cache_read", "cached_input", "input_cache_read")),
        is_free=_bool(item.get("is_free")),
        supports_tools=_bool(item.get("supports_tools")),
        supports_structured_output=_bool(item.get("supports_structured_output")),
        first_token_latency_ms=_number(item.get("first_token_latency_ms")),
        throughput=_number(item.get("throughput")),
        is_model_author=_bool(item.get("is_model_author")),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _first_number(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    return next((v for v in (_number(mapping.get(k)) for k in keys) if v is not None), None)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


# --- network and cache -------------------------------------------------------------------


def router_url() -> str:
    """The router in use: `HFGATE_ROUTER_URL`, else router.huggingface.co."""
    return env_router_url() or ROUTER_URL


_CACHE_ENV = (CACHE_DIR_ENV, "XDG_CACHE_HOME", "HOME", "LOCALAPPDATA")
"""The variables the cache's location is made of, in `_cache_dir`'s order."""


def cache_dir() -> Path:
    return _cache_dir(*map(os.environ.get, _CACHE_ENV))


@functools.lru_cache(maxsize=8)
def _cache_dir(override: str | None, *platform_env: str | None) -> Path:
    """Memoised per environment (every variable platformdirs reads): pricing asks on every
    call, and platformdirs is slow."""
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hfgate"))


def cache_path() -> Path:
    return cache_dir() / _CACHE_FILE


def fetch_catalog_json(base_url: str | None = None, timeout: float = 15.0) -> Any:
    """The raw JSON of `GET <base_url>/models`. The endpoint is public; the HF key is sent
    when one is found (it is only ever given to the router in use)."""
    url = base_url or router_url()
    endpoint = Endpoint(url, find_hf_key())
    transport = SyncTransport()
    try:
        return transport.get_json(url.rstrip("/") + "/models", endpoint, timeout=timeout)
    finally:
        transport.close()


def fetch_catalog(base_url: str | None = None, timeout: float = 15.0) -> Catalog:
    return parse_catalog(fetch_catalog_json(base_url, timeout))


def read_cache(base_url: str | None = None) -> tuple[Any, float] | None:
    """(payload, fetched_at) from the cache file for this router, or None."""
    try:
        stored = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = (base_url or router_url()).rstrip("/")
    if not isinstance(stored, dict) or str(stored.get("base_url")).rstrip("/") != url:
        return None
    fetched_at = stored.get("fetched_at")
    if not isinstance(fetched_at, int | float):
        return None
    return stored.get("payload"), float(fetched_at)


def write_cache(payload: Any, base_url: str | None = None) -> None:
    """Store a payload atomically; a cache that cannot be written is skipped silently."""
    path = cache_path()
    record = {"base_url": base_url or router_url(), "fetched_at": time.time(), "payload": payload}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    _memo.clear()


def load_catalog(
    refresh: bool = False,
    offline_ok: bool = True,
    base_url: str | None = None,
    ttl: float = CACHE_TTL,
    timeout: float = 15.0,
) -> CatalogLoad:
    """The catalog: from a cache younger than `ttl` unless `refresh`, else from the router
    (and cached). When the router cannot be reached and `offline_ok`, any cached copy is
    served with the error in `fetch_error`; otherwise the error is raised."""
    url = base_url or router_url()
    cached = read_cache(url)
    now = time.time()
    if cached is not None and not refresh and now - cached[1] < ttl:
        return CatalogLoad(parse_catalog(cached[0]), True, max(now - cached[1], 0.0))
    try:
        payload = fetch_catalog_json(url, timeout)
    except HfgateError as exc:
        if offline_ok and cached is not None:
            return CatalogLoad(parse_catalog(cached[0]), True, max(now - cached[1], 0.0), exc)
        raise
    write_cache(payload, url)
    return CatalogLoad(parse_catalog(payload), False, 0.0)


RECHECK_SECONDS = 1.0
"""How long a parsed catalog is served before its file is `stat`ed again: another process's
refresh is seen within a second, this process's own at once (`write_cache` forgets)."""
_memo: dict[tuple[str | None, ...], tuple[float, float, Catalog]] = {}
"""(base URL, the cache location's variables) -> (file mtime, when checked, the catalog)."""


def cached_catalog(base_url: str | None = None) -> Catalog | None:
    """The cached catalog for this router, whatever its age, without touching the network;
    parsed once per change of the file, the file looked at no more than once a second."""
    key = (base_url or router_url(), *map(os.environ.get, _CACHE_ENV))
    now = time.monotonic()
    hit = _memo.get(key)
    if hit is not None and now - hit[1] < RECHECK_SECONDS:
        return hit[2]
    path = cache_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    if hit is not None and hit[0] == mtime:
        _memo[key] = (mtime, now, hit[2])
        return hit[2]
    cached = read_cache(base_url)
    if cached is None:
        return None
    catalog = parse_catalog(cached[0])
    _memo[key] = (mtime, now, catalog)
    return catalog
