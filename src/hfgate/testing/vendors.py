"""The vendors' own APIs on loopback, for bring-your-own-key code: the OpenAI API (Responses
and chat completions) and the Anthropic API (Messages). Same server, same `Reply` scripts as
the router emulator; only the surface differs: routes, key header, request-id header, error
envelope. Neither sends `x-inference-provider`; both always send a request id."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from hfgate.testing import wires
from hfgate.testing._common import Answer
from hfgate.testing.catalog import ANTHROPIC_MODELS, DEFAULT_MODELS
from hfgate.testing.replies import Reply
from hfgate.testing.server import Emulator, Surface
from hfgate.testing.wires.anthropic.request import anthropic_error
from hfgate.testing.wires.responses.request import openai_error

__all__ = ["AnthropicEmulator", "OpenAIEmulator"]

_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)
_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _openai_request_id() -> str:
    return f"req_{random.getrandbits(128):032x}"


def _anthropic_request_id() -> str:
    return f"req_011C{random.getrandbits(96):024x}"


def _openai_authorize(headers: Mapping[str, str]) -> Answer | None:
    scheme, _, key = headers.get("authorization", "").partition(" ")
    return None if scheme == "Bearer" and key.strip() else openai_error(401, _NO_KEY)


def _openai_meta(reply: Reply) -> dict[str, str]:
    return {"x-request-id": reply.request_id or _openai_request_id(), **(reply.headers or {})}


def _openai_error(status: int, message: str) -> Any:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _anthropic_authorize(headers: Mapping[str, str]) -> Answer | None:
    """A key in `x-api-key` (the API's own header, anthropic SDK 1.x) or as
    `Authorization: Bearer` (what anthropic SDK 2.x sends for `api_key`)."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if headers.get("x-api-key", "").strip() or (scheme == "Bearer" and token.strip()):
        return None
    return anthropic_error(401, "authentication_error", "x-api-key header is required")


def _anthropic_meta(reply: Reply) -> dict[str, str]:
    return {"request-id": reply.request_id or _anthropic_request_id(), **(reply.headers or {})}


def _anthropic_error(status: int, message: str) -> Any:
    kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def _anthropic_listing(models: list[dict[str, Any]]) -> Any:
    """Anthropic's page of models: `data`, `has_more` and the ids at both ends."""
    ids = [m.get("id") for m in models]
    return {
        "data": models,
        "has_more": False,
        "first_id": ids[0] if ids else None,
        "last_id": ids[-1] if ids else None,
    }


OPENAI = Surface(
    name="openai",
    routes={"/v1/responses": wires.responses_wire, "/v1/chat/completions": wires.chat_wire},
    base_path="/v1",
    models=DEFAULT_MODELS,
    listing=lambda models: {"object": "list", "data": models},
    authorize=_openai_authorize,
    meta_headers=_openai_meta,
    own_headers=lambda: {"x-request-id": _openai_request_id()},
    error=_openai_error,
)

ANTHROPIC = Surface(
    name="anthropic",
    routes={
        "/v1/messages": wires.messages_wire,
        "/v1/messages/count_tokens": wires.count_tokens_wire,
    },
    base_path="",
    models=ANTHROPIC_MODELS,
    listing=_anthropic_listing,
    authorize=_anthropic_authorize,
    meta_headers=_anthropic_meta,
    own_headers=lambda: {"request-id": _anthropic_request_id()},
    error=_anthropic_error,
)


class OpenAIEmulator(Emulator):
    """The OpenAI API on loopback: `POST /v1/responses` and `/v1/chat/completions`, with
    `x-request-id: req_...` and OpenAI's error envelope. `base_url` ends in `/v1`, as
    `openai.OpenAI(base_url=...)` wants. With `require_auth`, any `Authorization: Bearer`
    key passes."""

    surface = OPENAI


class AnthropicEmulator(Emulator):
    """The Anthropic API on loopback: `POST /v1/messages`, `POST /v1/messages/count_tokens`
    (the prompt's words as its tokens, as a message counts them) and a `GET /v1/models` page of
    Claude models, with `request-id` and Anthropic's error envelope (also for its own
    400/401/404s). `base_url` is the bare root: the
    `anthropic` SDK appends `/v1/messages` itself. Requests need `anthropic-version`; with
    `require_auth`, also a key: `x-api-key`, or `Authorization: Bearer` as SDK 2.x sends it."""

    surface = ANTHROPIC
