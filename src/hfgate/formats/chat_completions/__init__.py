"""OpenAI chat completions (`/chat/completions`), both directions: `_wire` speaks it as a
client, `_dialect` serves it as the gateway's ingress."""

from hfgate.formats.chat_completions._dialect import (
    ChunkRenderer,
    parse_request,
    render_error,
    render_response,
)
from hfgate.formats.chat_completions._wire import (
    PATH,
    ChunkAccumulator,
    build_body,
    finish_reason,
    parse_response,
    parse_usage,
    payload_error,
)

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
