from __future__ import annotations

from typing import Literal

import pytest

from hfgate.errors import ConfigError
from hfgate.inputs.tools import prepare_call, to_tool, to_tools, tool_result
from hfgate.types import ToolCall


def get_weather(city: str, unit: Literal["c", "f"] = "c", days: int = 1) -> str:
    """Get the weather forecast for a city.

    Longer explanation that should not be in the summary.

    Args:
        city: The city name, e.g. Paris.
        unit (str): Temperature unit.
    """
    return f"{city}: 20{unit} for {days} day(s)"


def test_function_schema_from_type_hints_and_docstring() -> None:
    tool = to_tool(get_weather)
    assert tool.name == "get_weather"
    assert tool.description == "Get the weather forecast for a city."
    params = tool.parameters
    assert params["type"] == "object"
    assert params["required"] == ["city"]
    assert params["properties"]["city"] == {
        "type": "string",
        "description": "The city name, e.g. Paris.",
    }
    assert params["properties"]["unit"]["enum"] == ["c", "f"]
    assert params["properties"]["unit"]["description"] == "Temperature unit."
    assert params["properties"]["days"] == {"type": "integer", "default": 1}
    assert tool.to_openai()["function"]["name"] == "get_weather"


def test_openai_dicts_pass_through_in_both_shapes() -> None:
    nested = {
        "type": "function",
        "function": {
            "name": "f",
            "description": "d",
            "parameters": {"type": "object", "properties": {}},
        },
    }
    flat = {"type": "function", "name": "g", "parameters": {"type": "object"}}
    assert to_tool(nested).to_openai() == nested
    assert to_tool(flat).name == "g"
    assert to_tool(flat).function is None


def test_bad_tools_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="no function name"):
        to_tool({"type": "function", "function": {}})
    with pytest.raises(ConfigError, match="share the name"):
        to_tools([get_weather, get_weather])
    with pytest.raises(ConfigError, match="dict or a function"):
        to_tool(42)  # type: ignore[arg-type]


def test_arguments_are_validated_and_coerced() -> None:
    tool = to_tool(get_weather)
    kwargs, error = prepare_call(
        tool, ToolCall("1", "get_weather", {"city": "Oslo", "days": "3"}, "")
    )
    assert error is None and kwargs == {"city": "Oslo", "unit": "c", "days": 3}
    kwargs, error = prepare_call(tool, ToolCall("1", "get_weather", {"unit": "k"}, ""))
    assert kwargs is None and error is not None
    assert "city" in error and "Invalid arguments for tool 'get_weather'" in error


def test_unparseable_json_arguments_are_reported_not_run() -> None:
    tool = to_tool(get_weather)
    kwargs, error = prepare_call(tool, ToolCall("1", "get_weather", {}, '{"city": '))
    assert kwargs is None and error is not None and "Invalid JSON" in error


def test_results_are_text() -> None:
    call = ToolCall("c", "f", {}, "{}")
    assert tool_result(call, "plain").output == "plain"
    assert tool_result(call, {"a": [1, 2]}).output == '{"a":[1,2]}'
    assert tool_result(call, object()).output.startswith('"<object object')
