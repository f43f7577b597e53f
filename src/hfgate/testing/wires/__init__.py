"""The wire formats an emulator can serve, each a bundle of pure functions: check a request,
find its user's text, render a `Reply` whole, streamed, or as a failure. Each wire is a package
of two modules, `request` (checks and text) and `reply` (rendering), as in `hfgate.formats`.

The handler knows no wire. A wire's modules (and its SDK) are imported the first time it is
served, so an emulator that never sees `POST /v1/messages` needs no `anthropic` package.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hfgate.testing._common import Answer
from hfgate.testing.replies import Reply

Render = Callable[[Reply, Mapping[str, Any]], bytes]
RenderStream = Callable[[Reply, Mapping[str, Any]], tuple[bytes, ...]]
RenderFailure = Callable[[Reply, Mapping[str, Any]], Answer]


@dataclass(frozen=True)
class Format:
    """One API format. `check(body, json_problem, headers)` is None for a request that can be
    answered; `render_failure` serves a stream_error to a request that did not stream."""

    name: str
    check: Callable[[Any, str | None, Mapping[str, str]], Answer | None]
    user_text: Callable[[Mapping[str, Any]], str]
    render_json: Render
    render_stream: RenderStream
    render_failure: RenderFailure


@functools.cache
def chat_wire() -> Format:
    """OpenAI chat completions, as the HF router serves them (`POST /v1/chat/completions`)."""
    from hfgate.testing.wires.chat_completions import reply, request

    return Format(
        "chat.completions",
        request.check,
        request.last_user_text,
        reply.render_json,
        reply.render_stream,
        reply.render_failure,
    )


@functools.cache
def responses_wire() -> Format:
    """The OpenAI Responses API (`POST /v1/responses`)."""
    from hfgate.testing.wires.responses import reply, request

    return Format(
        "responses",
        request.check,
        request.user_text,
        reply.render_json,
        reply.render_stream,
        reply.render_failure,
    )


@functools.cache
def count_tokens_wire() -> Format:
    """Anthropic's token counting (`POST /v1/messages/count_tokens`): a Messages body without
    `max_tokens`, answered `{"input_tokens": N}`; a scripted error is served as it is."""
    from hfgate.testing.wires.anthropic import reply, request

    return Format(
        "count_tokens",
        request.check_count,
        request.user_text,
        reply.render_count,
        lambda script, body: (reply.render_count(script, body),),  # the checks refuse `stream`
        reply.render_failure,
    )


@functools.cache
def messages_wire() -> Format:
    """The Anthropic Messages API (`POST /v1/messages`)."""
    from hfgate.testing.wires.anthropic import reply, request

    return Format(
        "messages",
        request.check,
        request.user_text,
        reply.render_json,
        reply.render_stream,
        reply.render_failure,
    )
