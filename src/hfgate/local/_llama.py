"""The llama.cpp model class hfgate loads: it counts tokens and can be stopped mid-answer.

Imported only when a local model is first used (it imports llama_cpp). `Llama.generate` is
the one place every token passes through, so overriding it gives both:

- token counts for streams, whose chunks carry no usage: `_create_completion` appends every
  token `generate` yields to its completion, except the end-of-generation token it stops on,
  so counting the yielded non-end tokens gives exactly the `completion_tokens` a non-streamed
  call reports (and `len(tokens)` its `prompt_tokens`);
- cancellation: raising `Cancelled` from here unwinds llama.cpp's Python loop at the next
  token. (A logits processor cannot do this: it runs as a C callback that swallows errors.)
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from typing import Any

import llama_cpp
from llama_cpp import Llama


class Cancelled(Exception):
    """Raised inside generation when the caller stopped listening."""


class CountingLlama(Llama):  # type: ignore[misc, unused-ignore]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cancel: threading.Event | None = None
        """Set by the owner (under its lock) for the call about to run."""

    def generate(  # type: ignore[override, unused-ignore]
        self, tokens: Sequence[int], *args: Any, **kwargs: Any
    ) -> Generator[int, Sequence[int] | None, None]:
        self.prompt_tokens = len(tokens)
        self.completion_tokens = 0
        cancel = self.cancel
        for token in super().generate(tokens, *args, **kwargs):
            if cancel is not None and cancel.is_set():
                raise Cancelled
            if not self._ends_generation(token):
                self.completion_tokens += 1
            yield token

    def forget(self) -> None:
        """Drop the KV cache, so the next prompt is evaluated from its first token."""
        self.reset()  # type: ignore[no-untyped-call, unused-ignore]

    def _ends_generation(self, token: int) -> bool:
        vocab = getattr(self._model, "vocab", None)
        if vocab is None:  # older bindings: the end-of-sequence token is the one we know
            return bool(token == self.token_eos())
        return bool(llama_cpp.llama_vocab_is_eog(vocab, token))
