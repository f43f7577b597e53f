"""Where a call goes (`Endpoint`) and how hard it tries (`RetryPolicy`): plain values the
transport reads, kept apart so error mapping and transport can both use them."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from hfgate.errors import APIConnectionError, APIStatusError, HfgateError
from hfgate.http.auth import Key

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
"""529 is Anthropic's "overloaded"."""
_CREDENTIAL_NAME = re.compile(
    r"auth|key|token|secret|cookie|session|signature|password|credential", re.IGNORECASE
)
"""Header names that carry credentials (`Authorization`, `X-Api-Key`, `X-Secret-Token`,
a proxy's `Cookie`...): their values are redacted like the key. Others (`X-Title: my app`,
`Helicone-Cache-Enabled: true`) are left alone: redacting plain words would garble text."""
MAX_RETRY_AFTER = 60.0
"""A server asking us to wait longer than this gets its error raised instead of a long sleep."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where requests go and what authenticates them."""

    base_url: str
    key: Key | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    """Shown as the provider in errors when the server does not say (e.g. 'llama.cpp')."""
    auth: str = "bearer"
    """"bearer" (`Authorization: Bearer <key>`) or "x-api-key" (Anthropic)."""
    hf: bool = True
    """A Hugging Face endpoint: error hints may point at HF token and billing pages."""

    def url(self, path: str) -> str:
        """The URL of `path` (which starts with `/`) on this endpoint."""
        return self.base_url.rstrip("/") + path

    def secrets(self) -> tuple[str, ...]:
        """Every credential this endpoint sends, for redaction: the key and any credential
        header set by hand (a settings model's `extraHeaders`)."""
        found = [self.key.secret] if self.key else []
        for name, value in self.headers.items():
            if _CREDENTIAL_NAME.search(name):
                found.append(value)
                found.append(value.split(" ", 1)[-1])  # the token behind "Bearer "
        return tuple(found)

    def __repr__(self) -> str:
        return f"Endpoint(base_url={self.base_url!r}, key={self.key!r}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, error: HfgateError) -> float | None:
        """Seconds to wait before retry number `attempt + 1`, or None to give up."""
        if attempt >= self.max_retries or not _retryable(error):
            return None
        hinted = error.retry_after if isinstance(error, APIStatusError) else None
        if hinted is not None:
            return hinted if hinted <= MAX_RETRY_AFTER else None
        backoff = min(self.initial_delay * 2.0**attempt, self.max_delay)
        return backoff * (0.75 + random.random() / 2)  # jitter spreads synchronized clients


def _retryable(error: HfgateError) -> bool:
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and error.status in RETRY_STATUSES
