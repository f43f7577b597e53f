"""The unified request every wire format serialises: built once from the user's keyword
arguments, validated before anything goes on the wire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hfgate.errors import ConfigError
from hfgate.inputs.tools import Tool
from hfgate.types import Message

ToolChoice = str | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class JsonSchemaFormat:
    """Ask for JSON matching `schema` (`strict` lets providers enforce it exactly)."""

    name: str
    schema: Mapping[str, Any]
    strict: bool | None = None
    validator: Any = None
    """The pydantic model the schema came from, used to validate the answer."""


@dataclass(frozen=True, slots=True)
class RawFormat:
    """A `response_format` dict passed as written (`{"type": "json_object"}` and friends)."""

    value: Mapping[str, Any]


ResponseFormat = JsonSchemaFormat | RawFormat


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str
    messages: tuple[Message, ...]
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    response_format: ResponseFormat | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None
    reasoning_effort: str | None = None
    extra_body: Mapping[str, Any] | None = None
    prompt_caching: bool = True
    """Ask for prompt caching where the wire needs it asked (Anthropic's cache_control)."""
    parallel_tool_calls: bool | None = None
    """False: at most one tool call per answer (Anthropic's `disable_parallel_tool_use`);
    None leaves it to the API, which allows several."""


def to_response_format(value: Any) -> ResponseFormat | None:
    """Accept a pydantic model class, a bare JSON schema, or a full `response_format` dict."""
    if value is None or isinstance(value, JsonSchemaFormat | RawFormat):
        return value
    if isinstance(value, type) and hasattr(value, "model_json_schema"):
        return JsonSchemaFormat(value.__name__, value.model_json_schema(), None, value)
    if isinstance(value, Mapping):
        kind = value.get("type")
        if kind == "json_schema" and isinstance(value.get("json_schema"), Mapping):
            spec = value["json_schema"]
            if not isinstance(spec.get("schema"), Mapping):
                raise ConfigError("response_format.json_schema needs a `schema` object.")
            return JsonSchemaFormat(
                spec.get("name", "response"), spec["schema"], spec.get("strict")
            )
        if kind in ("json_object", "text"):
            return RawFormat(value)
        return JsonSchemaFormat(str(value.get("title", "response")), value)
    raise ConfigError(
        "response_format must be a pydantic model class, a JSON schema dict, or an OpenAI "
        f"response_format dict; got {type(value).__name__}."
    )


def to_stop(stop: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if stop is None:
        return None
    return (stop,) if isinstance(stop, str) else tuple(stop)
