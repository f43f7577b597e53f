"""`AsyncClient`: resolve the model, build the request, run the steps (tool calls included).
`sync_client` (`Client`) is generated from this file by `scripts/unasync.py`; edit here and
run it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Unpack

from hfgate.client.async_backends import async_backend_for
from hfgate.client.backends import AsyncBackend, PromptUsage
from hfgate.client.base import ClientBase, object_options, retry_options, with_suggestions
from hfgate.client.generation import PendingCall, Run, run_tool_async
from hfgate.client.stream import AsyncTextStream
from hfgate.errors import NotFoundError, OutputError
from hfgate.http.async_transport import AsyncTransport
from hfgate.inputs.objects import parse_object
from hfgate.inputs.options import CallOptions
from hfgate.routing.resolve import Route
from hfgate.telemetry import CallSpan, chat_call
from hfgate.types import (
    Finish,
    ResponseMeta,
    StepFinish,
    StreamEvent,
    TextResult,
    ToolResult,
    ToolResultEvent,
)


class AsyncClient(ClientBase):
    """A connection pool and defaults for calling models; use one per application."""

    _transport: AsyncTransport | None = None

    def _backend(self, route: Route, options: CallOptions) -> AsyncBackend:
        return async_backend_for(route, self._async_transport, **self.http_options(options))

    def _async_transport(self) -> AsyncTransport:
        if self._transport is None:
            self._transport = AsyncTransport(self._http_client)
        return self._transport

    async def generate_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> TextResult:
        route, run = self.prepare(model, options)
        backend = self._backend(route, options)
        trace = chat_call(route, run.request, stream=False, max_steps=run.max_steps)
        try:
            while True:
                trace.step(run.request)
                try:
                    step = await backend.complete(run.request)
                except NotFoundError as error:
                    raise with_suggestions(error, route) from None
                trace.step_done(step)
                pending = run.record(step)
                if not pending:
                    result = run.result()
                    trace.done(result)
                    return result
                run.add_results(await _run_tools(trace, pending))
        except BaseException as exc:
            trace.failed(exc)
            raise

    def stream_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> AsyncTextStream:
        route, run = self.prepare(model, options)
        return AsyncTextStream(self._events(route, run, options))

    async def _events(
        self, route: Route, run: Run, options: CallOptions
    ) -> AsyncIterator[StreamEvent]:
        backend = self._backend(route, options)
        trace = chat_call(route, run.request, stream=True, max_steps=run.max_steps)
        pending: list[PendingCall] = []
        try:
            while True:
                trace.step(run.request)
                try:
                    async for event in backend.stream(run.request):
                        if isinstance(event, ResponseMeta | PromptUsage):
                            continue
                        if isinstance(event, StepFinish):
                            trace.step_done(event.step)
                            pending = run.record(event.step)
                        yield event
                except NotFoundError as error:
                    raise with_suggestions(error, route) from None
                if not pending:
                    done = run.result()
                    trace.done(done)
                    yield Finish(done)
                    return
                results = await _run_tools(trace, pending)
                for result in results:
                    yield ToolResultEvent(result)
                run.add_results(results)
        except BaseException as exc:  # a failure, or the stream closed before its end
            trace.failed(exc)
            raise

    async def generate_object(
        self, *, model: str | None = None, schema: Any, **options: Unpack[CallOptions]
    ) -> Any:
        """The answer as a validated object (a pydantic instance, or JSON data for a dict
        schema); invalid JSON is sent back once with the validation error."""
        fmt, options = object_options(schema, options)
        result = await self.generate_text(model=model, **options)
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        result = await self.generate_text(model=model, **retry_options(result, problem, options))
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        raise OutputError(f"The model did not return valid JSON: {problem}", text=result.text)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _run_tools(trace: CallSpan, pending: list[PendingCall]) -> list[ToolResult]:
    """The step's tools in turn, each in an `execute_tool` span of its own while traced."""
    results: list[ToolResult] = []
    for function, call, kwargs, error in pending:
        trace.tool_started(call)
        results.append(trace.tool_done(await run_tool_async((function, call, kwargs, error))))
    return results
