"""Test hfgate-based code offline: a wire-level emulator of the Hugging Face router.

    from hfgate.testing import Reply, RouterEmulator, ToolCallSpec

    with RouterEmulator() as router:
        router.push(Reply.text("Paris.", reasoning="...", reasoning_field="reasoning_content"))
        client = hfgate.Client(api_key="hf_test", base_url=router.base_url, hf_router=True)

A real HTTP server on loopback (standard library only), so the client under test runs its own
transport, SSE parsing and error handling. Payloads are built with the `openai` package's
types (`pip install 'hfgate[testing]'`) so a third party checks their shape.
`python -m hfgate.testing` serves it on port 8088 as an echo target for demos.
"""

from hfgate.testing.replies import Reply, ToolCallSpec
from hfgate.testing.router import RecordedRequest, RouterEmulator

__all__ = ["RecordedRequest", "Reply", "RouterEmulator", "ToolCallSpec"]
