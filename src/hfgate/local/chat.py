"""The local backends: `LocalChat` (sync) and `AsyncLocalChat` (async) answer a `ChatRequest`
with an embedded llama.cpp model, in-process, offline.

llama-cpp-python already speaks OpenAI-shaped dicts, so answers go through the same parser
as HTTP ones (`parse_response`, `ChunkAccumulator`). The async face runs all llama.cpp work
(loading included) in a worker thread and passes stream chunks to the event loop through a
queue; closing or cancelling the iteration stops generation at the next token.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from hfgate.formats import chat_completions as wire
from hfgate.inputs.request import ChatRequest
from hfgate.local.model import LocalModel, load_model
from hfgate.local.translate import llama_kwargs
from hfgate.types import ResponseMeta, StepFinish, StepResult, StreamEvent

PROVIDER = "local"


def _meta(req: ChatRequest) -> ResponseMeta:
    return ResponseMeta(model=req.model, provider=PROVIDER)


class LocalChat:
    """Chat completions from a GGUF file with llama.cpp; satisfies `hfgate.client.backends.Backend`.

    Limitations of the packaged SmolLM2-135M-Instruct: a 135M-parameter model (expect simple,
    often wrong answers), a 2048-token context (prompt plus answer), text only, and a chat
    template without tool support: tools are only called when `tool_choice` names one (or
    with `"required"` and a single tool), by grammar-constrained generation.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"LocalChat({str(self.path)!r})"

    def load(self) -> LocalModel:
        """Load the model now (else on the first call); later calls reuse it."""
        return load_model(self.path)

    def request_kwargs(self, req: ChatRequest) -> tuple[LocalModel, dict[str, Any]]:
        model = self.load()
        return model, llama_kwargs(req, template_has_tools=model.template_has_tools)

    def complete(self, req: ChatRequest, cancel: threading.Event | None = None) -> StepResult:
        model, kwargs = self.request_kwargs(req)
        return wire.parse_response(model.complete(kwargs, cancel), _meta(req))

    def count_tokens(self, req: ChatRequest) -> int | None:
        """The `input_tokens` answering `req` would report, from the model's own tokenizer
        (None when it cannot be known without generating)."""
        model, kwargs = self.request_kwargs(req)
        return model.count_prompt(kwargs)

    def stream(self, req: ChatRequest) -> Iterator[StreamEvent]:
        model, kwargs = self.request_kwargs(req)
        acc = wire.ChunkAccumulator(_meta(req))
        chunks = model.stream(kwargs, None)
        try:
            for chunk in chunks:
                yield from acc.feed(chunk)
        finally:
            chunks.close()  # releases the model now if the caller stopped early
        events, step = acc.finish()
        yield from events
        yield StepFinish(step)


class _End:
    pass


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_Item = dict[str, Any] | _End | _Failed


class AsyncLocalChat:
    """The async face of `LocalChat`; satisfies `hfgate.client.backends.AsyncBackend`.

    Never blocks the event loop. Cancelling `complete`, or closing/cancelling a `stream`
    iteration, stops generation at the next token (a prompt being read finishes first).
    """

    def __init__(self, sync: LocalChat) -> None:
        self.sync = sync

    def __repr__(self) -> str:
        return f"AsyncLocalChat({str(self.sync.path)!r})"

    async def load(self) -> LocalModel:
        return await asyncio.to_thread(self.sync.load)

    async def count_tokens(self, req: ChatRequest) -> int | None:
        return await asyncio.to_thread(self.sync.count_tokens, req)

    async def complete(self, req: ChatRequest) -> StepResult:
        cancel = threading.Event()
        try:
            return await asyncio.to_thread(self.sync.complete, req, cancel)
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def stream(self, req: ChatRequest) -> AsyncIterator[StreamEvent]:
        model, kwargs = await asyncio.to_thread(self.sync.request_kwargs, req)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        cancel = threading.Event()
        worker = asyncio.ensure_future(
            asyncio.to_thread(_produce, model, kwargs, cancel, loop, queue)
        )
        acc = wire.ChunkAccumulator(_meta(req))
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _End):
                    break
                if isinstance(item, _Failed):
                    raise item.error
                for event in acc.feed(item):
                    yield event
        finally:
            cancel.set()
            await asyncio.shield(worker)  # the model is free again once this returns
        events, step = acc.finish()
        for event in events:
            yield event
        yield StepFinish(step)


def _produce(
    model: LocalModel,
    kwargs: dict[str, Any],
    cancel: threading.Event,
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue[_Item],
) -> None:
    """Worker thread: run the stream and hand each chunk to the event loop."""
    from hfgate.local._llama import Cancelled

    def put(item: _Item) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            cancel.set()

    chunks = model.stream(kwargs, cancel)
    try:
        for chunk in chunks:
            if cancel.is_set():
                return
            put(chunk)
    except Cancelled:
        return
    except BaseException as exc:  # noqa: BLE001 - re-raised on the event loop's side
        put(_Failed(exc))
        return
    finally:
        chunks.close()
    put(_End())
