"""`Client` and `AsyncClient`: resolve the model, build the request, run the steps.

Everything that does not touch I/O lives in `_ClientBase`; the two faces differ only in how
they send requests and run tools.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Unpack

from hfgate._constants import DEFAULT_HF_MODEL, ROUTER_URL, ROUTER_URL_ENV
from hfgate.client.backends import AsyncBackend, Backend, async_backend_for, backend_for
from hfgate.client.generation import PendingCall, Run, run_tool_async, run_tool_sync
from hfgate.client.stream import AsyncTextStream, TextStream
from hfgate.errors import ConfigError, OutputError
from hfgate.http.auth import find_hf_key, is_hf_host
from hfgate.http.endpoint import RetryPolicy
from hfgate.http.transport import AsyncTransport, SyncTransport
from hfgate.inputs.messages import build_messages
from hfgate.inputs.objects import parse_object, retry_prompt
from hfgate.inputs.options import CallOptions
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, to_response_format, to_stop
from hfgate.inputs.tools import to_tools
from hfgate.routing.resolve import Origin, Route, resolve_model
from hfgate.types import (
    Finish,
    Message,
    ResponseMeta,
    StepFinish,
    StreamEvent,
    TextResult,
    ToolResultEvent,
)

_LOCAL_NOTICE = (
    "hfgate: no model given and no Hugging Face key found, so answering with the embedded "
    "local model (SmolLM2-135M, small and offline). For Hugging Face Inference Providers, "
    "set HF_TOKEN and pass model='org/model', e.g. -m Qwen/Qwen3-32B."
)
_noticed = False
_OPTION_NAMES = frozenset(CallOptions.__annotations__)


class _ClientBase:
    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int = 2,
        bill_to: str | None = None,
        headers: Mapping[str, str] | None = None,
        hf_router: bool | None = None,
        http_client: Any = None,
    ) -> None:
        """`hf_router` says whether `base_url` speaks the HF router's dialect (HF model ids,
        the HF key, `X-HF-Bill-To`); by default, true for Hugging Face hosts. `http_client`
        is an httpx.Client (AsyncClient for `AsyncClient`) to use instead of our own."""
        env_router = os.environ.get(ROUTER_URL_ENV)
        self.base_url = base_url or env_router or ROUTER_URL
        self.is_router = (
            hf_router
            if hf_router is not None
            else base_url is None or is_hf_host(self.base_url) or base_url == env_router
        )
        self.timeout = timeout
        self.max_retries = max_retries
        self.bill_to = bill_to
        self.headers = dict(headers or {})
        self._api_key = api_key
        self._http_client = http_client

    def __repr__(self) -> str:
        key = "set" if self._api_key else "from environment"
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key=<{key}>)"

    # --- pure preparation ------------------------------------------------------------------

    def _model(self, model: str | None) -> str:
        if model is not None:
            return model
        if not self.is_router:
            raise ConfigError(
                f"Pass model=... for {self.base_url}: only the Hugging Face router has a "
                "default model."
            )
        if find_hf_key(self._api_key):
            return DEFAULT_HF_MODEL
        global _noticed
        if not _noticed:
            print(_LOCAL_NOTICE, file=sys.stderr)
            _noticed = True
        return "local"

    def _origin(self) -> Origin:
        return Origin(self.base_url, self.is_router, self._api_key, self.bill_to, self.headers)

    def _prepare(self, model: str | None, options: CallOptions) -> tuple[Route, Run]:
        """(where the call goes, the run's state) from the user's keyword arguments."""
        unknown = options.keys() - _OPTION_NAMES
        if unknown:
            raise ConfigError(f"Unknown argument(s): {', '.join(sorted(unknown))}.")
        route = resolve_model(self._model(model), self._origin(), options.get("api"))
        messages = tuple(
            build_messages(
                prompt=options.get("prompt"),
                messages=options.get("messages"),
                system=options.get("system"),
                images=options.get("images", ()),
            )
        )
        request = route.prepare(
            ChatRequest(
                model=route.model,
                messages=messages,
                tools=tuple(to_tools(options.get("tools"))),
                tool_choice=options.get("tool_choice"),
                response_format=to_response_format(options.get("response_format")),
                temperature=options.get("temperature"),
                max_tokens=options.get("max_tokens"),
                top_p=options.get("top_p"),
                stop=to_stop(options.get("stop")),
                seed=options.get("seed"),
                reasoning_effort=options.get("reasoning_effort"),
                extra_body=options.get("extra_body"),
                prompt_caching=options.get("prompt_caching", True),
            )
        )
        run = Run(
            request,
            options.get("max_steps", 1),
            route.priced_by,
            route.api_url,
            route.price_provider,
        )
        return route, run

    def _http_options(self, options: CallOptions) -> dict[str, Any]:
        retries = options.get("max_retries")
        return {
            "headers": dict(options.get("headers") or {}) or None,
            "timeout": options.get("timeout") or self.timeout,
            "retry": RetryPolicy(self.max_retries if retries is None else retries),
        }


def _object_options(schema: Any, options: CallOptions) -> tuple[JsonSchemaFormat, CallOptions]:
    fmt = to_response_format(schema)
    if not isinstance(fmt, JsonSchemaFormat):
        raise ConfigError("generate_object needs a JSON schema dict or a pydantic model class.")
    return fmt, {**options, "response_format": fmt}


def _retry_options(result: TextResult, problem: str, options: CallOptions) -> CallOptions:
    messages = [*result.messages, Message("user", retry_prompt(problem))]
    return {**options, "messages": messages, "prompt": None, "system": None, "images": ()}


# --- sync face -----------------------------------------------------------------------------


class Client(_ClientBase):
    """A connection pool and defaults for calling models; use one per application."""

    _transport: SyncTransport | None = None

    def _backend(self, route: Route, options: CallOptions) -> Backend:
        return backend_for(route, self._sync_transport, **self._http_options(options))

    def _sync_transport(self) -> SyncTransport:
        if self._transport is None:
            self._transport = SyncTransport(self._http_client)
        return self._transport

    def generate_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> TextResult:
        route, run = self._prepare(model, options)
        backend = self._backend(route, options)
        while True:
            pending = run.record(backend.complete(run.request))
            if not pending:
                return run.result()
            run.add_results([run_tool_sync(p) for p in pending])

    def stream_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> TextStream:
        route, run = self._prepare(model, options)
        return TextStream(self._events(route, run, options))

    def _events(self, route: Route, run: Run, options: CallOptions) -> Iterator[StreamEvent]:
        backend = self._backend(route, options)
        pending: list[PendingCall] = []
        while True:
            for event in backend.stream(run.request):
                if isinstance(event, ResponseMeta):
                    continue
                if isinstance(event, StepFinish):
                    pending = run.record(event.step)
                yield event
            if not pending:
                yield Finish(run.result())
                return
            results = [run_tool_sync(p) for p in pending]
            for result in results:
                yield ToolResultEvent(result)
            run.add_results(results)

    def generate_object(
        self, *, model: str | None = None, schema: Any, **options: Unpack[CallOptions]
    ) -> Any:
        """The answer as a validated object (a pydantic instance, or JSON data for a dict
        schema); invalid JSON is sent back once with the validation error."""
        fmt, options = _object_options(schema, options)
        result = self.generate_text(model=model, **options)
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        result = self.generate_text(model=model, **_retry_options(result, problem, options))
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        raise OutputError(f"The model did not return valid JSON: {problem}", text=result.text)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- async face ----------------------------------------------------------------------------


class AsyncClient(_ClientBase):
    """The async twin of `Client`."""

    _transport: AsyncTransport | None = None

    def _backend(self, route: Route, options: CallOptions) -> AsyncBackend:
        return async_backend_for(route, self._async_transport, **self._http_options(options))

    def _async_transport(self) -> AsyncTransport:
        if self._transport is None:
            self._transport = AsyncTransport(self._http_client)
        return self._transport

    async def generate_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> TextResult:
        route, run = self._prepare(model, options)
        backend = self._backend(route, options)
        while True:
            pending = run.record(await backend.complete(run.request))
            if not pending:
                return run.result()
            run.add_results([await run_tool_async(p) for p in pending])

    def stream_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> AsyncTextStream:
        route, run = self._prepare(model, options)
        return AsyncTextStream(self._events(route, run, options))

    async def _events(
        self, route: Route, run: Run, options: CallOptions
    ) -> AsyncIterator[StreamEvent]:
        backend = self._backend(route, options)
        pending: list[PendingCall] = []
        while True:
            async for event in backend.stream(run.request):
                if isinstance(event, ResponseMeta):
                    continue
                if isinstance(event, StepFinish):
                    pending = run.record(event.step)
                yield event
            if not pending:
                yield Finish(run.result())
                return
            results = [await run_tool_async(p) for p in pending]
            for result in results:
                yield ToolResultEvent(result)
            run.add_results(results)

    async def generate_object(
        self, *, model: str | None = None, schema: Any, **options: Unpack[CallOptions]
    ) -> Any:
        fmt, options = _object_options(schema, options)
        result = await self.generate_text(model=model, **options)
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        result = await self.generate_text(model=model, **_retry_options(result, problem, options))
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        raise OutputError(f"The model did not return valid JSON: {problem}", text=result.text)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
