"""Model ids as users already write them, turned into what the router expects.

    org/model                      -> org/model            (the router picks: fastest provider)
    org/model:groq                 -> org/model:groq       (force a provider; unknown slugs pass)
    org/model:cheapest             -> org/model:cheapest   (also :fastest, :preferred)
    huggingface/groq/org/model     -> org/model:groq       (LiteLLM's spelling)
    huggingface/org/model          -> org/model

Malformed ids are refused here, before any request, with a message that says what is wrong.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from hfgate.errors import InvalidModelError

POLICIES = frozenset({"fastest", "cheapest", "preferred"})

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_LITELLM_PREFIX = "huggingface/"


@dataclass(frozen=True, slots=True)
class HfModelId:
    repo: str
    """`org/model`, the Hub repository id."""
    suffix: str | None = None
    """A provider slug or a routing policy, as written after the colon."""

    @property
    def policy(self) -> str | None:
        return self.suffix if self.suffix in POLICIES else None

    @property
    def provider(self) -> str | None:
        return self.suffix if self.suffix and self.suffix not in POLICIES else None

    def __str__(self) -> str:
        return f"{self.repo}:{self.suffix}" if self.suffix else self.repo


def is_hf_model_id(model: str) -> bool:
    """True when the id reads as a Hub id: a `/` before any `:`."""
    slash, colon = model.find("/"), model.find(":")
    return slash != -1 and (colon == -1 or slash < colon)


def parse_hf_model_id(model: str) -> HfModelId:
    """Validate and normalise a Hugging Face model id for the router. Parsed once per id (a
    gateway request looks at its model several times); very long strings, which are not
    ids, are not kept."""
    if len(model) <= _MEMO_CHARS:
        return _parse_memo(model)
    return _parse(model)


_MEMO_CHARS = 256


def _parse(model: str) -> HfModelId:
    text = model.strip()
    if not text:
        raise InvalidModelError("The model id is empty; pass one like 'Qwen/Qwen3-32B'.")
    if any(c.isspace() for c in text):
        raise InvalidModelError(f"Model id {model!r} contains white space.")
    if text.startswith(_LITELLM_PREFIX):
        return _from_litellm(text)
    repo, sep, suffix = text.partition(":")
    return _checked(model, repo, suffix if sep else None)


_parse_memo = functools.lru_cache(maxsize=4096)(_parse)


def _from_litellm(text: str) -> HfModelId:
    parts = text[len(_LITELLM_PREFIX) :].split("/")
    if not all(parts):
        raise InvalidModelError(
            f"Model id {text!r} has an empty part; LiteLLM-style ids read "
            f"'huggingface/<provider>/<org>/<model>' or 'huggingface/<org>/<model>'."
        )
    if len(parts) == 3:
        provider, org, name = parts
        if ":" in name:
            raise InvalidModelError(
                f"Model id {text!r} names the provider twice; write "
                f"'huggingface/<provider>/<org>/<model>' or '<org>/<model>:<provider>'."
            )
        return _checked(text, f"{org}/{name}", provider)
    if len(parts) == 2:
        repo, sep, suffix = "/".join(parts).partition(":")
        return _checked(text, repo, suffix if sep else None)
    # `huggingface/<name>` is an ordinary repo of the `huggingface` org.
    repo, sep, suffix = text.partition(":")
    return _checked(text, repo, suffix if sep else None)


def _checked(original: str, repo: str, suffix: str | None) -> HfModelId:
    org, slash, name = repo.partition("/")
    if not slash or not org or not name:
        raise InvalidModelError(
            f"Model id {original!r} is not of the form '<org>/<model>' "
            f"(for example 'deepseek-ai/DeepSeek-R1' or 'Qwen/Qwen3-32B:together')."
        )
    for part in (org, name):
        if not _NAME.fullmatch(part):
            raise InvalidModelError(
                f"Model id {original!r}: {part!r} may only hold letters, digits, '.', '_' and '-'."
            )
    if suffix is None:
        return HfModelId(repo)
    if suffix == "":
        raise InvalidModelError(
            f"Model id {original!r} ends with ':' but names no provider or policy."
        )
    if suffix == "auto":
        raise InvalidModelError(
            f"Model id {original!r}: ':auto' is not accepted by the router. Drop the suffix "
            f"(the router then picks the fastest provider) or use :fastest, :cheapest, :preferred."
        )
    if not _SLUG.fullmatch(suffix):
        raise InvalidModelError(
            f"Model id {original!r}: {suffix!r} is not a provider slug or routing policy "
            f"(slugs are lower-case, like 'together' or 'fireworks-ai'; policies are "
            f"{', '.join(sorted(POLICIES))})."
        )
    return HfModelId(repo, suffix)


DEFAULT_LOCAL_MODEL = "local"
LOCAL_PREFIX = "local/"


def is_local_model(model: str) -> bool:
    """True for `local` (the packaged model) and `local/<path-to.gguf>`."""
    return model == DEFAULT_LOCAL_MODEL or model.startswith(LOCAL_PREFIX)
