"""A Responses client's tools as any upstream can take them, and its calls rendered back.

Coding agents send more than function tools (Codex always sends a `namespace` group and
`web_search`), and the gateway serves them all without state:

- `function`: as is.
- `namespace`: each member becomes a function named `<namespace>__<name>` (or `<ns><name>` when
  the namespace already ends in `_`, as Codex's `mcp__server__` do). A call comes back with
  `namespace` and the bare `name`, the way Codex dispatches it; a replayed `function_call` with
  `namespace` is joined the same way.
- `custom` (free-form input, optionally a Lark or regex grammar, like Codex's `apply_patch`):
  a function taking one string, `input`, with the grammar quoted in its description. Its call
  comes back as a `custom_tool_call` carrying that raw text.
- Hosted tools (`web_search`, `file_search`, `code_interpreter`, `image_generation`, `mcp`,
  ...) run on OpenAI's servers, which no upstream here is: they are left out with a warning, and
  a request that forces one (`tool_choice`) is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hfgate.formats.base import ClientTool
from hfgate.formats.responses.vocabulary import fail, parse_tool_choice
from hfgate.inputs.tools import Tool

MAX_NAME = 64
"""OpenAI's (and most servers') limit on a function name."""
_FLAT = "Responses tools are flat ({type, name, description, parameters}), with no `function`."
_ANY_OBJECT: Mapping[str, Any] = {"type": "object", "properties": {}}


def flat_name(namespace: str, name: str) -> str:
    """The one function name an upstream sees for `name` in `namespace`, within 64 characters
    (a long one keeps its start and a digest of the whole, so it stays unique)."""
    joined = f"{namespace}{name}" if namespace.endswith("_") else f"{namespace}__{name}"
    if len(joined) <= MAX_NAME:
        return joined
    digest = hashlib.sha256(joined.encode()).hexdigest()[:10]
    return f"{joined[: MAX_NAME - 11]}_{digest}"


def custom_parameters(about: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"input": {"type": "string", "description": about}},
        "required": ["input"],
        "additionalProperties": False,
    }


@dataclass
class ClientTools:
    """A request's tools as the upstream gets them, and how to name their calls back."""

    tools: list[Tool] = field(default_factory=list)
    names: dict[str, ClientTool] = field(default_factory=dict)
    """Upstream name -> the client's name, for the namespaced and custom tools only."""
    hosted: list[str] = field(default_factory=list)
    """The types of the hosted tools left out, in order."""
    echo: list[dict[str, Any]] = field(default_factory=list)
    """The client's tools as a response object repeats them: functions with every field,
    namespaces and custom tools as written; hosted tools left out."""

    @property
    def warnings(self) -> tuple[str, ...]:
        if not self.hosted:
            return ()
        kinds = ", ".join(dict.fromkeys(self.hosted))
        return (
            f"hosted tools left out ({kinds}): they run on OpenAI's servers, and this "
            "gateway's upstreams cannot run them",
        )

    def add(self, tool: Tool, where: str, client: ClientTool | None = None) -> None:
        if any(t.name == tool.name for t in self.tools):
            fail(where, f"Two tools share the name {tool.name!r}.")
        self.tools.append(tool)
        if client is not None:
            self.names[tool.name] = client


def parse_tools(value: Any) -> ClientTools:
    if not isinstance(value, list | None):
        fail("tools", "`tools` must be a list of tools.")
    found = ClientTools()
    for i, spec in enumerate(value or ()):
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        where = f"tools.{i}"
        if kind == "function":
            tool = _function(spec, where)
            found.add(tool, f"{where}.name")
            found.echo.append(_function_echo(spec, tool, where))
        elif kind == "namespace":
            _namespace(spec, where, found)
            found.echo.append(dict(spec))
        elif kind == "custom":
            tool = _custom(spec, where)
            found.add(tool, f"{where}.name", ClientTool(tool.name, custom=True))
            found.echo.append(dict(spec))
        elif isinstance(kind, str) and kind:
            found.hosted.append(kind)
        else:
            fail(f"{where}.type", "Each tool needs `type`: function, namespace or custom.")
    return found


def _function(spec: Mapping[str, Any], where: str, name: str | None = None) -> Tool:
    own, params, about = spec.get("name"), spec.get("parameters"), spec.get("description")
    if not isinstance(own, str) or not own:
        fail(f"{where}.name", f"A function tool needs `name`; {_FLAT}")
    if not isinstance(params, Mapping | None):
        fail(f"{where}.parameters", "`parameters` must be a JSON schema object.")
    if not isinstance(about, str | None):
        fail(f"{where}.description", "`description` must be a string.")
    # `strict` has no unified field: hfgate.formats asks every upstream for strict: false.
    return Tool(name or own, about, params or _ANY_OBJECT)


def _function_echo(spec: Mapping[str, Any], tool: Tool, where: str) -> dict[str, Any]:
    """A function tool with the fields a response object always gives one (`strict` None: the
    gateway enforces no schema, and asks no upstream to)."""
    strict = spec.get("strict")
    if not isinstance(strict, bool | None):
        fail(f"{where}.strict", "`strict` must be true or false.")
    return {
        "type": "function",
        "name": tool.name,
        "description": tool.description,
        "parameters": spec.get("parameters"),
        "strict": strict,
    }


def _namespace(spec: Mapping[str, Any], where: str, found: ClientTools) -> None:
    namespace, members, about = spec.get("name"), spec.get("tools"), spec.get("description")
    if not isinstance(namespace, str) or not namespace:
        fail(f"{where}.name", "A namespace tool needs `name`, a string.")
    if not isinstance(members, list):
        fail(f"{where}.tools", "A namespace tool needs `tools`, a list of function tools.")
    if not isinstance(about, str | None):
        fail(f"{where}.description", "`description` must be a string.")
    for j, member in enumerate(members):
        at = f"{where}.tools.{j}"
        kind = member.get("type", "function") if isinstance(member, Mapping) else None
        if kind not in ("function", "custom"):
            fail(f"{at}.type", "A namespace holds function and custom tools only.")
        tool = _function(member, at) if kind == "function" else _custom(member, at)
        flat = flat_name(namespace, tool.name)
        described = f"{about}\n\n{tool.description or ''}".strip() if about else tool.description
        client = ClientTool(tool.name, namespace, custom=kind == "custom")
        found.add(Tool(flat, described, tool.parameters), f"{at}.name", client)


def _custom(spec: Mapping[str, Any], where: str) -> Tool:
    name, about, fmt = spec.get("name"), spec.get("description"), spec.get("format")
    if not isinstance(name, str) or not name:
        fail(f"{where}.name", "A custom tool needs `name`, a string.")
    if not isinstance(about, str | None):
        fail(f"{where}.description", "`description` must be a string.")
    if not isinstance(fmt, Mapping | None):
        fail(f"{where}.format", "`format` must be {type: text} or {type: grammar, ...}.")
    text = "The raw text this tool takes (not JSON)."
    if fmt is not None and fmt.get("type") == "grammar":
        syntax, definition = fmt.get("syntax"), fmt.get("definition")
        if not isinstance(syntax, str) or not isinstance(definition, str):
            fail(f"{where}.format", "A grammar format needs `syntax` and `definition`, strings.")
        text = f"The raw text this tool takes (not JSON), in this {syntax} grammar:\n{definition}"
    elif fmt is not None and fmt.get("type") != "text":
        fail(f"{where}.format.type", "`format.type` must be text or grammar.")
    described = f"{about}\n\nPut the whole input in `input`." if about else None
    return Tool(name, described, custom_parameters(text))


def parse_choice(value: Any, tools: ClientTools) -> str | dict[str, Any] | None:
    """`tool_choice`, with a namespaced or custom tool named as the upstream knows it; forcing
    a hosted tool, or any tool when only hosted ones were sent, is refused."""
    if isinstance(value, Mapping):
        kind, name, namespace = value.get("type"), value.get("name"), value.get("namespace")
        if kind == "custom" and isinstance(name, str) and name:
            return {"type": "function", "name": name}
        if kind == "function" and isinstance(namespace, str) and isinstance(name, str):
            return {"type": "function", "name": flat_name(namespace, name)}
        if isinstance(kind, str) and kind not in ("function", "allowed_tools"):
            fail(
                "tool_choice",
                f"tool_choice forces the hosted tool {kind!r}, which no upstream of this "
                "gateway can run; use a function tool, or tool_choice auto.",
            )
    if value == "required" and not tools.tools and tools.hosted:
        fail(
            "tool_choice",
            "tool_choice required, but the only tools sent are hosted ones, which this "
            "gateway leaves out; send a function tool, or tool_choice auto.",
        )
    return parse_tool_choice(value)


# --- unified -> the client's items -----------------------------------------------------------


def call_fields(name: str, raw: str, names: Mapping[str, ClientTool]) -> dict[str, Any]:
    """The fields of a call's output item that depend on how the client knows the tool:
    `type`, `name` (and `namespace`), and `arguments`, or a custom tool's `input` (read from
    the upstream's `{"input": ...}`; the raw text if the model wrote something else)."""
    client = names.get(name)
    if client is None:
        return {"type": "function_call", "name": name, "arguments": raw}
    where = {"namespace": client.namespace} if client.namespace else {}
    if client.custom:
        return {
            "type": "custom_tool_call",
            **where,
            "name": client.name,
            "input": custom_input(raw),
        }
    return {"type": "function_call", **where, "name": client.name, "arguments": raw}


def custom_input(raw: str) -> str:
    try:
        given = json.loads(raw) if raw else {}
    except ValueError:
        return raw
    text = given.get("input") if isinstance(given, dict) else None
    return text if isinstance(text, str) else raw
