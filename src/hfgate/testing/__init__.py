"""Test hfgate-based code offline: a wire-level emulator of the Hugging Face router.

    from hfgate.testing import Reply, RouterEmulator, ToolCallSpec

    with RouterEmulator() as router:
        router.push(Reply.text("Paris.", reasoning="...", reasoning_field="reasoning_content"))
        client = hfgate.Client(api_key="hf_test", base_url=router.base_url, hf_router=True)

Needs the `openai` package (`pip install 'hfgate[testing]'`): payloads are built from its
types so their shape is checked by a third party.
"""

from hfgate.testing.replies import Reply, ToolCallSpec
from hfgate.testing.router import RecordedRequest, RouterEmulator

__all__ = ["RecordedRequest", "Reply", "RouterEmulator", "ToolCallSpec"]
