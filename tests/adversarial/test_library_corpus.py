"""Every shape of the adversarial corpus through the four library APIs (`generate_text`,
`stream_text`, `agenerate_text`, `astream_text`) on its own API format: each outcome is a
result or a typed hfgate error, in bounded time, and no credential appears in the error, its
attributes, its repr or any hfgate log record."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from corpus import TIMEOUT, Shape, corpus
from raw_server import RawServer, raw_server

import hfgate
from hfgate.errors import HfgateError

SECRETS = {
    "chat": "hf_SECRETchatKEY0123456789",
    "responses": "sk-SECREToaiKEY0123456789",
    "messages": "sk-ant-SECRETantKEY0123456789",
}
SHAPES = corpus()
APIS = ("generate_text", "stream_text", "agenerate_text", "astream_text")
BOUND = 8.0
"""Seconds any call may take: the slow shapes run with timeout=1 s."""
outcomes: Counter[str] = Counter()


def test_the_corpus_is_large_and_covers_every_format() -> None:
    assert len(SHAPES) >= 300
    assert {s.format for s in SHAPES} == {"chat", "responses", "messages"}
    assert len({s.name for s in SHAPES}) == len(SHAPES)


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    with raw_server() as running:
        yield running


def _client_and_model(shape: Shape, url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    timeout = TIMEOUT if shape.slow else 5.0
    if shape.format == "chat":
        kw = {"api_key": SECRETS["chat"], "base_url": f"{url}/v1", "hf_router": False}
        return kw, "m", timeout
    if shape.format == "responses":
        monkeypatch.setenv("OPENAI_API_KEY", SECRETS["responses"])
        monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/v1")
        return {}, "openai:gpt-test", timeout
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRETS["messages"])
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    return {}, "anthropic:claude-test", timeout


def _call(api: str, client_kw: dict[str, Any], model: str, timeout: float) -> Any:
    options: dict[str, Any] = {"model": model, "prompt": "hi", "timeout": timeout}
    options["max_retries"] = 0
    if api == "generate_text":
        with hfgate.Client(**client_kw) as client:
            return client.generate_text(**options)
    if api == "stream_text":
        with hfgate.Client(**client_kw) as client:
            stream = client.stream_text(**options)
            list(stream)
            return stream.result

    async def run() -> Any:
        async with hfgate.AsyncClient(**client_kw) as client:
            if api == "agenerate_text":
                return await client.generate_text(**options)
            stream = client.stream_text(**options)
            async for _ in stream:
                pass
            return await stream.result()

    return asyncio.run(run())


def strings_in(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    """Every string reachable from an error: its text, repr, attributes and causes."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings_in(k, seen)
            yield from strings_in(v, seen)
    elif isinstance(value, list | tuple | set):
        for v in value:
            yield from strings_in(v, seen)
    elif isinstance(value, BaseException):
        yield str(value)
        yield repr(value)
        yield from strings_in(vars(value), seen)
        yield from strings_in(value.args, seen)
        if value.__cause__ is not None:
            yield from strings_in(value.__cause__, seen)
        if value.__context__ is not None and not value.__suppress_context__:
            yield from strings_in(value.__context__, seen)
    elif hasattr(value, "__dict__"):
        yield from strings_in(vars(value), seen)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_every_answer_is_a_result_or_a_typed_error(
    shape: Shape,
    api: str,
    server: RawServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.script = shape.script
    client_kw, model, timeout = _client_and_model(shape, server.url, monkeypatch)
    secret = SECRETS[shape.format]
    caplog.set_level(logging.DEBUG, logger="hfgate")
    started = time.monotonic()
    try:
        outcome: Any = _call(api, client_kw, model, timeout)
    except HfgateError as exc:
        outcome = exc
    except BaseException as exc:  # noqa: BLE001 - the defect this test looks for
        pytest.fail(f"{type(exc).__name__} escaped: {exc!r}"[:500])
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"took {elapsed:.1f} s"
    kind = type(outcome).__name__
    outcomes[kind] += 1
    if isinstance(outcome, BaseException):
        leaked = [s for s in strings_in(outcome) if secret in s]
        assert not leaked, f"the key leaked: {leaked[0][:200]!r}"
    for record in caplog.records:
        assert secret not in record.getMessage(), f"the key is in a log record: {record.name}"
    if shape.streamed and not api.endswith("stream_text"):
        assert isinstance(outcome, hfgate.MalformedResponseError | hfgate.APIConnectionError)
    elif shape.expect == "result":
        assert isinstance(outcome, hfgate.TextResult), f"expected a result, got {outcome!r}"
        assert "hi" in outcome.text
    elif shape.expect is not None:
        expected = getattr(hfgate, shape.expect)
        assert isinstance(outcome, expected), f"expected {shape.expect}, got {outcome!r}"


def test_the_counts() -> None:
    """Runs last in this module: the outcome counts, for the closing note (-s shows them)."""
    print(f"\nlibrary corpus outcomes: {dict(outcomes.most_common())}")
