from __future__ import annotations

import pytest

from hfgate.errors import InvalidModelError
from hfgate.inputs.model_ids import HfModelId, is_hf_model_id, parse_hf_model_id


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Qwen/Qwen3-32B", "Qwen/Qwen3-32B"),
        ("deepseek-ai/DeepSeek-R1:together", "deepseek-ai/DeepSeek-R1:together"),
        ("openai/gpt-oss-120b:fastest", "openai/gpt-oss-120b:fastest"),
        ("openai/gpt-oss-120b:cheapest", "openai/gpt-oss-120b:cheapest"),
        ("openai/gpt-oss-120b:preferred", "openai/gpt-oss-120b:preferred"),
        (
            "meta-llama/Llama-3.1-8B-Instruct:brand-new-provider",
            "meta-llama/Llama-3.1-8B-Instruct:brand-new-provider",
        ),
        ("huggingface/together/deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1:together"),
        ("huggingface/deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1"),
        ("huggingface/deepseek-ai/DeepSeek-R1:groq", "deepseek-ai/DeepSeek-R1:groq"),
        ("  Qwen/Qwen3-32B  ", "Qwen/Qwen3-32B"),
        ("google/gemma-3-27b-it", "google/gemma-3-27b-it"),
        ("org/model.v1_2", "org/model.v1_2"),
    ],
)
def test_valid_ids_pass_through_or_translate(given: str, expected: str) -> None:
    assert str(parse_hf_model_id(given)) == expected


def test_policy_and_provider_are_told_apart() -> None:
    assert parse_hf_model_id("a/b:fastest") == HfModelId("a/b", "fastest")
    assert parse_hf_model_id("a/b:fastest").policy == "fastest"
    assert parse_hf_model_id("a/b:fastest").provider is None
    assert parse_hf_model_id("a/b:groq").provider == "groq"
    assert parse_hf_model_id("a/b").suffix is None


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Qwen/Qwen3 32B", "white space"),
        ("/model", "'<org>/<model>'"),
        ("org/", "'<org>/<model>'"),
        ("org/model:", "names no provider"),
        ("org/model:auto", ":auto"),
        ("org/model:Together", "not a provider slug"),
        ("org/model:a:b", "not a provider slug"),
        ("org/mo$del", "may only hold"),
        ("a/b/c", "may only hold"),
        ("huggingface/together/org/model:groq", "names the provider twice"),
        ("huggingface//org/model", "empty part"),
    ],
)
def test_malformed_ids_are_refused_with_a_reason(given: str, fragment: str) -> None:
    with pytest.raises(InvalidModelError, match=None) as info:
        parse_hf_model_id(given)
    assert fragment in str(info.value)


def test_hf_id_detection() -> None:
    assert is_hf_model_id("org/model")
    assert is_hf_model_id("org/model:groq")
    assert not is_hf_model_id("gpt-4o")
    assert not is_hf_model_id("llama3.2:3b")
    assert not is_hf_model_id("openai:gpt/4")
