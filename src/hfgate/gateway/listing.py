"""`GET /v1/models`: the models a key may use, in OpenAI's list format, or Anthropic's when
the client sends `anthropic-version` (the Anthropic SDK does), so `client.models.list()` works
in both SDKs."""

from __future__ import annotations

from typing import Any

from hfgate.gateway.keys import allows
from hfgate.routing.catalog import cached_catalog
from hfgate.routing.settings import load_settings


def model_names(router_url: str | None, patterns: tuple[str, ...]) -> list[str]:
    """Settings names first, then the router catalog's cached ids, then `local`; only those
    the key's patterns allow."""
    names = list(load_settings().names())
    catalog = cached_catalog(router_url)
    if catalog is not None:
        names.extend(m.id for m in catalog.models)
    names.append("local")
    return [n for n in dict.fromkeys(names) if allows(patterns, n)]


def openai_list(names: list[str], created: int) -> dict[str, Any]:
    data = [{"id": n, "object": "model", "created": created, "owned_by": _owner(n)} for n in names]
    return {"object": "list", "data": data}


def anthropic_list(names: list[str], created_at: str) -> dict[str, Any]:
    data = [
        {
            "id": n,
            "type": "model",
            "display_name": n,
            "created_at": created_at,
            "lifecycle": "active",  # listed: callable now
            # Anthropic's own say these for their models; the gateway knows them for none.
            "capabilities": None,
            "deprecated_at": None,
            "line": None,
            "max_input_tokens": None,
            "max_tokens": None,
            "retires_at": None,
        }
        for n in names
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": names[0] if names else None,
        "last_id": names[-1] if names else None,
    }


def _owner(name: str) -> str:
    org, slash, _ = name.partition("/")
    return org if slash else "hfgate"
