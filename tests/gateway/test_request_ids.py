"""Request ids are unique, 24 hex digits, and a forked worker does not repeat its parent's."""

from __future__ import annotations

import os
import re

from hfgate.gateway.request_ids import new_request_id


def test_ids_are_24_hex_digits_and_do_not_repeat() -> None:
    ids = [new_request_id() for _ in range(100_000)]
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids[:1000])
    assert len(set(ids)) == len(ids)


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next ids, then out without pytest's teardown
        os.write(write, " ".join(new_request_id() for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    theirs = os.read(read, 200).decode().split()
    os.close(read)
    ours = [new_request_id() for _ in range(3)]
    assert len(theirs) == 3 and not set(theirs) & set(ours)
