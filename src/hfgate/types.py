"""The unified values every wire format translates to and from.

Plain slotted dataclasses, not pydantic models: they sit on the per-chunk hot path of every
stream, and `None` always means "the server did not say", never a made-up zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool-calls", "content-filter", "error", "other"]


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image as a URL: `https://...` for remote images, a `data:` URL for local ones."""

    url: str
    detail: str | None = None
    type: Literal["image"] = "image"


Part = TextPart | ImagePart


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call. `arguments` is the parsed JSON object when it parsed, else `{}`
    with the unparsed text kept in `raw_arguments` so nothing the model said is lost."""

    id: str
    name: str
    arguments: dict[str, Any]
    raw_arguments: str


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str | tuple[Part, ...] = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None
    reasoning: str | None = None
    reasoning_items: tuple[Mapping[str, Any], ...] = ()
    """Reasoning as the wire sent it (Anthropic thinking blocks and their signatures), sent back
    verbatim by that wire in a tool loop, where Anthropic requires it; other wires skip it."""
    is_error: bool = False
    """A tool message reporting that the tool failed (Anthropic's `is_error`); the OpenAI
    APIs have no such flag, so there the result's text alone says so."""

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts for one call or the sum of several; each field is `None` when unknown."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cached_input_tokens: int | None = None
    """Input tokens read from the provider's prompt cache (part of `input_tokens`)."""
    reasoning_tokens: int | None = None
    cache_write_tokens: int | None = None
    """Input tokens written to the prompt cache (Anthropic's cache_creation_input_tokens; part
    of `input_tokens`)."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            _add(self.input_tokens, other.input_tokens),
            _add(self.output_tokens, other.output_tokens),
            _add(self.total_tokens, other.total_tokens),
            _add(self.cached_input_tokens, other.cached_input_tokens),
            _add(self.reasoning_tokens, other.reasoning_tokens),
            _add(self.cache_write_tokens, other.cache_write_tokens),
        )


def _add(a: int | None, b: int | None) -> int | None:
    # A sum with an unknown part is unknown: reporting the known half would understate it.
    return None if a is None or b is None else a + b


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    """Who answered: the model string the server reported, the provider behind the router
    (`x-inference-provider`) and the request id (`x-request-id`) to quote to support."""

    model: str | None = None
    provider: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class ToolResult:
    tool_call_id: str
    name: str
    output: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class StepResult:
    """One request/response round trip of a (possibly multi-step) generation."""

    text: str
    reasoning: str | None
    tool_calls: tuple[ToolCall, ...]
    finish_reason: FinishReason
    raw_finish_reason: str | None
    usage: Usage
    meta: ResponseMeta
    tool_results: tuple[ToolResult, ...] = ()
    reasoning_items: tuple[Mapping[str, Any], ...] = ()
    stop_sequence: str | None = None
    """The stop sequence that ended the answer, where the API says which (Anthropic)."""

    @property
    def message(self) -> Message:
        """This step's answer as an assistant message, ready to send back."""
        return Message(
            "assistant",
            self.text,
            tool_calls=self.tool_calls,
            reasoning=self.reasoning,
            reasoning_items=self.reasoning_items,
        )


@dataclass(frozen=True, slots=True)
class TextResult:
    """What `generate_text` returns; for a multi-step run, the last step's answer with the
    usage summed over every step (each step's own usage stays in `steps`)."""

    steps: tuple[StepResult, ...]
    usage: Usage
    messages: tuple[Message, ...] = field(default=())
    priced_by: str | None = None
    """The router whose cached catalog prices this call; None when no catalog applies."""
    requested_model: str | None = None
    """The model id as sent (with any `:provider` suffix), for the price lookup."""
    api_url: str | None = None
    """The base URL of a non-router API, priced from genai-prices' bundled list."""
    api_provider: str | None = None
    """genai-prices' provider id when the route knows it (anthropic, openai)."""
    pricer: Callable[[TextResult], float | None] | None = field(
        default=None, repr=False, compare=False
    )
    """Prices this result from the fields above (the client passes the routing layer's
    `price_result`); kept as a value so the unified types import nothing above them."""

    @property
    def cost(self) -> float | None:
        """USD, for router calls from the router catalog cached on disk (never fetched here:
        `hfgate models` or `hfgate.routing.catalog.load_catalog()` fill the cache), for other APIs
        from genai-prices' bundled list; None when no price is known. The embedded local
        model costs 0."""
        if self.provider == "local":
            return 0.0
        return self.pricer(self) if self.pricer is not None else None

    @property
    def last(self) -> StepResult:
        return self.steps[-1]

    @property
    def text(self) -> str:
        return self.last.text

    @property
    def reasoning(self) -> str | None:
        return self.last.reasoning

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return self.last.tool_calls

    @property
    def finish_reason(self) -> FinishReason:
        return self.last.finish_reason

    @property
    def raw_finish_reason(self) -> str | None:
        return self.last.raw_finish_reason

    @property
    def provider(self) -> str | None:
        return self.last.meta.provider

    @property
    def model(self) -> str | None:
        return self.last.meta.model

    @property
    def request_id(self) -> str | None:
        return self.last.meta.request_id


# --- stream events: a small tagged union, discriminated by `type` -------------------------
# The three delta events are not frozen: they are built once per chunk, and a frozen
# dataclass pays for object.__setattr__ on every field.


@dataclass(slots=True)
class TextDelta:
    text: str
    type: Literal["text-delta"] = "text-delta"


@dataclass(slots=True)
class ReasoningDelta:
    text: str
    type: Literal["reasoning-delta"] = "reasoning-delta"


@dataclass(frozen=True, slots=True)
class ReasoningItem:
    """A finished reasoning block as the wire sent it: Anthropic's `thinking` block with its
    signature, or a `redacted_thinking` block. Its text already streamed as `ReasoningDelta`s;
    this is what a client must send back verbatim in a tool loop (the gateway relays it)."""

    item: Mapping[str, Any]
    type: Literal["reasoning-item"] = "reasoning-item"


@dataclass(slots=True)
class ToolCallDelta:
    """A fragment of a tool call's JSON arguments as it streams; `id` and `name` are set on
    the first fragment of each call."""

    index: int
    arguments_delta: str
    id: str | None = None
    name: str | None = None
    type: Literal["tool-call-delta"] = "tool-call-delta"


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    """A tool call whose arguments are complete and parsed."""

    tool_call: ToolCall
    type: Literal["tool-call"] = "tool-call"


@dataclass(frozen=True, slots=True)
class ToolResultEvent:
    """The output of a Python tool that the multi-step loop ran."""

    result: ToolResult
    type: Literal["tool-result"] = "tool-result"


@dataclass(frozen=True, slots=True)
class StepFinish:
    """End of one round trip in a multi-step stream (followed by the next step's events)."""

    step: StepResult
    type: Literal["step-finish"] = "step-finish"


@dataclass(frozen=True, slots=True)
class Finish:
    """The last event of every stream: the whole result, usage summed over steps."""

    result: TextResult
    type: Literal["finish"] = "finish"

    @property
    def usage(self) -> Usage:
        return self.result.usage

    @property
    def finish_reason(self) -> FinishReason:
        return self.result.finish_reason


StreamEvent = (
    TextDelta
    | ReasoningDelta
    | ReasoningItem
    | ToolCallDelta
    | ToolCallEvent
    | ToolResultEvent
    | StepFinish
    | Finish
)

JSONObject = Mapping[str, Any]
