"""The console's routes under `/console`. Only a session cookie opens them: an
`Authorization` header is never looked at, so a virtual key (or the master key sent as a
bearer token by a script) gets the sign-in page, and the JSON route a 401, with no data."""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from hfgate.errors import ConfigError
from hfgate.formats.base import RequestError
from hfgate.gateway.admin import parse_new_key
from hfgate.gateway.keys import check_bill_to, make_key
from hfgate.gateway.store import Store

from . import pages, session, usage_pages
from .session import Session, Sessions

log = logging.getLogger("hfgate.gateway.console")

FORM_LIMIT = 16 * 1024
Page = Callable[[Request, Session, str], Awaitable[Response]]


class BadForm(Exception):
    """A form or query value the operator can fix; shown on the page, status 400."""


class Console:
    """The console's handlers; `open(store)` once the app's store exists (its lifespan)."""

    def __init__(self, master_key: str | None) -> None:
        self.sessions = Sessions(master_key)
        self._store: Store | None = None

    def open(self, store: Store) -> None:
        self._store = store

    @property
    def store(self) -> Store:
        assert self._store is not None, "Console.open(store) is called in the app's lifespan"
        return self._store

    def routes(self) -> list[Route]:
        guarded: list[tuple[str, Page, str]] = [
            ("/console/usage", self.usage, "GET"),
            ("/console/tail", self.tail, "GET"),
            ("/console/keys", self.keys, "GET"),
            ("/console/keys", self.create_key, "POST"),
            ("/console/keys/{key_id}/revoke", self.revoke_key, "POST"),
            ("/console/logout", self.logout, "POST"),
        ]
        return [
            Route("/console", self.index, methods=["GET"]),
            Route("/console/login", self.login_form, methods=["GET"]),
            Route("/console/login", self.login, methods=["POST"]),
            Route("/console/tail.json", self.tail_json, methods=["GET"]),
            *(Route(p, self._guard(h, m == "POST"), methods=[m]) for p, h, m in guarded),
        ]

    # --- signing in and out

    async def index(self, request: Request) -> Response:
        signed_in = self.sessions.check(request) is not None
        return RedirectResponse("/console/usage" if signed_in else "/console/login", 303)

    async def login_form(self, request: Request) -> Response:
        if self.sessions.check(request) is not None:
            return RedirectResponse("/console/usage", 303)
        nonce = _nonce()
        page = pages.login_page(nonce, enabled=self.sessions.enabled)
        return _html(page, nonce, 200 if self.sessions.enabled else 403)

    async def login(self, request: Request) -> Response:
        nonce = _nonce()
        if not self.sessions.enabled:
            return _html(pages.login_page(nonce, enabled=False), nonce, 403)
        if not session.same_origin(request):
            return _html(pages.login_page(nonce, _CROSS_SITE), nonce, 403)
        try:
            presented = (await _form(request)).get("master_key", "")
        except BadForm as exc:
            return _html(pages.login_page(nonce, str(exc)), nonce, 400)
        if not self.sessions.is_master(presented):
            message = "That is not this gateway's master key (virtual keys cannot sign in)."
            return _html(pages.login_page(nonce, message), nonce, 401)
        cookie, _ = self.sessions.start()
        response = RedirectResponse("/console/usage", 303)
        session.set_cookie(response, request, cookie)
        return response

    async def logout(self, request: Request, current: Session, nonce: str) -> Response:
        response = RedirectResponse("/console/login", 303)
        session.clear_cookie(response, request)
        return response

    # --- keys

    async def keys(self, request: Request, current: Session, nonce: str) -> Response:
        page = pages.keys_page(await self.store.list_keys(), nonce, current.csrf)
        return _html(page, nonce)

    async def create_key(self, request: Request, current: Session, nonce: str) -> Response:
        form = await _form(request)
        try:
            name, models, rpm, budget = parse_new_key(
                {"name": form.get("name", ""), "models": form.get("models", ""),
                 "rpm": _int(form, "rpm"), "budget_usd": _number(form, "budget_usd")}
            )  # fmt: skip
            models = [m.strip() for m in models if m.strip()]
            new = make_key(name, models=models, rpm=rpm, budget_usd=budget,
                           bill_to=check_bill_to(form.get("bill_to")))  # fmt: skip
            await self.store.create_key(new.record)
        except (RequestError, ConfigError, ValueError, BadForm) as exc:
            keys = await self.store.list_keys()
            page = pages.keys_page(keys, nonce, current.csrf, message=_said(exc), form=form)
            return _html(page, nonce, 400)
        log.info("console: key %r (%s) created", new.record.name, new.record.id)
        return _html(pages.created_page(new.record, new.secret, nonce, current.csrf), nonce)

    async def revoke_key(self, request: Request, current: Session, nonce: str) -> Response:
        key_id = request.path_params["key_id"]
        known = {k.id for k in await self.store.list_keys() if k.revoked_at is None}
        if key_id not in known or not await self.store.revoke_key(key_id, time.time()):
            message = "No live key with that id: it may have been revoked already."
            page = pages.keys_page(await self.store.list_keys(), nonce, current.csrf,
                                   message=message)  # fmt: skip
            return _html(page, nonce, 404)
        log.info("console: key %s revoked", key_id)
        return RedirectResponse("/console/keys", 303)

    # --- usage and the tail

    async def usage(self, request: Request, current: Session, nonce: str) -> Response:
        window = request.query_params.get("range", "24h")
        by = request.query_params.get("by", "model")
        if window not in usage_pages.RANGES or by not in usage_pages.GROUPS:
            raise BadForm(
                f"range is one of {', '.join(usage_pages.RANGES)} and by one of "
                f"{', '.join(usage_pages.GROUPS)}"
            )
        span, bucket = usage_pages.RANGES[window]
        since = math.floor((time.time() - span) / bucket + 1) * bucket
        series = await self.store.series(by, since, bucket)
        return _html(usage_pages.usage_page(series, window, nonce, current.csrf), nonce)

    async def tail(self, request: Request, current: Session, nonce: str) -> Response:
        rows = await self.store.tail(usage_pages.TAIL_ROWS)
        return _html(usage_pages.tail_page(rows, nonce, current.csrf), nonce)

    async def tail_json(self, request: Request) -> Response:
        if self.sessions.check(request) is None:
            return JSONResponse({"error": "sign in at /console/login"}, 401, headers=_HEADERS)
        after = request.query_params.get("after", "0")
        if not after.isdigit() or len(after) > 18:
            return JSONResponse({"error": "`after` is a usage row id"}, 400, headers=_HEADERS)
        rows = await self.store.tail(usage_pages.TAIL_ROWS, int(after))
        return JSONResponse(usage_pages.tail_json(rows), headers=_HEADERS)

    def _guard(self, page: Page, post: bool) -> Callable[[Request], Awaitable[Response]]:
        """`page` for a signed-in operator (and, for a form, a same-site post with the
        session's CSRF token); a bad value it raises becomes a message on the page."""

        async def handle(request: Request) -> Response:
            nonce = _nonce()
            current = self.sessions.check(request)
            if current is None:
                if post:
                    return _html(pages.login_page(nonce, "Sign in first."), nonce, 401)
                return RedirectResponse("/console/login", 303)
            if post:
                try:
                    token = (await _form(request)).get("csrf")
                except BadForm as exc:
                    return _html(_oops(str(exc), nonce, current), nonce, 400)
                if not session.same_origin(request) or not session.csrf_ok(current, token):
                    return _html(_oops(_CROSS_SITE, nonce, current), nonce, 403)
            try:
                return await page(request, current, nonce)
            except BadForm as exc:
                return _html(_oops(str(exc), nonce, current), nonce, 400)

        return handle


_CROSS_SITE = "This form came from another site or an old page: reload the console and try again."
_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


def _oops(message: str, nonce: str, current: Session) -> str:
    return pages.layout("Problem", pages.problem(message), nonce, csrf=current.csrf)


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form, first value of each field (read once, then cached)."""
    cached = request.scope.get("hfgate.form")
    if isinstance(cached, dict):
        return cached
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise BadForm("Send the console's forms from the console (a urlencoded form).")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise BadForm(f"The form is larger than {FORM_LIMIT // 1024} KiB.")
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise BadForm("The form could not be read (not UTF-8, or too many fields).") from None
    form = {k: v[0] for k, v in parsed.items()}
    request.scope["hfgate.form"] = form
    return form


def _int(form: dict[str, str], name: str) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise BadForm(f"`{name}` must be a positive whole number, not {text[:40]!r}.")
    return int(text)


def _number(form: dict[str, str], name: str) -> float | None:
    text = form.get(name, "").strip().lstrip("$")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadForm(f"`{name}` must be a number in US dollars, not {text[:40]!r}.") from None
    return value  # range checked by parse_new_key


def _said(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


def _nonce() -> str:
    return secrets.token_urlsafe(16)


def _html(content: str, nonce: str, status: int = 200) -> HTMLResponse:
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "connect-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    headers = {**_HEADERS, "content-security-policy": csp, "x-frame-options": "DENY",
               "referrer-policy": "same-origin"}  # fmt: skip
    return HTMLResponse(content, status, headers=headers)
