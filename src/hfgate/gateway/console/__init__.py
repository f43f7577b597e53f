"""`/console`: a small web console for the gateway's operator, signed in with the master key.
Keys (create, revoke), usage charts by key, model and provider, and a live tail of requests.

Server-rendered HTML with inline SVG charts and a few lines of script for the tail: nothing
to build, nothing fetched from elsewhere, so it ships in the wheel and works offline.

    routes ─▶ session (cookie, CSRF, origin) ─▶ store (series, tail, keys) ─▶ pages, charts
"""

from __future__ import annotations

from .routes import Console

__all__ = ["Console"]
