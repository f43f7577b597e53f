"""The scripted upstream of the agent tests: a responder for the router emulator that plays a
model making one shell tool call.

The agents' model is a Hub id, so what the gateway forwards arrives at the router on whichever
wire the gateway picked for it (chat completions, Messages or Responses): each is read by its
own small reader. A request ending in a tool result gets the final text; one that offers a
shell tool gets a call to it, with a command that writes a file and arguments filled from the
tool's own JSON schema (droid's `Execute` requires a risk level and a summary besides the
command); anything else (a title, a topic check) gets plain text. `Reply` renders the answer
on every wire.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hfgate.testing import RecordedRequest, Reply, ToolCallSpec

SHELL_TOOLS = ("Bash", "exec_command", "shell_command", "shell", "bash", "Execute")
"""The shell tool of each agent, as their requests name it: Claude Code's `Bash`, Codex's
`exec_command` (`shell` / `shell_command` in other versions), opencode's `bash`, droid's
`Execute`."""
_COMMAND_FIELDS = ("command", "cmd")
_SUMMARY = "Write the marker file"  # fits droid's "3-8 words, sentence case" summary pattern


@dataclass
class ShellScript:
    """Call the offered shell tool with `command`, then answer `final`."""

    command: str
    final: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(tool name, arguments) of each call made."""
    results: list[str] = field(default_factory=list)
    """The text of each tool result received."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, request: RecordedRequest) -> Reply:
        body: Mapping[str, Any] = request.json if isinstance(request.json, Mapping) else {}
        wire = next(w for suffix, w in WIRES.items() if request.path.endswith(suffix))
        result = wire.tool_result(body)
        if result is not None:
            with self._lock:
                self.results.append(result)
            return Reply.text(self.final)
        tool = shell_tool(wire.tools(body))
        if tool is None:
            return Reply.text("Marker file agent session")
        name, parameters = tool
        arguments = shell_arguments(parameters, self.command)
        with self._lock:
            self.calls.append((name, arguments))
        return Reply.tool_calls([ToolCallSpec(name, arguments)])


Tools = dict[str, Mapping[str, Any]]
"""Tool name -> its JSON schema."""


@dataclass(frozen=True)
class Wire:
    """How one API's request offers tools and carries a tool result (its text, else None)."""

    tools: Callable[[Mapping[str, Any]], Tools]
    tool_result: Callable[[Mapping[str, Any]], str | None]


def _last(items: Any) -> Mapping[str, Any]:
    last = items[-1] if isinstance(items, list) and items else None
    return last if isinstance(last, Mapping) else {}


def _chat_tools(body: Mapping[str, Any]) -> Tools:
    functions = [t.get("function") for t in body.get("tools") or [] if isinstance(t, Mapping)]
    return {f["name"]: f.get("parameters") or {} for f in functions if isinstance(f, Mapping)}


def _chat_result(body: Mapping[str, Any]) -> str | None:
    last = _last(body.get("messages"))
    return _text(last.get("content")) if last.get("role") == "tool" else None


def _messages_tools(body: Mapping[str, Any]) -> Tools:
    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping) and "name" in t]
    return {t["name"]: t.get("input_schema") or {} for t in tools}


def _messages_result(body: Mapping[str, Any]) -> str | None:
    content = _last(body.get("messages")).get("content")
    blocks = [b for b in content if isinstance(b, Mapping)] if isinstance(content, list) else []
    results = [b for b in blocks if b.get("type") == "tool_result"]
    return _text(results[-1].get("content")) if results else None


def _responses_tools(body: Mapping[str, Any]) -> Tools:
    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
    return {t["name"]: t.get("parameters") or {} for t in tools if t.get("type") == "function"}


def _responses_result(body: Mapping[str, Any]) -> str | None:
    last = _last(body.get("input"))
    return _text(last.get("output")) if last.get("type") == "function_call_output" else None


WIRES = {
    "/chat/completions": Wire(_chat_tools, _chat_result),
    "/messages": Wire(_messages_tools, _messages_result),
    "/responses": Wire(_responses_tools, _responses_result),
}


def shell_tool(offered: Tools) -> tuple[str, Mapping[str, Any]] | None:
    """(name, parameters) of the first offered tool named like a shell, in SHELL_TOOLS order."""
    return next(((n, offered[n]) for n in SHELL_TOOLS if n in offered), None)


def shell_arguments(parameters: Mapping[str, Any], command: str) -> dict[str, Any]:
    """The command in the tool's command field (an argv for array-typed ones), plus a value
    for every other required field."""
    properties: Mapping[str, Any] = parameters.get("properties") or {}
    name = next(f for f in _COMMAND_FIELDS if f in properties)
    is_argv = properties[name].get("type") == "array"
    arguments: dict[str, Any] = {name: ["bash", "-lc", command] if is_argv else command}
    for required in parameters.get("required") or []:
        if required not in arguments:
            arguments[required] = _filler(properties.get(required) or {})
    return arguments


def _filler(schema: Mapping[str, Any]) -> Any:
    if schema.get("enum"):
        return schema["enum"][0]
    fillers = {"string": _SUMMARY, "number": 60, "integer": 60, "boolean": False}
    return fillers.get(schema.get("type"), _SUMMARY)


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return str(content or "")
