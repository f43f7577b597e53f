"""Names several layers share: where the Hugging Face router is, the default model, and
where hfgate keeps its data (the CLI's logs, the gateway's SQLite store)."""

import os
from pathlib import Path

ROUTER_URL = "https://router.huggingface.co/v1"
ROUTER_URL_ENV = "HFGATE_ROUTER_URL"
"""Points hfgate at another router, e.g. `python -m hfgate.testing` for offline work."""


def env_router_url() -> str | None:
    """`HFGATE_ROUTER_URL` as a base URL: a bare host (`http://127.0.0.1:8088`) gets the
    router's `/v1`, since every route of the router's API lives under it (without it, each
    call would be a 404 that reads like an unknown model)."""
    raw = os.environ.get(ROUTER_URL_ENV, "").strip()
    if not raw:
        return None
    scheme, sep, rest = raw.partition("://")
    host, slash, path = rest.partition("/")
    if sep and host and not path.strip("/"):
        return f"{scheme}://{host}/v1"
    return raw.rstrip("/")


DEFAULT_HF_MODEL = "openai/gpt-oss-120b"
"""Used when no model is given and a Hugging Face key exists: open weights, many providers."""
DATA_DIR_ENV = "HFGATE_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir  # loaded only when the default is needed

    return Path(user_data_dir("hfgate"))
