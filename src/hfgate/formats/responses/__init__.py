"""OpenAI Responses (`/responses`), both directions: the client speaks it to an upstream, the
gateway serves it to clients. `vocabulary` holds the words both sides share (incomplete
reasons, usage, tool choice, reasoning); `content` (input items), `request`, `items` (output
items), `reply` and `stream` each render and parse their part of the exchange."""

from hfgate.formats.responses.reply import parse_response, render_error, render_response
from hfgate.formats.responses.request import build_body, parse_request
from hfgate.formats.responses.stream import EventAccumulator, EventRenderer
from hfgate.formats.responses.vocabulary import PATH, parse_usage, reasoning_text

__all__ = [
    "EventAccumulator",
    "EventRenderer",
    "PATH",
    "build_body",
    "parse_request",
    "parse_response",
    "parse_usage",
    "reasoning_text",
    "render_error",
    "render_response",
]
