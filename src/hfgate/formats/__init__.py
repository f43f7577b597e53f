"""The three API formats, each a package holding both directions: `chat_completions` (OpenAI
chat completions), `responses` (OpenAI Responses) and `anthropic` (Anthropic Messages).

Every package exports the same names; the rows below describe them as data (`Format`), so the
client, the gateway's upstream side and its ingress each handle all three with one piece of
code. A new format is a new package and a new row here.
"""

from __future__ import annotations

from hfgate.formats import anthropic, chat_completions, responses
from hfgate.formats.base import Format

__all__ = ["CHAT", "FORMATS", "MESSAGES", "PROVIDER_FORMATS", "RESPONSES", "Format"]

CHAT = Format(
    "chat",
    chat_completions.PATH,
    chat_completions.build_body,
    chat_completions.parse_response,
    chat_completions.ChunkAccumulator,
    "/v1/chat/completions",
    chat_completions.parse_request,
    chat_completions.render_response,
    chat_completions.ChunkRenderer,
    chat_completions.render_error,
)
RESPONSES = Format(
    "responses",
    responses.PATH,
    responses.build_body,
    responses.parse_response,
    responses.EventAccumulator,
    "/v1/responses",
    responses.parse_request,
    responses.render_response,
    responses.EventRenderer,
    responses.render_error,
)
MESSAGES = Format(
    "messages",
    anthropic.PATH,
    anthropic.build_body,
    anthropic.parse_response,
    anthropic.EventAccumulator,
    "/v1/messages",
    anthropic.parse_request,
    anthropic.render_response,
    anthropic.EventRenderer,
    anthropic.render_error,
    auth="x-api-key",
    headers=anthropic.HEADERS,
    models_path="/v1/models",
)
FORMATS: dict[str, Format] = {f.name: f for f in (CHAT, RESPONSES, MESSAGES)}
PROVIDER_FORMATS: dict[str, Format] = {
    "anthropic": MESSAGES,
    "openai": RESPONSES,
    "generic-chat-completion-api": CHAT,
}
"""A settings model's `provider` (Factory's names) and the format it means."""
