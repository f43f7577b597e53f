"""The few calls that differ between the async face and the sync one generated from it
(`scripts/unasync.py` turns `asleep` into `sleep` and `adrain` into `drain`)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
from httpx_sse import ServerSentEvent, SSEError


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
