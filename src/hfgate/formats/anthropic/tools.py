"""A Messages client's tools as any upstream can take them.

Anthropic requests carry three kinds of tool, told apart by `type`:

- custom tools (no `type`, or `custom`): `{name, description, input_schema}`, for every wire.
- Anthropic-defined *client* tools (`bash_*`, `text_editor_*`, `memory_*`): Anthropic fixes
  their schema, the client runs them. Another model gets them as function tools under the
  client's name with the schema Anthropic documents, so its calls come back in the shape the
  client already executes. `computer_*` is left out instead: driving a screen by pixel
  coordinates needs a model trained for it, and no function schema makes one.
- *server* tools (`web_search_*`, `web_fetch_*`, `code_execution_*`, `mcp_toolset`, any other
  type): Anthropic runs them on its own servers, so only an Anthropic upstream can.

An Anthropic upstream gets the tools exactly as the client wrote them (through the request's
passthrough); any other gets the function tools and a warning naming what was left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hfgate.formats.anthropic.content import field_error, string_field
from hfgate.inputs.tools import Tool

_STRING = {"type": "string"}
_PATH = {"type": "string", "description": "Absolute path of the file or directory."}
_LINES = {
    "type": "array",
    "items": {"type": "integer"},
    "minItems": 2,
    "maxItems": 2,
    "description": "[first, last] line to view, 1-based; last -1 reads to the end.",
}

_BASH = Tool(
    "bash",
    "Run a command in a persistent bash session (the working directory and environment "
    "persist between calls).",
    {
        "type": "object",
        "properties": {
            "command": {
                "type": "string",
                "description": "The bash command to run. Required unless the tool is being "
                "restarted.",
            },
            "restart": {
                "type": "boolean",
                "description": "Specifying true will restart this tool. Otherwise, leave this "
                "unspecified.",
            },
        },
    },
)


def _editor(name: str, commands: list[str]) -> Tool:
    return Tool(
        name,
        "View, create and edit text files. view: a file with line numbers, or a directory's "
        "listing. create: write file_text to a new file. str_replace: replace old_str, which "
        "must occur exactly once, with new_str. insert: insert new_str after line insert_line "
        "(0 for the top)." + (" undo_edit: revert the last edit of path." if commands[4:] else ""),
        {
            "type": "object",
            "properties": {
                "command": {"type": "string", "enum": commands},
                "path": _PATH,
                "file_text": _STRING,
                "old_str": _STRING,
                "new_str": _STRING,
                "insert_line": {"type": "integer"},
                "view_range": _LINES,
            },
            "required": ["command", "path"],
        },
    )


_EDITOR = _editor("str_replace_based_edit_tool", ["view", "create", "str_replace", "insert"])
_OLD_EDITOR = _editor(
    "str_replace_editor", ["view", "create", "str_replace", "insert", "undo_edit"]
)
_MEMORY = Tool(
    "memory",
    "Files under /memories that persist between conversations: view (a file or directory), "
    "create, str_replace, insert (insert_text after insert_line), delete, rename.",
    {
        "type": "object",
        "properties": {
            "command": {
                "type": "string",
                "enum": ["view", "create", "str_replace", "insert", "delete", "rename"],
            },
            "path": _PATH,
            "file_text": _STRING,
            "old_str": _STRING,
            "new_str": _STRING,
            "insert_line": {"type": "integer"},
            "insert_text": _STRING,
            "view_range": _LINES,
            "old_path": _STRING,
            "new_path": _STRING,
        },
        "required": ["command"],
    },
)

CLIENT_TOOLS: dict[str, Tool] = {
    "bash_20241022": _BASH,
    "bash_20250124": _BASH,
    "text_editor_20241022": _OLD_EDITOR,
    "text_editor_20250124": _OLD_EDITOR,
    "text_editor_20250429": _EDITOR,
    "text_editor_20250728": _EDITOR,
    "memory_20250818": _MEMORY,
}
"""Anthropic-defined tools the client runs, by type, with their documented input schema; the
description is the gateway's own, since Anthropic gives none for them."""
_CLIENT_FAMILIES = {"bash_": _BASH, "text_editor_": _EDITOR, "memory_": _MEMORY}
"""A newer version of a known family: its latest known schema."""


@dataclass
class ParsedTools:
    """A request's tools, sorted for the two kinds of upstream."""

    tools: list[Tool] = field(default_factory=list)
    """What every upstream gets: custom tools, and client tools as function tools."""
    anthropic_only: list[str] = field(default_factory=list)
    """`type (name)` of each tool only an Anthropic upstream can run, in order."""
    anthropic_names: dict[str, str] = field(default_factory=dict)
    """Those tools' names (what `tool_choice` says) -> their `type (name)`."""
    native: bool = False
    """Some tool is not a custom tool: an Anthropic upstream must get the list as written."""

    def names(self) -> set[str]:
        return {t.name for t in self.tools} | self.anthropic_names.keys()

    def forced(self, choice: Any) -> str | None:
        """The tool(s) only Anthropic can run that `tool_choice` makes the model call: one
        named, or all of them with `any` when no other tool is left."""
        kind = choice.get("type") if isinstance(choice, Mapping) else None
        if kind == "tool":
            return self.anthropic_names.get(str(choice.get("name")))
        if kind == "any" and self.anthropic_only and not self.tools:
            return ", ".join(self.anthropic_only)
        return None

    def add(self, tool: Tool, at: str) -> None:
        self._unique(tool.name, at)
        self.tools.append(tool)

    def add_anthropic_only(self, kind: str, name: str | None, at: str) -> None:
        label = f"{kind} ({name})" if name else kind
        self.anthropic_only.append(label)
        if name is not None:
            self._unique(name, at)
            self.anthropic_names[name] = label

    def _unique(self, name: str, at: str) -> None:
        if name in self.names():
            raise field_error(f"{at}.name", f"{name!r} names two tools; tool names must be unique.")


def parse_tools(raw: Any) -> ParsedTools:
    if raw is not None and not isinstance(raw, list):
        raise field_error("tools", "must be a list of {name, description, input_schema} tools.")
    found = ParsedTools()
    for i, spec in enumerate(raw or ()):
        at = f"tools.{i}"
        if not isinstance(spec, Mapping):
            raise field_error(at, "must be a tool: {name, description, input_schema}.")
        kind = spec.get("type")
        if kind in (None, "custom"):
            found.add(_custom(spec, at), at)
            continue
        if not isinstance(kind, str) or not kind:
            raise field_error(f"{at}.type", "must be a string naming the tool's type.")
        found.native = True
        name = spec.get("name")
        if name is not None and not isinstance(name, str):
            raise field_error(f"{at}.name", "must be a string.")
        schema = _client_tool(kind)
        if schema is None:
            found.add_anthropic_only(kind, name, at)
        else:
            found.add(Tool(name or schema.name, schema.description, schema.parameters), at)
    return found


def _client_tool(kind: str) -> Tool | None:
    known = CLIENT_TOOLS.get(kind)
    if known is not None:
        return known
    return next((t for prefix, t in _CLIENT_FAMILIES.items() if kind.startswith(prefix)), None)


def _custom(spec: Mapping[str, Any], at: str) -> Tool:
    name = string_field(spec, "name", at)
    schema = spec.get("input_schema")
    if not isinstance(schema, Mapping):
        raise field_error(f"{at}.input_schema", "must be a JSON schema object.")
    description = string_field(spec, "description", at) if "description" in spec else None
    return Tool(name, description, dict(schema))


def as_written(raw: list[Any]) -> list[dict[str, Any]]:
    """The client's tools for an Anthropic upstream, minus `cache_control`: hfgate's wire
    places its own cache breakpoints."""
    return [{k: v for k, v in spec.items() if k != "cache_control"} for spec in raw]
