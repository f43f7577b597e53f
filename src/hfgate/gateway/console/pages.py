"""The console's HTML: one layout, the sign-in page and the keys pages. Every value from the
database or a form goes through `escape` (key and model names are anyone's strings)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from html import escape

from hfgate.gateway.store import KeyRecord

from .charts import COLOURS

_CSS = """
body{font:14px system-ui,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#e5e7eb;text-decoration:none}header a.here{color:#fff;font-weight:bold}
header form{margin-left:auto}main{padding:16px;max-width:1160px}
table{border-collapse:collapse;background:#fff;margin:8px 0}
td,th{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.error{background:#fee2e2;border:1px solid #fca5a5;padding:8px;margin:8px 0}
.secret{background:#fef9c3;border:1px solid #fde047;padding:8px;margin:8px 0}
code{font:13px ui-monospace,monospace}label{display:block;margin:6px 0}
input[type=text],input[type=password]{width:320px}
figure{margin:8px 0;background:#fff;border:1px solid #e5e7eb;padding:4px;display:inline-block}
figcaption{font-size:12px}.charts{display:flex;flex-wrap:wrap;gap:0 12px}
main a.here{font-weight:bold;text-decoration:none;color:#111827}
.revoked{color:#9ca3af}.bad{color:#b91c1c}
""" + "".join(f".c{i}{{color:{c}}}" for i, c in enumerate(COLOURS))

NAV = (("usage", "Usage"), ("tail", "Live tail"), ("keys", "Keys"))


def layout(
    title: str, body: str, nonce: str, *, here: str = "", csrf: str | None = None, script: str = ""
) -> str:
    nav = ""
    if csrf is not None:
        links = "".join(
            f'<a href="/console/{p}"{" class=here" if p == here else ""}>{t}</a>' for p, t in NAV
        )
        nav = (
            f"{links}<form method=post action=/console/logout>{csrf_field(csrf)}"
            "<button type=submit>Sign out</button></form>"
        )
    js = f'<script nonce="{nonce}">{script}</script>' if script else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)} · hfgate console</title>"
        f'<style nonce="{nonce}">{_CSS}</style></head><body>'
        f"<header><strong>hfgate console</strong>{nav}</header>"
        f"<main><h1>{escape(title)}</h1>{body}</main>{js}</body></html>"
    )


def csrf_field(token: str) -> str:
    return f'<input type=hidden name=csrf value="{escape(token)}">'


def problem(message: str | None) -> str:
    return f"<p class=error role=alert id=problem>{escape(message)}</p>" if message else ""


def login_page(nonce: str, message: str | None = None, enabled: bool = True) -> str:
    if not enabled:
        body = problem(
            "The console needs the master key: start the gateway with HFGATE_MASTER_KEY set."
        )
        return layout("Sign in", body, nonce)
    body = (
        f"{problem(message)}<form method=post action=/console/login>"
        "<label>Master key <input type=password name=master_key autocomplete=off autofocus "
        "required></label><button type=submit id=sign-in>Sign in</button></form>"
    )
    return layout("Sign in", body, nonce)


def keys_page(
    keys: Sequence[KeyRecord],
    nonce: str,
    csrf: str,
    *,
    message: str | None = None,
    form: dict[str, str] | None = None,
) -> str:
    form = form or {}
    rows = "".join(_key_row(k, csrf) for k in keys) or "<tr><td colspan=9>No keys yet.</td></tr>"
    body = (
        f"{problem(message)}<h2>New key</h2><form method=post action=/console/keys id=new-key>"
        f"{csrf_field(csrf)}"
        f"{_input('name', 'Name', form, required=True)}"
        f"{_input('models', 'Model patterns (comma-separated, e.g. Qwen/*; empty: all)', form)}"
        f"{_input('rpm', 'Requests per minute (empty: no limit)', form)}"
        f"{_input('budget_usd', 'Budget in USD (empty: no budget)', form)}"
        f"{_input('bill_to', 'Bill router calls to HF organization (empty: the gateway)', form)}"
        "<button type=submit id=create>Create key</button></form>"
        "<h2>Keys</h2><table id=keys><tr><th>Name</th><th>Id</th><th>Models</th><th>rpm</th>"
        "<th>Budget</th><th>Spent</th><th>Bill to</th><th>Created</th><th></th></tr>"
        f"{rows}</table>"
    )
    return layout("Keys", body, nonce, here="keys", csrf=csrf)


def created_page(record: KeyRecord, secret: str, nonce: str, csrf: str) -> str:
    body = (
        "<div class=secret role=status><p>The key, shown this once (only a salted hash is "
        f"kept): copy it now.</p><p><code id=secret>{escape(secret)}</code></p></div>"
        f"<p>Key <strong id=created-name>{escape(record.name)}</strong> "
        f"(<code>{escape(record.id)}</code>) was created. "
        '<a href="/console/keys">Back to the keys</a></p>'
    )
    return layout("Key created", body, nonce, here="keys", csrf=csrf)


def _key_row(key: KeyRecord, csrf: str) -> str:
    revoke = (
        f"<span class=revoked>revoked {stamp(key.revoked_at)}</span>"
        if key.revoked_at is not None
        else (
            f'<form method=post action="/console/keys/{escape(key.id)}/revoke">'
            f'{csrf_field(csrf)}<button type=submit class=revoke data-key="{escape(key.name)}">'
            "Revoke</button></form>"
        )
    )
    budget = "—" if key.budget_usd is None else f"${key.budget_usd:,.2f}"
    cells = (
        f"<td>{escape(key.name)}</td><td><code>{escape(key.id)}</code></td>"
        f"<td>{escape(', '.join(key.models) or 'all')}</td>"
        f"<td class=num>{'—' if key.rpm is None else key.rpm}</td><td class=num>{budget}</td>"
        f"<td class=num>${key.spent_usd:,.4f}</td><td>{escape(key.bill_to or '—')}</td>"
        f"<td>{stamp(key.created_at)}</td><td>{revoke}</td>"
    )
    state = " class=revoked" if key.revoked_at is not None else ""
    return f'<tr{state} data-key="{escape(key.name)}">{cells}</tr>'


def _input(name: str, label: str, form: dict[str, str], *, required: bool = False) -> str:
    need = " required" if required else ""
    value = escape(form.get(name, ""))
    return (
        f'<label>{escape(label)} <input type=text name={name} id=f-{name} value="{value}"{need}>'
        "</label>"
    )


def stamp(at: float | None) -> str:
    if at is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at))
