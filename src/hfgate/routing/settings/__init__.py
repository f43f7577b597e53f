"""Bring-your-own-key models, listed once in settings files and called by name.

The format is Factory droid's `customModels`, so one list serves both tools:

    {"customModels": [{"model": "claude-sonnet-4-5", "displayName": "Sonnet",
                       "baseUrl": "https://api.anthropic.com", "apiKey": "${ANTHROPIC_API_KEY}",
                       "provider": "anthropic"}]}

Files, later ones overriding earlier ones by id:

    ~/.factory/config.json              Factory's legacy `custom_models` (snake_case)
    ~/.factory/settings.json            Factory's `customModels`
    ~/.factory/settings.local.json      Factory's local overlay
    <user config dir>/hfgate/settings.json
    ./.hfgate/settings.json

`HFGATE_SETTINGS=file.json` reads only that file. `HFGATE_READ_FACTORY=0`, or
`"readFactorySettings": false` in one of hfgate's own files, skips Factory's three. Loading is
lenient: a bad entry is skipped and recorded in `Settings.problems` (and logged once), the rest
load; `strict=True` or `HFGATE_STRICT_SETTINGS=1` raises instead.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from hfgate.routing.settings._files import Candidate, FileResult, candidates, env_flag, read_file
from hfgate.routing.settings._model import (
    PROVIDERS,
    CustomModel,
    Place,
    Problem,
    SettingsError,
    display_path,
)
from hfgate.routing.settings._settings import Settings, merge

__all__ = [
    "CustomModel",
    "PROVIDERS",
    "Place",
    "Problem",
    "Settings",
    "SettingsError",
    "load_settings",
    "settings_paths",
]

_log = logging.getLogger("hfgate.routing.settings")

_PATH_ENV = ("HFGATE_SETTINGS", "HFGATE_READ_FACTORY", "HOME", "XDG_CONFIG_HOME") + (
    ("USERPROFILE", "APPDATA", "LOCALAPPDATA") if os.name == "nt" else ()
)
"""What the candidate paths depend on (with the working directory): building them with pathlib
and platformdirs costs more than the stats, so they are rebuilt only when one of these changes."""

_Key = tuple[str | None, ...]
_Stat = tuple[int, int, int] | None
_paths: tuple[_Key, list[Candidate], tuple[str, ...]] | None = None
_cache: tuple[_Key, tuple[_Stat, ...], Settings] | None = None


def settings_paths() -> list[Path]:
    """The candidate files in merge order, whether or not they exist.

    Honours HFGATE_SETTINGS and HFGATE_READ_FACTORY; `readFactorySettings` inside a file is
    only known once files are read, so it is applied by `load_settings`.
    """
    return [c.path for c in candidates()]


def load_settings(*, strict: bool | None = None) -> Settings:
    """The merged settings, re-read only when a file changed (one `os.stat` per candidate)."""
    global _cache
    key, found, paths = _candidates()
    stats = tuple(_stat(path) for path in paths)
    cached = _cache
    if cached is not None and cached[0] == key and cached[1] == stats:
        settings = cached[2]
    else:
        settings = _read(found, [st is not None for st in stats])
        _cache = (key, stats, settings)
        for problem in settings.problems:
            _log.warning("%s", problem.message)
    errors = tuple(p for p in settings.problems if p.severity == "error")
    if strict is None and errors:  # read per call, but only when it can matter
        strict = env_flag("HFGATE_STRICT_SETTINGS") is True
    if strict and errors:
        if len(errors) == 1:
            raise SettingsError(errors[0].message, errors)
        listed = "\n".join(f"- {p.message}" for p in errors)
        raise SettingsError(f"{len(errors)} problems in settings files:\n{listed}", errors)
    return settings


def _candidates() -> tuple[_Key, list[Candidate], tuple[str, ...]]:
    global _paths
    key = (os.getcwd(), *map(os.environ.get, _PATH_ENV))
    memo = _paths
    if memo is None or memo[0] != key:
        found = candidates()
        memo = _paths = (key, found, tuple(str(c.path) for c in found))
    return memo


def _stat(path: str) -> _Stat:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _read(found: list[Candidate], exists: list[bool]) -> Settings:
    missing = [
        Problem(
            f"HFGATE_SETTINGS names {display_path(c.path)}, which does not exist",
            "error",
            c.path,
            None,
        )
        for c, there in zip(found, exists, strict=True)
        if c.explicit and not there
    ]
    existing = [c for c, there in zip(found, exists, strict=True) if there]
    own = {c.path: read_file(c.path, hfgate_file=True) for c in existing if not c.factory}
    read_factory = True  # HFGATE_READ_FACTORY=0 already left Factory's files out
    for result in own.values():
        if result.read_factory is not None:
            read_factory = result.read_factory
    results: list[FileResult] = []
    for c in existing:
        if not c.factory:
            results.append(own[c.path])
        elif read_factory:
            results.append(read_file(c.path, hfgate_file=False))
    models, problems = merge(results)
    return Settings(tuple(models), (*missing, *problems), tuple(r.path for r in results))
