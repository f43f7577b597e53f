"""Tools: OpenAI-style dicts pass through; plain Python functions get a JSON schema from their
type hints and docstring (via pydantic) and can be run by the multi-step loop."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_type_hints

from hfgate.errors import ConfigError
from hfgate.types import ToolCall, ToolResult

ToolLike = Mapping[str, Any] | Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool as the model sees it, plus the Python function that runs it (if any)."""

    name: str
    description: str | None
    parameters: Mapping[str, Any]
    function: Callable[..., Any] | None = None
    _validator: Any = None

    def to_openai(self) -> dict[str, Any]:
        fn: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            fn["description"] = self.description
        return {"type": "function", "function": fn}


def to_tools(tools: Sequence[ToolLike] | None) -> list[Tool]:
    out = [to_tool(t) for t in tools or ()]
    names = [t.name for t in out]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ConfigError(f"Two tools share the name {sorted(duplicated)[0]!r}.")
    return out


def to_tool(value: ToolLike | Tool) -> Tool:
    if isinstance(value, Tool):
        return value
    if isinstance(value, Mapping):
        return _from_dict(value)
    if callable(value):
        return _from_function(value)
    raise ConfigError(f"A tool must be a dict or a function, not {type(value).__name__}.")


def _from_dict(spec: Mapping[str, Any]) -> Tool:
    fn = spec.get("function", spec)  # accept the flat Responses-style shape too
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"Tool {dict(spec)!r:.80} has no function name.")
    params = fn.get("parameters") or {"type": "object", "properties": {}}
    return Tool(name, fn.get("description"), params)


def _from_function(func: Callable[..., Any]) -> Tool:
    from pydantic import create_model

    doc = inspect.getdoc(func) or ""
    summary, arg_docs = _parse_docstring(doc)
    try:
        hints = get_type_hints(func, include_extras=True)
    except (NameError, TypeError) as exc:
        raise ConfigError(f"Tool {func.__name__!r}: cannot read its type hints ({exc}).") from exc
    fields: dict[str, Any] = {}
    for name, param in inspect.signature(func).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(name, Any)
        default = ... if param.default is param.empty else param.default
        fields[name] = (annotation, _field(default, arg_docs.get(name)))
    model = create_model(f"{func.__name__}_args", **fields)
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return Tool(func.__name__, summary or None, schema, func, model)


def _field(default: Any, description: str | None) -> Any:
    from pydantic import Field

    return Field(default, description=description)


_ARGS_HEADER = re.compile(r"^(Args|Arguments|Parameters):\s*$", re.MULTILINE)
_ARG_LINE = re.compile(r"^\s+(\w+)(?:\s*\([^)]*\))?:\s*(.+)$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The summary paragraph and Google-style `Args:` descriptions."""
    header = _ARGS_HEADER.search(doc)
    summary = (doc[: header.start()] if header else doc).strip().split("\n\n")[0]
    args: dict[str, str] = {}
    if header:
        for line in doc[header.end() :].splitlines():
            match = _ARG_LINE.match(line)
            if match:
                args[match.group(1)] = match.group(2).strip()
            elif line.strip() and not line.startswith((" ", "\t")):
                break
    return " ".join(summary.split()), args


def prepare_call(tool: Tool, call: ToolCall) -> tuple[dict[str, Any] | None, str | None]:
    """Validated keyword arguments for a call, or an error text to send back to the model."""
    if call.raw_arguments.strip() and not call.arguments and call.raw_arguments.strip() != "{}":
        return None, f"Invalid JSON arguments for tool {tool.name!r}: {call.raw_arguments!r}"
    if tool._validator is None:
        return dict(call.arguments), None
    from pydantic import ValidationError

    try:
        validated = tool._validator.model_validate(call.arguments)
    except ValidationError as exc:
        return None, f"Invalid arguments for tool {tool.name!r}: {exc}"
    return {name: getattr(validated, name) for name in type(validated).model_fields}, None


def tool_result(call: ToolCall, output: Any, *, is_error: bool = False) -> ToolResult:
    return ToolResult(call.id, call.name, _to_text(output), is_error)


def _to_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    try:
        from pydantic_core import to_json

        return to_json(output).decode()
    except Exception:  # noqa: BLE001 - an unserialisable result still gets shown to the model
        return json.dumps(str(output))
