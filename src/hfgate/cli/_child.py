"""Running an agent as a child process that owns the terminal: stdin, stdout and stderr are
inherited, its exit status is ours, and signals reach it once.

Ctrl-C at the terminal goes to the whole foreground process group, the agent included, so
this process ignores it and lets the agent decide (Claude Code, for one, takes a second
Ctrl-C to quit: forwarding a copy would make every press count twice). A SIGINT from
elsewhere (`kill -INT`), and SIGTERM or SIGHUP, are passed on to the agent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from types import FrameType

from hfgate.errors import ConfigError

_FORWARDED = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def run_child(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run `argv` to its end; its exit code, or 128 + N when signal N ended it."""
    try:
        process = subprocess.Popen(list(argv), env=dict(env))
    except OSError as exc:
        raise ConfigError(f"Could not run {argv[0]}: {exc.strerror or exc}.") from exc

    def forward(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGINT and _in_foreground():
            return  # the terminal sent it to the agent already
        if process.poll() is None:
            process.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in _FORWARDED}
    try:
        status = process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - status if status < 0 else status


def _in_foreground() -> bool:
    """True when this process group owns the terminal (so a Ctrl-C there reached us all)."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.isatty():
                return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (OSError, ValueError):
            continue
    return False
