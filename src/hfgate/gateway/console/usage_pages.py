"""The usage page (charts and a table by key, model or provider) and the live tail. The tail
shows what happened to each request — never what was said: prompts and answers are not
stored by the gateway at all."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from hfgate.gateway.store.reports import Cell, Series, SeriesGroup, TailRow

from .charts import Line, line_chart
from .pages import layout, stamp

RANGES: dict[str, tuple[int, int]] = {
    "1h": (3600, 60),
    "24h": (86400, 3600),
    "7d": (7 * 86400, 6 * 3600),
    "30d": (30 * 86400, 86400),
}
"""A window and its bucket, in seconds."""
GROUPS: tuple[SeriesGroup, ...] = ("key", "model", "provider")
TOP = 6
"""Groups drawn as their own line; the table lists every group."""
TAIL_ROWS = 50


def usage_page(series: Series, window: str, nonce: str, csrf: str) -> str:
    picks = " ".join(
        f'<a href="?range={r}&amp;by={series.by}"{" class=here" if r == window else ""}>{r}</a>'
        for r in RANGES
    )
    bys = " ".join(
        f'<a href="?range={window}&amp;by={g}"{" class=here" if g == series.by else ""}>{g}</a>'
        for g in GROUPS
    )
    buckets = series.buckets_until(time.time())
    fmt = "%H:%M" if series.bucket_seconds < 86400 else "%m-%d"
    xs = [time.strftime(fmt, time.gmtime(b)) for b in buckets]
    top = list(series.groups)[:TOP]

    def per_group(value: str) -> list[Line]:
        return [(g, [_value(series.cells.get((b, g)), value) for b in buckets]) for g in top]

    def overall(value: str) -> list[float | None]:
        return [_value(_merged(series, b), value) for b in buckets]

    charts = [
        line_chart(f"Requests by {series.by}", xs, per_group("requests"), _count, "requests"),
        line_chart(f"Cost by {series.by} (USD)", xs, per_group("cost"), _usd, "cost"),
        line_chart(
            "Tokens",
            xs,
            [(k, overall(k)) for k in ("input", "output", "cached")],
            _count,
            "tokens",
        ),
        line_chart(
            "Latency (ms)", xs, [("p50", overall("p50")), ("p95", overall("p95"))], _ms, "latency"
        ),
    ]
    body = (
        f"<p>Window: {picks} &nbsp; By: {bys} &nbsp; (UTC, buckets of "
        f"{_duration(series.bucket_seconds)})</p><div class=charts>{''.join(charts)}</div>"
        f"{_table(series)}"
    )
    return layout("Usage", body, nonce, here="usage", csrf=csrf)


def _table(series: Series) -> str:
    head = (
        f"<tr><th>{escape(series.by)}</th><th>Requests</th><th>Errors</th><th>Input</th>"
        "<th>Output</th><th>Cached share</th><th>Cost</th><th>p50</th><th>p95</th></tr>"
    )
    rows = [(g, c) for g, c in series.groups.items()] + [("all", series.total)]
    body = "".join(
        f'<tr data-group="{escape(g)}"><td>{escape(g or "(none)")}</td>'
        f"<td class=num>{c.requests}</td><td class=num>{c.errors}</td>"
        f"<td class=num>{c.input_tokens}</td><td class=num>{c.output_tokens}</td>"
        f"<td class=num>{_share(c.cached_share)}</td><td class=num>{_usd(c.cost_usd)}</td>"
        f"<td class=num>{_opt_ms(c.latency_ms(0.5))}</td>"
        f"<td class=num>{_opt_ms(c.latency_ms(0.95))}</td></tr>"
        for g, c in rows
    )
    return f"<table id=groups>{head}{body}</table>"


def _merged(series: Series, bucket: float) -> Cell | None:
    found = [c for (b, _), c in series.cells.items() if b == bucket]
    if not found:
        return None
    merged = Cell()
    for cell in found:
        merged.add(cell)
    return merged


_MEASURES: dict[str, Callable[[Cell], float | None]] = {
    "requests": lambda c: float(c.requests),
    "cost": lambda c: c.cost_usd,
    "input": lambda c: float(c.input_tokens),
    "output": lambda c: float(c.output_tokens),
    "cached": lambda c: float(c.cached_tokens),
    "p50": lambda c: c.latency_ms(0.5),
    "p95": lambda c: c.latency_ms(0.95),
}


def _value(cell: Cell | None, what: str) -> float | None:
    """A bucket with no requests draws 0 for sums and a gap for latencies."""
    if cell is None:
        return None if what in ("p50", "p95") else 0.0
    return _MEASURES[what](cell)


def tail_page(rows: Sequence[TailRow], nonce: str, csrf: str) -> str:
    last = rows[0].id if rows else 0
    head = "".join(f"<th>{h}</th>" for h in TAIL_HEAD)
    body = "".join(_tail_row(r) for r in rows)
    html = (
        "<p>The latest requests, newest first, refreshed every 2 seconds. Prompts and answers "
        "are never shown: the gateway does not store them.</p>"
        f'<table id=tail data-after="{last}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )
    return layout("Live tail", html, nonce, here="tail", csrf=csrf, script=_TAIL_JS)


TAIL_HEAD = ("Time", "Key", "Model", "Provider", "API", "Status", "Tokens in/out/cached",
             "Cost", "Latency", "Error")  # fmt: skip


def tail_cells(r: TailRow) -> list[str]:
    """A row's cells as text (the page and the polling script show the same)."""
    model = (
        r.model
        if not r.served_model or r.served_model == r.model
        else (f"{r.model} → {r.served_model}")
    )
    tokens = "/".join("?" if t is None else str(t) for t in (
        r.input_tokens, r.output_tokens, r.cached_tokens))  # fmt: skip
    api = f"{r.api} (stream)" if r.stream else r.api
    cost = "?" if r.cost_usd is None else _usd(r.cost_usd)
    return [stamp(r.at), r.key, model, r.provider or "—", api, str(r.status), tokens, cost,
            _ms(r.latency_ms), r.error or ""]  # fmt: skip


def tail_json(rows: Sequence[TailRow]) -> dict[str, Any]:
    return {"rows": [{"id": r.id, "bad": _bad(r), "cells": tail_cells(r)} for r in rows]}


def _tail_row(r: TailRow) -> str:
    cells = "".join(f"<td>{escape(c)}</td>" for c in tail_cells(r))
    bad = " class=bad" if _bad(r) else ""
    return f'<tr data-id="{r.id}"{bad}>{cells}</tr>'


def _bad(r: TailRow) -> bool:
    return r.status >= 400 or r.error is not None


_TAIL_JS = """
const table = document.getElementById('tail');
async function poll() {
  try {
    const answer = await fetch('/console/tail.json?after=' + table.dataset.after,
      {credentials: 'same-origin', cache: 'no-store'});
    if (answer.status === 401) { location.href = '/console/login'; return; }
    const data = await answer.json();
    const body = table.tBodies[0];
    for (const row of data.rows.slice().reverse()) {
      const tr = document.createElement('tr');
      tr.dataset.id = row.id;
      if (row.bad) tr.className = 'bad';
      for (const text of row.cells) {
        const td = document.createElement('td'); td.textContent = text; tr.appendChild(td);
      }
      body.insertBefore(tr, body.firstChild);
      table.dataset.after = Math.max(Number(table.dataset.after), row.id);
    }
    while (body.rows.length > LIMIT) body.deleteRow(body.rows.length - 1);
  } catch (e) { /* the gateway restarting: try again next tick */ }
  setTimeout(poll, 2000);
}
setTimeout(poll, 2000);
""".replace("LIMIT", str(TAIL_ROWS))
"""Text only (`textContent`): a model name can never become markup."""


def _count(v: float) -> str:
    return f"{v:,.0f}"


def _usd(v: float) -> str:
    return f"${v:,.4f}" if v < 100 else f"${v:,.2f}"


def _ms(v: float) -> str:
    return f"{v:,.0f} ms" if v >= 10 else f"{v:.1f} ms"


def _opt_ms(v: float | None) -> str:
    return "—" if v is None else _ms(v)


def _share(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
