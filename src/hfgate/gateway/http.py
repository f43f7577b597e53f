"""The gateway's HTTP client for upstream calls: httpx's API (the library's one transport)
over aiohttp's connection pool (httpx-aiohttp, the transport the openai SDK offers too).
Measured with bench/gateway.py on this 2-core machine: twice the requests per second of
httpx's own pool under 50 clients (219 -> 446 req/s) and ~0.7 ms less CPU per request. The
library keeps plain httpx; only `hfgate serve` (the `serve` extra) uses this."""

from __future__ import annotations

import asyncio
import contextlib
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import aiohttp
import httpx
from aiohttp.http_exceptions import HttpProcessingError
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import AiohttpResponseStream, map_aiohttp_exceptions

_MAX_CONNECTIONS = 1000
"""A gateway holds a connection per streaming client: far more than a library's 100."""


_BROKEN = (aiohttp.ClientError, HttpProcessingError)
"""What aiohttp raises for an answer it cannot parse (a garbage status line, bad chunking)
or a connection that broke, and httpx-aiohttp leaves unmapped."""


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    """aiohttp's exceptions as httpx's, which the library's retries and errors read.
    httpx-aiohttp reports every aiohttp connection error as `ConnectTimeout`; a refused or
    dropped connection is not a timeout (the gateway answers 502, not 504). aiohttp raises
    ValueError for a request it will not send (credentials in the URL and an Authorization
    header), which httpx would have tried: both are connection errors here. And what aiohttp
    raises for a malformed answer, before or while reading its body, is httpx's
    `RemoteProtocolError`, as httpx's own pool would say."""
    try:
        with map_aiohttp_exceptions():
            yield
    except ValueError as exc:
        raise httpx.ConnectError(f"request not sent: {exc}") from exc
    except httpx.ConnectTimeout as exc:
        cause = exc.__cause__
        if isinstance(cause, aiohttp.ClientError) and not isinstance(
            cause, asyncio.TimeoutError | aiohttp.ServerTimeoutError
        ):
            raise httpx.ConnectError(str(exc)) from cause
        raise
    except _BROKEN as exc:
        raise httpx.RemoteProtocolError(str(exc)) from exc


class _ErrorsMapped:
    """`_mapped_errors` for the hot path: a generator context manager (two of them, with
    httpx-aiohttp's) costs microseconds a use even when nothing is raised, which is nearly
    always; this one costs nothing then, and maps through `_mapped_errors` when it is not."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if isinstance(exc, Exception):
            with _mapped_errors():
                raise exc


_ERRORS_MAPPED = _ErrorsMapped()


class _Transport(AiohttpTransport):
    """httpx-aiohttp's transport, kept for its aiohttp session (made on first use, inside the
    server's loop) and its close; `_UpstreamClient` sends through that session itself."""

    def session(self) -> aiohttp.ClientSession:
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        return self.client


class _Mapped(httpx.AsyncByteStream):
    """An answer's body, with what aiohttp raises while reading it as httpx's error."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except _BROKEN as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        except _BROKEN:
            pass


class _UpstreamClient(httpx.AsyncClient):
    """httpx's client with `request` and `stream` sent on aiohttp's session, skipping httpx's
    `send`. It keeps no cookies: one upstream answer's `Set-Cookie` (a load balancer's, a
    provider's session) must never ride along on the next request, which is another client's.
    The gateway sends no httpx `auth=` and follows no redirects (an upstream's 3xx is its
    answer), so the loops for those are skipped as well (about 6 % of the gateway's CPU).

    Calls go to aiohttp directly (`request` for `AsyncTransport.post_json`, `stream` for its
    streams), with no httpx request built and no byte stream wrapped twice, and come back as
    the `httpx.Response` the library's checks and SSE reader read. Measured interleaved with
    bench/gateway.py: CPU per one-shot request 1.19 -> 1.06 ms."""

    def __init__(self, transport: _Transport, timeout: httpx.Timeout) -> None:
        super().__init__(transport=transport, timeout=timeout)
        self._upstream = transport
        self._defaults = {name.lower(): value for name, value in self.headers.items()}
        """httpx's own request headers (user-agent, accept, accept-encoding...), still sent,
        so an upstream sees the client it always saw."""

    async def request(  # type: ignore[override]  # the keywords AsyncTransport passes
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        **_: object,
    ) -> httpx.Response:
        answer = await self._open(method, url, content, headers, timeout)
        try:
            with _ERRORS_MAPPED:
                body = await answer.read()
        finally:
            answer.release()
        return httpx.Response(
            answer.status, headers=answer.raw_headers, content=body, extensions=_said(answer)
        )

    @contextlib.asynccontextmanager
    async def stream(  # type: ignore[override]  # the keywords httpx-sse passes
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        **_: object,
    ) -> AsyncIterator[httpx.Response]:
        answer = await self._open(method, url, content, headers, timeout)
        response = httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            stream=_Mapped(AiohttpResponseStream(answer)),
            extensions=_said(answer),
        )
        try:
            yield response
        finally:
            await response.aclose()

    async def _open(
        self,
        method: str,
        url: httpx.URL | str,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: httpx.Timeout | None,
    ) -> aiohttp.ClientResponse:
        limits = timeout if isinstance(timeout, httpx.Timeout) else self.timeout
        sent = dict(self._defaults)
        sent.update((name.lower(), value) for name, value in (headers or {}).items())
        with _ERRORS_MAPPED:
            return await self._upstream.session().request(
                method,
                str(url),
                data=content,
                headers=sent,
                allow_redirects=False,
                auto_decompress=False,  # httpx.Response decodes, as httpx-aiohttp has it
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=limits.connect, sock_read=limits.read, connect=limits.pool
                ),
            )


def _said(answer: aiohttp.ClientResponse) -> dict[str, Any]:
    """The httpx extensions of an aiohttp answer: its HTTP version and reason phrase."""
    extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
    if answer.reason:
        extensions["reason_phrase"] = answer.reason.encode()
    return extensions


def upstream_client() -> httpx.AsyncClient:
    return _UpstreamClient(_Transport(client=_session), httpx.Timeout(600.0, connect=10.0))


def _session() -> aiohttp.ClientSession:
    """Made on first use, inside the server's event loop. Proxy settings (HTTPS_PROXY,
    NO_PROXY, ...) apply as they do to httpx, which ignores them once given a transport;
    aiohttp re-reads them on every request, which costs throughput, so only when a proxy is
    set at all. Certificates are verified as httpx does."""
    connector = aiohttp.TCPConnector(limit=_MAX_CONNECTIONS, ssl=httpx.create_ssl_context())
    proxied = bool(urllib.request.getproxies())
    return aiohttp.ClientSession(connector=connector, trust_env=proxied)
