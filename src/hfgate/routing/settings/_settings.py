"""All files merged into one set of models, and finding a model by the name a user calls it.

A later file's entry with the same id replaces the earlier one (that is how an override is
written); the same id twice in one file, or an id/displayName claimed by two surviving entries,
is a mistake: the first is kept and the problem names both places.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hfgate.routing.settings._files import FileResult
from hfgate.routing.settings._model import CustomModel, Place, Problem, SettingsError


class _Index:
    """Every name mapped to what answers to it, built once per load: `find` runs on every call."""

    __slots__ = ("exact", "model", "loose", "broken", "broken_loose")

    def __init__(self, models: tuple[CustomModel, ...], problems: tuple[Problem, ...]) -> None:
        self.exact: dict[str, CustomModel] = {}
        self.model: dict[str, list[CustomModel]] = {}
        self.loose: dict[str, list[CustomModel]] = {}
        for m in models:
            for label in (m.id, m.display_name):
                if label:
                    self.exact.setdefault(label, m)  # unique after merging
            self.model.setdefault(m.model, []).append(m)
            for folded in dict.fromkeys(n.casefold() for n in m.names()):
                self.loose.setdefault(folded, []).append(m)
        self.broken: dict[str, list[Problem]] = {}
        self.broken_loose: dict[str, list[Problem]] = {}
        for p in problems:
            if p.severity == "error":
                for name in p.names:
                    self.broken.setdefault(name, []).append(p)
                    self.broken_loose.setdefault(name.casefold(), []).append(p)


@dataclass(frozen=True, slots=True)
class Settings:
    """Every usable model from every file, the problems found on the way, and lookup by name."""

    models: tuple[CustomModel, ...]
    """In merge order."""
    problems: tuple[Problem, ...]
    files: tuple[Path, ...]
    """The files actually read."""
    _index: _Index = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _Index(self.models, self.problems))

    def find(self, name: str) -> CustomModel | None:
        """The model called `name`; None if no entry answers to it.

        Tries the id or displayName, then the `model` string, then any name ignoring case.
        Raises SettingsError when the name is ambiguous or belongs only to a skipped entry.
        """
        found = self.find_exact(name)
        if found is not None:
            return found
        index = self._index
        folded = name.casefold()
        if folded in index.loose:
            return _one(name, index.loose[folded])
        _raise_if_broken(name, index.broken_loose.get(folded))
        return None

    def find_exact(self, name: str) -> CustomModel | None:
        """`find` without its case-insensitive step: for names that also read as Hub ids,
        which only a settings entry written exactly the same way may take over."""
        index = self._index
        if name in index.exact:
            return index.exact[name]
        if name in index.model:
            return _one(name, index.model[name])
        _raise_if_broken(name, index.broken.get(name))
        return None

    def names(self) -> list[str]:
        """Every name that finds exactly one model, sorted."""
        index = self._index
        models = (n for n, found in index.model.items() if len(found) == 1)
        return sorted(set(index.exact) | set(models))

    def suggestions(self, name: str, n: int = 3) -> list[str]:
        """The closest names, for "did you mean"."""
        by_fold = {known.casefold(): known for known in self.names()}
        close = difflib.get_close_matches(name.casefold(), list(by_fold), n=n, cutoff=0.6)
        return [by_fold[c] for c in close]


def _raise_if_broken(name: str, broken: list[Problem] | None) -> None:
    if broken:
        reasons = "\n".join(p.message for p in broken)
        raise SettingsError(
            f'Model "{name}" cannot be used: its settings entry was skipped.\n{reasons}',
            tuple(broken),
        )


def _one(name: str, matches: list[CustomModel]) -> CustomModel:
    if len(matches) == 1:
        return matches[0]
    raise SettingsError(
        f'Model name "{name}" is ambiguous: matches {_and(str(m.place) for m in matches)}; '
        "use the id or displayName"
    )


def _and(items: Iterable[str]) -> str:
    words = list(items)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def merge(results: list[FileResult]) -> tuple[list[CustomModel], list[Problem]]:
    """Models in merge order and every problem, including duplicates."""
    by_id: dict[str, CustomModel] = {}
    problems: list[Problem] = []
    for result in results:
        problems += result.problems
        here: dict[str, CustomModel] = {}
        for entry in result.entries:
            problems += entry.problems
            model = entry.model
            if model is None:
                # A broken override hides the entry it meant to replace: calling that name
                # must report the mistake rather than quietly use the old settings.
                if entry.names and entry.names[0] in by_id and entry.names[0] not in here:
                    del by_id[entry.names[0]]
                continue
            if model.id in here:
                problems.append(_duplicate(model.id, here[model.id].place, model))
                continue
            here[model.id] = by_id[model.id] = model
    kept: list[CustomModel] = []
    owners: dict[str, CustomModel] = {}
    for model in by_id.values():
        labels = [n for n in (model.id, model.display_name) if n]
        clash = next((n for n in labels if n in owners), None)
        if clash is not None:
            problems.append(_duplicate(clash, owners[clash].place, model))
            continue
        owners.update(dict.fromkeys(labels, model))
        kept.append(model)
    return kept, problems


def _duplicate(name: str, first: Place, second: CustomModel) -> Problem:
    return Problem(
        f'Duplicate name "{name}" in {first} and {second.place}: kept the first, skipped the '
        'second; give each entry its own "id" or "displayName"',
        "error",
        second.place.path,
        second.place,
        second.names(),
    )
