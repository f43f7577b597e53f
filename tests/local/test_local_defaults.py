"""What a local call sends when the caller leaves it out (`hfgate.local.defaults`): a measured
system prompt and sampling for the packaged model, a `max_tokens` for every GGUF; whatever
the caller sets wins. The last test asks the real model the README's first question."""

from __future__ import annotations

from typing import Any

import pytest

import hfgate
from hfgate.inputs.request import ChatRequest
from hfgate.local.defaults import ANY_GGUF, PACKAGED
from hfgate.local.translate import llama_kwargs
from hfgate.types import Message


def kwargs(model: str, *messages: Message, **options: Any) -> dict[str, Any]:
    request = ChatRequest(model, messages or (Message("user", "Hi"),), **options)
    return llama_kwargs(request, template_has_tools=False)


def test_the_packaged_model_gets_the_measured_system_prompt_and_sampling() -> None:
    sent = kwargs("local")
    assert sent["messages"] == [
        {"role": "system", "content": PACKAGED.system},
        {"role": "user", "content": "Hi"},
    ]
    assert "Example:" in (PACKAGED.system or "")
    assert sent["max_tokens"] == PACKAGED.max_tokens == 512
    assert (sent["temperature"], sent["repeat_penalty"]) == (0.0, 1.1)


def test_what_the_caller_sets_wins() -> None:
    sent = kwargs(
        "local",
        Message("system", "Be terse."),
        Message("user", "Hi"),
        temperature=0.7,
        max_tokens=20,
        extra_body={"repeat_penalty": 1.3},
    )
    assert [m["content"] for m in sent["messages"]] == ["Be terse.", "Hi"]
    assert (sent["temperature"], sent["max_tokens"], sent["repeat_penalty"]) == (0.7, 20, 1.3)


def test_other_ggufs_get_only_a_max_tokens() -> None:
    sent = kwargs("local/~/models/other.gguf")
    assert sent["messages"] == [{"role": "user", "content": "Hi"}]
    assert sent["max_tokens"] == ANY_GGUF.max_tokens
    assert "temperature" not in sent and "repeat_penalty" not in sent


@pytest.mark.local
def test_the_first_question_of_the_readme_is_answered_right(backend: Any) -> None:
    result = hfgate.generate_text(model="local", prompt="What is the capital of France?")
    assert "Paris" in result.text
    assert result.finish_reason == "stop"
    again = hfgate.generate_text(model="local", prompt="What is the capital of France?")
    assert again.text == result.text  # greedy: the same right answer every run
