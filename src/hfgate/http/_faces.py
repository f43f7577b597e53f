"""The few calls that differ between the async face and the sync one generated from it
(`scripts/unasync.py` turns `asleep` into `sleep`, `adrain` into `drain` and `awithin` into
`within`)."""

from __future__ import annotations

import concurrent.futures
import contextvars
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
from httpx_sse import ServerSentEvent, SSEError

T = TypeVar("T")


def sleep(seconds: float) -> None:
    time.sleep(seconds)


async def asleep(seconds: float) -> None:
    import asyncio  # kept off the sync face's import path (about 10 ms)

    await asyncio.sleep(seconds)


def drain(events: Iterator[ServerSentEvent], seconds: float) -> None:
    """Read the rest of a body, for at most about `seconds`. A blocking read cannot be cut
    short, so the bound is checked between events; a server that holds an idle body open after
    `[DONE]` costs up to the read timeout (as in the openai SDK, whose sync stream also reads
    to the end)."""
    deadline = time.monotonic() + seconds
    try:
        for _ in events:
            if time.monotonic() > deadline:
                return
    except (httpx.HTTPError, SSEError):
        pass


async def adrain(events: AsyncIterator[ServerSentEvent], seconds: float) -> None:
    """Read the rest of a body, for at most `seconds`: a server that keeps the body open after
    `[DONE]` costs its connection, not the caller."""
    import asyncio

    try:
        async with asyncio.timeout(seconds):
            async for _ in events:
                pass
    except (TimeoutError, httpx.HTTPError, SSEError):
        pass


def _late(seconds: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"no answer within timeout={seconds:g} s")


async def awithin(seconds: float | None, work: Callable[[], Awaitable[T]]) -> T:
    """`work()`, cancelled once it has taken `seconds`: httpx bounds each wait, not the sum,
    so a server trickling a byte a second would otherwise hold a call for ever."""
    if seconds is None:
        return await work()
    import asyncio

    try:
        async with asyncio.timeout(seconds):
            return await work()
    except TimeoutError:
        raise _late(seconds) from None


@functools.cache
def _workers() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(64, thread_name_prefix="hfgate-call")


def within(seconds: float | None, work: Callable[[], T]) -> T:
    """The sync `awithin`. A blocking read cannot be cancelled, so with a bound the work runs
    on a worker thread and the caller stops waiting at the bound; what the work opens after
    that is closed when it finishes."""
    if seconds is None:
        return work()
    # in the caller's context, as asyncio.to_thread does: the trace headers live there
    future = _workers().submit(contextvars.copy_context().run, work)
    try:
        return future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        future.add_done_callback(_close_result)
        raise _late(seconds) from None


def _close_result(future: concurrent.futures.Future[Any]) -> None:
    if future.exception() is None:
        opened = future.result()
        response = getattr(opened, "response", opened)  # an EventSource, or a response
        close = getattr(response, "close", None)
        if callable(close):
            close()
