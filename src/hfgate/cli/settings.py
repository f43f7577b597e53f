"""`hfgate settings`: every model the settings files define, where each came from, and what is
wrong with it; skipped entries and file problems too. Never shows a key or a header value."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import click


@dataclass(frozen=True, slots=True)
class ModelLine:
    name: str
    model: str
    provider: str
    base_url: str
    """As written: a `${VAR}` stays unexpanded, so no secret shows."""
    place: str
    state: str
    """`ok`, `warning` (usable, see problems) or `error` (a call by this name fails)."""
    problems: list[str] = field(default_factory=list)


@click.command(short_help="List the custom models of the settings files and their problems.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def settings(as_json: bool) -> None:
    """Each model from the settings files (Factory droid's and hfgate's), with the file and
    entry it came from and its problems, then entries that were skipped and file problems.
    `hfgate doctor` also probes their endpoints."""
    from hfgate.cli._models import settings_paths

    models, other = collect()
    if as_json:
        payload = {"models": [asdict(m) for m in models], "problems": other}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not models and not other:
        places = ", ".join(str(p) for p in settings_paths())
        click.echo(f"No custom models (looked for {places}).")
        return
    from hfgate.cli.tables import print_table

    if models:
        rows = [[m.name, m.model, m.provider, m.base_url, m.place, m.state] for m in models]
        print_table(
            ["name", "model", "provider", "baseUrl", "from", "state"],
            rows,
            wide=("name", "model", "baseUrl", "from"),
        )
    for m in models:
        for problem in m.problems:
            click.echo(f"{'✗' if m.state == 'error' else '!'} {m.name}: {problem}")
    for problem in other:
        click.echo(f"✗ {problem}")


def collect() -> tuple[list[ModelLine], list[str]]:
    """(one line per usable model, the problems of skipped entries and files)."""
    from hfgate.errors import ConfigError
    from hfgate.routing.resolve import Origin, custom_route
    from hfgate.routing.settings import load_settings

    try:
        loaded = load_settings(strict=False)
    except ConfigError as exc:
        return [], [str(exc)]
    lines = []
    kept = {m.place for m in loaded.models}
    for m in loaded.models:
        warnings = [p.message for p in loaded.problems if p.place == m.place]
        errors = []
        try:
            custom_route(m, Origin("", is_router=True))  # expands ${VAR}s, checks the URL
        except ConfigError as exc:
            errors.append(str(exc))
        state = "error" if errors else "warning" if warnings else "ok"
        lines.append(
            ModelLine(
                m.display_name or m.id,
                m.model,
                m.provider,
                m.base_url,
                str(m.place),
                state,
                [*errors, *warnings],
            )
        )
    other = [p.message for p in loaded.problems if p.place is None or p.place not in kept]
    return lines, other
