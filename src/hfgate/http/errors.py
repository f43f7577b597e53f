"""HTTP answers and failures turned into hfgate's typed errors, in one place.

Every envelope the router and OpenAI-compatible servers use is read here (`{"error": "..."}`,
`{"error": {"message": ...}}`, lists, `message`/`detail`, text/plain), `Retry-After` in its
three spellings, and httpx's exceptions; the key is redacted from anything a server echoes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from httpx_sse import SSEError

from hfgate.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    StreamError,
    error_class_for,
)
from hfgate.http.auth import redact
from hfgate.http.endpoint import Endpoint
from hfgate.types import ResponseMeta


def response_meta(headers: httpx.Headers, fallback_provider: str | None) -> ResponseMeta:
    return ResponseMeta(
        provider=headers.get("x-inference-provider") or fallback_provider,
        request_id=headers.get("x-request-id")
        or headers.get("request-id")  # Anthropic's name
        or headers.get("x-amzn-trace-id"),
    )


def status_error(response: httpx.Response, endpoint: Endpoint) -> APIStatusError:
    """A typed error from an error response, whatever envelope the server used."""
    meta = response_meta(response.headers, endpoint.name)
    text = response.text
    body: Any = text
    if text[:1] in "{[":
        try:
            body = json.loads(text)
        except ValueError:
            pass
    message, code = _error_message(body)
    if not message:
        message = response.reason_phrase or f"HTTP {response.status_code}"
    secrets = endpoint.secrets()
    kwargs: dict[str, Any] = dict(
        hf=endpoint.hf,
        status=response.status_code,
        provider=meta.provider,
        request_id=meta.request_id,
        code=code,
        body=body if not secrets else _redacted_body(body, secrets),
    )
    cls = error_class_for(response.status_code, code)
    return cls(redact(message, secrets), retry_after=retry_after(response.headers), **kwargs)


def _error_message(body: Any) -> tuple[str, str | None]:
    """(message, code) from `{"error": "..."}`, `{"error": {"message": ...}}`, lists, plain
    `message`/`detail` keys, or a text/plain body."""
    if isinstance(body, str):
        return body.strip(), None
    if isinstance(body, list) and body:
        return _error_message(body[0])
    if not isinstance(body, Mapping):
        return "", None
    err = body.get("error")
    if isinstance(err, Mapping):
        code = err.get("code") or err.get("type")
        return str(err.get("message") or json.dumps(err)), str(code) if code else None
    if isinstance(err, list) and err:
        return _error_message({"error": err[0]})
    for key in ("error", "message", "detail", "error_description"):
        value = body.get(key)
        if value:
            code = body.get("code") or body.get("error_type")
            return (value if isinstance(value, str) else json.dumps(value)), (
                str(code) if code else None
            )
    return json.dumps(body), None


def _redacted_body(body: Any, secrets: tuple[str, ...]) -> Any:
    """The body with every secret taken out of its strings, keys included; walked, not
    re-parsed, so a redaction can never break the JSON."""
    if isinstance(body, str):
        return redact(body, secrets)
    if isinstance(body, dict):
        return {_redacted_body(k, secrets): _redacted_body(v, secrets) for k, v in body.items()}
    if isinstance(body, list):
        return [_redacted_body(v, secrets) for v in body]
    return body


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def connection_error(exc: httpx.HTTPError, endpoint: Endpoint) -> APIConnectionError:
    where = endpoint.base_url
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"Request to {where} timed out ({type(exc).__name__}).", provider=endpoint.name
        )
    detail = str(exc) or type(exc).__name__
    return APIConnectionError(f"Connection to {where} failed: {detail}", provider=endpoint.name)


def mid_stream_error(exc: Exception, endpoint: Endpoint) -> APIConnectionError:
    if isinstance(exc, httpx.HTTPError):
        return connection_error(exc, endpoint)
    what = "Malformed event stream" if isinstance(exc, SSEError) else "Invalid JSON in stream"
    return APIConnectionError(f"{what} from {endpoint.base_url}: {exc}", provider=endpoint.name)


def json_body(response: httpx.Response, endpoint: Endpoint) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise APIConnectionError(
            f"{endpoint.base_url} answered {response.status_code} with a body that is not JSON: "
            f"{response.text[:200]!r}",
            provider=endpoint.name,
        ) from exc


# --- async face: the same, awaiting ----------------------------------------------------------


def redacted(exc: StreamError, endpoint: Endpoint) -> StreamError:
    """An error a server reported inside a 200 answer, with this endpoint's credentials
    removed from its message and body (the wire modules that parse it know no keys)."""
    secrets = endpoint.secrets()
    if not secrets:
        return exc
    return StreamError(
        redact(exc.message, secrets),
        provider=exc.provider,
        request_id=exc.request_id,
        code=exc.code,
        body=_redacted_body(exc.body, secrets) if exc.body is not None else None,
        hf=exc.hf,
    )
