"""`hfgate logs`: the calls made through the CLI, read back from the log database."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from rich.table import Table

    from hfgate.cli.logstore import LogEntry, LogStore, UsageRow

T = TypeVar("T")


def _open() -> LogStore | None:
    from hfgate.cli.logstore import LogStore, default_path

    if not default_path().exists():
        return None
    return LogStore()


@click.group(
    invoke_without_command=True, short_help="Show logged calls; `logs usage` sums tokens and cost."
)
@click.option("-n", "count", type=click.IntRange(min=0), default=3, show_default=True,
              help="How many of the latest calls to show.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def logs(ctx: click.Context, count: int, as_json: bool) -> None:
    """Show the latest calls (prompt, answer, model, provider, tokens, cost, error).

    Every call through `hfgate run` and `hfgate chat` is logged unless --no-log or
    HFGATE_NO_LOG=1; API keys are never stored."""
    if ctx.invoked_subcommand is not None:
        return
    store = _open()
    entries = [] if store is None else _closing(store, lambda s: s.recent(count))
    if as_json:
        import json
        from dataclasses import asdict

        click.echo(json.dumps([asdict(e) for e in entries], indent=2, ensure_ascii=False))
        return
    if not entries:
        click.echo("No calls logged yet.")
        return
    for entry in entries:
        click.echo(_markdown(entry))


@logs.command()
def path() -> None:
    """Print where the log database is."""
    from hfgate.cli.logstore import default_path

    click.echo(str(default_path()))


@logs.command()
@click.option(
    "--since", metavar="AGE", help="Only calls newer than AGE: 30m, 24h, 7d, 2w, or a date."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def usage(since: str | None, as_json: bool) -> None:
    """Tokens and cost per model and provider."""
    start = parse_since(since) if since else None
    store = _open()
    rows = [] if store is None else _closing(store, lambda s: s.usage(start))
    if as_json:
        import json
        from dataclasses import asdict

        click.echo(json.dumps([asdict(r) for r in rows], indent=2))
        return
    if not rows:
        click.echo("No calls logged" + (f" since {since}." if since else " yet."))
        return
    from hfgate.cli.render import console

    out = console()
    if not out.is_terminal:
        out.width = max(out.width, 140)
    out.print(_usage_table(rows, since))


def _closing(store: LogStore, read: Callable[[LogStore], T]) -> T:
    try:
        return read(store)
    finally:
        store.close()


_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> datetime:
    """`7d`, `24h`, `30m`, `2w` ago, or an ISO date/time (UTC when no zone is given)."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text)
    if match:
        amount, unit = int(match[1]), _UNITS[match[2]]
        return datetime.now(UTC) - timedelta(**{unit: amount})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: use 30m, 24h, 7d, 2w, or a date like 2025-01-31", param_hint="'--since'"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _markdown(entry: LogEntry) -> str:
    from hfgate.cli.render import count, usd

    head = [entry.time, entry.model or "?"]
    if entry.provider:
        head.append(f"via {entry.provider}")
    head.append(f"{count(entry.input_tokens)} in / {count(entry.output_tokens)} out")
    head.append(usd(entry.cost, unknown="cost unknown"))
    if entry.duration_ms is not None:
        head.append(f"{entry.duration_ms / 1000:.1f} s")
    lines = [f"## {' · '.join(head)}", ""]
    if entry.system:
        lines += ["System: " + entry.system, ""]
    lines += ["> " + line for line in (entry.prompt or "").splitlines() or [""]]
    lines.append("")
    if entry.response:
        lines += [entry.response, ""]
    if entry.error:
        lines += [f"error: {entry.error}", ""]
    return "\n".join(lines)


def _usage_table(rows: list[UsageRow], since: str | None) -> Table:
    from rich.table import Table

    from hfgate.cli.render import count, usd

    title = f"Usage since {since}" if since else "Usage (all logged calls)"
    table = Table(title=title, title_justify="left")
    table.add_column("model", no_wrap=True)
    table.add_column("provider", no_wrap=True)
    for name in ("calls", "errors", "input", "cached", "output", "reasoning", "cost"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        cost = usd(r.cost, unknown="unknown")
        if r.unpriced and r.cost is not None:
            cost += f" (+{r.unpriced} unpriced)"
        table.add_row(
            r.model or "?",
            r.provider or "-",
            str(r.calls),
            str(r.errors),
            count(r.input_tokens),
            count(r.cached_tokens),
            count(r.output_tokens),
            count(r.reasoning_tokens),
            cost,
        )
    return table
