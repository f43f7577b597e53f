"""Virtual keys: `hfg_<id>_<secret>`. The id is public and names the database row; only a
salted SHA-256 of the secret is stored. Keys carry 190 bits of randomness, so a fast hash is
the right one (password stretching protects guessable secrets, not random ones) and checking
a key costs microseconds on the request path."""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hfgate.gateway.store import KeyRecord

PREFIX = "hfg_"


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just made: `secret` is the whole key, shown once and never stored."""

    record: KeyRecord
    secret: str

    def __repr__(self) -> str:
        return f"NewKey(record={self.record!r}, secret=<hidden>)"


def make_key(
    name: str,
    *,
    models: Iterable[str] = (),
    rpm: int | None = None,
    budget_usd: float | None = None,
    bill_to: str | None = None,
    now: float | None = None,
) -> NewKey:
    key_id = secrets.token_hex(5)
    secret = secrets.token_urlsafe(24)
    salt = secrets.token_hex(16)
    record = KeyRecord(
        id=key_id,
        name=name,
        salt=salt,
        hash=_digest(salt, secret),
        models=tuple(m.strip() for m in models if m.strip()),
        rpm=rpm,
        budget_usd=budget_usd,
        created_at=time.time() if now is None else now,
        bill_to=check_bill_to(bill_to),
    )
    return NewKey(record, f"{PREFIX}{key_id}_{secret}")


def split_key(presented: str) -> tuple[str, str] | None:
    """(id, secret) of something shaped like a virtual key, else None."""
    if not presented.startswith(PREFIX):
        return None
    key_id, sep, secret = presented[len(PREFIX) :].partition("_")
    return (key_id, secret) if sep and key_id and secret else None


def verify(record: KeyRecord, secret: str) -> bool:
    return hmac.compare_digest(record.hash, _digest(record.salt, secret))


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def allows(patterns: tuple[str, ...], model: str) -> bool:
    """Whether a key limited to `patterns` (shell-style, case-insensitive) may call `model`;
    no patterns allows everything."""
    if not patterns:
        return True
    name = model.lower()
    return any(fnmatch.fnmatchcase(name, p.lower()) for p in patterns)


def key_json(record: KeyRecord) -> dict[str, Any]:
    """A key as shown to its operator: everything but the salt and hash."""
    return {
        "id": record.id,
        "name": record.name,
        "models": list(record.models),
        "rpm": record.rpm,
        "budget_usd": record.budget_usd,
        "spent_usd": record.spent_usd,
        "created_at": record.created_at,
        "revoked_at": record.revoked_at,
        "bill_to": record.bill_to,
    }


_HF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
"""An HF organization or resource-group name (it is sent as a header: nothing else fits)."""


def check_bill_to(value: str | None) -> str | None:
    """The name, stripped, or ValueError saying what an organization name looks like."""
    if value is None or not value.strip():
        return None
    if not _HF_NAME.fullmatch(value.strip()):
        raise ValueError(
            f"{value.strip()[:100]!r} is not a Hugging Face organization name: letters, digits, "
            "'.', '_' and '-', as in huggingface.co/<org>."
        )
    return value.strip()
