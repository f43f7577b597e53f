"""What both backends share: column lists, row <-> record conversion, the admission verdict and
the usage report query. Pure, so the two backends differ only in how they talk to the database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hfgate.errors import ConfigError

from . import Admission, KeyRecord, UsageGroup, UsageRow, UsageTotal

MASTER = "master"
"""The usage group of requests made with the master key (their `key_id` is NULL)."""

KEY_COLUMNS = tuple(f.name for f in fields(KeyRecord))
USAGE_COLUMNS = tuple(f.name for f in fields(UsageRow))
ADMIT_COLUMNS = "rpm, budget_usd, spent_usd, revoked_at"


def key_params(record: KeyRecord) -> tuple[Any, ...]:
    if record.name == MASTER:
        raise ConfigError(f"the key name {MASTER!r} is reserved for the master key's usage")
    values = [getattr(record, name) for name in KEY_COLUMNS]
    values[KEY_COLUMNS.index("models")] = json.dumps(list(record.models))
    return tuple(values)


def key_record(row: Sequence[Any]) -> KeyRecord:
    values = dict(zip(KEY_COLUMNS, row, strict=True))
    values["models"] = tuple(json.loads(values["models"]))
    return KeyRecord(**values)


def usage_params(row: UsageRow) -> tuple[Any, ...]:
    # not dataclasses.astuple: it deep-copies, ~10x slower on the hot path
    return tuple(getattr(row, name) for name in USAGE_COLUMNS)


WINDOW = 60.0
"""rpm counts the admissions of the last 60 seconds, a sliding window: no 60-second span
holds more than rpm of them."""


PRUNE_AFTER = 2 * WINDOW
"""Admissions older than this can never count again (a little slack for clock skew)."""


def refusal(row: Sequence[Any] | None) -> Admission | None:
    """The refusal a key row (`ADMIT_COLUMNS`) earns before any counting, or None."""
    if row is None:
        return Admission(False, "unknown")
    _rpm, budget, spent, revoked_at = row
    if revoked_at is not None:
        return Admission(False, "revoked", spent_usd=spent)
    if budget is not None and spent >= budget:
        return Admission(False, "budget", spent_usd=spent)
    return None


def verdict(
    row: Sequence[Any] | None, counted: bool, now: float, oldest: float | None = None
) -> Admission:
    """The admission for a key row and whether this request got a slot in the window;
    `oldest` (the rpm-th latest admission) says when a refused key has room again."""
    refused = refusal(row)
    if refused is not None:
        return refused
    assert row is not None
    rpm, _budget, spent, _revoked = row
    if rpm is None or counted:
        return Admission(True, spent_usd=spent)
    wait = max(oldest + WINDOW - now, 0.001) if oldest is not None else 1.0
    return Admission(False, "rate", retry_after=wait, spent_usd=spent)


_GROUPS: dict[UsageGroup, str] = {
    "key": f"COALESCE(keys.name, usage.key_id, '{MASTER}')",
    "model": "usage.model",
    "day": "{day}",
}
DAY_SQL = {
    "sqlite": "strftime('%Y-%m-%d', usage.at, 'unixepoch')",
    "postgres": "to_char(to_timestamp(usage.at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
}


def usage_query(by: UsageGroup, since: float | None, dialect: str, mark: str) -> str:
    """The report query; `mark` is the dialect's parameter placeholder (`?` or `%s`)."""
    if by not in _GROUPS:
        raise ConfigError(f"usage can be grouped by key, model or day, not {by!r}")
    group = _GROUPS[by].format(day=DAY_SQL[dialect])
    order = "grp" if by == "day" else "cost_usd DESC, requests DESC, grp"
    where = f"WHERE usage.at >= {mark}" if since is not None else ""
    return f"""
        SELECT {group} AS grp,
            COUNT(*) AS requests,
            SUM(CASE WHEN usage.status >= 400 OR usage.error IS NOT NULL THEN 1 ELSE 0 END),
            SUM(usage.input_tokens),
            SUM(usage.output_tokens),
            SUM(usage.cached_tokens),
            SUM(usage.reasoning_tokens),
            COALESCE(SUM(usage.cost_usd), 0) AS cost_usd
        FROM usage LEFT JOIN keys ON keys.id = usage.key_id
        {where}
        GROUP BY 1
        ORDER BY {order}"""


def usage_totals(rows: Sequence[Sequence[Any]]) -> list[UsageTotal]:
    return [
        UsageTotal(str(g), int(n), int(e), _known(i), _known(o), _known(c), _known(r), float(cost))
        for g, n, e, i, o, c, r, cost in rows
    ]


def _known(total: Any) -> int | None:
    """A token sum, None when no row of the group knew it (shown as `?`, never a made-up 0)."""
    return None if total is None else int(total)


def redact_url(url: str) -> str:
    """`url` with its password (if any) replaced by `***`, for error messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparsable database URL>"
    if not password:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0] + ":***"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc[1]}"))


def redact(message: str, url: str) -> str:
    """`message` with the URL's password removed wherever it appears."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    message = message.replace(url, redact_url(url))
    return message.replace(password, "***") if password else message
