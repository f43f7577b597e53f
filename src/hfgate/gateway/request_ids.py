"""Request ids: 24 hex digits, unique across requests, processes and restarts. They are not
secrets (each goes back to its client in `x-request-id` and into its usage row), so they come
from a generator seeded once from the OS, not from a `getrandom` call per request, which cost
~8 µs a request here (1.7 % of one, bench/profile_phases.py)."""

from __future__ import annotations

import os
import random
import secrets

_ids = random.Random(secrets.randbits(128))


def _reseed() -> None:
    """A forked child must not repeat its parent's ids."""
    _ids.seed(secrets.randbits(128))


os.register_at_fork(after_in_child=_reseed)


def new_request_id() -> str:
    return f"{_ids.getrandbits(96):024x}"
