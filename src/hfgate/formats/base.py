"""What every API format provides, in both directions, as one `Format` row.

As a client (library and gateway upstream calls) a format renders a `ChatRequest` into JSON and
parses the answer, one-shot or folded from stream events by an accumulator. As a server (the
gateway's ingress) it parses a client's JSON into the same `ChatRequest` and renders unified
results and stream events back into the client's JSON and SSE. Any ingress can front any
upstream because both meet in `hfgate.types`; no pair is translated by hand. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeGuard

from hfgate.inputs.request import ChatRequest
from hfgate.types import ResponseMeta, StepResult, StreamEvent, Usage

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
class ClientTool:
    """How the client knows a tool that the upstream is given under another shape: a
    Responses `namespace` member (upstreams see the flat `namespace__name`) or a `custom`
    tool (upstreams see a function taking one string, `input`)."""

    name: str
    namespace: str | None = None
    custom: bool = False


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
    client_tools: Mapping[str, ClientTool] = field(default_factory=dict)
    """Upstream tool name -> how the client names it, for the tools that differ; the reply's
    calls are rendered back under the client's names."""
    warnings: tuple[str, ...] = ()
    """What the gateway left out of the request and why (hosted tools no upstream here can
    run, ...): sent back in `x-hfgate-warning` headers and logged, the request still served."""
    same_wire_only: tuple[str, ...] = ()
    """What only an upstream of the client's own API can serve (Anthropic's server tools, its
    `mcp_servers`), one sentence each: such an upstream gets it as written, through
    `passthrough`; for any other it is left out and the sentence joins `warnings`."""
    same_wire_required: RequestError | None = None
    """Why no upstream of another API can serve this request at all (its `tool_choice` forces
    a server tool): raised for such an upstream, which is never called."""
    echo: Mapping[str, Any] = field(default_factory=dict)
    """The request's own parameters that this API's answers repeat, checked and as the client
    wrote them (a Responses object's `instructions`, `tools`, `temperature`, ...): carried to
    the renderer in `ReplyInfo.echo`. Empty for APIs whose answers repeat none."""


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
    client_tools: Mapping[str, ClientTool] = field(default_factory=dict)
    """`Inbound.client_tools`: calls to these names are rendered under the client's names."""
    echo: Mapping[str, Any] = field(default_factory=dict)
    """`Inbound.echo`: the request's parameters the answer repeats; the renderer fills in the
    API's defaults for the rest."""
    prompt_usage: Usage | None = None
    """Messages streams only: the prompt's count for `message_start` (the upstream's own when
    it gave one before its first event, else the gateway's estimate); None sends zeros."""


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


Auth = Literal["bearer", "x-api-key"]


class Accumulator(Protocol):
    """Folds one answer's stream events into unified events and, at the end, the step."""

    def feed(self, event: Mapping[str, Any]) -> list[StreamEvent]: ...

    def finish(self) -> tuple[list[StreamEvent], StepResult]: ...

    @property
    def finished(self) -> bool:
        """Whether the format's own end arrived (a finish reason, `message_stop`, a terminal
        `response.*` event): a stream that stops short of it was cut, not completed."""
        ...

    @property
    def prompt_usage(self) -> Usage | None:
        """The prompt's counts when the stream gives them before any content (Anthropic's
        `message_start`); None for formats that count only at the end."""
        ...


class RenderError(Protocol):
    def __call__(
        self,
        status: int,
        message: str,
        param: str | None,
        code: str | None,
        request_id: str | None = None,
    ) -> dict[str, Any]: ...


class BuildBody(Protocol):
    def __call__(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Format:
    """One API format, both directions, as data: a backend is one class whatever the format,
    and the gateway mounts one endpoint per row."""

    name: str
    """One of `chat`, `responses`, `messages`: the gateway compares an ingress's name with
    its upstream's to know when client fields may pass through unchanged."""
    path: str
    """Where requests go below an upstream's base URL."""
    build_body: BuildBody
    parse_response: Callable[[Any, ResponseMeta], StepResult]
    accumulator: Callable[[ResponseMeta], Accumulator]
    served_at: str
    """The gateway's route for this format's ingress."""
    parse_request: Callable[[Any], Inbound]
    """The decoded JSON body -> `Inbound`; raises `RequestError` naming the field."""
    render_response: Callable[[StepResult, ReplyInfo], dict[str, Any]]
    stream_renderer: Callable[[ReplyInfo], StreamRenderer]
    render_error: RenderError
    """(status, message, param, code, request_id) -> the error body in this API's format (the
    request id in it where the API puts it there, Anthropic's)."""
    auth: Auth = "bearer"
    """How the key is sent: `Authorization: Bearer` or Anthropic's `x-api-key`."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Sent on every request of this format (Anthropic's `anthropic-version`)."""
    models_path: str = "/models"
    """Where the API lists its models, below the same base URL."""
