"""OpenAI chat completions (`/chat/completions`), both directions: the client speaks it to an
upstream, the gateway serves it to clients. `vocabulary` holds the words both sides share
(finish reasons, usage, tool choice, reasoning fields); `content`, `request`, `reply` and
`stream` each render and parse their part of the exchange."""

from hfgate.formats.chat_completions.reply import (
    parse_response,
    payload_error,
    render_error,
    render_response,
)
from hfgate.formats.chat_completions.request import build_body, parse_request
from hfgate.formats.chat_completions.stream import ChunkAccumulator, ChunkRenderer
from hfgate.formats.chat_completions.vocabulary import PATH, finish_reason, parse_usage

__all__ = [
    "ChunkAccumulator",
    "ChunkRenderer",
    "PATH",
    "build_body",
    "finish_reason",
    "parse_request",
    "parse_response",
    "parse_usage",
    "payload_error",
    "render_error",
    "render_response",
]
