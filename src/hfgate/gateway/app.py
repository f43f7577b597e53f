"""The gateway as an ASGI app: routes to the request pipeline, the keys API, the model list,
health and metrics. Everything with state (database, connection pool, metrics) is made in the
lifespan, so one process can host several apps (the tests do)."""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hfgate.formats import FORMATS
from hfgate.formats.anthropic import PATH
from hfgate.formats.base import Format
from hfgate.gateway.admin import KeysAPI
from hfgate.gateway.auth import Authenticator
from hfgate.gateway.config import GatewayConfig
from hfgate.gateway.console import Console
from hfgate.gateway.counting import COUNT_PATH, TokenCounts
from hfgate.gateway.errors import GatewayError
from hfgate.gateway.exchange import Exchanges, error_response
from hfgate.gateway.listing import anthropic_list, model_names, openai_list
from hfgate.gateway.metrics import CONTENT_TYPE, Metrics
from hfgate.gateway.store import Store, open_store
from hfgate.gateway.upstream import Upstreams
from hfgate.routing.catalog import load_catalog, router_url
from hfgate.routing.resolve import Origin
from hfgate.telemetry import serve_as

log = logging.getLogger("hfgate.gateway")

INGRESS: tuple[Format, ...] = tuple(FORMATS.values())


def create_app(config: GatewayConfig | None = None, *, store: Store | None = None) -> FastPath:
    """The gateway app; `store` replaces the database named in `config` (tests, embedding)."""
    config = config or GatewayConfig.from_env()
    serve_as("hfgate-gateway")  # the default service.name of its spans, if traced
    state = _State(config, store)
    endpoints = {d.served_at: state.endpoint(d) for d in INGRESS}
    endpoints |= {  # OpenAI clients given a base URL without /v1
        d.served_at.removeprefix("/v1"): state.endpoint(d) for d in INGRESS if d.name != "messages"
    }
    routes = [Route(path, endpoint, methods=["POST"]) for path, endpoint in endpoints.items()]
    routes += [
        Route(COUNT_PATH, state.count_tokens, methods=["POST"]),
        Route("/", state.root, methods=["GET"]),  # and HEAD: Claude Code probes it
        Route("/v1/models", state.models, methods=["GET"]),
        Route("/models", state.models, methods=["GET"]),
        Route("/health", state.health, methods=["GET"]),
        Route("/metrics", state.metrics_text, methods=["GET"]),
        Route("/keys", state.keys_create, methods=["POST"]),
        Route("/keys", state.keys_list, methods=["GET"]),
        Route("/keys/{key}", state.keys_revoke, methods=["DELETE"]),
        *state.console.routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=state.lifespan,
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    return FastPath(app, endpoints)


Endpoint = Callable[[Request], Awaitable[Response]]


class FastPath:
    """The model endpoints straight from the ASGI server; everything else (and any mounted
    prefix) through Starlette. Starlette's router and its two middlewares cost ~5 % of the
    gateway's CPU per request, and have nothing to do there: `Exchanges.handle` answers every
    failure itself, in the client's own API."""

    def __init__(self, app: Starlette, endpoints: dict[str, Endpoint]) -> None:
        self.app = app
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            endpoint = self.endpoints.get(scope["path"])
            if endpoint is not None:
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _State:
    """What the routes share, made when the app starts."""

    def __init__(self, config: GatewayConfig, store: Store | None) -> None:
        self.config = config
        self.given_store = store
        self.router_url = config.router_url or router_url()
        self.metrics = Metrics()
        self.console = Console(config.master_key)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        store = self.given_store or await open_store(self.config.database_url)
        self.store = store
        self.auth = Authenticator(store, self.config.master_key)
        origin = Origin(self.router_url, True)
        self.upstreams = Upstreams(
            origin, retries=self.config.upstream_retries, timeout=self.config.upstream_timeout
        )
        self.exchanges = Exchanges(
            store,
            self.upstreams,
            self.auth,
            self.metrics,
            max_body_bytes=self.config.max_body_bytes,
        )
        self.keys = KeysAPI(store, self.auth)
        self.console.open(store)
        self.counts = TokenCounts(self.exchanges, max_body_bytes=self.config.max_body_bytes)
        if self.config.refresh_catalog:  # prices first: budgets need them from request one
            await anyio.to_thread.run_sync(_warm_up, self.router_url)
        _settle_garbage_collector()
        try:
            yield
        finally:
            await self.upstreams.aclose()
            if self.given_store is None:
                await store.close()

    def endpoint(self, dialect: Format) -> Endpoint:
        async def handle(request: Request) -> Response:
            return await self.exchanges.handle(request, dialect)

        return handle

    async def count_tokens(self, request: Request) -> Response:
        return await self.counts.handle(request)

    async def root(self, request: Request) -> Response:
        return JSONResponse({"service": "hfgate", "status": "ok", "models": "/v1/models"})

    async def models(self, request: Request) -> Response:
        anthropic_client = _anthropic_client(request)
        try:
            caller = await self.auth.current_caller(request.headers)
        except Exception as exc:  # noqa: BLE001
            return error_response(exc, anthropic_client)
        patterns = caller.key.models if caller.key is not None else ()
        names = model_names(self.router_url, patterns)
        if anthropic_client:
            stamp = datetime.fromtimestamp(0, UTC).isoformat().replace("+00:00", "Z")
            return JSONResponse(anthropic_list(names, stamp))
        return JSONResponse(openai_list(names, 0))

    async def health(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            await self.store.get_key("health-check")
        except Exception as exc:  # noqa: BLE001 - unhealthy, said plainly
            log.warning("health check: database unreachable: %s", exc)
            return JSONResponse({"status": "error", "database": "unreachable"}, 503)
        ms = round((time.perf_counter() - started) * 1000, 2)
        return JSONResponse({"status": "ok", "database": "ok", "database_ms": ms})

    async def metrics_text(self, request: Request) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)

    async def keys_create(self, request: Request) -> Response:
        return await self.keys.create(request)

    async def keys_list(self, request: Request) -> Response:
        return await self.keys.list(request)

    async def keys_revoke(self, request: Request) -> Response:
        return await self.keys.revoke(request)


GC_THRESHOLDS = (20_000, 20, 50)
"""A request allocates thousands of short-lived objects (httpx's, aiohttp's, pydantic's);
Python's default collects the young generation every 700 net allocations."""


def _settle_garbage_collector() -> None:
    """What start-up made (the catalog, prices, modules) goes out of the collector's sight
    (`gc.freeze`), so its collections stop re-scanning it, and young collections run less
    often. Measured with bench/gateway.py, interleaved runs: ~5 % more requests per second."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _warm_up(url: str) -> None:
    """Load what pricing needs before the first request wants it: the router catalog (fetched
    when the cache is stale, kept when the router is unreachable) and genai-prices."""
    try:
        load_catalog(base_url=url, offline_ok=True, timeout=10.0)
    except Exception as exc:  # noqa: BLE001 - prices stay unknown; requests still work
        log.warning("could not load the router catalog from %s: %s", url, exc)
    with contextlib.suppress(Exception):
        import genai_prices  # noqa: F401


def _anthropic_client(request: Request) -> bool:
    """Whether to answer in Anthropic's error format: a path of the Messages API, or a client
    that sends `anthropic-version`, or its key as `x-api-key` without `Authorization`."""
    path, headers = request.url.path, request.headers
    if path == PATH or path.startswith(f"{PATH}/"):
        return True
    return "anthropic-version" in headers or (
        "x-api-key" in headers and "authorization" not in headers
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    path = request.url.path
    if path.startswith(_BATCHES):
        message = (
            "Message Batches are not served by this gateway; "
            "send each request to POST /v1/messages."
        )
    else:
        message = f"No route {path}; see /v1/models, /v1/chat/completions, /v1/messages, ..."
    return error_response(GatewayError(404, message, code="not_found"), _anthropic_client(request))


async def _not_allowed(request: Request, exc: Exception) -> Response:
    message = f"{request.method} is not allowed on {request.url.path}."
    allow = getattr(exc, "headers", None) or {}
    error = GatewayError(405, message, code="method_not_allowed", headers=allow)
    return error_response(error, _anthropic_client(request))


_BATCHES = f"{PATH}/batches"
