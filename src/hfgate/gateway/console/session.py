"""Who may see the console: a session cookie earned with the master key, and a CSRF check on
every form.

The cookie is `v1.<expires>.<nonce>.<hmac>`, signed with a key derived from the master key:
it never holds the master key (nor anything it can be recovered from), every worker and
replica with the same master key accepts it without shared state, and changing the master key
ends every session. It is `HttpOnly`, `SameSite=Strict`, `Secure` when the request came over
https (uvicorn applies `X-Forwarded-Proto` only from `--forwarded-allow-ips`, its trusted
proxies), scoped to `/console`, and expires after `SESSION_SECONDS`. Forms carry a token
derived from the session (so a page of another site cannot know it), and a POST must come
with an `Origin` (or `Referer`) of this very host.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "hfgate_console"
PATH = "/console"
SESSION_SECONDS = 8 * 3600
_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class Session:
    nonce: str
    expires: int
    csrf: str
    """The token every form of this session carries."""


class Sessions:
    """Signs and checks session cookies; `master_key` None disables the console."""

    def __init__(self, master_key: str | None) -> None:
        self._master = master_key.encode() if master_key else None
        self._key = (
            hmac.new(self._master, b"hfgate console session v1", hashlib.sha256).digest()
            if self._master
            else None
        )

    def __repr__(self) -> str:
        return f"Sessions(enabled={self.enabled})"

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def is_master(self, presented: str) -> bool:
        """Constant-time comparison with the master key."""
        if self._master is None:
            return False
        return hmac.compare_digest(presented.strip().encode(), self._master)

    def start(self, now: float | None = None) -> tuple[str, Session]:
        """A new session and its cookie value."""
        expires = int((time.time() if now is None else now) + SESSION_SECONDS)
        nonce = secrets.token_urlsafe(18)
        payload = f"{_VERSION}.{expires}.{nonce}"
        return f"{payload}.{self._sign(payload)}", self._session(nonce, expires)

    def check(self, request: Request, now: float | None = None) -> Session | None:
        """The request's live session, or None (no cookie, a forged or expired one)."""
        value = request.cookies.get(COOKIE, "")
        parts = value.split(".")
        if self._key is None or len(parts) != 4 or parts[0] != _VERSION:
            return None
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._sign(payload)):
            return None
        try:
            expires = int(parts[1])
        except ValueError:
            return None
        if expires <= (time.time() if now is None else now):
            return None
        return self._session(parts[2], expires)

    def _session(self, nonce: str, expires: int) -> Session:
        return Session(nonce, expires, self._sign(f"csrf.{nonce}")[:32])

    def _sign(self, payload: str) -> str:
        assert self._key is not None
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()


def set_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=SESSION_SECONDS,
        path=PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path=PATH, secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )


def same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this host: its `Origin`, else its `Referer`."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    parts = urlsplit(claimed)
    host = request.headers.get("host", "")
    return parts.scheme == request.url.scheme and parts.netloc == host


def csrf_ok(session: Session, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(token.encode(), session.csrf.encode())
