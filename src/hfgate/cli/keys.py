"""`hfgate keys`: make, list and revoke the gateway's virtual keys, in its database directly
(no running gateway needed; with PostgreSQL every replica sees the change at once)."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from hfgate.cli.serve import database_option

if TYPE_CHECKING:
    from hfgate.gateway.store import KeyRecord, Store

T = TypeVar("T")


def with_store(database_url: str | None, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run `work` against the gateway's database, closing it afterwards."""
    from hfgate.gateway.store import open_store

    async def run() -> T:
        store = await open_store(database_url)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


@click.group(short_help="Create, list and revoke the gateway's API keys.")
def keys() -> None:
    """Virtual keys for `hfgate serve`: each with optional model patterns, a request rate and a
    budget in USD. Only a salted hash is stored; a key is shown once, when it is made."""


@keys.command()
@click.option("--name", required=True, help="Who or what the key is for (shown in usage).")
@click.option("--budget-usd", type=click.FloatRange(min=0), help="Stop serving after this spend.")
@click.option("--rpm", type=click.IntRange(min=1), help="Requests per minute.")
@click.option("--models", default="", metavar="PATTERNS",
              help='Names or patterns it may use, e.g. "Qwen/*,Sonnet".')  # fmt: skip
@click.option("--bill-to", metavar="ORG",
              help="Bill its HF router calls to this organization (X-HF-Bill-To).")  # fmt: skip
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def create(
    name: str,
    budget_usd: float | None,
    rpm: int | None,
    models: str,
    bill_to: str | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Make a key and print it (once: it cannot be shown again)."""
    from hfgate.gateway.keys import key_json, make_key

    if budget_usd is not None and not math.isfinite(budget_usd):
        raise click.BadParameter("must be a finite number of dollars", param_hint="--budget-usd")
    try:
        new = make_key(
            name, models=models.split(","), rpm=rpm, budget_usd=budget_usd, bill_to=bill_to
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--bill-to") from None
    with_store(database_url, lambda store: store.create_key(new.record))
    if as_json:
        click.echo(json.dumps({**key_json(new.record), "key": new.secret}, indent=2))
        return
    click.echo(new.secret)
    click.echo(
        f"Key {new.record.id} ({name}) created; {_limits(new.record)}. "
        "Store it now: it is not shown again.",
        err=True,
    )


@keys.command(name="list")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_keys(database_url: str | None, as_json: bool) -> None:
    """List keys, newest first, with their limits and spend."""
    from hfgate.gateway.keys import key_json

    records = with_store(database_url, lambda store: store.list_keys())
    if as_json:
        click.echo(json.dumps([key_json(r) for r in records], indent=2))
        return
    if not records:
        click.echo("No keys yet: `hfgate keys create --name NAME`.")
        return
    from hfgate.cli.render import usd
    from hfgate.cli.tables import print_table

    rows = [
        [
            r.id,
            r.name,
            ",".join(r.models) or "all",
            str(r.rpm or "-"),
            usd(r.budget_usd, "-"),
            usd(r.spent_usd),
            time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created_at)),
            "revoked" if r.revoked_at else "active",
        ]
        for r in records
    ]
    headers = ["id", "name", "models", "rpm", "budget", "spent", "created", "state"]
    print_table(headers, rows, wide=("name", "models"), numeric=("rpm", "budget", "spent"))


@keys.command()
@click.argument("key")
@database_option
def revoke(key: str, database_url: str | None) -> None:
    """Revoke KEY (its id or name); every gateway refuses it from the next request."""
    done = with_store(database_url, lambda store: store.revoke_key(key, time.time()))
    if not done:
        raise click.ClickException(f"No active key with id or name {key!r} (`hfgate keys list`).")
    click.echo(f"Revoked {key}.")


def _limits(record: KeyRecord) -> str:
    parts = [f"models {','.join(record.models)}" if record.models else "every model"]
    parts.append(f"{record.rpm} requests/min" if record.rpm else "no rate limit")
    parts.append(f"budget ${record.budget_usd:g}" if record.budget_usd is not None else "no budget")
    if record.bill_to:
        parts.append(f"router calls billed to {record.bill_to}")
    return ", ".join(parts)
