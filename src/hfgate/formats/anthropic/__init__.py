"""Anthropic Messages (`/v1/messages`), both directions: `_wire` speaks it as a client,
`_dialect` serves it as the gateway's ingress."""

from hfgate.formats.anthropic._dialect import (
    EventRenderer,
    parse_request,
    render_error,
    render_response,
)
from hfgate.formats.anthropic._wire import (
    ANSWER_TOOL,
    DEFAULT_MAX_TOKENS,
    HEADERS,
    PATH,
    THINKING_BUDGETS,
    VERSION,
    EventAccumulator,
    build_body,
    finish_reason,
    parse_response,
    parse_usage,
)

__all__ = [
    "ANSWER_TOOL",
    "DEFAULT_MAX_TOKENS",
    "EventAccumulator",
    "EventRenderer",
    "HEADERS",
    "PATH",
    "THINKING_BUDGETS",
    "VERSION",
    "build_body",
    "finish_reason",
    "parse_request",
    "parse_response",
    "parse_usage",
    "render_error",
    "render_response",
]
