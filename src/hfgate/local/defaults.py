"""What a local call sends when the caller leaves it out: measured, not guessed.

The packaged SmolLM2-135M answers "What is the capital of France?" in mock French when asked
with nothing but the question ("La femme de France, le grand-fanté...") and loops until its
2,048-token context is full on longer prompts. `bench/local_answers.py` scored system prompts
and sampling settings on simple questions (capitals, arithmetic, a haiku, a list); the winner
is below, and docs/benchmarks.md has the before/after score. The few-shot example in the
system prompt is what moves it: the model copies the answer's shape and language.

Other GGUFs (`local/<file>`, `local/hf:<repo>`) get only `max_tokens`: a prompt or sampling
tuned for a 135M model would be a guess for theirs, and their chat templates bring their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class LocalDefaults:
    system: str | None
    """Sent as the system message when the call has none."""
    max_tokens: int
    """An answer's budget: a looping answer stops here instead of at the context's end."""
    sampling: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """llama.cpp sampling options the call did not set (temperature, repeat_penalty, ...)."""


PACKAGED = LocalDefaults(
    system=(
        "You are a helpful assistant. Answer in English.\nExample:\n"
        "User: What is the capital of Canada?\nAssistant: The capital of Canada is Ottawa."
    ),
    max_tokens=512,
    # Greedy: the same question gets the same (best-scoring) answer; the repeat penalty
    # stops greedy decoding from looping on one phrase.
    sampling=MappingProxyType({"temperature": 0.0, "repeat_penalty": 1.1}),
)
"""For `local`, the packaged SmolLM2-135M-Instruct."""

ANY_GGUF = LocalDefaults(system=None, max_tokens=1024)
"""For every other GGUF file."""


def defaults_for(model: str) -> LocalDefaults:
    from hfgate.inputs.model_ids import DEFAULT_LOCAL_MODEL

    return PACKAGED if model == DEFAULT_LOCAL_MODEL else ANY_GGUF
