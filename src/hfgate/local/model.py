"""Load a GGUF once per process and run chat completions on it, one at a time.

A `llama_cpp.Llama` is not re-entrant, so each `LocalModel` serialises generation with a lock;
loading is guarded by a module lock so two threads never load the same file twice.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hfgate.errors import BadRequestError, ConfigError
from hfgate.local.paths import missing_extra

if TYPE_CHECKING:
    from hfgate.local._llama import CountingLlama

N_CTX = 2048
"""Context window, prompt plus answer, in tokens: small, so loading stays fast and light."""

_models: dict[Path, LocalModel] = {}
_loading = threading.Lock()


class LocalModel:
    """A loaded GGUF file and the lock that guards generation on it."""

    def __init__(self, llama: CountingLlama, path: Path) -> None:
        self.llama = llama
        self.path = path
        self.lock = threading.Lock()
        template = str(llama.metadata.get("tokenizer.chat_template", ""))
        self.template_has_tools = "tools" in template
        """Whether the GGUF's chat template renders a `tools` list (SmolLM2's does not)."""
        self._formatter: Any = None

    def count_prompt(self, kwargs: dict[str, Any]) -> int | None:
        """The prompt tokens a call with these arguments evaluates (its `prompt_tokens`):
        the GGUF's chat template rendered and tokenized as llama-cpp-python's chat handler
        does. None when the model runs a built-in chat format instead of its template.
        Tokenizing only reads the vocabulary, so it does not wait for a running answer."""
        if self.llama.chat_format != "chat_template.default":
            return None
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            special = self.llama.detokenize
            self._formatter = Jinja2ChatFormatter(
                template=str(self.llama.metadata["tokenizer.chat_template"]),
                eos_token=special([self.llama.token_eos()], special=True).decode(),
                bos_token=special([self.llama.token_bos()], special=True).decode(),
            )
        with _bad_request():  # a template that refuses the messages (raise_exception)
            rendered = self._formatter(
                messages=kwargs["messages"],
                tools=kwargs.get("tools"),
                tool_choice=kwargs.get("tool_choice"),
            )
        text = rendered.prompt.encode("utf-8")
        return len(self.llama.tokenize(text, add_bos=not rendered.added_special, special=True))

    def _fresh_if_seeded(self, kwargs: dict[str, Any]) -> None:
        """A seeded call must be reproducible, but llama.cpp reusing the previous call's KV
        cache for a shared prompt prefix changes greedy output: start from an empty cache."""
        if kwargs.get("seed") is not None:
            self.llama.forget()

    def complete(self, kwargs: dict[str, Any], cancel: threading.Event | None) -> dict[str, Any]:
        """One non-streamed `create_chat_completion` answer (OpenAI-shaped)."""
        with self.lock, _bad_request(), _cancellable(self.llama, cancel):
            self._fresh_if_seeded(kwargs)
            return cast(dict[str, Any], self.llama.create_chat_completion(**kwargs, stream=False))

    def stream(
        self, kwargs: dict[str, Any], cancel: threading.Event | None
    ) -> Generator[dict[str, Any], None, None]:
        """Chat-completion chunks, then one usage chunk (llama.cpp's chunks carry none).

        Holds the model's lock until the stream is exhausted or closed; raises
        `hfgate.local._llama.Cancelled` at the next token once `cancel` is set.
        """
        with self.lock, _bad_request(), _cancellable(self.llama, cancel):
            self._fresh_if_seeded(kwargs)
            chunks = cast(
                Generator[dict[str, Any], None, None],
                self.llama.create_chat_completion(**kwargs, stream=True),
            )
            try:
                yield from chunks
            finally:
                chunks.close()
            prompt, completion = self.llama.prompt_tokens, self.llama.completion_tokens
        yield {
            "choices": [],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


@contextmanager
def _cancellable(llama: CountingLlama, cancel: threading.Event | None) -> Iterator[None]:
    """Hands the call's cancel flag to the model for the duration of one call."""
    llama.cancel = cancel
    try:
        yield
    finally:
        llama.cancel = None


@contextmanager
def _bad_request() -> Iterator[None]:
    """llama.cpp reports a bad request (prompt longer than the context window, a forced tool
    that is not in `tools`) as ValueError: turn it into the error a server would give."""
    try:
        yield
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise BadRequestError(f"local model: {exc}", provider="local") from exc


def is_loaded(path: Path) -> bool:
    """Whether the GGUF is in memory already (so a first call will not wait for loading)."""
    return path in _models


def load_model(path: Path) -> LocalModel:
    """The model for a GGUF path, loaded on first use and shared by every caller after."""
    model = _models.get(path)
    if model is not None:
        return model
    with _loading:
        model = _models.get(path)
        if model is None:
            if not _models:
                atexit.register(_close_all)
            model = _models[path] = LocalModel(_load_llama(path), path)
    return model


def _close_all() -> None:
    """Free models before interpreter teardown: llama.cpp's own finaliser fails once module
    globals are gone, printing a traceback at every exit."""
    for model in _models.values():
        model.llama.close()
    _models.clear()


def _load_llama(path: Path) -> CountingLlama:
    try:
        from hfgate.local._llama import CountingLlama
    except ImportError as exc:  # missing package, or its shared library failed to load
        raise missing_extra(f"llama-cpp-python ({exc})") from exc
    try:
        return CountingLlama(
            model_path=str(path),
            n_ctx=N_CTX,
            n_threads=os.cpu_count() or 1,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise ConfigError(f"Cannot load GGUF file {str(path)!r}: {exc}") from exc
