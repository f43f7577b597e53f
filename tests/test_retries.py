"""Retries: transient statuses and connection errors, Retry-After honoured, never mid-stream."""

from __future__ import annotations

import time
from typing import Any

import pytest

import hfgate
from hfgate import errors
from hfgate.http.endpoint import RetryPolicy
from hfgate.testing import Reply


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(router: Any, hf: Any, status: int) -> None:
    router.push(Reply.error_string(status, "transient", retry_after=0), Reply.text("recovered"))
    assert hf().generate_text(model="a/b", prompt="x").text == "recovered"
    assert len(router.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
def test_client_errors_are_not_retried(router: Any, hf: Any, status: int) -> None:
    router.push(Reply.error_string(status, "no"), Reply.text("should not be reached"))
    with pytest.raises(errors.APIStatusError):
        hf().generate_text(model="a/b", prompt="x")
    assert len(router.requests) == 1


def test_retry_after_is_honoured(router: Any, hf: Any) -> None:
    router.push(Reply.error_string(429, "wait", retry_after="0.3"), Reply.text("ok"))
    started = time.monotonic()
    assert hf().generate_text(model="a/b", prompt="x").text == "ok"
    assert time.monotonic() - started >= 0.3


def test_gives_up_after_max_retries(router: Any, hf: Any) -> None:
    router.push(
        *[Reply.error_string(503, "down", retry_after=0) for _ in range(3)], Reply.text("late")
    )
    with pytest.raises(errors.ServerError):
        hf(max_retries=2).generate_text(model="a/b", prompt="x")
    assert len(router.requests) == 3


def test_per_call_max_retries(router: Any, hf: Any) -> None:
    router.push(Reply.error_string(503, "down", retry_after=0), Reply.text("ok"))
    with pytest.raises(errors.ServerError):
        hf().generate_text(model="a/b", prompt="x", max_retries=0)


def test_connection_errors_are_retried(router: Any, hf: Any) -> None:
    router.push(Reply.disconnect(), Reply.text("back"))
    policy_client = hf()
    assert policy_client.generate_text(model="a/b", prompt="x").text == "back"


def test_stream_is_retried_before_it_starts(router: Any, hf: Any) -> None:
    router.push(Reply.error_string(503, "warming up", retry_after=0), Reply.text("streamed"))
    assert hf().stream_text(model="a/b", prompt="x").result.text == "streamed"
    assert len(router.requests) == 2


@pytest.mark.anyio
async def test_async_retries(router: Any) -> None:
    router.push(Reply.error_string(429, "wait", retry_after=0), Reply.text("async ok"))
    async with hfgate.AsyncClient(api_key="hf_k", base_url=router.base_url, hf_router=True) as c:
        assert (await c.generate_text(model="a/b", prompt="x")).text == "async ok"
        router.push(Reply.error_string(502, "bad gateway", retry_after=0), Reply.text("s"))
        assert (await c.stream_text(model="a/b", prompt="x").result()).text == "s"


def test_backoff_policy_is_exponential_with_jitter_and_capped() -> None:
    policy = RetryPolicy(max_retries=10, initial_delay=0.5, max_delay=8.0)
    err = errors.ServerError("x", status=503)
    delays = [policy.delay(n, err) for n in range(6)]
    assert all(d is not None for d in delays)
    for n, d in enumerate(delays):
        base = min(0.5 * 2**n, 8.0)
        assert d is not None and 0.75 * base <= d <= 1.25 * base
    long_wait = errors.RateLimitError("x", status=429, retry_after=3600)
    assert policy.delay(0, long_wait) is None  # we don't sleep an hour: the error is raised
    assert policy.delay(10, err) is None
