"""What `timeout` means, against servers that take their time: a one-shot call is bounded as
a whole, a stream's connection and headers are bounded, and then each silence between bytes;
keep-alive comments keep a slow stream alive."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from raw_server import Piece, RawServer, Script, raw_server

import hfgate

CHUNK = {"choices": [{"index": 0, "delta": {"content": "hi"}}]}
END = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"


def event(payload: object) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


@pytest.fixture
def server() -> Iterator[RawServer]:
    with raw_server() as running:
        yield running


def stream(server: RawServer, timeout: float) -> tuple[object, float]:
    started = time.monotonic()
    client = hfgate.Client(api_key="k-1234", base_url=f"{server.url}/v1", hf_router=False)
    try:
        with client:
            outcome: object = client.stream_text(
                model="m", prompt="hi", timeout=timeout, max_retries=0
            ).result
    except hfgate.HfgateError as exc:
        outcome = exc
    return outcome, time.monotonic() - started


def test_keep_alive_comments_keep_a_slow_stream_alive(server: RawServer) -> None:
    """2.4 s of stream with timeout=1: never a second without a byte."""
    pings = [Piece(b": ping\n\n", 0.4) for _ in range(6)]
    server.script = Script(
        (Piece(HEAD + event(CHUNK)), *pings, Piece(event(END) + b"data: [DONE]\n\n"))
    )
    result, took = stream(server, timeout=1.0)
    assert isinstance(result, hfgate.TextResult) and result.text == "hi"
    assert took > 2.0


def test_a_silence_longer_than_the_timeout_ends_a_stream(server: RawServer) -> None:
    server.script = Script((Piece(HEAD + event(CHUNK)), Piece(event(END), 3.0)))
    error, took = stream(server, timeout=1.0)
    assert isinstance(error, hfgate.APITimeoutError)
    assert took < 2.5


def test_headers_slower_than_the_timeout_end_a_stream(server: RawServer) -> None:
    server.script = Script((Piece(HEAD[:20]), Piece(HEAD[20:], 2.0), Piece(event(END))))
    error, took = stream(server, timeout=0.8)
    assert isinstance(error, hfgate.APITimeoutError)
    assert took < 2.0
