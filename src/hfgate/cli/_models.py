"""Where the CLI learns about models beyond the Hub: the bring-your-own-key settings files.

Thin views over `hfgate.routing.settings`: names for `/model`, endpoints and problems for `hfgate
doctor`. Settings are re-read only when a file changes, so these are cheap to call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hfgate.routing.settings import Settings, load_settings, settings_paths

if TYPE_CHECKING:
    from hfgate.http.endpoint import Endpoint


@dataclass(frozen=True, slots=True)
class CustomEndpoint:
    name: str
    models_url: str
    """The endpoint's model listing, probed with the model's key and extraHeaders."""
    endpoint: Endpoint | None = None
    problem: str | None = None
    """Why the endpoint cannot be reached as configured (e.g. a ${VAR} that is not set)."""


def _settings() -> Settings | None:
    from hfgate.errors import ConfigError

    try:
        return load_settings(strict=False)
    except ConfigError:
        return None


def custom_model_names() -> list[str]:
    """The name each settings model is shown by ("Custom models" in `/model`)."""
    settings = _settings()
    return [m.display_name or m.id for m in settings.models] if settings else []


def is_custom_model(name: str) -> bool:
    """True when settings define `name` (as an id, displayName or model string)."""
    from hfgate.errors import ConfigError

    settings = _settings()
    try:
        return settings is not None and settings.find(name) is not None
    except ConfigError:
        return True  # defined, though broken: the call will say why


def custom_endpoints() -> list[CustomEndpoint]:
    """Each settings model's base URL, for `hfgate doctor` to probe."""
    from hfgate.errors import ConfigError
    from hfgate.routing.resolve import Origin, custom_route

    settings = _settings()
    endpoints = []
    for model in settings.models if settings else ():
        name = model.display_name or model.id
        try:
            route = custom_route(model, Origin("", is_router=True))
        except ConfigError as exc:
            endpoints.append(CustomEndpoint(name, model.base_url, problem=str(exc)))
            continue
        assert route.endpoint is not None and route.wire is not None  # never local
        listing = route.endpoint.url(route.wire.models_path)
        endpoints.append(CustomEndpoint(name, listing, route.endpoint))
    return endpoints


@dataclass(frozen=True, slots=True)
class SettingsCheck:
    path: Path
    problem: str | None
    """None when the file loads cleanly; else one problem, file, entry and field named."""
    severity: str = "error"


def check_settings() -> list[SettingsCheck]:
    """A line for each settings file read, then one per problem found: a file that could not
    be read (not JSON, not an object...) is broken, not read; a bad entry in it is its own."""
    settings = _settings()
    if settings is None:
        return []
    broken = {p.path for p in settings.problems if p.severity == "error" and p.place is None}
    checks = [SettingsCheck(path, None) for path in settings.files if path not in broken]
    checks.extend(SettingsCheck(p.path, p.message, p.severity) for p in settings.problems)
    return checks


__all__ = [
    "CustomEndpoint",
    "SettingsCheck",
    "check_settings",
    "custom_endpoints",
    "custom_model_names",
    "is_custom_model",
    "local_model_names",
    "settings_paths",
]


def local_model_names() -> list[str]:
    """The offline models this install can run: `local` when the `[local]` extra is in."""
    from hfgate.local.paths import local_extra_installed

    return ["local"] if local_extra_installed() else []


def recent_hf_models(limit: int = 10) -> list[str]:
    """Hugging Face ids used recently through the CLI (from the call log), newest first."""
    from hfgate.cli.logstore import LogStore, default_path
    from hfgate.inputs.model_ids import is_hf_model_id

    if not default_path().exists():
        return []
    try:
        with LogStore() as store:
            names = store.recent_models(limit * 2)
    except Exception:  # noqa: BLE001 - a broken log must not break the model picker
        return []
    return [n for n in names if is_hf_model_id(n)][:limit]
