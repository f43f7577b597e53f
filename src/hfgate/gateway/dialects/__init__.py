"""The APIs the gateway speaks to its clients: OpenAI chat completions, OpenAI Responses and
Anthropic Messages.

Each is the mirror of a module in `hfgate.wire`: `hfgate.wire` turns unified values into an
upstream's JSON and its answers back; a dialect turns a client's JSON into the same unified
values (`ChatRequest`) and unified results and stream events back into the client's JSON and
SSE. Any client dialect can front any upstream wire because both meet in `hfgate.types`; no
pair is translated by hand. Pure code, no I/O, like `hfgate.wire`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeGuard

from hfgate.request import ChatRequest
from hfgate.types import StepResult, StreamEvent

_IMAGE_URL_SCHEMES = ("http://", "https://", "data:")


def is_image_url(value: Any) -> TypeGuard[str]:
    """Whether a client's image is a URL the gateway may pass on: http(s) or inline `data:`,
    never a path (the library reads paths; a server must not read its disk for a client)."""
    return isinstance(value, str) and value[:8].lower().startswith(_IMAGE_URL_SCHEMES)


class RequestError(Exception):
    """The client's request is wrong; answered with `status` in the client's error format.

    `param` names the offending field (a dotted path such as `messages.2.content`), and the
    message says what is allowed."""

    def __init__(
        self, message: str, *, param: str | None = None, status: int = 400, code: str | None = None
    ) -> None:
        self.message = message
        self.param = param
        self.status = status
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Inbound:
    """A client's request in unified form. `request.model` is the name exactly as the client
    wrote it, not yet resolved."""

    request: ChatRequest
    stream: bool = False
    include_usage: bool = True
    """Chat completions only: `stream_options.include_usage` (a final usage chunk)."""
    passthrough: Mapping[str, Any] = field(default_factory=dict)
    """Fields this dialect knows that `ChatRequest` does not model (`presence_penalty`,
    `metadata`, ...). The gateway merges them into the upstream body only when the upstream
    speaks the same wire; otherwise they are dropped."""


@dataclass(frozen=True, slots=True)
class ReplyInfo:
    """What every rendered answer carries besides the step itself."""

    id: str
    """A fresh random token; each dialect adds its own prefix (`chatcmpl-`, `resp_`, `msg_`)."""
    model: str
    """The model to report: the name the client asked for, or the fallback that served."""
    created: int
    """Unix seconds."""
    include_usage: bool = True
    """Chat completions streams only: end with a usage chunk (`Inbound.include_usage`)."""


class StreamRenderer(Protocol):
    """Turns unified stream events into the client's SSE frames, one stream at a time.

    Every method returns complete SSE frames as text (`"data: {...}\\n\\n"`, or with an
    `event:` line where the dialect uses them), possibly none."""

    def start(self) -> list[str]:
        """Frames sent before the first event (Anthropic's `message_start`, ...)."""
        ...

    def event(self, event: StreamEvent) -> list[str]:
        """Frames for one unified event. `StepFinish` carries the whole step (finish
        reason, usage, tool calls); `Finish` and `ToolResultEvent` never reach a dialect."""
        ...

    def finish(self) -> list[str]:
        """The closing frames after the step finished (`data: [DONE]`, `message_stop`)."""
        ...

    def error(self, status: int, message: str, code: str | None = None) -> list[str]:
        """Frames reporting an error after the stream started, then closing it."""
        ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """One client-facing API, as data (compare `hfgate.wire.Wire`)."""

    name: str
    """Same names as `hfgate.wire.WIRES` ("chat", "responses", "messages"), so the gateway can
    tell when client and upstream speak the same wire."""
    path: str
    parse_request: Callable[[Any], Inbound]
    """The decoded JSON body -> `Inbound`; raises `RequestError` naming the field."""
    render_response: Callable[[StepResult, ReplyInfo], dict[str, Any]]
    stream_renderer: Callable[[ReplyInfo], StreamRenderer]
    render_error: Callable[[int, str, str | None, str | None], dict[str, Any]]
    """(status, message, param, code) -> the error body in this API's format."""
