"""The console driven over plain HTTP (httpx), as a browser would: its cookie, the CSRF token
read off each page, and the `Origin` a browser sends with a form."""

from __future__ import annotations

import re
from typing import Any

import httpx
from gateway_harness import Gateway

CSRF = re.compile(r'name=csrf value="([^"]+)"')


class ConsoleClient:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.http = httpx.Client(base_url=gateway.url, follow_redirects=False)
        gateway.made.append(self.http)

    def sign_in(self, key: str | None = None) -> httpx.Response:
        return self.post("/console/login", {"master_key": key or self.gateway.master_key})

    def post(self, path: str, form: dict[str, str], **kw: Any) -> httpx.Response:
        headers = {"origin": self.gateway.url, **kw.pop("headers", {})}
        return self.http.post(path, data=form, headers=headers, **kw)

    def csrf(self, path: str = "/console/keys") -> str:
        page = self.http.get(path)
        assert page.status_code == 200, page.text
        found = CSRF.search(page.text)
        assert found, page.text
        return found.group(1)

    def create_key(self, **fields: str) -> httpx.Response:
        return self.post("/console/keys", {"csrf": self.csrf(), **fields})
