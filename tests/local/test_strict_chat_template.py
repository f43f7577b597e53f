"""A system message after the first turn against a chat template that refuses one anywhere
but first, served by the real llama.cpp server; and the embedded model's token count.

Claude Code sends `{"role": "system"}` turns mid-conversation, and Qwen3-family GGUFs carry
the guard `raise_exception('System message must be at the beginning.')` in their templates.
The packaged SmolLM2 template has no such guard, so the server here runs a copy of the
packaged GGUF whose `tokenizer.chat_template` is a ChatML template with that guard (SmolLM2
speaks ChatML): llama.cpp renders it with the same Jinja machinery as any GGUF's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest
from gateway_harness import MASTER, Gateway, gateway_in_thread
from gguf_template import with_chat_template
from llama_server import llama_server

import hfgate
from hfgate.gateway.config import GatewayConfig

pytestmark = pytest.mark.local

GUARDED_CHATML = (
    "{%- for message in messages %}"
    "{%- if message.role == 'system' and not loop.first %}"
    "{{- raise_exception('System message must be at the beginning.') }}"
    "{%- endif %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
LATE_SYSTEM: Any = [
    {"role": "user", "content": "Hi."},
    {"role": "assistant", "content": "Hello."},
    {"role": "system", "content": "Answer in one word."},
    {"role": "user", "content": "Capital of France?"},
]


@pytest.fixture(scope="module")
def server(packaged_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("guarded")
    gguf = with_chat_template(packaged_gguf, folder / "guarded.gguf", GUARDED_CHATML)
    with llama_server(gguf, folder / "server.log") as url:
        yield url


@pytest.fixture
def gateway(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    """A gateway whose `Guarded` model is the llama.cpp server (and `local` is embedded)."""
    settings = tmp_path / "settings.json"
    settings.write_text(
        '{"customModels": [{"model": "smollm2", "displayName": "Guarded", "apiKey": "none",'
        f' "baseUrl": "{server}/v1", "provider": "generic-chat-completion-api"}}]}}'
    )
    monkeypatch.setenv("HFGATE_SETTINGS", str(settings))
    config = GatewayConfig(
        database_url=str(tmp_path / "gateway.sqlite3"),
        master_key=MASTER,
        router_url="http://127.0.0.1:9/v1",  # no Hub ids here
        refresh_catalog=False,
    )
    with gateway_in_thread(config) as running:
        yield running


def test_the_server_refuses_a_later_system_message_as_such_templates_do(server: str) -> None:
    body = {"model": "smollm2", "max_tokens": 4, "messages": LATE_SYSTEM}
    answer = httpx.post(f"{server}/v1/chat/completions", json=body, timeout=60)
    assert answer.status_code >= 400
    assert "System message must be at the beginning." in answer.text


def test_hfgate_sends_it_as_part_of_the_first(server: str) -> None:
    with hfgate.Client(base_url=f"{server}/v1") as client:
        result = client.generate_text(
            model="smollm2", messages=[{"role": "system", "content": "Be brief."}, *LATE_SYSTEM],
            max_tokens=8, temperature=0,
        )  # fmt: skip
    assert result.text.strip() and result.finish_reason in ("stop", "length")


def test_claude_codes_mid_conversation_system_turn_through_the_gateway(gateway: Gateway) -> None:
    client = gateway.anthropic()
    message = client.messages.create(
        model="Guarded", max_tokens=8, system="Be brief.", messages=LATE_SYSTEM
    )
    assert message.content[0].type == "text" and message.content[0].text.strip()
    assert message.usage.input_tokens > 0


def test_the_embedded_models_count_is_its_own_tokenizers(gateway: Gateway) -> None:
    client = gateway.anthropic()
    raw = client.messages.with_raw_response.count_tokens(
        model="local", system="Be brief.", messages=LATE_SYSTEM
    )
    assert raw.headers["x-hfgate-token-count"] == "tokenizer"
    message = client.messages.create(
        model="local", max_tokens=4, system="Be brief.", messages=LATE_SYSTEM
    )
    assert raw.parse().input_tokens == message.usage.input_tokens  # exactly what it evaluated
    with client.messages.stream(model="local", max_tokens=4, messages=LATE_SYSTEM) as stream:
        started = next(e for e in stream if e.type == "message_start")
        assert started.message.usage.input_tokens > 0  # an estimate: llama.cpp says at the end
    with pytest.raises(anthropic.NotFoundError):
        client.messages.count_tokens(model="local/tmp/other.gguf", messages=LATE_SYSTEM)
