"""The Hugging Face router on loopback: chat completions, the Responses API and Anthropic
Messages (`/v1/messages`, which the router serves for Claude Code), with the
router's `x-inference-provider` / `x-request-id` headers, its `{"error": "..."}` envelope and
its `GET /v1/models` catalog."""

from __future__ import annotations

from collections.abc import Mapping

from hfgate.testing import wires
from hfgate.testing._common import Answer
from hfgate.testing.catalog import DEFAULT_MODELS
from hfgate.testing.replies import Reply, new_request_id
from hfgate.testing.server import Emulator, RecordedRequest, Surface

__all__ = ["RecordedRequest", "RouterEmulator"]


def _authorize(headers: Mapping[str, str]) -> Answer | None:
    if headers.get("authorization", "").startswith("Bearer hf_"):
        return None
    return Answer.json(401, {"error": "Invalid credentials in Authorization header"})


def _meta_headers(reply: Reply) -> dict[str, str]:
    headers: dict[str, str] = {}
    if reply.provider is not None:
        headers["x-inference-provider"] = reply.provider
        headers["x-request-id"] = reply.request_id or new_request_id()
    headers.update(reply.headers or {})
    return headers


ROUTER = Surface(
    name="router",
    routes={
        "/v1/chat/completions": wires.chat_wire,
        "/v1/responses": wires.responses_wire,
        "/v1/messages": wires.messages_wire,
    },
    base_path="/v1",
    models=DEFAULT_MODELS,
    listing=lambda models: {"object": "list", "data": models},
    authorize=_authorize,
    meta_headers=_meta_headers,
    own_headers=lambda: {"x-request-id": new_request_id()},
    error=lambda status, message: {"error": message},
)


class RouterEmulator(Emulator):
    """The router on loopback: `with RouterEmulator() as router:`, then `router.push(...)`
    scripted replies, served to `POST /v1/chat/completions`, `/v1/responses` and
    `/v1/messages`; an empty queue answers with `default_reply` (an echo at first). With
    `require_auth`, all want `Authorization: Bearer hf_...`; the catalog stays public."""

    surface = ROUTER
