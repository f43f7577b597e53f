"""Checking request bodies against the official SDKs' own request types."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from pydantic import TypeAdapter

SdkCheck = Callable[[TypeAdapter[Any], Mapping[str, Any]], Any]


def _consume(value: Any) -> Any:
    """pydantic validates `Iterable[...]` fields lazily (the SDKs type message lists that way):
    walk the result so every item is really validated."""
    if isinstance(value, Mapping):
        return {k: _consume(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_consume(v) for v in value]
    if isinstance(value, Iterator):
        return [_consume(v) for v in value]
    return value


@pytest.fixture
def sdk_check() -> SdkCheck:
    """Validate a body against an SDK's request TypedDict, all the way down."""

    def check(adapter: TypeAdapter[Any], body: Mapping[str, Any]) -> Any:
        return _consume(adapter.validate_python(body))

    return check
