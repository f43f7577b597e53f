"""hfgate's generic chat-completions path against a real OpenAI-compatible server: llama.cpp's
Python server (`python -m llama_cpp.server`) serving the packaged SmolLM2 GGUF on loopback.

What this server does differently from the HF router, and the tests pin down:
- its streams carry no usage (it ignores `stream_options.include_usage`), so a streamed
  result's usage is unknown (`None`), never a made-up number;
- `response_format` accepts only `text` and `json_object` (with an optional `schema`, which
  it compiles to a grammar); OpenAI's `json_schema` type is rejected with a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from llama_server import llama_server
from pydantic import BaseModel

import hfgate
from hfgate.errors import APIStatusError, NotFoundError
from hfgate.types import Finish, TextDelta

pytestmark = pytest.mark.local

MODEL = "smollm2"
GREEDY: dict[str, Any] = {"seed": 7, "temperature": 0}


@pytest.fixture(scope="module")
def server(packaged_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server's root URL (`http://127.0.0.1:PORT`), up until the module's tests end."""
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    with llama_server(packaged_gguf, log) as url:
        yield url


@pytest.fixture
def client(server: str) -> Iterator[hfgate.Client]:
    with hfgate.Client(base_url=f"{server}/v1") as c:
        yield c


def test_generate_text(client: hfgate.Client) -> None:
    result = client.generate_text(model=MODEL, prompt="Say hello.", max_tokens=16, **GREEDY)
    assert result.text.strip()
    assert result.finish_reason in ("stop", "length")
    usage = result.usage
    assert usage.input_tokens and usage.input_tokens > 0
    assert usage.output_tokens and 0 < usage.output_tokens <= 16
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens


def test_stream_text_matches_generate_text(client: hfgate.Client) -> None:
    done = client.generate_text(model=MODEL, prompt="What is 2+2?", max_tokens=16, **GREEDY)
    with client.stream_text(model=MODEL, prompt="What is 2+2?", max_tokens=16, **GREEDY) as s:
        events = list(s)
    last = events[-1]
    assert isinstance(last, Finish)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == last.result.text == s.result.text == done.text
    assert last.result.finish_reason == done.finish_reason
    # This server sends no usage in streams: unknown, not invented.
    assert last.result.usage.output_tokens in (None, done.usage.output_tokens)


def test_max_tokens_is_respected(client: hfgate.Client) -> None:
    prompt = "Write a long story about a dragon."
    result = client.generate_text(model=MODEL, prompt=prompt, max_tokens=6, **GREEDY)
    assert result.finish_reason == "length"
    assert result.usage.output_tokens is not None and result.usage.output_tokens <= 6


def test_stop_is_respected(client: hfgate.Client) -> None:
    prompt = "Write a long story about a dragon."
    full = client.generate_text(model=MODEL, prompt=prompt, max_tokens=24, **GREEDY).text
    stop = full.split()[3]
    cut = client.generate_text(model=MODEL, prompt=prompt, max_tokens=24, stop=[stop], **GREEDY)
    assert stop not in cut.text
    assert full.startswith(cut.text) and cut.finish_reason == "stop"
    with client.stream_text(
        model=MODEL, prompt=prompt, max_tokens=24, stop=[stop], **GREEDY
    ) as stream:
        streamed = "".join(e.text for e in stream if isinstance(e, TextDelta))
    assert streamed == cut.text


class Sum(BaseModel):
    answer: int


def test_json_schema_as_json_object_with_schema(client: hfgate.Client) -> None:
    schema = Sum.model_json_schema()
    result = client.generate_text(
        model=MODEL,
        prompt="What is 2+2? Reply in JSON.",
        response_format={"type": "json_object", "schema": schema},
        max_tokens=24,
        **GREEDY,
    )
    jsonschema.validate(json.loads(result.text), schema)
    Sum.model_validate_json(result.text)


def test_openai_json_schema_type_is_rejected_by_this_server(client: hfgate.Client) -> None:
    # A pydantic model is sent as OpenAI's `{"type": "json_schema", ...}`, which
    # llama-cpp-python's server does not accept (only "text" and "json_object").
    with pytest.raises(APIStatusError) as caught:
        client.generate_text(
            model=MODEL,
            prompt="What is 2+2?",
            response_format=Sum,
            max_tokens=8,
            max_retries=0,
            **GREEDY,
        )
    assert "json_object" in caught.value.message


def test_unknown_route_is_not_found(server: str) -> None:
    with hfgate.Client(base_url=f"{server}/nope") as bad:
        with pytest.raises(NotFoundError):
            bad.generate_text(model=MODEL, prompt="Hi", max_tokens=4)


@pytest.mark.anyio
async def test_async_client_streams(server: str) -> None:
    async with hfgate.AsyncClient(base_url=f"{server}/v1") as client:
        stream = client.stream_text(model=MODEL, prompt="Say hello.", max_tokens=12, **GREEDY)
        events = [event async for event in stream]
    last = events[-1]
    assert isinstance(last, Finish) and last.result.text.strip()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == last.result.text
