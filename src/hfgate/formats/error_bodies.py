"""Error bodies in each API family's own shape, keyed by HTTP status: the SDKs pick their
exception class from the status and show the message, so both must be right."""

from __future__ import annotations

from typing import Any

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_quota",
    403: "permission_error",
    404: "invalid_request_error",
    408: "timeout_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "request_too_large",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def openai_error_type(status: int) -> str:
    return _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


def anthropic_error_type(status: int) -> str:
    return _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def openai_error(
    status: int, message: str, param: str | None, code: str | None, request_id: str | None = None
) -> dict[str, Any]:
    """`{"error": {"message", "type", "param", "code"}}`, as OpenAI and the HF router send; the
    request id goes in headers only, as OpenAI's does."""
    return {
        "error": {
            "message": message,
            "type": openai_error_type(status),
            "param": param,
            "code": code,
        }
    }


def anthropic_error(
    status: int, message: str, param: str | None, code: str | None, request_id: str | None = None
) -> dict[str, Any]:
    """`{"type": "error", "error": {"type", "message"}, "request_id"}`; Anthropic has no
    `param`, so it is named in the message."""
    if param and param not in message:
        message = f"{param}: {message}"
    error = {"type": anthropic_error_type(status), "message": message}
    return {"type": "error", "error": error, "request_id": request_id}
