"""`-o key=value` options, and the global CLI state every command reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click


@dataclass(slots=True)
class CliState:
    debug: bool = False
    log: bool = True
    plain: bool = False
    """Answers as the model wrote them, not rendered as Markdown (also when piped)."""


def render_markdown(ctx: click.Context) -> bool:
    """Whether answers are rendered as Markdown: on a terminal, unless --plain."""
    import sys

    return not state(ctx).plain and sys.stdout.isatty()


def state(ctx: click.Context) -> CliState:
    found = ctx.find_object(CliState)
    return found if found is not None else CliState()


def log_enabled(ctx: click.Context, no_log_flag: bool = False) -> bool:
    from hfgate.cli.logstore import logging_disabled

    return state(ctx).log and not no_log_flag and not logging_disabled()


def _effort(value: str) -> str:
    allowed = ("none", "minimal", "low", "medium", "high", "xhigh")
    if value not in allowed:
        raise ValueError(f"use one of {', '.join(allowed)}")
    return value


CONVERTERS: dict[str, Callable[[str], Any]] = {
    "temperature": float,
    "top_p": float,
    "max_tokens": int,
    "seed": int,
    "stop": str,
    "reasoning_effort": _effort,
    "timeout": float,
    "max_retries": int,
}
"""The call options `-o` accepts, with the type each value converts to."""


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    """`["temperature=0.2", "stop=END", "stop=###"]` -> keyword arguments for the client;
    a repeated `stop` collects a list."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="'-o'")
        convert = CONVERTERS.get(key)
        if convert is None:
            import difflib

            close = difflib.get_close_matches(key, list(CONVERTERS), n=1, cutoff=0.6)
            guess = f"did you mean {close[0]}? " if close else ""
            known = ", ".join(CONVERTERS)
            raise click.BadParameter(
                f"unknown option {key!r}; {guess}known: {known}", param_hint="'-o'"
            )
        try:
            value = convert(raw.strip())
        except ValueError as exc:
            raise click.BadParameter(f"{key}={raw!r}: {exc}", param_hint="'-o'") from exc
        if key == "stop" and "stop" in options:
            previous = options["stop"]
            value = [*(previous if isinstance(previous, list) else [previous]), value]
        options[key] = value
    return options


def no_log_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--no-log", is_flag=True, help="Do not record this call in the log (also HFGATE_NO_LOG=1)."
    )(fn)


def call_options_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`-o KEY=VALUE`, repeatable, shared by `run` and `chat`."""
    return click.option(
        "-o",
        "--option",
        "options",
        multiple=True,
        metavar="KEY=VALUE",
        help="A call option (repeatable).",
    )(fn)


def no_reasoning_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--no-reasoning", is_flag=True, help="Hide the model's reasoning.")(fn)


def default_model() -> str:
    """The model the client picks when none is given (for display, pricing and logs)."""
    from hfgate._constants import DEFAULT_HF_MODEL
    from hfgate.http.auth import find_hf_key

    return DEFAULT_HF_MODEL if find_hf_key() else "local"


def is_local(model: str) -> bool:
    return model == "local" or model.startswith("local/")
