"""The model a coding agent gets when none is named: a strong coder that calls tools, taken
from the router's live catalog, never from a list of ids that would go stale.

Ranked by family first (open models known to drive coding agents well, matched as parts of
the id, so a new release of a family ranks with it), then by output price, the catalog's one
signal of model size. Only offers that are live and say `supports_tools` count; when some of a
model's live providers cannot call tools, the id is pinned to the best one that can
(`org/model:provider`), since the router could otherwise pick one that cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

from hfgate.routing.catalog import Catalog, CatalogModel, ProviderOffer

FAMILIES = ("qwen3-coder", "kimi-k2", "glm-4", "deepseek-v", "minimax-m", "gpt-oss-120b")
"""Most preferred first; lower-case parts of a Hub id."""


@dataclass(frozen=True, slots=True)
class Coder:
    model: str
    """The id to send: `org/model`, or `org/model:provider`."""
    context_window: int | None
    output_price: float | None


def coders(catalog: Catalog) -> list[Coder]:
    """Every model with a live, tool-calling offer, best first."""
    ranked: list[tuple[tuple[float, ...], Coder]] = []
    for model in catalog.models:
        offers = [o for o in model.providers if o.status == "live"]
        tools = [o for o in offers if o.supports_tools is True]
        if not tools:
            continue
        coder = _coder(model, offers, tools)
        price = coder.output_price if coder.output_price is not None else -1.0
        ranked.append(((_family(model.id), -price, -(coder.context_window or 0)), coder))
    ranked.sort(key=lambda item: item[0])
    return [coder for _, coder in ranked]


def _family(model_id: str) -> int:
    lowered = model_id.lower()
    return next((i for i, part in enumerate(FAMILIES) if part in lowered), len(FAMILIES))


def _coder(model: CatalogModel, live: list[ProviderOffer], tools: list[ProviderOffer]) -> Coder:
    if len(tools) == len(live):
        contexts = [o.context_length for o in tools if o.context_length]
        prices = [o.output_price for o in tools if o.output_price is not None]
        return Coder(model.id, min(contexts, default=None), max(prices, default=None))
    best = max(tools, key=lambda o: (o.throughput or 0.0, o.context_length or 0))
    return Coder(f"{model.id}:{best.provider}", best.context_length, best.output_price)


def context_window(catalog: Catalog, model_id: str) -> int | None:
    """The context window of a Hub id as written (with or without `:provider`): the
    provider's, else the smallest among the live offers; None when unknown."""
    model = catalog.get(model_id)
    if model is None:
        return None
    _, colon, provider = model_id.partition(":")
    offers = [o for o in model.providers if o.status == "live"]
    if colon:  # a provider's own window; a policy (`:fastest`) may land on any of them
        offers = [o for o in offers if o.provider == provider] or offers
    return min((o.context_length for o in offers if o.context_length), default=None)
