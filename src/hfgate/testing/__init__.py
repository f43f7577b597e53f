"""Test hfgate-based code offline: wire-level emulators of the Hugging Face router and of the
OpenAI and Anthropic APIs.

    from hfgate.testing import Reply, RouterEmulator, ToolCallSpec

    with RouterEmulator() as router:
        router.push(Reply.text("Paris.", reasoning="...", reasoning_field="reasoning_content"))
        client = hfgate.Client(api_key="hf_test", base_url=router.base_url, hf_router=True)

Each is a real HTTP server on loopback (standard library only), so the client under test runs
its own transport, SSE parsing and error handling. One `Reply` script serves every wire, as
JSON or as a stream, whichever the request asks for:

- `RouterEmulator`: `POST /v1/chat/completions` and `/v1/responses`, `GET /v1/models`;
  `base_url` is `<url>/v1`.
- `OpenAIEmulator`: `POST /v1/responses` and `/v1/chat/completions`; `base_url` `<url>/v1`.
- `AnthropicEmulator`: `POST /v1/messages`, `GET /v1/models`; `base_url` is the bare
  `<url>`, since the `anthropic` SDK appends `/v1/...` itself.

Payloads are built with the official SDKs' types (`openai`, and `anthropic` for the Messages
wire: `pip install 'hfgate[testing]' anthropic`) so a third party checks their shape.
`python -m hfgate.testing [--api router|openai|anthropic]` serves one as an echo for demos.
"""

from hfgate.testing.replies import Reply, ToolCallSpec
from hfgate.testing.router import RouterEmulator
from hfgate.testing.server import Emulator, RecordedRequest
from hfgate.testing.vendors import AnthropicEmulator, OpenAIEmulator

__all__ = [
    "AnthropicEmulator",
    "Emulator",
    "OpenAIEmulator",
    "RecordedRequest",
    "Reply",
    "RouterEmulator",
    "ToolCallSpec",
]
