"""`hfgate serve`: every model hfgate can reach behind OpenAI chat completions, OpenAI
Responses and Anthropic Messages, with virtual keys, limits, budgets, fallbacks and a usage
row per request.

    request ─▶ exchange (pipeline) ─▶ auth ─▶ dialects/ (client JSON → ChatRequest)
                                    ─▶ store/ (admit: rate + budget, atomically)
                                    ─▶ upstream (resolve + fallbacks, the library's backends)
                                    ─▶ store/ (usage row) ─▶ dialects/ (→ client JSON / SSE)

The app needs the `serve` extra (Starlette, uvicorn); the store and keys do not, so
`hfgate keys` and `hfgate usage` work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hfgate.gateway.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from hfgate.gateway.app import create_app

        return create_app
    raise AttributeError(f"module 'hfgate.gateway' has no attribute {name!r}")
