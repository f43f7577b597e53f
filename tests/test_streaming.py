"""stream_text against the router emulator: events, usage placement, tool-call assembly."""

from __future__ import annotations

from typing import Any

import pytest

import hfgate
from hfgate.testing import Reply, ToolCallSpec
from hfgate.types import (
    Finish,
    ReasoningDelta,
    StepFinish,
    TextDelta,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

USAGE = {"prompt_tokens": 9, "completion_tokens": 6, "total_tokens": 15}


@pytest.mark.parametrize("usage_chunk", ["separate", "last"])
def test_text_stream_with_usage_anywhere(router: Any, hf: Any, usage_chunk: str) -> None:
    router.push(
        Reply.text("Hello there, world!", usage=USAGE, usage_chunk=usage_chunk, chunk_size=3)
    )
    stream = hf().stream_text(model="a/b", prompt="hi")
    events = list(stream)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3 and "".join(deltas) == "Hello there, world!"
    assert isinstance(events[-1], Finish) and isinstance(events[-2], StepFinish)
    assert events[-1].usage == Usage(9, 6, 15)
    assert stream.result.text == "Hello there, world!"
    sent = router.requests[-1].json
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content", "think"])
def test_reasoning_deltas_in_all_forms(router: Any, hf: Any, field: str) -> None:
    router.push(Reply.text("Three.", reasoning="count them", reasoning_field=field, chunk_size=2))
    events = list(hf().stream_text(model="a/b", prompt="r?"))
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert reasoning.strip() == "count them"
    assert text == "Three."
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert all(not isinstance(e, ReasoningDelta) for e in events[first_text:])


def test_parallel_tool_calls_split_across_chunks(router: Any, hf: Any) -> None:
    router.push(
        Reply.tool_calls(
            [
                ToolCallSpec("search", {"query": "hugging face", "limit": 3}),
                ToolCallSpec("clock", {"tz": "UTC"}),
            ],
            split=4,
        )
    )
    events = list(hf().stream_text(model="a/b", prompt="go"))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert {d.index for d in deltas} == {0, 1}
    calls = [e.tool_call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.name, c.arguments) for c in calls] == [
        ("search", {"query": "hugging face", "limit": 3}),
        ("clock", {"tz": "UTC"}),
    ]
    assert isinstance(events[-1], Finish) and events[-1].finish_reason == "tool-calls"


def test_stream_variations_no_space_prefix_no_done_role_everywhere(router: Any, hf: Any) -> None:
    router.push(Reply.text("abc def", data_prefix="data:", done=False, role_in_every_delta=True))
    assert hf().stream_text(model="a/b", prompt="x").result.text == "abc def"


def test_text_stream_helper_and_early_close(router: Any, hf: Any) -> None:
    router.push(Reply.text("one two three four", chunk_size=4))
    with hf().stream_text(model="a/b", prompt="x") as stream:
        assert "".join(stream.text_stream) == "one two three four"
    router.push(Reply.text("x" * 400, chunk_size=1))
    with hf().stream_text(model="a/b", prompt="x") as stream:
        first = next(iter(stream))
        assert isinstance(first, TextDelta)
    # the connection pool is still usable after an early close
    assert hf().generate_text(model="a/b", prompt="again").text == "You said: again"


@pytest.mark.anyio
async def test_async_stream(router: Any) -> None:
    router.push(Reply.text("async stream", usage=USAGE, chunk_size=2))
    async with hfgate.AsyncClient(api_key="hf_k", base_url=router.base_url, hf_router=True) as c:
        stream = c.stream_text(model="a/b", prompt="x")
        texts = [e.text async for e in stream if isinstance(e, TextDelta)]
        result = await stream.result()
    assert "".join(texts) == "async stream" == result.text
    assert result.usage == Usage(9, 6, 15)


@pytest.mark.anyio
async def test_async_module_level_stream(router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    text = "".join([t async for t in hfgate.astream_text(model="a/b", prompt="yo").text_stream])
    assert text == "You said: yo"


def test_server_that_ignores_stream_true(router: Any, hf: Any) -> None:
    """Some servers answer a stream request with one JSON body: it still becomes events."""
    body = {
        "id": "x",
        "object": "chat.completion",
        "model": "a/b",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "whole", "reasoning": "why"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3},
    }
    router.push(Reply.error(200, body))
    events = list(hf().stream_text(model="a/b", prompt="x"))
    assert [type(e).__name__ for e in events] == [
        "ReasoningDelta",
        "TextDelta",
        "StepFinish",
        "Finish",
    ]
    assert isinstance(events[-1], Finish) and events[-1].result.text == "whole"
    assert events[-1].usage == Usage(2, 1, 3)


def test_invalid_json_inside_a_stream_is_a_connection_error(router: Any, hf: Any) -> None:
    import hfgate.errors as errors

    router.push(Reply.error(200, "data: {not json\n\n", content_type="text/event-stream"))
    with pytest.raises(errors.APIConnectionError, match="Invalid JSON in stream"):
        list(hf().stream_text(model="a/b", prompt="x"))


@pytest.mark.anyio
async def test_async_server_that_ignores_stream_true(router: Any) -> None:
    body = {
        "model": "a/b",
        "choices": [{"index": 0, "message": {"content": "whole"}, "finish_reason": "stop"}],
    }
    router.push(Reply.error(200, body))
    async with hfgate.AsyncClient(api_key="hf_k", base_url=router.base_url, hf_router=True) as c:
        stream = c.stream_text(model="a/b", prompt="x")
        texts = [e.text async for e in stream if isinstance(e, TextDelta)]
        assert texts == ["whole"] and (await stream.result()).finish_reason == "stop"


def test_an_event_that_is_json_but_not_an_object_is_a_connection_error(
    router: Any, hf: Any
) -> None:
    import hfgate.errors as errors

    router.push(Reply.error(200, "data: [1, 2]\n\n", content_type="text/event-stream"))
    with pytest.raises(errors.APIConnectionError, match="must be a JSON object"):
        list(hf().stream_text(model="a/b", prompt="x"))


@pytest.mark.anyio
async def test_async_streams_reuse_one_connection(router: Any) -> None:
    """After `[DONE]` the body is read to its end, so the connection goes back to the pool
    (an unread body closes it: a new TCP and TLS handshake per stream)."""
    async with hfgate.AsyncClient(api_key="hf_x", base_url=router.base_url) as client:
        for n in range(5):
            stream = client.stream_text(model="org/model", prompt=f"hello {n}")
            assert (await stream.result()).text == f"You said: hello {n}"
    assert router.connections_opened == 1


def test_sync_streams_reuse_one_connection(router: Any) -> None:
    """The sync face drains the body after `[DONE]` as the async one does: three streams,
    one TCP connection."""
    with hfgate.Client(api_key="hf_x", base_url=router.base_url) as client:
        for n in range(3):
            stream = client.stream_text(model="org/model", prompt=f"hello {n}")
            assert stream.result.text == f"You said: hello {n}"
    assert router.connections_opened == 1


@pytest.mark.anyio
async def test_one_async_client_holds_more_than_100_streams_at_once(router: Any) -> None:
    """Every stream is answered only once all 150 are open at the same time: httpx's default
    pool of 100 connections would make the last 50 wait for ones that never free up."""
    import threading

    import anyio

    together = threading.Barrier(150, timeout=30)

    def respond(request: Any) -> Reply:
        together.wait()
        return Reply.text("all here", chunk_size=3)

    router.responder = respond
    texts: list[str] = []
    async with hfgate.AsyncClient(api_key="hf_x", base_url=router.base_url) as client:

        async def one() -> None:
            texts.append((await client.stream_text(model="org/model", prompt="x").result()).text)

        async with anyio.create_task_group() as group:
            for _ in range(150):
                group.start_soon(one)
    assert texts == ["all here"] * 150
    assert router.connections_opened == 150
