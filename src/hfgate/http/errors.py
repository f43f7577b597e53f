"""HTTP answers and failures turned into hfgate's typed errors, in one place.

Every envelope the router and OpenAI-compatible servers use is read here (`{"error": "..."}`,
`{"error": {"message": ...}}`, lists, `message`/`detail`, text/plain), `Retry-After` in its
three spellings, and httpx's exceptions; the key is redacted from anything a server echoes.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import orjson
from httpx_sse import SSEError

from hfgate.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    HfgateError,
    MalformedResponseError,
    error_class_for,
)
from hfgate.formats.checks import Malformed
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
    cls = error_class_for(response.status_code, code)
    error = cls(
        message,
        retry_after=retry_after(response.headers),
        hf=endpoint.hf,
        status=response.status_code,
        provider=meta.provider,
        request_id=meta.request_id,
        code=code,
        body=body,
    )
    return redacted(error, endpoint)


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
        seconds = _seconds(millis, 1000)
        if seconds is not None:
            return seconds
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _seconds(value, 1)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _seconds(text: str, per_second: int) -> float | None:
    """A finite, non-negative wait from a header value; None for "nan", "inf" or words."""
    try:
        value = float(text) / per_second
    except ValueError:
        return None
    return max(value, 0.0) if math.isfinite(value) else None


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
    detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
    return MalformedResponseError(
        f"{what} from {endpoint.base_url}: {detail}", provider=endpoint.name, found=detail[:200]
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


_STRICT = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def loads(data: str | bytes) -> Any:
    """JSON from a server, as JSON defines it: no NaN or Infinity, no number that overflows
    to one (they would go on as invalid JSON, or crash arithmetic downstream).

    orjson first (4x the stdlib on a stream's events, every one of which comes through
    here), which rejects all of those itself; what it refuses goes to the stdlib, which says
    what is wrong in its words and takes the few things orjson will not (a lone surrogate
    escape, a byte-order mark). orjson reads integers beyond 64 bits as floats; no count
    of that size is kept either way (`token_count`)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    if isinstance(data, bytes):  # as json.loads does
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    elif data.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    return _STRICT.decode(data)


def dumps(value: Any) -> bytes:
    """JSON bytes for the wire, UTF-8 unescaped: orjson (16x the stdlib writing a coding
    agent's 110 KB request); the stdlib takes what orjson will not write (integers beyond 64 bits,
    keys that are not strings). orjson writes NaN and Infinity, which JSON lacks, as null."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_body(response: httpx.Response, endpoint: Endpoint) -> Any:
    try:
        return loads(response.content)
    except (ValueError, RecursionError) as exc:
        error = MalformedResponseError(
            f"{endpoint.base_url} answered {response.status_code} with a body that is not JSON "
            f"({type(exc).__name__}): {response.text[:200]!r}",
            provider=endpoint.name,
            field="body",
            found=response.text[:200],
        )
        raise redacted(error, endpoint) from None


E = TypeVar("E", bound=HfgateError)


def redacted(exc: E, endpoint: Endpoint) -> E:
    """The error with this endpoint's credentials taken out of every string it carries
    (message, code, body, found, ...): the one redaction step every error leaving the HTTP
    layer passes, since servers echo what they were sent and the wire modules know no keys."""
    secrets = endpoint.secrets()
    if not secrets:
        return exc
    clean = copy.copy(exc)
    for name, value in vars(exc).items():
        setattr(clean, name, _redacted_body(value, secrets))
    clean.args = tuple(_redacted_body(arg, secrets) for arg in exc.args)
    return clean


FOREIGN = (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError)
"""What parsing a shape the code did not expect raises; never let out as such."""


def malformed(exc: Exception, endpoint: Endpoint) -> MalformedResponseError:
    """The typed error for an answer a format could not read, or read into a value of the
    wrong type (`Malformed` names the field)."""
    if isinstance(exc, Malformed):
        field, detail = exc.field, str(exc)
    else:
        field, detail = "", "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
    return MalformedResponseError(
        f"{endpoint.base_url} sent an answer its API does not allow ({detail[:200]}). This is "
        "a server or provider bug: retry, or choose another provider (model:provider).",
        provider=endpoint.name,
        field=field,
        found=detail[:200],
    )
