"""Base URLs as users paste them, turned into what each client appends its endpoint to.

    generic-chat-completion-api  base + /chat/completions   bare host gets /v1
    openai (Responses API)       base + /responses          bare host gets /v1
    anthropic                    base + /v1/messages        a trailing /v1 is removed

Pure string work, shared by loading (literal URLs) and use time (URLs built from `${VAR}`).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

from hfgate.formats import PROVIDER_FORMATS

_PASTED = {
    "anthropic": ("/v1/messages", "/messages"),
    "openai": ("/responses",),
    "generic-chat-completion-api": ("/chat/completions",),
}
_BARE_HOST_GETS_V1 = frozenset({"openai", "generic-chat-completion-api"})
_DOUBLE_V1 = re.compile(r"/v1(?:/v1)+(?=/|$)")


class BadUrl(ValueError):
    """Not an http(s) URL with a host."""


def split_http_url(url: str) -> SplitResult:
    """The URL's parts; BadUrl unless it is http(s) with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadUrl(url)
    return parts


def normalise_base_url(url: str, provider: str) -> tuple[str, list[str]]:
    """The URL to use and what was changed (empty when only a trailing `/` went)."""
    parts = split_http_url(url)
    path = parts.path.rstrip("/")
    changes: list[str] = []
    if not path and provider in _BARE_HOST_GETS_V1:
        # Only a host as written: servers like vLLM and llama.cpp answer under /v1. A host left
        # bare by removing a pasted endpoint path stays bare: the paste showed where it lives.
        path = "/v1"
        changes.append("added /v1 to the bare host")
    for pasted in _PASTED[provider]:
        if path.endswith(pasted):
            path = path.removesuffix(pasted)
            changes.append(f"removed the endpoint path {pasted}, which the client adds itself")
            break
    collapsed = _DOUBLE_V1.sub("/v1", path)
    if collapsed != path:
        path = collapsed
        changes.append("collapsed the doubled /v1/v1 to /v1")
    if provider == "anthropic" and path.endswith("/v1"):
        path = path.removesuffix("/v1")
        changes.append("removed the trailing /v1, since the client adds /v1/messages")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment)), changes


def endpoint_url(base_url: str, provider: str) -> str:
    """The URL a call will go to, for messages."""
    parts = urlsplit(base_url)
    path = parts.path + PROVIDER_FORMATS[provider].path  # what the client appends
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))
