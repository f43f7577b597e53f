"""Span attributes from hfgate's own values, after the OpenTelemetry GenAI semantic
conventions (`gen_ai.*`), HTTP's for the gateway, and `hfgate.*` for what they do not name.

Pure, and free of opentelemetry, so what a span says can be read here at a glance. Only names,
numbers and classes go in: never a message, an answer, a tool argument or a key.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from hfgate.inputs.request import ChatRequest
from hfgate.routing.resolve import Route
from hfgate.types import FinishReason, StepResult, Usage

Attributes = dict[str, str | bool | int | float | tuple[str, ...]]

FINISH_REASONS: dict[FinishReason, str] = {
    "stop": "stop",
    "length": "length",
    "tool-calls": "tool_call",
    "content-filter": "content_filter",
    "error": "error",
    "other": "other",
}
"""hfgate's finish reasons in the conventions' words."""


class RowLike(Protocol):
    """What a gateway span reads of its usage row (`hfgate.gateway.store.UsageRow`)."""

    @property
    def api(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def served_model(self) -> str | None: ...
    @property
    def provider(self) -> str | None: ...
    @property
    def status(self) -> int: ...
    @property
    def input_tokens(self) -> int | None: ...
    @property
    def output_tokens(self) -> int | None: ...
    @property
    def cached_tokens(self) -> int | None: ...
    @property
    def reasoning_tokens(self) -> int | None: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def latency_ms(self) -> float: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def stream(self) -> bool: ...


def provider_of(route: Route) -> str:
    """Who answers as far as is known before the answer: the embedded model, the endpoint's
    name, or the Hugging Face router (which says its provider in the answer)."""
    if route.endpoint is None:
        return "local"
    return route.endpoint.name or ("huggingface" if route.priced_by else "openai")


def request_attributes(route: Route, request: ChatRequest, *, stream: bool) -> Attributes:
    provider = provider_of(route)
    found: Attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,
        "gen_ai.request.model": request.model,
        "hfgate.stream": stream,
    }
    if route.wire is not None:
        found["hfgate.api"] = route.wire.name
    if route.endpoint is not None:
        found.update(server_attributes(route.endpoint.base_url))
    optional = {
        "gen_ai.request.max_tokens": request.max_tokens,
        "gen_ai.request.temperature": request.temperature,
        "gen_ai.request.top_p": request.top_p,
        "gen_ai.request.seed": request.seed,
        "gen_ai.request.stop_sequences": request.stop,
    }
    found.update({k: v for k, v in optional.items() if v is not None})
    if request.response_format is not None:
        found["gen_ai.output.type"] = "json"
    return found


def server_attributes(base_url: str) -> Attributes:
    """Host and port only: a URL's user part or query could hold a credential."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        return {}
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return {"server.address": parts.hostname}
    return {"server.address": parts.hostname, "server.port": port}


def step_attributes(step: StepResult) -> Attributes:
    found = usage_attributes(step.usage)
    found["gen_ai.response.finish_reasons"] = (FINISH_REASONS[step.finish_reason],)
    meta = step.meta
    if meta.model:
        found["gen_ai.response.model"] = meta.model
    if meta.provider:
        found["gen_ai.provider.name"] = found["gen_ai.system"] = meta.provider
    if meta.request_id:
        found["hfgate.upstream.request_id"] = meta.request_id
    return found


def usage_attributes(usage: Usage) -> Attributes:
    """Counts the server said; an unknown count is left out, never reported as 0."""
    counts = {
        "gen_ai.usage.input_tokens": usage.input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": usage.cached_input_tokens,
        "gen_ai.usage.cache_creation.input_tokens": usage.cache_write_tokens,
        "gen_ai.usage.reasoning.output_tokens": usage.reasoning_tokens,
    }
    return {k: v for k, v in counts.items() if v is not None}


def error_type(exc: BaseException) -> str:
    """The exception's fully qualified class, as the conventions ask (low cardinality)."""
    kind = type(exc)
    return f"{kind.__module__}.{kind.__qualname__}"


def row_attributes(row: RowLike, key_name: str, step: StepResult | None) -> Attributes:
    """A gateway request's outcome, from the row its usage is stored as: the key's name,
    never the key."""
    found: Attributes = {
        "http.response.status_code": row.status,
        "gen_ai.request.model": row.model[:200],
        "hfgate.api": row.api,
        "hfgate.stream": row.stream,
        "hfgate.key.name": key_name,
        "hfgate.latency_ms": round(row.latency_ms, 3),
    }
    optional = {
        "gen_ai.response.model": row.served_model,
        "gen_ai.provider.name": row.provider,
        "gen_ai.system": row.provider,
        "gen_ai.usage.input_tokens": row.input_tokens,
        "gen_ai.usage.output_tokens": row.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": row.cached_tokens,
        "gen_ai.usage.reasoning.output_tokens": row.reasoning_tokens,
        "hfgate.cost_usd": row.cost_usd,
        "hfgate.request_id": row.request_id,
    }
    found.update({k: v for k, v in optional.items() if v is not None})
    if step is not None and row.status < 400:
        found["gen_ai.response.finish_reasons"] = (FINISH_REASONS[step.finish_reason],)
        if step.meta.request_id:
            found["hfgate.upstream.request_id"] = step.meta.request_id
    if row.status >= 400:
        found["error.type"] = row.error or str(row.status)
    return found
