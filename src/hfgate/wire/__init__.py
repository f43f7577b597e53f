"""Wire formats: pure translation between unified values and one API's JSON.

Each format is a module (`chat_completions`, `responses`, `messages`) with the same four
names: `PATH`, `build_body(req, stream=)`, `parse_response(body, meta)` and an accumulator
class that folds stream events (`feed(event) -> events`, `finish() -> (events, step)`).
`WIRES` describes them as data, so a backend is one class whatever the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from hfgate.request import ChatRequest
from hfgate.types import ResponseMeta, StepResult, StreamEvent
from hfgate.wire import chat_completions, messages, responses

Auth = Literal["bearer", "x-api-key"]


class Accumulator(Protocol):
    def feed(self, event: Mapping[str, Any]) -> list[StreamEvent]: ...

    def finish(self) -> tuple[list[StreamEvent], StepResult]: ...


class BuildBody(Protocol):
    def __call__(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Wire:
    name: str
    path: str
    build_body: BuildBody
    parse_response: Callable[[Any, ResponseMeta], StepResult]
    accumulator: Callable[[ResponseMeta], Accumulator]
    auth: Auth = "bearer"
    """How the key is sent: `Authorization: Bearer` or Anthropic's `x-api-key`."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Sent on every request of this wire (Anthropic's `anthropic-version`)."""
    models_path: str = "/models"
    """Where the API lists its models, below the same base URL."""


CHAT = Wire(
    "chat",
    chat_completions.PATH,
    chat_completions.build_body,
    chat_completions.parse_response,
    chat_completions.ChunkAccumulator,
)
RESPONSES = Wire(
    "responses",
    responses.PATH,
    responses.build_body,
    responses.parse_response,
    responses.EventAccumulator,
)
MESSAGES = Wire(
    "messages",
    messages.PATH,
    messages.build_body,
    messages.parse_response,
    messages.EventAccumulator,
    auth="x-api-key",
    headers=messages.HEADERS,
    models_path="/v1/models",
)
WIRES: dict[str, Wire] = {w.name: w for w in (CHAT, RESPONSES, MESSAGES)}
PROVIDER_WIRES: dict[str, Wire] = {
    "anthropic": MESSAGES,
    "openai": RESPONSES,
    "generic-chat-completion-api": CHAT,
}
"""A settings model's `provider` (Factory's names) and the wire it means."""
