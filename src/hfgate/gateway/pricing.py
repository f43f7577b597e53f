"""Prices in the gateway: whether a route can be priced before calling it (a key with a
budget may only use models it can meter, or the budget would not hold), and what each usage
row cost, as the library prices a result (`TextResult.cost`)."""

from __future__ import annotations

import time

from hfgate.inputs.model_ids import parse_hf_model_id
from hfgate.routing.api_cost import api_cost
from hfgate.routing.catalog import cached_catalog
from hfgate.routing.cost import Price, cost_of, price_for, served_price
from hfgate.routing.resolve import Route
from hfgate.types import StepResult, Usage

PRICES_TTL = 1.0
"""Seconds a router model's catalog price is reused for usage rows, as its route is
(`upstream.ROUTES_TTL`): a new catalog prices requests a second later at most."""
_PRICES_LIMIT = 10_000


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


class UsagePrices:
    """What a usage row cost: the embedded model nothing, a router model its catalog price
    (kept `PRICES_TTL` seconds per route, served model and provider: finding it afresh,
    with the catalog's environment and file checks, took 5.6 µs a row against 0.8 µs, ~2 %
    of a request), another API's model genai-prices' price."""

    def __init__(self) -> None:
        self._prices: dict[tuple[str, str, str | None, str | None], tuple[float, Price | None]]
        self._prices = {}

    def cost(self, route: Route, step: StepResult) -> float | None:
        meta = step.meta
        if meta.provider == "local":
            return 0.0
        if route.priced_by is not None:
            price = self._price(route.priced_by, route.model, meta.model, meta.provider)
            return cost_of(step.usage, price)
        if route.api_url is not None:
            models = (meta.model, route.model)
            return api_cost(step.usage, models, route.api_url, route.price_provider)
        return None

    def _price(
        self, router: str, model: str, served: str | None, provider: str | None
    ) -> Price | None:
        memo = (router, model, served, provider)
        now = time.monotonic()
        hit = self._prices.get(memo)
        if hit is not None and now < hit[0]:
            return hit[1]
        catalog = cached_catalog(router)
        price = None if catalog is None else served_price(model, served, provider, catalog)
        if len(self._prices) >= _PRICES_LIMIT:
            self._prices.clear()
        self._prices[memo] = (now + PRICES_TTL, price)
        return price
