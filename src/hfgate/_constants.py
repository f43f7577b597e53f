"""Names several layers share: where the Hugging Face router is, the default model, and
where hfgate keeps its data (the CLI's logs, the gateway's SQLite store)."""

import os
from pathlib import Path

ROUTER_URL = "https://router.huggingface.co/v1"
ROUTER_URL_ENV = "HFGATE_ROUTER_URL"
"""Points hfgate at another router, e.g. `python -m hfgate.testing` for offline work."""
DEFAULT_HF_MODEL = "openai/gpt-oss-120b"
"""Used when no model is given and a Hugging Face key exists: open weights, many providers."""
DATA_DIR_ENV = "HFGATE_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir  # loaded only when the default is needed

    return Path(user_data_dir("hfgate"))
