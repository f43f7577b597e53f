"""Anthropic Messages (`/v1/messages`), both directions: the client speaks it to an upstream,
the gateway serves it to clients. `vocabulary` holds the words both sides share (stop reasons,
usage, tool choice, thinking budgets); `content`, `request`, `reply` and `stream` each render
and parse their part of the exchange."""

from hfgate.formats.anthropic.reply import parse_response, render_error, render_response
from hfgate.formats.anthropic.request import build_body, parse_count_request, parse_request
from hfgate.formats.anthropic.stream import EventAccumulator, EventRenderer
from hfgate.formats.anthropic.vocabulary import (
    ANSWER_TOOL,
    DEFAULT_MAX_TOKENS,
    HEADERS,
    PATH,
    THINKING_BUDGETS,
    VERSION,
    finish_reason,
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
    "parse_count_request",
    "parse_request",
    "parse_response",
    "parse_usage",
    "render_error",
    "render_response",
]
