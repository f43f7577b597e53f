"""The emulators build their payloads with the official SDKs' types (`openai`, `anthropic`),
imported only when a reply is built: without this check a base install would start an
emulator that hangs up on its first request, the ImportError lost in a server thread."""

from __future__ import annotations

import importlib.util

SDKS = ("openai", "anthropic")
INSTALL = "pip install 'hfgate[testing]'"


class MissingSdkError(ImportError):
    """The `testing` extra is not installed; the message says how to install it."""


def require_sdks() -> None:
    missing = [name for name in SDKS if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingSdkError(
            f"hfgate.testing builds its answers with the official {' and '.join(missing)} "
            f"SDK{'s' if len(missing) > 1 else ''}, which {'are' if len(missing) > 1 else 'is'} "
            f"not installed. Install the testing extra: {INSTALL}"
        )
