"""`hfgate models`: the router's live catalog as a table, one row per (model, provider)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.table import Table

    from hfgate.routing.catalog import Catalog, CatalogModel, ProviderOffer

Row = tuple["CatalogModel", "ProviderOffer"]


@click.command(short_help="List the router's live model catalog.")
@click.option("--search", metavar="TEXT", help="Only models whose id contains TEXT.")
@click.option("--provider", metavar="SLUG", help="Only offers from this provider.")
@click.option("--tools", is_flag=True, help="Only offers that support tool calling.")
@click.option("--structured", is_flag=True, help="Only offers that support structured output.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--refresh", is_flag=True, help="Ignore the cache (kept for an hour).")
def models(
    search: str | None,
    provider: str | None,
    tools: bool,
    structured: bool,
    as_json: bool,
    refresh: bool,
) -> None:
    """List the models the router serves: providers, status, context, prices per 1M tokens,
    latency, throughput, tools and structured-output support."""
    from hfgate.cli.render import age, notice
    from hfgate.routing.catalog import load_catalog

    loaded = load_catalog(refresh=refresh)
    if loaded.fetch_error is not None:
        reason = getattr(loaded.fetch_error, "message", None) or str(loaded.fetch_error)
        notice(f"offline: showing the catalog cached {age(loaded.age)} ago ({reason})")
    rows = select(loaded.catalog, search, provider, tools, structured)
    if as_json:
        import json

        click.echo(json.dumps(as_records(rows), indent=2))
        return
    if not rows:
        notice("no model matches")
        return
    from hfgate.cli.render import console

    out = console()
    if not out.is_terminal:
        out.width = max(out.width, 160)
    out.print(table(rows))


def select(
    catalog: Catalog, search: str | None, provider: str | None, tools: bool, structured: bool
) -> list[Row]:
    needle = (search or "").lower()
    rows: list[Row] = []
    for model in catalog.models:
        if needle and needle not in model.id.lower():
            continue
        for offer in model.providers:
            if provider and offer.provider != provider:
                continue
            if (tools and offer.supports_tools is not True) or (
                structured and offer.supports_structured_output is not True
            ):
                continue
            rows.append((model, offer))
    return rows


def as_records(rows: list[Row]) -> list[dict[str, Any]]:
    """One object per model, holding the offers that passed the filters."""
    from dataclasses import asdict

    records: dict[str, dict[str, Any]] = {}
    for model, offer in rows:
        record = records.setdefault(
            model.id,
            {
                "id": model.id,
                "owned_by": model.owned_by,
                "input_modalities": list(model.input_modalities),
                "output_modalities": list(model.output_modalities),
                "providers": [],
            },
        )
        record["providers"].append(asdict(offer))
    return list(records.values())


def table(rows: list[Row]) -> Table:
    from rich.table import Table
    from rich.text import Text

    out = Table(show_lines=False)
    out.add_column("model", no_wrap=True, overflow="fold")
    out.add_column("provider", no_wrap=True)
    out.add_column("status")
    for name in ("context", "in $/1M", "out $/1M", "latency", "tok/s"):
        out.add_column(name, justify="right", no_wrap=True)
    out.add_column("tools", justify="center")
    out.add_column("structured", justify="center")
    previous = None
    for model, offer in rows:
        out.add_row(
            model.id if model.id != previous else "",
            offer.provider,
            Text(offer.status, style="" if offer.status == "live" else "yellow"),
            _int(offer.context_length),
            "free" if offer.is_free else _price(offer.input_price),
            "free" if offer.is_free else _price(offer.output_price),
            _latency(offer.first_token_latency_ms),
            _num(offer.throughput),
            _flag(offer.supports_tools),
            _flag(offer.supports_structured_output),
        )
        previous = model.id
    return out


def _int(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _price(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _latency(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _flag(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "-"}[value]
