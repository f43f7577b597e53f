"""Which settings files exist, and what each one says, problems included.

Factory droid's files come first so hfgate's own files override them; reading them can be
turned off because Factory may list models hfgate should not call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgate.routing.settings._fields import Parsed, kind, parse_entry
from hfgate.routing.settings._model import Place, Problem, display_path

LIST_KEYS = ("customModels", "custom_models")
_OFF = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path
    factory: bool
    """One of Factory droid's files, skipped when reading them is turned off."""
    explicit: bool = False
    """Named by HFGATE_SETTINGS, so its absence is a problem."""


def env_flag(name: str) -> bool | None:
    """An on/off environment variable; None when unset or empty."""
    value = os.environ.get(name, "").strip().lower()
    return None if not value else value not in _OFF


def candidates() -> list[Candidate]:
    """The files to consider, in merge order (later files override earlier ones)."""
    chosen = os.environ.get("HFGATE_SETTINGS", "").strip()
    if chosen:
        return [Candidate(Path(chosen).expanduser().absolute(), factory=False, explicit=True)]
    from platformdirs import user_config_dir

    factory = Path.home() / ".factory"
    found = []
    if env_flag("HFGATE_READ_FACTORY") is not False:
        for name in ("config.json", "settings.json", "settings.local.json"):
            found.append(Candidate(factory / name, factory=True))
    found.append(Candidate(Path(user_config_dir("hfgate")) / "settings.json", factory=False))
    found.append(Candidate(Path.cwd() / ".hfgate" / "settings.json", factory=False))
    return found


@dataclass(slots=True)
class FileResult:
    """One file read: its entries in order, file-level problems, and its Factory switch."""

    path: Path
    entries: list[Parsed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read_factory: bool | None = None


def read_file(path: Path, *, hfgate_file: bool) -> FileResult:
    result = FileResult(path)
    data = _load_json(path, result.problems)
    if data is None:
        return result
    if not isinstance(data, dict):
        result.problems.append(
            _file_problem(
                path,
                f"Invalid {display_path(path)}: the top level must be an object like "
                f'{{"customModels": [...]}} (got {kind(data)})',
            )
        )
        return result
    if hfgate_file and "readFactorySettings" in data:
        result.read_factory = _switch(data["readFactorySettings"], path, result.problems)
    for place, raw in _entries(path, data, result.problems):
        result.entries.append(parse_entry(raw, place))
    return result


def _load_json(path: Path, problems: list[Problem]) -> Any:
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            _file_problem(path, f"Cannot read {shown}: it is not UTF-8 text ({exc.reason})")
        )
        return None
    except OSError as exc:
        problems.append(_file_problem(path, f"Cannot read {shown}: {exc.strerror or exc}"))
        return None
    if not text.strip():
        return {}  # an empty file (fresh from `touch`) lists nothing
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            _file_problem(
                path,
                f"{shown} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            )
        )
        return None


def _switch(value: Any, path: Path, problems: list[Problem]) -> bool | None:
    if isinstance(value, bool):
        return value
    problems.append(
        _file_problem(
            path,
            f"Invalid readFactorySettings in {display_path(path)}: use true or false "
            f"(got {kind(value)})",
        )
    )
    return None


def _entries(
    path: Path, data: dict[str, Any], problems: list[Problem]
) -> Iterator[tuple[Place, dict[str, Any]]]:
    """Each entry object with its place; list keys in the order the file has them."""
    for key, items in data.items():
        if key not in LIST_KEYS or items is None:
            continue
        if not isinstance(items, list):
            problems.append(
                _file_problem(
                    path,
                    f"Invalid {key} in {display_path(path)}: use a list of model objects like "
                    f'[{{"model": ..., "baseUrl": ...}}] (got {kind(items)})',
                )
            )
            continue
        for index, raw in enumerate(items):
            place = Place(path, key, index, None)
            if isinstance(raw, dict):
                yield place, raw
            else:
                problems.append(
                    Problem(
                        f"Invalid entry {place}: use an object with "
                        f'"model", "baseUrl", "provider" and "apiKey" (got {kind(raw)})',
                        "error",
                        path,
                        place,
                    )
                )


def _file_problem(path: Path, message: str) -> Problem:
    return Problem(message, "error", path, None)
