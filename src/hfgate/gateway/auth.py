"""Who is calling: the master key (`HFGATE_MASTER_KEY`: every model, no limits, and the
`/keys` admin API) or a virtual key. Both `Authorization: Bearer` and Anthropic's `x-api-key`
are accepted, so either SDK works unchanged."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from hfgate.gateway.errors import GatewayError
from hfgate.gateway.keys import split_key, verify
from hfgate.gateway.store import KeyRecord, Store

_CACHE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Caller:
    key: KeyRecord | None
    """None for the master key."""

    @property
    def name(self) -> str:
        return "master" if self.key is None else self.key.name

    @property
    def is_master(self) -> bool:
        return self.key is None


MASTER = Caller(None)


def presented_key(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    if value:
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    api_key = headers.get("x-api-key")
    return api_key.strip() if api_key and api_key.strip() else None


class Authenticator:
    """Checks presented keys. A verified key's record is remembered in memory: records never
    change except by revocation, which `Store.admit` checks in the database on every request,
    so a revoked key is refused by every replica at once."""

    def __init__(self, store: Store, master_key: str | None) -> None:
        self.store = store
        self._master = master_key.encode() if master_key else None
        self._known: dict[str, KeyRecord] = {}

    def __repr__(self) -> str:
        return f"Authenticator(master_key={'<set>' if self._master else None})"

    async def caller(self, headers: Mapping[str, str]) -> Caller:
        presented = presented_key(headers)
        if presented is None:
            raise GatewayError(
                401,
                "No API key: send a gateway key as `Authorization: Bearer <key>` or "
                "`x-api-key: <key>` (make one with `hfgate keys create`).",
                code="missing_api_key",
            )
        if self._master is not None and hmac.compare_digest(presented.encode(), self._master):
            return MASTER
        known = self._known.get(presented)
        if known is not None:
            return Caller(known)
        parts = split_key(presented)
        record = await self.store.get_key(parts[0]) if parts else None
        if parts is None or record is None or not verify(record, parts[1]):
            raise GatewayError(401, "Invalid API key for this gateway.", code="invalid_api_key")
        if record.revoked_at is not None:
            raise GatewayError(401, "This API key has been revoked.", code="revoked_api_key")
        if len(self._known) >= _CACHE_LIMIT:
            self._known.clear()
        self._known[presented] = record
        return Caller(record)

    async def current_caller(self, headers: Mapping[str, str]) -> Caller:
        """`caller`, with the key's revocation asked of the database: for the endpoints that
        skip `Store.admit` (the model list, token counting), where the cache cannot know."""
        caller = await self.caller(headers)
        if caller.key is not None:
            current = await self.store.get_key(caller.key.id)
            if current is None or current.revoked_at is not None:
                raise GatewayError(401, "This API key has been revoked.", code="revoked")
        return caller
