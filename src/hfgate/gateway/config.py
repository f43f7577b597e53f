"""How a gateway is set up: flags of `hfgate serve`, with environment defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

MASTER_KEY_ENV = "HFGATE_MASTER_KEY"
DATABASE_URL_ENV = "HFGATE_DATABASE_URL"
DEFAULT_MAX_BODY = 32 * 1024 * 1024
"""Large enough for a few base64 images; a body above it gets 413 before it is read."""


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    database_url: str | None = None
    """`postgresql://...`, `sqlite:///path`, a file path, or None for SQLite in the user
    data dir. Its password never appears in a repr or a message."""
    master_key: str | None = field(default=None, repr=False)
    router_url: str | None = None
    """Where Hugging Face ids go (default: the library's, `HFGATE_ROUTER_URL` or HF's)."""
    max_body_bytes: int = DEFAULT_MAX_BODY
    upstream_retries: int = 2
    """Retries of the last candidate; candidates with a fallback after them hand over."""
    upstream_timeout: float | None = None
    refresh_catalog: bool = True
    """Fetch the router's price catalog at start-up (in the background), so router calls are
    priced and budgets hold."""

    @classmethod
    def from_env(cls, **overrides: object) -> GatewayConfig:
        values: dict[str, object] = {
            "database_url": os.environ.get(DATABASE_URL_ENV) or None,
            "master_key": os.environ.get(MASTER_KEY_ENV) or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
