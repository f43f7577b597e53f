"""The loaded values: where an entry lives, what is wrong with it, and the model it defines.

`${VAR}` is expanded only when a value is used, so a variable exported after loading counts
and no secret is ever held in the cached settings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hfgate.errors import ConfigError
from hfgate.formats import PROVIDER_FORMATS
from hfgate.routing.settings._urls import BadUrl, normalise_base_url

PROVIDERS: tuple[str, ...] = tuple(PROVIDER_FORMATS)

EXAMPLE_URL = "https://router.huggingface.co/v1"

_VAR = re.compile(r"\$\{([^}]*)\}")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def display_path(path: Path) -> str:
    """The path with `~` for the home folder, as users write it."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True, slots=True)
class Place:
    """Where an entry lives, so every message can point at it."""

    path: Path
    list_key: str
    index: int
    display_name: str | None

    def __str__(self) -> str:
        label = f' ("{self.display_name}")' if self.display_name else ""
        return f"{display_path(self.path)} {self.list_key}[{self.index}]{label}"


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    severity: Literal["error", "warning"]
    path: Path
    place: Place | None
    """None for problems with the file as a whole."""
    names: tuple[str, ...] = ()
    """Names the skipped entry would answer to, so a call by that name can say why it fails."""


class SettingsError(ConfigError):
    """Settings that cannot be used; `problems` holds each one found."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


def template_problem(text: str) -> str | None:
    """What is wrong with the `${VAR}` syntax in text, or None."""
    if "${" in _VAR.sub("", text):
        return 'Unclosed "${"'
    if any(not _VAR_NAME.fullmatch(name) for name in _VAR.findall(text)):
        return "Invalid variable reference"
    return None


@dataclass(frozen=True, slots=True)
class CustomModel:
    """One bring-your-own-key model; `api_key`, header values and a `base_url` with `${VAR}` are
    kept as written (use the `expanded_*` methods); a literal `base_url` is already normalised."""

    id: str
    model: str
    provider: str
    base_url: str
    api_key: str
    display_name: str | None
    max_output_tokens: int | None
    supports_images: bool
    extra_args: Mapping[str, Any] = field(hash=False)
    extra_headers: Mapping[str, str] = field(hash=False)
    fallbacks: tuple[str, ...]
    place: Place

    def names(self) -> tuple[str, ...]:
        """Every name this entry answers to: id, displayName, model."""
        return tuple(dict.fromkeys(n for n in (self.id, self.display_name, self.model) if n))

    def expanded_api_key(self) -> str:
        key, used = self._expand(self.api_key, "apiKey")
        key = key.strip()
        if key:
            return key
        if used:
            variables = " and ".join(used)
            verb = "is" if len(used) == 1 else "are"
            s = "" if len(used) == 1 else "s"
            raise self._error(
                f"Environment variable{s} {variables} {verb} empty (apiKey of {self.place})"
            )
        raise self._error(f"Empty apiKey in {self.place}: put the key or ${{VAR}} here")

    def expanded_base_url(self) -> str:
        if "${" not in self.base_url:
            return self.base_url
        url, _ = self._expand(self.base_url, "baseUrl")
        try:
            return normalise_base_url(url, self.provider)[0]
        except BadUrl:
            raise self._error(
                f'Invalid baseUrl "{url}" (from {self.base_url}) in {self.place}: '
                f"use an http:// or https:// URL, e.g. {EXAMPLE_URL}"
            ) from None

    def expanded_headers(self) -> dict[str, str]:
        return {
            name: self._expand(value, f'extraHeaders["{name}"]')[0]
            for name, value in self.extra_headers.items()
        }

    def _expand(self, text: str, label: str) -> tuple[str, list[str]]:
        used: list[str] = []

        def value_of(match: re.Match[str]) -> str:
            name = match.group(1)
            value = os.environ.get(name)
            if value is None:
                raise self._error(
                    f"Environment variable {name} is not set ({label} of {self.place})"
                )
            used.append(name)
            return value

        return _VAR.sub(value_of, text), used

    def _error(self, message: str) -> SettingsError:
        problem = Problem(message, "error", self.place.path, self.place, self.names())
        return SettingsError(message, (problem,))

    def __repr__(self) -> str:
        return (
            f"CustomModel(id={self.id!r}, provider={self.provider!r}, model={self.model!r}, "
            f"base_url={self.base_url!r})"
        )
