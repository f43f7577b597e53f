"""The keyword arguments every generation call accepts, declared once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict

from hfgate.inputs.messages import ImageSource, MessageLike
from hfgate.inputs.request import ToolChoice
from hfgate.inputs.tools import ToolLike

ApiName = Literal["chat", "responses", "messages"]


class CallOptions(TypedDict, total=False):
    prompt: str | None
    """A user message; with `messages`, it is appended after them."""
    messages: Sequence[MessageLike] | None
    """OpenAI-style dicts or `hfgate.Message` values."""
    system: str | None
    images: Iterable[ImageSource]
    """Images for `prompt`: bytes, paths, http(s) or data URLs."""
    tools: Sequence[ToolLike] | None
    """OpenAI-style tool dicts or plain Python functions."""
    tool_choice: ToolChoice | None
    """"auto", "none", "required", a tool name, or an OpenAI tool_choice dict."""
    response_format: Any
    """A pydantic model class, a JSON schema dict, or an OpenAI response_format dict."""
    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    stop: str | Sequence[str] | None
    seed: int | None
    reasoning_effort: str | None
    """"none", "minimal", "low", "medium", "high", "xhigh": support varies by model."""
    headers: Mapping[str, str] | None
    """Extra HTTP headers for this call."""
    extra_body: Mapping[str, Any] | None
    """Merged into the JSON body last: provider-specific parameters."""
    timeout: float | None
    max_retries: int | None
    max_steps: int
    """Run Python tools and send results back, up to this many model calls (default 1)."""
    api: ApiName | None
    """The wire to use: "chat" (chat completions), "responses" (OpenAI Responses, also on the
    HF router) or "messages" (Anthropic). Default: chat for HF ids and your own base_url; a
    settings model's `provider` decides for it."""
    prompt_caching: bool
    """Mark the system prompt, tools and last user turn for Anthropic's prompt cache (default
    True; other wires cache without being asked)."""


class ClientOptions(TypedDict, total=False):
    api_key: str | None
    base_url: str | None
    bill_to: str | None
    hf_router: bool | None
