"""The wire formats an emulator can serve, each a bundle of pure functions: check a request,
find its user's text, render a `Reply` whole, streamed, or as a failure.

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
def chat() -> Format:
    """OpenAI chat completions, as the HF router serves them (`POST /v1/chat/completions`)."""
    from hfgate.testing import chat_requests, payloads

    return Format(
        "chat.completions",
        chat_requests.check,
        payloads.last_user_text,
        payloads.render_json,
        payloads.render_stream,
        payloads.render_failure,
    )


@functools.cache
def responses() -> Format:
    """The OpenAI Responses API (`POST /v1/responses`)."""
    from hfgate.testing import responses_payloads, responses_requests

    return Format(
        "responses",
        responses_requests.check,
        responses_requests.user_text,
        responses_payloads.render_json,
        responses_payloads.render_stream,
        responses_payloads.render_failure,
    )


@functools.cache
def messages() -> Format:
    """The Anthropic Messages API (`POST /v1/messages`)."""
    from hfgate.testing import messages_payloads, messages_requests

    return Format(
        "messages",
        messages_requests.check,
        messages_requests.user_text,
        messages_payloads.render_json,
        messages_payloads.render_stream,
        messages_payloads.render_failure,
    )
