"""`/keys`: create, list and revoke virtual keys over HTTP with the master key (the same
operations as `hfgate keys ...`). Answers use OpenAI's error format, like `/v1/models`."""

from __future__ import annotations

import math
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hfgate.formats.base import RequestError
from hfgate.gateway.auth import Authenticator
from hfgate.gateway.body import read_json
from hfgate.gateway.errors import GatewayError
from hfgate.gateway.exchange import error_response
from hfgate.gateway.keys import check_bill_to, key_json, make_key
from hfgate.gateway.store import Store

_BODY_LIMIT = 64 * 1024


class KeysAPI:
    def __init__(self, store: Store, auth: Authenticator) -> None:
        self.store = store
        self.auth = auth

    async def create(self, request: Request) -> Response:
        try:
            await self._master(request)
            body = await read_json(request, _BODY_LIMIT)
            name, models, rpm, budget = parse_new_key(body)
            new = make_key(name, models=models, rpm=rpm, budget_usd=budget, bill_to=_bill_to(body))
            await self.store.create_key(new.record)
        except Exception as exc:  # noqa: BLE001 - answered as an error body
            return error_response(exc)
        return JSONResponse({**key_json(new.record), "key": new.secret}, status_code=201)

    async def list(self, request: Request) -> Response:
        try:
            await self._master(request)
            keys = await self.store.list_keys()
        except Exception as exc:  # noqa: BLE001
            return error_response(exc)
        return JSONResponse({"object": "list", "data": [key_json(k) for k in keys]})

    async def revoke(self, request: Request) -> Response:
        try:
            await self._master(request)
            which = request.path_params["key"]
            if not await self.store.revoke_key(which, time.time()):
                raise GatewayError(404, f"No key with id or name {which!r}.", code="not_found")
        except Exception as exc:  # noqa: BLE001
            return error_response(exc)
        return JSONResponse({"id": which, "revoked": True})

    async def _master(self, request: Request) -> None:
        caller = await self.auth.caller(request.headers)
        if not caller.is_master:
            raise GatewayError(403, "Managing keys needs the master key.", code="not_master")


def _bill_to(body: dict[str, Any]) -> str | None:
    value = body.get("bill_to")
    if not isinstance(value, str | None):
        raise RequestError("`bill_to` must be an organization name, a string.", param="bill_to")
    try:
        return check_bill_to(value)
    except ValueError as exc:
        raise RequestError(str(exc), param="bill_to") from None


def parse_new_key(body: Any) -> tuple[str, list[str], int | None, float | None]:
    """(name, model patterns, rpm, budget) from `{"name", "models", "rpm", "budget_usd"}`;
    `models` may be a list or a comma-separated string, as on the command line."""
    if not isinstance(body, dict):
        raise RequestError("The body must be a JSON object.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RequestError("`name` is required: a non-empty string.", param="name")
    models = body.get("models") or []
    if isinstance(models, str):
        models = models.split(",")
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise RequestError("`models` must be a list of patterns or a string.", param="models")
    rpm = body.get("rpm")
    if rpm is not None and (not isinstance(rpm, int) or isinstance(rpm, bool) or rpm < 1):
        raise RequestError("`rpm` must be a positive integer.", param="rpm")
    budget = body.get("budget_usd")
    if budget is not None and (
        not isinstance(budget, int | float)
        or isinstance(budget, bool)
        or not math.isfinite(budget)
        or budget < 0
    ):
        raise RequestError("`budget_usd` must be a number ≥ 0.", param="budget_usd")
    return name.strip(), models, rpm, None if budget is None else float(budget)
