"""What a call to a non-router API cost, from the price list `genai-prices` ships (Anthropic,
OpenAI, Fireworks, Together, Groq, ...): HF router calls are priced from the router's own live
catalog instead (`hfgate.routing.cost`).

The list is the package's bundled snapshot, never fetched at call time. The provider is
matched by the route's known family (an `anthropic` or `openai` settings model, `anthropic:`
and `openai:` ids) or else by the API's URL; a model or provider the list does not know costs
`None`, never a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hfgate.types import Usage


def api_cost(
    usage: Usage, models: tuple[str | None, ...], api_url: str, provider: str | None = None
) -> float | None:
    """USD for `usage`, trying each model name in turn (the served one, then the requested
    one); input tokens include cache reads and writes, as genai-prices counts them."""
    if usage.input_tokens is None or usage.output_tokens is None:
        return None
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price  # ~0.3 s to import: only when a cost is asked for

    counts = PriceUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cached_input_tokens,
        cache_write_tokens=usage.cache_write_tokens,
    )
    for model in dict.fromkeys(m for m in models if m):
        try:
            if provider:
                price = calc_price(counts, model, provider_id=provider)
            else:
                price = calc_price(counts, model, provider_api_url=api_url)
        except LookupError:
            continue
        return float(price.total_price)
    return None
