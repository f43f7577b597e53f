"""Whether the gateway can put a price on a route before calling it: a key with a budget
may only use models it can meter, or the budget would not hold."""

from __future__ import annotations

from hfgate.inputs.model_ids import parse_hf_model_id
from hfgate.routing.api_cost import api_cost
from hfgate.routing.catalog import cached_catalog
from hfgate.routing.cost import price_for
from hfgate.routing.resolve import Route
from hfgate.types import Usage


def priceable(route: Route) -> bool:
    """The embedded model (free), a router model whose catalog entry has prices, or another
    API's model that genai-prices knows."""
    if route.endpoint is None:
        return True
    if route.priced_by is not None:
        return _in_catalog(route)
    if route.api_url is not None:
        counts = Usage(input_tokens=1, output_tokens=1)
        return api_cost(counts, (route.model,), route.api_url, route.price_provider) is not None
    return False


def _in_catalog(route: Route) -> bool:
    """Priced the way the answer will be (`price_for`): on the `:provider` the id names, else
    on some provider of the model."""
    catalog = cached_catalog(route.priced_by)
    model = catalog.get(route.model) if catalog is not None else None
    if model is None:
        return False
    named = parse_hf_model_id(route.model).provider
    providers = [named] if named else [offer.provider for offer in model.providers]
    return any(price_for(route.model, p, catalog) is not None for p in providers)
