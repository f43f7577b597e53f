"""Module-level shortcuts: `hfgate.generate_text(...)` and friends.

The sync ones reuse a client (and so its connection pool) per (api_key, base_url, bill_to).
The async ones open a client per call and close it after: an httpx.AsyncClient cannot cross
event loops, and nothing tells us when a loop closes. Use `AsyncClient` to pool connections.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any, Unpack

from hfgate._constants import ROUTER_URL_ENV
from hfgate.client.async_client import AsyncClient
from hfgate.client.stream import AsyncTextStream, TextStream
from hfgate.client.sync_client import Client
from hfgate.inputs.options import CallOptions
from hfgate.types import StreamEvent, TextResult

_ClientKey = tuple[str | None, str | None, str | None, str | None]
_clients: dict[_ClientKey, Client] = {}


def _key(api_key: str | None, base_url: str | None, bill_to: str | None) -> _ClientKey:
    # The router URL may come from the environment, so it is part of the key too.
    return (api_key, base_url, bill_to, os.environ.get(ROUTER_URL_ENV))


def _client(api_key: str | None, base_url: str | None, bill_to: str | None) -> Client:
    key = _key(api_key, base_url, bill_to)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = Client(api_key=api_key, base_url=base_url, bill_to=bill_to)
    return client


def generate_text(
    *,
    model: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    bill_to: str | None = None,
    **options: Unpack[CallOptions],
) -> TextResult:
    """Generate an answer; see `Client.generate_text`."""
    return _client(api_key, base_url, bill_to).generate_text(model=model, **options)


def stream_text(
    *,
    model: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    bill_to: str | None = None,
    **options: Unpack[CallOptions],
) -> TextStream:
    """Stream typed events; see `Client.stream_text`."""
    return _client(api_key, base_url, bill_to).stream_text(model=model, **options)


def generate_object(
    *,
    model: str | None = None,
    schema: Any,
    api_key: str | None = None,
    base_url: str | None = None,
    bill_to: str | None = None,
    **options: Unpack[CallOptions],
) -> Any:
    """A validated object from a JSON-schema-constrained answer; see `Client.generate_object`."""
    return _client(api_key, base_url, bill_to).generate_object(
        model=model, schema=schema, **options
    )


async def agenerate_text(
    *,
    model: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    bill_to: str | None = None,
    **options: Unpack[CallOptions],
) -> TextResult:
    async with AsyncClient(api_key=api_key, base_url=base_url, bill_to=bill_to) as client:
        return await client.generate_text(model=model, **options)


def astream_text(
    *,
    model: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    bill_to: str | None = None,
    **options: Unpack[CallOptions],
) -> AsyncTextStream:
    """Stream typed events; the client closes when the stream ends or is closed."""
    client = AsyncClient(api_key=api_key, base_url=base_url, bill_to=bill_to)
    return AsyncTextStream(_closing(client, client.stream_text(model=model, **options)))


async def agenerate_object(
    *,
    model: str | None = None,
    schema: Any,
    api_key: str | None = None,
    base_url: str | None = None,
    bill_to: str | None = None,
    **options: Unpack[CallOptions],
) -> Any:
    async with AsyncClient(api_key=api_key, base_url=base_url, bill_to=bill_to) as client:
        return await client.generate_object(model=model, schema=schema, **options)


async def _closing(client: AsyncClient, stream: AsyncTextStream) -> AsyncIterator[StreamEvent]:
    try:
        async for event in stream:
            yield event
    finally:
        await stream.aclose()
        await client.aclose()
