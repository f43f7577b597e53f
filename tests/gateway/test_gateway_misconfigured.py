"""A model whose settings entry is broken is not available here: a 404 the client's SDK does
not retry, never a 500 (issue 15 item 8), and the entry's details stay in the log."""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import pytest
from gateway_harness import Gateway

ASK = [{"role": "user", "content": "x"}]


def test_a_broken_settings_entry_is_a_404_model_not_available(
    gateway: Gateway, write_models: Any
) -> None:
    path = write_models(
        {"model": "m", "displayName": "broken", "provider": "OpenAI",
         "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "sk-x"},
    )  # fmt: skip
    with pytest.raises(openai.NotFoundError) as chat:
        gateway.openai().chat.completions.create(model="broken", messages=ASK)
    body: Any = chat.value.body
    assert body["code"] == "model_not_available" and body["param"] == "model"
    assert "misconfigured" in body["message"]
    assert chat.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(anthropic.NotFoundError) as messages:
        gateway.anthropic().messages.create(model="broken", max_tokens=8, messages=ASK)
    for error in (chat.value, messages.value):
        text = str(error.body)
        assert str(path) not in text and "settings.json" not in text and "OpenAI" not in text
