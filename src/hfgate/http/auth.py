"""Where the Hugging Face key comes from, and how it is kept out of sight.

Lookup order: the `api_key` argument, then `HF_TOKEN`, `HUGGINGFACE_API_KEY`,
`HUGGING_FACE_HUB_TOKEN`, then huggingface_hub's token store (`hf auth login`). The HF key is
only ever sent to Hugging Face hosts: a custom `base_url` gets the key passed for it, or none.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from hfgate.errors import MissingKeyError

ENV_VARS = ("HF_TOKEN", "HUGGINGFACE_API_KEY", "HUGGING_FACE_HUB_TOKEN")
_HF_HOST_SUFFIXES = (".huggingface.co", ".huggingface.cloud", ".hf.space")


@dataclass(frozen=True, slots=True)
class Key:
    """A secret with the place it came from; its repr never shows the secret."""

    secret: str
    source: str

    def __repr__(self) -> str:
        return f"Key(source={self.source!r})"


def is_hf_host(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    return host == "huggingface.co" or host.endswith(_HF_HOST_SUFFIXES)


def find_hf_key(explicit: str | None = None) -> Key | None:
    """The first key found in lookup order, or None."""
    if explicit:
        return Key(explicit.strip(), "the api_key argument")
    for var in ENV_VARS:
        value = os.environ.get(var, "").strip()
        if value:
            return Key(value, f"${var}")
    stored = _stored_token()
    return Key(stored, "huggingface_hub's token store") if stored else None


def require_hf_key(explicit: str | None = None) -> Key:
    key = find_hf_key(explicit)
    if key is None:
        raise MissingKeyError(
            "No Hugging Face key found. Looked in: the api_key argument, "
            + ", ".join(f"${v}" for v in ENV_VARS)
            + ", and huggingface_hub's token store (`hf auth login`). Create a token with the "
            "'Make calls to Inference Providers' permission at "
            "https://huggingface.co/settings/tokens and set HF_TOKEN.",
            "HF_TOKEN",
        )
    return key


def _stored_token() -> str | None:
    # Imported here: huggingface_hub costs ~100 ms to import and most calls never need it.
    from huggingface_hub import get_token

    token = get_token()
    return token.strip() if token else None


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every secret in text; servers sometimes echo the key they rejected."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
