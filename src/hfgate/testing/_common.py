"""What every wire's renderer shares: JSON bytes, the per-reply byte cache, SDK-validated
payloads, text pieces and token counts. Format-neutral, so no SDK is imported here."""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic

from hfgate.testing.replies import Reply

T = TypeVar("T")

_CACHE_LIMIT = 256


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer other than a scripted stream: a rejected request, or a failure
    served whole."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: Any) -> Answer:
        return cls(status, dumps(payload))


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def build(sdk_type: type[pydantic.BaseModel], /, **fields: Any) -> dict[str, Any]:
    """`fields` validated by an SDK type (its `type` literal filled in), dumped as sent:
    the SDK, not this emulator, vouches for the payload's shape."""
    kind = typing.get_args(sdk_type.model_fields["type"].annotation)[0]
    return dump(sdk_type.model_validate({"type": kind, **fields}))


def dump(model: pydantic.BaseModel) -> dict[str, Any]:
    """A model as JSON-ready data, only the fields that were set (None included if set)."""
    return model.model_dump(mode="json", exclude_unset=True)


def remember(reply: Reply, key: tuple[Any, ...], value: Any) -> None:
    """Cache `value` on the reply; bounded, since a default reply may see endless prompts."""
    if len(reply._cache) >= _CACHE_LIMIT:
        reply._cache.clear()
    reply._cache[key] = value


def cached(reply: Reply, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """What `make` returns, rendered once per reply and request shape: a repeated reply (a
    benchmark's default one) then costs no pydantic work."""
    value: T | None = reply._cache.get(key)
    if value is None:
        value = make()
        remember(reply, key, value)
    return value


def resolve_echo(reply: Reply, text: str) -> Reply:
    """The text reply an echo gives; cached, so a repeated prompt is cheap on any wire."""
    return cached(
        reply, ("echo", text), lambda: dataclasses.replace(reply, content=text, kind="text")
    )


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def split_in(text: str, parts: int) -> list[str]:
    """`text` in `parts` pieces (fewer if it is shorter), in order."""
    return pieces(text, max(1, -(-len(text) // parts)))


def padded_split(text: str, parts: int) -> list[str]:
    """Exactly `parts` pieces of `text`, empty ones at the end if it is too short."""
    texts = split_in(text, parts) if parts else []
    return texts + [""] * (parts - len(texts))


def token_counts(reply: Reply, words: int) -> dict[str, Any]:
    """The reply's usage in chat terms (a copy), or words counted as tokens: the prompt's
    `words`, and the answer's text, reasoning and tool calls."""
    if reply.usage is not None:
        data = dict(reply.usage)
    else:
        output = f"{reply.content} {reply.reasoning or ''}".split()
        output += [w for c in reply.calls for w in (c.name, *json.dumps(c.arguments).split())]
        data = {"prompt_tokens": words, "completion_tokens": len(output)}
    data.setdefault("prompt_tokens", 0)
    data.setdefault("completion_tokens", 0)
    data.setdefault("total_tokens", data["prompt_tokens"] + data["completion_tokens"])
    return data


def part_texts(content: Any, types: frozenset[str]) -> list[str]:
    """A string content as is; of a list of parts, the `text` of those whose type is one of
    `types` (a part without a type counts as "text")."""
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    texts = []
    for part in content:
        if not isinstance(part, Mapping) or part.get("type", "text") not in types:
            continue
        text = part.get("text")
        if isinstance(text, str):
            texts.append(text)
    return texts


def words_in(texts: list[str]) -> int:
    return sum(len(text.split()) for text in texts)
