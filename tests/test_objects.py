"""generate_object: validated objects, one retry with the validation error shown to the model."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

import hfgate
from hfgate import errors
from hfgate.testing import Reply


class City(BaseModel):
    name: str
    population: int


SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name"],
}


def test_pydantic_object(router: Any, hf: Any) -> None:
    router.push(Reply.text('{"name": "Paris", "population": 2100000}'))
    city = hf().generate_object(model="a/b", schema=City, prompt="Largest French city?")
    assert city == City(name="Paris", population=2100000)
    fmt = router.requests[-1].json["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "City"
    assert fmt["json_schema"]["schema"]["required"] == ["name", "population"]


def test_dict_schema_and_code_fences(router: Any, hf: Any) -> None:
    router.push(Reply.text('```json\n{"name": "x", "tags": ["a"]}\n```'))
    assert hf().generate_object(model="a/b", schema=SCHEMA, prompt="go") == {
        "name": "x",
        "tags": ["a"],
    }


def test_invalid_json_is_retried_once_with_the_error(router: Any, hf: Any) -> None:
    router.push(
        Reply.text('{"name": "Paris", "population": "many"}'),
        Reply.text('{"name": "Paris", "population": 2}'),
    )
    city = hf().generate_object(model="a/b", schema=City, prompt="city?")
    assert city.population == 2
    retry = router.requests[1].json["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"name": "Paris", "population": "many"}'}
    assert "population" in retry[-1]["content"] and retry[-1]["role"] == "user"


def test_second_failure_raises_output_error(router: Any, hf: Any) -> None:
    router.push(Reply.text("not json"), Reply.text('{"tags": 3}'))
    with pytest.raises(errors.OutputError) as info:
        hf().generate_object(model="a/b", schema=SCHEMA, prompt="go")
    assert "(root)" in str(info.value) or "name" in str(info.value)
    assert info.value.text == '{"tags": 3}'
    assert len(router.requests) == 2


def test_non_schema_format_is_refused(router: Any, hf: Any) -> None:
    with pytest.raises(errors.ConfigError):
        hf().generate_object(model="a/b", schema={"type": "json_object"}, prompt="x")


@pytest.mark.anyio
async def test_async_object(router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    router.push(Reply.text('{"name": "Oslo", "population": 700000}'))
    city = await hfgate.agenerate_object(model="a/b", schema=City, prompt="x", api_key="hf_k")
    assert city.name == "Oslo"
