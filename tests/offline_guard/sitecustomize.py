"""Imported at start-up by a child Python whose PYTHONPATH holds this folder: its sockets may
reach loopback only, and every other address it tries is written to $HFGATE_TEST_NET_LOG, so a
test can prove a command ran offline."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0])
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            log = os.environ.get("HFGATE_TEST_NET_LOG")
            if log:
                with open(log, "a", encoding="utf-8") as out:
                    out.write(f"{host}\n")
            raise ConnectionRefusedError(f"offline test: no network ({host})")
    return _connect(self, address)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]
