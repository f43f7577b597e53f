"""OpenAI Responses (`/responses`), both directions: `_wire` speaks it as a client,
`_dialect` serves it as the gateway's ingress."""

from hfgate.formats.responses._dialect import (
    EventRenderer,
    parse_request,
    render_error,
    render_response,
)
from hfgate.formats.responses._wire import (
    PATH,
    EventAccumulator,
    build_body,
    parse_response,
    parse_usage,
    reasoning_text,
)

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
