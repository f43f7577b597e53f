"""`hfgate usage`: what the gateway served, summed by key, model or day, from its database."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from hfgate.cli.serve import database_option


@click.command(short_help="Sum the gateway's usage by key, model or day.")
@click.option("--by", type=click.Choice(["key", "model", "day"]), default="key",
              show_default=True)  # fmt: skip
@click.option("--days", type=click.FloatRange(min=0), help="Only the last N days.")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def usage(by: str, days: float | None, database_url: str | None, as_json: bool) -> None:
    """Requests, errors, tokens and cost of the requests `hfgate serve` answered; one row is
    written per request, streams and hang-ups included."""
    import time

    from hfgate.cli.keys import with_store

    since = time.time() - days * 86400 if days is not None else None
    totals = with_store(database_url, lambda store: store.usage(by, since))  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps([asdict(t) for t in totals], indent=2))
        return
    if not totals:
        click.echo("No gateway requests recorded yet.")
        return
    from hfgate.cli.render import count, usd
    from hfgate.cli.tables import print_table

    headers = [by, "requests", "errors", "input", "output", "cached", "reasoning", "cost"]
    rows = [
        [
            t.group,
            count(t.requests),
            count(t.errors),
            count(t.input_tokens),
            count(t.output_tokens),
            count(t.cached_tokens),
            count(t.reasoning_tokens),
            usd(t.cost_usd),
        ]
        for t in totals
    ]
    print_table(headers, rows, wide=(by,), numeric=headers[1:])
