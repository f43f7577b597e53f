"""The multi-step tool loop as pure state, shared by the sync and async faces.

A `Run` holds the conversation; after each step it says which Python tools to run (or that
the run is over), takes their results back, and builds the next request. The faces only do
the I/O: send the request, call the tools.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hfgate.errors import ConfigError
from hfgate.inputs.request import ChatRequest
from hfgate.inputs.tools import Tool, prepare_call, tool_result
from hfgate.routing.cost import price_result
from hfgate.types import Message, StepResult, TextResult, ToolCall, ToolResult, Usage

PendingCall = tuple[Callable[..., Any] | None, ToolCall, dict[str, Any] | None, str | None]
"""(function, call, validated kwargs, error text): error text set means: don't run, report it."""


class Run:
    def __init__(
        self,
        request: ChatRequest,
        max_steps: int,
        priced_by: str | None = None,
        api_url: str | None = None,
        api_provider: str | None = None,
    ) -> None:
        self.request = request
        self.priced_by = priced_by
        self.api_url = api_url
        self.api_provider = api_provider
        self.max_steps = max(1, max_steps)
        self.steps: list[StepResult] = []
        self._tools: dict[str, Tool] = {t.name: t for t in request.tools}

    def record(self, step: StepResult) -> list[PendingCall]:
        """Add a finished step; return the tool calls to run next, or [] when the run is over."""
        self.steps.append(step)
        if not step.tool_calls or len(self.steps) >= self.max_steps:
            return []
        pending: list[PendingCall] = []
        for call in step.tool_calls:
            tool = self._tools.get(call.name)
            if tool is not None and tool.function is None:
                return []  # a schema-only tool: the caller runs it, so hand the calls back
            if tool is None:
                pending.append((None, call, None, f"Unknown tool {call.name!r}."))
                continue
            kwargs, error = prepare_call(tool, call)
            pending.append((tool.function, call, kwargs, error))
        return pending

    def add_results(self, results: list[ToolResult]) -> None:
        """Send the step's answer and its tool results back for the next step."""
        last = self.steps[-1]
        self.steps[-1] = replace(last, tool_results=tuple(results))
        tool_messages = [
            Message("tool", r.output, tool_call_id=r.tool_call_id, name=r.name, is_error=r.is_error)
            for r in results
        ]
        self.request = replace(
            self.request, messages=(*self.request.messages, last.message, *tool_messages)
        )

    def result(self) -> TextResult:
        return TextResult(
            steps=tuple(self.steps),
            usage=sum_usage(self.steps),
            messages=(*self.request.messages, self.steps[-1].message),
            priced_by=self.priced_by,
            requested_model=self.request.model,
            api_url=self.api_url,
            api_provider=self.api_provider,
            pricer=price_result,
        )


def failed(call: ToolCall, exc: BaseException) -> ToolResult:
    """A tool that raised: the model is told, so it can recover or explain."""
    return tool_result(call, f"Error: {type(exc).__name__}: {exc}", is_error=True)


def run_tool_sync(pending: PendingCall) -> ToolResult:
    function, call, kwargs, error = pending
    if error is not None or function is None or kwargs is None:
        return tool_result(call, error or "Error", is_error=True)
    if inspect.iscoroutinefunction(function):
        # The caller's mistake, not the model's: say so instead of feeding it an error.
        raise ConfigError(
            f"Tool {call.name!r} is an async function; run it with hfgate.AsyncClient or "
            "hfgate.agenerate_text / astream_text."
        )
    try:
        output = function(**kwargs)
    except Exception as exc:  # noqa: BLE001 - any tool failure goes back to the model
        return failed(call, exc)
    return tool_result(call, output)


async def run_tool_async(pending: PendingCall) -> ToolResult:
    function, call, kwargs, error = pending
    if error is not None or function is None or kwargs is None:
        return tool_result(call, error or "Error", is_error=True)
    try:
        output = function(**kwargs)
        if inspect.isawaitable(output):
            output = await output
    except Exception as exc:  # noqa: BLE001 - any tool failure goes back to the model
        return failed(call, exc)
    return tool_result(call, output)


def sum_usage(steps: list[StepResult]) -> Usage:
    usage = steps[0].usage
    for step in steps[1:]:
        usage = usage + step.usage
    return usage
