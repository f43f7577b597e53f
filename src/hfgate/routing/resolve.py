"""Where a call goes: a model name turned into a wire format, an endpoint and the model
string to send. One function, `resolve_model`, whose rules the README documents:

1. `local`, `local/<file.gguf>`: the embedded llama.cpp model.
2. A client made with your own `base_url` (not a router): that server, the name as written.
3. A name from your settings (its `id`, `displayName` or `model`), matched exactly.
4. A `/` before any `:`: a Hugging Face id, sent to the router.
5. A settings name matched ignoring case.
6. `openai:<model>` or `anthropic:<model>`: the official APIs (Responses, Messages) with keys
   from OPENAI_API_KEY / ANTHROPIC_API_KEY (base URLs from OPENAI_BASE_URL /
   ANTHROPIC_BASE_URL when set).
7. Anything else: InvalidModelError naming the closest known names.

Rule 3 before 4: a model you configured answers to the exact string you wrote in settings,
even when that string looks like a Hub id; `huggingface/<org>/<model>` always means the router.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from hfgate._constants import env_router_url
from hfgate.errors import ConfigError, InvalidModelError, MissingKeyError
from hfgate.formats import CHAT, FORMATS, MESSAGES, PROVIDER_FORMATS, RESPONSES, Format
from hfgate.formats._shared import deep_merge, merged
from hfgate.http.auth import Key, is_hf_host, require_hf_key
from hfgate.http.endpoint import Endpoint
from hfgate.inputs.model_ids import is_hf_model_id, is_local_model, parse_hf_model_id
from hfgate.inputs.request import ChatRequest
from hfgate.routing.settings import CustomModel, Settings, load_settings
from hfgate.types import ImagePart

ROUTER_HOST = "router.huggingface.co"


@dataclass(frozen=True, slots=True)
class Official:
    """An official API reachable as `<prefix>:<model>` with a key from the environment."""

    label: str
    base_url: str
    key_var: str
    base_url_var: str
    wire: Format


OFFICIAL: dict[str, Official] = {
    "openai": Official(
        "OpenAI", "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL", RESPONSES
    ),
    "anthropic": Official(
        "Anthropic",
        "https://api.anthropic.com",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        MESSAGES,
    ),
}


@dataclass(frozen=True, slots=True)
class Origin:
    """What the client was made with: where HF ids go and with which key."""

    base_url: str
    is_router: bool
    api_key: str | None = field(default=None, repr=False)
    bill_to: str | None = None
    headers: Mapping[str, str] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Route:
    """One call's destination. `endpoint` and `wire` are None for the embedded model."""

    model: str
    """The model string as sent."""
    wire: Format | None
    endpoint: Endpoint | None
    custom: CustomModel | None = None
    """The settings entry behind the call, if any (its extraArgs, limits, image support)."""
    priced_by: str | None = None
    """The router whose catalog prices this call."""
    price_provider: str | None = None
    """For other APIs: the provider family in genai-prices' list, when the route knows it."""

    @property
    def api_url(self) -> str | None:
        """The base URL that prices this call from genai-prices' list: any API but a router
        (priced from its catalog) and the embedded model (free)."""
        return self.endpoint.base_url if self.endpoint and self.priced_by is None else None

    def prepare(
        self, request: ChatRequest, *, foreign: Mapping[str, Any] | None = None
    ) -> ChatRequest:
        """`request` as this route sends it: the model string it sends and, for a settings
        model, its defaults (`maxOutputTokens`) and checks (`noImageSupport`).

        Extra body fields merge here and only here, later winning: `foreign` (fields a
        gateway client sent that its format passes through), then the settings model's
        `extraArgs` (the operator's), then the request's own `extra_body` (the library's
        caller, who also owns the settings)."""
        custom = self.custom
        extra = merged(foreign or {}, custom.extra_args if custom else None)
        deep_merge(extra, request.extra_body or {})
        extra_body = extra or request.extra_body
        if custom is None:
            return replace(request, model=self.model, extra_body=extra_body)
        if not custom.supports_images and _has_images(request):
            raise ConfigError(
                f"{custom.display_name or custom.id} is set up without image support "
                f"(noImageSupport in {custom.place}); send text only, or change the setting."
            )
        max_tokens = custom.max_output_tokens if request.max_tokens is None else request.max_tokens
        return replace(
            request,
            model=self.model,
            max_tokens=max_tokens,
            extra_body=extra_body,
        )


def _has_images(request: ChatRequest) -> bool:
    return any(
        isinstance(part, ImagePart)
        for m in request.messages
        if not isinstance(m.content, str)
        for part in m.content
    )


def resolve_model(model: str, origin: Origin, api: str | None = None) -> Route:
    """The route for `model`, following the rules in this module's docstring; `api` picks a
    wire by name ("chat", "responses", "messages") instead of the default."""
    wire = _wire(api)
    if is_local_model(model):
        return Route(model, None, None)
    if not origin.is_router:
        endpoint = _endpoint(origin.base_url, _own_key(origin.api_key), origin.headers, wire)
        return Route(plain_model(model), wire or CHAT, endpoint)
    settings = load_settings()
    if is_hf_model_id(model) and not model.startswith("huggingface/"):
        exact = settings.find_exact(model)
        if exact is not None:
            return custom_route(exact, origin, wire)
    if is_hf_model_id(model) or model.startswith("huggingface/"):
        return _router_route(model, origin, wire)
    custom = settings.find(model)
    if custom is not None:
        return custom_route(custom, origin, wire)
    official = official_for(model)
    if official is not None:
        prefix, _, name = model.partition(":")
        return _official_route(prefix, official, plain_model(name), origin, wire)
    raise _unknown(model, settings)


def official_for(model: str) -> Official | None:
    """The official API an `openai:<model>` / `anthropic:<model>` name means, else None."""
    prefix, colon, name = model.partition(":")
    return OFFICIAL.get(prefix) if colon and name.strip() else None


def _wire(api: str | None) -> Format | None:
    if api is None:
        return None
    wire = FORMATS.get(api)
    if wire is None:
        raise InvalidModelError(f"api={api!r} is not one of {', '.join(FORMATS)}.")
    return wire


def _router_route(model: str, origin: Origin, wire: Format | None) -> Route:
    headers = dict(origin.headers or {})
    if origin.bill_to:
        headers["X-HF-Bill-To"] = origin.bill_to
    # Looked up per call, so a token set or changed meanwhile is picked up.
    key = require_hf_key(origin.api_key)
    endpoint = _endpoint(origin.base_url, key, headers, wire, router=True)
    return Route(router_model(model), wire or CHAT, endpoint, priced_by=origin.base_url)


def custom_route(custom: CustomModel, origin: Origin, wire: Format | None = None) -> Route:
    """A settings model's route: its base URL, key and headers (the client's headers first,
    the entry's extraHeaders over them) and the wire its `provider` names."""
    base_url = to_env_router(custom.expanded_base_url())
    key = Key(custom.expanded_api_key(), f"apiKey of {custom.place}")
    chosen = wire or PROVIDER_FORMATS[custom.provider]
    headers = {**(origin.headers or {}), **custom.expanded_headers()}
    endpoint = _endpoint(base_url, key, headers, chosen)
    priced_by = base_url if is_router_url(base_url) else None
    family = custom.provider if custom.provider in OFFICIAL else None
    return Route(custom.model, chosen, endpoint, custom, priced_by, family)


def is_router_url(base_url: str) -> bool:
    """The Hugging Face router, or the one `HFGATE_ROUTER_URL` stands in for it."""
    env = env_router_url()
    return urlsplit(base_url).hostname == ROUTER_HOST or (
        env is not None and base_url.startswith(env.removesuffix("/v1"))
    )


def to_env_router(base_url: str) -> str:
    """A settings `baseUrl` on router.huggingface.co sent to `HFGATE_ROUTER_URL` when set, as
    Hub ids are, so one variable points every router call at a stand-in (the emulator)."""
    env = env_router_url()
    parts = urlsplit(base_url)
    if env is None or parts.hostname != ROUTER_HOST:
        return base_url
    return env.removesuffix("/v1") + parts.path.rstrip("/")


def _official_route(
    prefix: str, official: Official, model: str, origin: Origin, wire: Format | None
) -> Route:
    secret = os.environ.get(official.key_var, "").strip()
    if not secret:
        raise MissingKeyError(
            f"No {official.label} key: set {official.key_var}, or add the model to your "
            "settings with its own apiKey (see the README's Settings section).",
            official.key_var,
        )
    base_url = os.environ.get(official.base_url_var, "").strip() or official.base_url
    key = Key(secret, f"${official.key_var}")
    endpoint = _endpoint(base_url, key, origin.headers, wire or official.wire, name=official.label)
    return Route(model, wire or official.wire, endpoint, price_provider=prefix)


def _endpoint(
    base_url: str,
    key: Key | None,
    headers: Mapping[str, str] | None,
    wire: Format | None,
    *,
    name: str | None = None,
    router: bool = False,
) -> Endpoint:
    """`name` stands in for the provider in errors; the router names its own per answer."""
    chosen = wire or CHAT
    if chosen is MESSAGES:
        base_url = base_url.rstrip("/").removesuffix("/v1")  # the wire's path has its own /v1
    return Endpoint(
        base_url,
        key,
        {**chosen.headers, **(headers or {})},
        name=name or (None if router else urlsplit(base_url).netloc or None),
        auth="bearer" if router else chosen.auth,  # the router takes HF tokens as Bearer only
        hf=router or is_hf_host(base_url),
    )


def _own_key(api_key: str | None) -> Key | None:
    return Key(api_key, "the api_key argument") if api_key else None


def _unknown(model: str, settings: Settings) -> InvalidModelError:
    from hfgate.routing.catalog import cached_catalog

    catalog = cached_catalog()  # the cached copy only: an unknown name costs no request
    close = settings.suggestions(model) + (catalog.suggestions(model) if catalog else [])
    lines = [
        f"Unknown model {model!r}: not a Hugging Face id ('<org>/<model>', e.g. "
        "'Qwen/Qwen3-32B'), not a name from your settings, and not 'openai:<model>' or "
        "'anthropic:<model>'."
    ]
    if close:
        lines.append(f"Did you mean: {', '.join(close)}?")
    broken = sum(p.severity == "error" for p in settings.problems)
    if broken:
        lines.append(f"{broken} settings problem(s) hide models; `hfgate doctor` lists them.")
    return InvalidModelError(" ".join(lines))


_SPACE = re.compile(r"\s")


def plain_model(model: str) -> str:
    """Any name an OpenAI-compatible server may use, as long as it is one word."""
    if not model.strip() or _SPACE.search(model.strip()):
        raise InvalidModelError(f"Model id {model!r} is empty or contains white space.")
    return model


@functools.lru_cache(maxsize=256)
def router_model(model: str) -> str:
    """The id the router expects (validated and translated once per distinct id)."""
    plain_model(model)
    if not is_hf_model_id(model) and not model.startswith("huggingface/"):
        raise InvalidModelError(
            f"{model!r} is not a Hugging Face model id; write '<org>/<model>', e.g. "
            "'Qwen/Qwen3-32B' or 'deepseek-ai/DeepSeek-R1:together', or 'local' for the "
            "embedded model."
        )
    return str(parse_hf_model_id(model))
