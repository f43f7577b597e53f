"""Where the CLI learns about models beyond the Hub: the plug for bring-your-own-key settings.

Settings have not landed yet, so `custom_model_names()` and `custom_endpoints()` return
nothing; once a settings module exists, these two functions read from it and `/model` and
`hfgate doctor` show its models with no other change.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CustomEndpoint:
    name: str
    base_url: str


def custom_model_names() -> list[str]:
    """Model names defined in settings files ("Custom models" in `/model`)."""
    return []


def custom_endpoints() -> list[CustomEndpoint]:
    """Base URLs configured in settings files, for `hfgate doctor` to probe."""
    return []


def settings_paths() -> list[Path]:
    """Where settings files may live, most specific first."""
    from platformdirs import user_config_dir

    return [
        Path.cwd() / ".hfgate" / "settings.json",
        Path(user_config_dir("hfgate")) / "settings.json",
        Path(os.path.expanduser("~")) / ".factory" / "settings.json",
    ]


@dataclass(frozen=True, slots=True)
class SettingsCheck:
    path: Path
    problem: str | None
    """None when the file parses; else what is wrong, with line and column."""


def check_settings() -> list[SettingsCheck]:
    """Each existing settings file, and whether it parses as JSON."""
    checks = []
    for path in settings_paths():
        if not path.is_file():
            continue
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            checks.append(
                SettingsCheck(
                    path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
                )
            )
        except (OSError, UnicodeDecodeError) as exc:
            checks.append(SettingsCheck(path, f"cannot read: {exc}"))
        else:
            checks.append(SettingsCheck(path, None))
    return checks


def recent_hf_models(limit: int = 10) -> list[str]:
    """Hugging Face ids used recently through the CLI (from the call log), newest first."""
    from hfgate.logstore import LogStore, default_path
    from hfgate.model_ids import is_hf_model_id

    if not default_path().exists():
        return []
    try:
        with LogStore() as store:
            names = store.recent_models(limit * 2)
    except Exception:  # noqa: BLE001 - a broken log must not break the model picker
        return []
    return [n for n in names if is_hf_model_id(n)][:limit]
