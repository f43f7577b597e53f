"""What a call cost in USD, from the router catalog's prices and the call's usage.

    price = price_for("deepseek-ai/DeepSeek-R1", "together", catalog)   # USD per 1M tokens
    estimate(usage, price)   # CostEstimate(usd=0.0042, cached_priced=None, saved_usd=None)
    result_cost(result)      # usd from the cached catalog only, never the network

Rules, in order:
- No price for the (model, provider) that actually served the call (`result.provider`, from
  `x-inference-provider`), or unknown input/output token counts: the cost is `None`, never a
  guess. A provider marked `is_free` costs 0.
- Input tokens include cached ones (OpenAI's convention). Cached input tokens are priced at the
  provider's cache-read price when the catalog gives one (`cached_priced=True`, `saved_usd` says
  what caching saved against the full input price).
- Cached tokens with no known cache price: `usd` prices them at the full input price, which is
  an upper bound and exactly what the call would have cost without caching. The discount is
  reported as unknown (`cached_priced=False`, `saved_usd=None`) instead of guessing a rate.
- No cached tokens (or an unknown count): `cached_priced=None`, `saved_usd=None`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hfgate.errors import HfgateError
from hfgate.inputs.model_ids import parse_hf_model_id
from hfgate.routing.api_cost import api_cost
from hfgate.routing.catalog import Catalog, cached_catalog
from hfgate.types import TextResult, Usage

_PER = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    """USD per 1M tokens; `cache_read` is the price of a cached input token, when known."""

    input: float
    output: float
    cache_read: float | None = None


@dataclass(frozen=True, slots=True)
class CostEstimate:
    usd: float | None
    cached_priced: bool | None = None
    """True: cached tokens at the cache price; False: at full input price (cache price
    unknown); None: no cached tokens."""
    saved_usd: float | None = None
    """What caching saved against the full input price; None when unknown or no cache hit."""


FREE = Price(0.0, 0.0, 0.0)
UNKNOWN = CostEstimate(None)


def estimate(usage: Usage, price: Price | None) -> CostEstimate:
    if price is None or usage.input_tokens is None or usage.output_tokens is None:
        return UNKNOWN
    cached = min(usage.cached_input_tokens or 0, usage.input_tokens)
    full_input = usage.input_tokens * price.input
    output = usage.output_tokens * price.output
    if cached == 0:
        return CostEstimate((full_input + output) / _PER)
    if price.cache_read is None:
        return CostEstimate((full_input + output) / _PER, cached_priced=False)
    uncached = (usage.input_tokens - cached) * price.input
    cheap = cached * price.cache_read
    return CostEstimate(
        (uncached + cheap + output) / _PER,
        cached_priced=True,
        saved_usd=(full_input - uncached - cheap) / _PER,
    )


def cost_of(usage: Usage, price: Price | None) -> float | None:
    """USD for this usage at this price, or None when either is unknown."""
    return estimate(usage, price).usd


def price_for(model_id: str, provider: str | None, catalog: Catalog | None) -> Price | None:
    """The catalog price of `model_id` (suffixes like `:cheapest` stripped) on `provider`; a
    `:provider` suffix stands in when the server did not say which provider answered."""
    if catalog is None:
        return None
    if provider is None:
        provider = _suffix_provider(model_id)
        if provider is None:
            return None
    offer = catalog.offer(model_id, provider)
    if offer is None:
        return None
    if offer.is_free:
        return FREE
    if offer.input_price is None or offer.output_price is None:
        return None
    return Price(offer.input_price, offer.output_price, offer.cache_read_price)


def _suffix_provider(model_id: str) -> str | None:
    try:
        return parse_hf_model_id(model_id).provider
    except HfgateError:
        return None


def result_estimate(
    result: TextResult,
    model: str | None = None,
    catalog: Catalog | None = None,
    base_url: str | None = None,
) -> CostEstimate:
    """The estimate for a finished call: `model` is the id the caller asked for (the server's
    own `result.model` is tried when it is not given or not in the catalog); `catalog` defaults
    to the cached catalog file of the router at `base_url` (default: the router in use), never
    fetched."""
    if catalog is None:
        catalog = cached_catalog(base_url)
        if catalog is None:
            return UNKNOWN
    price = served_price(model, result.model, result.provider, catalog)
    return UNKNOWN if price is None else estimate(result.usage, price)


def served_price(
    model: str | None, served: str | None, provider: str | None, catalog: Catalog
) -> Price | None:
    """The price of a finished call: the id as sent (`model`), else the one the server
    named (`served`), on the provider that answered."""
    for candidate in (model, served):
        if candidate:
            price = price_for(candidate, provider, catalog)
            if price is not None:
                return price
    return None


def result_cost(
    result: TextResult, model: str | None = None, base_url: str | None = None
) -> float | None:
    """USD for a finished call from the cached router catalog (never the network), or None.
    This is what the library puts in `TextResult.cost`: `model` is the id as sent, `base_url`
    the router the client called."""
    return result_estimate(result, model, base_url=base_url).usd


def price_result(result: TextResult) -> float | None:
    """What `TextResult.cost` reports (the client hands this to every result it makes): router
    calls from the router catalog cached on disk, other APIs from genai-prices' bundled list,
    None when no price is known."""
    if result.priced_by is not None:
        return result_cost(result, result.requested_model, base_url=result.priced_by)
    if result.api_url is not None:
        models = (result.model, result.requested_model)
        return api_cost(result.usage, models, result.api_url, result.api_provider)
    return None
