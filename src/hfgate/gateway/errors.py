"""Every failure of a gateway request as one value: the status, message and code the client
sees (in its own API's error format), and the error class the usage row records.

Clients are not the operator: messages about the gateway's own set-up (settings files, key
variables, upstream URLs, what an upstream said about the gateway's key) go to the log, and
the client gets a plain sentence. The mapping, in one function (`classify`):

    RequestError (bad body) ........... its own status (400, 413, 415)
    GatewayError (auth, limits, ...) .. its own status (401, 402, 403, 429)
    InvalidModelError ................. 404 model_not_found
    MissingKeyError ................... 404 model_not_available: no key for that API here
    SettingsError ..................... 404 model_not_available, not retried: a broken settings
                                        entry (GET /v1/models does not list it either)
    ConfigError ....................... 400 (a model that cannot take this request)
    upstream 401/402/403 .............. 502, not retried: the gateway's own key or credit
    upstream 500 ...................... 502 (a gateway's 500 would blame the gateway)
    other upstream statuses ........... passed through, with the upstream's message
    malformed or cut-short answer ..... 502, in plain words (the details go to the log)
    connection error / timeout ........ 502 / 504
    error inside a 200 answer ......... by its code: 400, 429, 503, else 502
    the gateway's database failing .... 503
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from hfgate.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigError,
    IncompleteStreamError,
    InvalidModelError,
    MalformedResponseError,
    MissingKeyError,
    NotFoundError,
    StreamError,
)
from hfgate.formats.base import RequestError
from hfgate.routing.settings import SettingsError

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


_NO_RETRY = {"x-should-retry": "false"}
"""Read by the openai and anthropic SDKs: do not retry what retrying cannot fix."""
_DATABASE_DRIVERS = frozenset({"sqlite3", "psycopg", "psycopg_pool"})
_PATH = re.compile(r"(?:~|/)[^\s,;:()\"']*/[^\s,;:()\"']+")
_STREAM_STATUS = {
    "validation": 400,
    "invalid_request": 400,
    "invalid_request_error": 400,
    "rate_limit": 429,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "overloaded": 503,
    "overloaded_error": 503,
}


def classify(exc: BaseException, model: str = "") -> Failure:
    """`model` is the name the client asked for, to name in messages."""
    name = type(exc).__name__
    if isinstance(exc, RequestError):
        return Failure(exc.status, exc.message, name, exc.code, exc.param)
    if isinstance(exc, GatewayError):
        return Failure(exc.status, exc.message, name, exc.code, headers=exc.headers)
    if isinstance(exc, InvalidModelError):
        message = f"Unknown model {model!r}; GET /v1/models lists the models this key may use."
        return Failure(404, message, name, "model_not_found", "model")
    if isinstance(exc, MissingKeyError):
        log.error("model %r: %s", model, exc)
        message = f"Model {model!r} is not available on this gateway (no key for its API)."
        return Failure(404, message, name, "model_not_available", "model")
    if isinstance(exc, SettingsError):
        log.error("model %r: %s", model, exc)
        message = (
            f"Model {model!r} is not available on this gateway: its settings entry is "
            "misconfigured (the gateway's log says why)."
        )
        return Failure(404, message, name, "model_not_available", "model", headers=_NO_RETRY)
    if isinstance(exc, ConfigError):
        return Failure(400, _PATH.sub("<settings>", str(exc)), name)
    if isinstance(exc, APIStatusError):
        return _upstream(exc)
    if isinstance(exc, StreamError):
        status = _STREAM_STATUS.get(exc.code or "", 502)
        return Failure(status, exc.message, name, exc.code)
    if isinstance(exc, MalformedResponseError):
        log.warning("upstream of %r sent a malformed answer: %s", model, exc.message)
        return Failure(502, f"The upstream of {model!r} sent a malformed answer.", name)
    if isinstance(exc, IncompleteStreamError):
        log.warning("upstream of %r stopped mid-answer: %s", model, exc.message)
        return Failure(502, f"The upstream of {model!r} stopped in the middle of its answer.", name)
    if isinstance(exc, APITimeoutError):
        log.warning("upstream timeout for %r: %s", model, exc.message)
        return Failure(504, f"The upstream of {model!r} timed out.", name)
    if isinstance(exc, APIConnectionError):
        log.warning("upstream unreachable for %r: %s", model, exc.message)
        return Failure(502, f"The upstream of {model!r} could not be reached.", name)
    if type(exc).__module__.split(".")[0] in _DATABASE_DRIVERS:
        log.error("database error: %s", exc)
        return Failure(503, "The gateway's database is unavailable; try again shortly.", name)
    log.exception("unexpected error in a gateway request", exc_info=exc)
    return Failure(500, "Internal error in the gateway; its log has the details.", name)


def _upstream(exc: APIStatusError) -> Failure:
    name = type(exc).__name__
    # The router says "model not supported" with a 400; the library knows it means 404.
    status = 404 if isinstance(exc, NotFoundError) else exc.status or 502
    headers = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(max(1, round(exc.retry_after)))
    if exc.request_id:
        headers["x-upstream-request-id"] = exc.request_id
    if status == 500:  # the upstream's fault, not the gateway's: a 500 would say otherwise
        status = 502
    if status in (401, 402, 403):  # about the gateway's key or credit, not the client's
        log.error("upstream %s refused the gateway (%s): %s", exc.provider, status, exc.message)
        who = f" ({exc.provider})" if exc.provider else ""
        message = f"The upstream{who} refused this gateway's credentials or credit ({status})."
        return Failure(502, message, name, exc.code, headers={**headers, **_NO_RETRY})
    return Failure(status, exc.message, name, exc.code, headers=headers)


_WIRE_REFUSALS = re.compile(
    r"not (?:supported|available|found)|unsupported|unknown (?:route|path)", re.I
)


def refuses_wire(error: BaseException) -> bool:
    """Whether a router refused its Messages endpoint itself, for this model or at all (no
    such route, a provider that does not serve it), rather than the request: then the same
    request goes over the chat wire."""
    if not isinstance(error, APIStatusError):
        return False
    if error.status in (404, 405, 501) or isinstance(error, NotFoundError):
        return True
    return error.status in (400, 422) and bool(_WIRE_REFUSALS.search(error.message or ""))


def falls_back(error: BaseException) -> bool:
    """Errors worth trying the next candidate for, before the first byte: rate limits, server
    errors (as a status or inside a 200 answer) and servers that could not be reached."""
    if isinstance(error, APIConnectionError):
        return True
    if isinstance(error, StreamError):
        return _STREAM_STATUS.get(error.code or "", 502) in (429, 503, 502)
    status = (error.status or 0) if isinstance(error, APIStatusError) else 0
    return status in (408, 429) or status >= 500
