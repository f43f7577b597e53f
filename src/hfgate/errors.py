"""Every error hfgate raises, in one tree.

    HfgateError
    ├── ConfigError ............... bad input caught before any request is sent
    │   ├── InvalidModelError ..... a model id that cannot be routed
    │   └── MissingKeyError ....... no API key found (the message lists where we looked)
    ├── APIConnectionError ........ the server could not be reached, or hung up mid-answer
    │   ├── APITimeoutError
    │   ├── MalformedResponseError  an answer the API does not allow (`field`, `found`)
    │   └── IncompleteStreamError . a stream that ended before its end (`partial_text`, `usage`)
    ├── APIStatusError ............ the server answered with an error status
    │   ├── BadRequestError ....... 400, 422
    │   ├── AuthenticationError ... 401
    │   ├── PaymentRequiredError .. 402 (credits used up)
    │   ├── PermissionDeniedError . 403
    │   ├── NotFoundError ......... 404, and the router's 400 `model_not_supported`
    │   ├── RateLimitError ........ 429, with `retry_after`
    │   └── ServerError ........... 5xx
    ├── StreamError ............... an error object inside a 200 stream
    └── OutputError ............... the model's answer could not be used (e.g. invalid JSON)

API errors carry the server's own message, the HTTP status, the provider that answered and the
request id; their text never contains the API key (transport redacts it before raising).
"""

from __future__ import annotations

from typing import Any


class HfgateError(Exception):
    """Base class of every hfgate error."""


class ConfigError(HfgateError, ValueError):
    """The call was wrong before any request went out; the message says how to fix it."""


class InvalidModelError(ConfigError):
    pass


class MissingKeyError(ConfigError):
    """No key for the API a call needs; `variable` is the environment variable that would
    hold it (HF_TOKEN, OPENAI_API_KEY, ...), so a hint can name the right one."""

    def __init__(self, message: str, variable: str | None = None) -> None:
        super().__init__(message)
        self.variable = variable


class _ServerSaid(HfgateError):
    """Shared fields of errors that come from a server's answer."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        provider: str | None = None,
        request_id: str | None = None,
        code: str | None = None,
        body: Any = None,
        hf: bool = True,
    ) -> None:
        self.message = message
        self.status = status
        self.hf = hf
        self.provider = provider
        self.request_id = request_id
        self.code = code
        self.body = body
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = [f"status {self.status}"] if self.status else []
        if self.provider:
            where.append(f"provider {self.provider}")
        if self.request_id:
            where.append(f"request id {self.request_id}")
        suffix = f" ({', '.join(where)})" if where else ""
        hint = self.hint
        return f"{self.message}{suffix}" + (f"\nhint: {hint}" if hint else "")

    @property
    def hint(self) -> str | None:
        """What to do about it, for the classes where we know (the hints name Hugging Face's
        token and billing pages, so only errors from a Hugging Face endpoint get them)."""
        return _HINTS.get(type(self).__name__) if self.hf else None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"provider={self.provider!r}, request_id={self.request_id!r})"
        )


class APIStatusError(_ServerSaid):
    """The server answered with an HTTP error status; `retry_after` is the wait in seconds the
    server asked for (`Retry-After`), if it did."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PaymentRequiredError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    suggestions: list[str] | None = None
    """For a router's 404 on a Hub id: the closest ids of the cached catalog, [] for none."""


class RateLimitError(APIStatusError):
    pass


class ServerError(APIStatusError):
    pass


class StreamError(_ServerSaid):
    """The server started a successful stream, then sent an error inside it."""


class APIConnectionError(HfgateError):
    def __init__(self, message: str, *, provider: str | None = None) -> None:
        self.message = message
        self.provider = provider
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    pass


class MalformedResponseError(APIConnectionError):
    """The server answered in a shape its API does not allow: `field` is where (a dotted
    path such as `choices.0.message.content`), `found` a short, redacted view of what was
    there. A server or provider bug: retrying, or another provider, is the fix."""

    def __init__(
        self, message: str, *, provider: str | None = None, field: str = "", found: str = ""
    ) -> None:
        self.field = field
        self.found = found
        super().__init__(message, provider=provider)


class IncompleteStreamError(APIConnectionError):
    """A stream that stopped before its API's end (no finish reason, no terminator), or
    whose bytes could not be decoded. What had arrived is kept: `partial_text` and `usage`
    (None when none was reported)."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        partial_text: str = "",
        usage: Any = None,
    ) -> None:
        self.partial_text = partial_text
        self.usage = usage
        super().__init__(message, provider=provider)


class OutputError(HfgateError):
    """The model answered, but not in a usable form (for example JSON that fails the schema)."""

    def __init__(self, message: str, *, text: str = "") -> None:
        self.text = text
        super().__init__(message)


_HINTS = {
    "AuthenticationError": "check your token: https://huggingface.co/settings/tokens",
    "PaymentRequiredError": (
        "your Hugging Face credits are used up; see https://huggingface.co/settings/billing"
    ),
    "PermissionDeniedError": (
        "a fine-grained token needs the 'Make calls to Inference Providers' permission; "
        "gated models need their terms accepted on the model page"
    ),
    "NotFoundError": (
        "check the model id, or list what is served with `GET /v1/models`; "
        "enable more providers at https://huggingface.co/settings/inference-providers"
    ),
}

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_class_for(status: int, code: str | None) -> type[APIStatusError]:
    """The error class for an HTTP status (and the router's error `code`, which can turn a
    400 into a not-found)."""
    if code == "model_not_supported":
        return NotFoundError
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIStatusError)
