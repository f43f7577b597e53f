"""Error envelopes and Retry-After spellings, read from real httpx responses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from hfgate import errors
from hfgate.http.auth import Key
from hfgate.http.endpoint import Endpoint
from hfgate.http.errors import retry_after, status_error

ENDPOINT = Endpoint("https://router.huggingface.co/v1", Key("hf_secret_value", "test"))


def _response(status: int, body: Any = None, **headers: str) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return (
        httpx.Response(status, json=body, headers=headers)
        if body is not None
        else httpx.Response(status, headers=headers)
    )


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"error": "plain string"}, "plain string", None),
        (
            {"error": {"message": "in an object", "type": "invalid_request_error"}},
            "in an object",
            "invalid_request_error",
        ),
        ({"error": {"code": "only_code"}}, '{"code": "only_code"}', "only_code"),
        (
            {"error": [{"message": "first of a list"}, {"message": "second"}]},
            "first of a list",
            None,
        ),
        ([{"error": "top-level list"}], "top-level list", None),
        ({"message": "message key", "code": "x1"}, "message key", "x1"),
        ({"detail": "detail key"}, "detail key", None),
        ({"error": "validation", "error_type": "validation"}, "validation", "validation"),
        ({"unexpected": True}, '{"unexpected": true}', None),
        ("  text/plain body\n", "text/plain body", None),
        ("{not json", "{not json", None),
    ],
)
def test_every_envelope(body: Any, message: str, code: str | None) -> None:
    err = status_error(_response(400, body), ENDPOINT)
    assert isinstance(err, errors.BadRequestError)
    assert (err.message, err.code) == (message, code)


def test_empty_body_uses_the_reason_phrase() -> None:
    err = status_error(_response(503), ENDPOINT)
    assert isinstance(err, errors.ServerError) and err.message == "Service Unavailable"


def test_request_id_falls_back_to_amzn_trace_id() -> None:
    err = status_error(
        _response(500, {"error": "x"}, **{"x-amzn-trace-id": "Root=1-abc"}), ENDPOINT
    )
    assert err.request_id == "Root=1-abc"


def test_key_is_redacted_from_message_and_body() -> None:
    err = status_error(_response(401, {"error": "bad token hf_secret_value"}), ENDPOINT)
    assert "hf_secret_value" not in err.message and "hf_secret_value" not in str(err.body)


def test_retry_after_spellings() -> None:
    assert retry_after(httpx.Headers({"retry-after": "7"})) == 7.0
    assert retry_after(httpx.Headers({"retry-after": "1.5"})) == 1.5
    assert retry_after(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after(httpx.Headers({"retry-after": later}))
    assert seconds is not None and 25 <= seconds <= 30
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert retry_after(httpx.Headers({"retry-after": past})) == 0.0
    assert retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after(httpx.Headers({})) is None


def test_every_string_of_a_status_error_is_redacted() -> None:
    """The code, type and param a server echoes, not only its message (the catalog and doctor
    read errors straight from status_error, with no backend around them)."""
    body = {"error": {"message": "bad hf_secret_value", "code": "hf_secret_value",
                      "param": "hf_secret_value"}}  # fmt: skip
    error = status_error(_response(401, body), ENDPOINT)
    assert error.code == "***" and error.message == "bad ***"
    assert "hf_secret_value" not in repr(vars(error)) + str(error)
