"""The sync face, generated from `hfgate/client/async_client.py` by `scripts/unasync.py`: do not
edit; edit the async module and run `python scripts/unasync.py`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Unpack

from hfgate.client.backends import Backend, PromptUsage
from hfgate.client.base import ClientBase, object_options, retry_options, with_suggestions
from hfgate.client.generation import PendingCall, Run, run_tool_sync
from hfgate.client.stream import TextStream
from hfgate.client.sync_backends import backend_for
from hfgate.errors import NotFoundError, OutputError
from hfgate.http.sync_transport import SyncTransport
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


class Client(ClientBase):
    """A connection pool and defaults for calling models; use one per application."""

    _transport: SyncTransport | None = None

    def _backend(self, route: Route, options: CallOptions) -> Backend:
        return backend_for(route, self._sync_transport, **self.http_options(options))

    def _sync_transport(self) -> SyncTransport:
        if self._transport is None:
            self._transport = SyncTransport(self._http_client)
        return self._transport

    def generate_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> TextResult:
        route, run = self.prepare(model, options)
        backend = self._backend(route, options)
        trace = chat_call(route, run.request, stream=False, max_steps=run.max_steps)
        try:
            while True:
                trace.step(run.request)
                try:
                    step = backend.complete(run.request)
                except NotFoundError as error:
                    raise with_suggestions(error, route) from None
                trace.step_done(step)
                pending = run.record(step)
                if not pending:
                    result = run.result()
                    trace.done(result)
                    return result
                run.add_results(_run_tools(trace, pending))
        except BaseException as exc:
            trace.failed(exc)
            raise

    def stream_text(
        self, *, model: str | None = None, **options: Unpack[CallOptions]
    ) -> TextStream:
        route, run = self.prepare(model, options)
        return TextStream(self._events(route, run, options))

    def _events(self, route: Route, run: Run, options: CallOptions) -> Iterator[StreamEvent]:
        backend = self._backend(route, options)
        trace = chat_call(route, run.request, stream=True, max_steps=run.max_steps)
        pending: list[PendingCall] = []
        try:
            while True:
                trace.step(run.request)
                try:
                    for event in backend.stream(run.request):
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
                results = _run_tools(trace, pending)
                for result in results:
                    yield ToolResultEvent(result)
                run.add_results(results)
        except BaseException as exc:  # a failure, or the stream closed before its end
            trace.failed(exc)
            raise

    def generate_object(
        self, *, model: str | None = None, schema: Any, **options: Unpack[CallOptions]
    ) -> Any:
        """The answer as a validated object (a pydantic instance, or JSON data for a dict
        schema); invalid JSON is sent back once with the validation error."""
        fmt, options = object_options(schema, options)
        result = self.generate_text(model=model, **options)
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        result = self.generate_text(model=model, **retry_options(result, problem, options))
        value, problem = parse_object(result.text, fmt)
        if problem is None:
            return value
        raise OutputError(f"The model did not return valid JSON: {problem}", text=result.text)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run_tools(trace: CallSpan, pending: list[PendingCall]) -> list[ToolResult]:
    """The step's tools in turn, each in an `execute_tool` span of its own while traced."""
    results: list[ToolResult] = []
    for function, call, kwargs, error in pending:
        trace.tool_started(call)
        results.append(trace.tool_done(run_tool_sync((function, call, kwargs, error))))
    return results
