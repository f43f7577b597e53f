"""Every failure of a gateway request as one value: the status, message and code the client
sees (in its own API's error format), and the error class the usage row records.

The mapping, in one table-like function (`classify`):
    RequestError (bad body) ........... its own status (400, 413, 415)
    GatewayError (auth, limits, ...) .. its own status (401, 402, 403, 429)
    InvalidModelError ................. 404 model_not_found
    MissingKeyError ................... 500, not retried: the gateway itself lacks a key
    ConfigError ....................... 400 (a settings model that cannot take this request)
    upstream 401/403 .................. 502: the gateway's own key was refused, not the client's
    other upstream statuses ........... passed through, with the upstream's message
    connection error / timeout ........ 502 / 504
    error inside a stream ............. 502
    the gateway's database failing .... 503
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from hfgate.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigError,
    InvalidModelError,
    MissingKeyError,
    NotFoundError,
    StreamError,
)
from hfgate.gateway.dialects import RequestError

log = logging.getLogger("hfgate.gateway")


class GatewayError(Exception):
    """A refusal decided by the gateway itself (authentication, limits, permissions)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Failure:
    status: int
    message: str
    error: str
    """The class name recorded in the usage row and the metrics."""
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


_DATABASE_DRIVERS = frozenset({"sqlite3", "psycopg", "psycopg_pool"})
_NO_RETRY = {"x-should-retry": "false"}
"""Read by the openai and anthropic SDKs: do not retry what retrying cannot fix."""


def classify(exc: BaseException) -> Failure:
    name = type(exc).__name__
    if isinstance(exc, RequestError):
        return Failure(exc.status, exc.message, name, exc.code, exc.param)
    if isinstance(exc, GatewayError):
        return Failure(exc.status, exc.message, name, exc.code, headers=exc.headers)
    if isinstance(exc, InvalidModelError):
        return Failure(404, str(exc), name, "model_not_found", "model")
    if isinstance(exc, MissingKeyError):
        message = f"The gateway has no key for this model's API. {exc}"
        return Failure(500, message, name, "upstream_key_missing", headers=_NO_RETRY)
    if isinstance(exc, ConfigError):
        return Failure(400, str(exc), name)
    if isinstance(exc, APIStatusError):
        return _upstream(exc)
    if isinstance(exc, StreamError):
        return Failure(502, f"The upstream stream failed: {exc.message}", name, exc.code)
    if isinstance(exc, APITimeoutError):
        return Failure(504, f"The upstream timed out: {exc.message}", name)
    if isinstance(exc, APIConnectionError):
        return Failure(502, f"The upstream could not be reached: {exc.message}", name)
    if type(exc).__module__.split(".")[0] in _DATABASE_DRIVERS:
        log.error("database error: %s", exc)  # the message holds no password: drivers redact
        return Failure(503, "The gateway's database is unavailable; try again shortly.", name)
    log.exception("unexpected error in a gateway request", exc_info=exc)
    return Failure(500, "Internal error in the gateway; its log has the details.", name)


def _upstream(exc: APIStatusError) -> Failure:
    # The router says "model not supported" with a 400; the library knows it means 404.
    status = 404 if isinstance(exc, NotFoundError) else exc.status or 502
    headers = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(max(1, round(exc.retry_after)))
    if exc.request_id:
        headers["x-upstream-request-id"] = exc.request_id
    who = f" ({exc.provider})" if exc.provider else ""
    if status in (401, 403):
        message = f"The upstream{who} refused the gateway's credentials: {exc.message}"
        return Failure(502, message, type(exc).__name__, exc.code, headers={**headers, **_NO_RETRY})
    return Failure(status, exc.message, type(exc).__name__, exc.code, headers=headers)
