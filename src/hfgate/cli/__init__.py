"""The `hfgate` command line.

Only click is imported up front: each command's module is imported when that command runs
(or when `--help` lists it), and those modules import rich, httpx and the client inside their
functions, so `hfgate --help` starts fast. Errors from any command are turned into one error
line and an exit code here, through `render.report_error`.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

import click

from hfgate import __version__
from hfgate.cli._options import CliState
from hfgate.cli.render import EXIT_CODES_HELP, INTERRUPTED, report_error

_COMMANDS = {
    "run": "hfgate.cli.run",
    "chat": "hfgate.cli.chat",
    "models": "hfgate.cli.models",
    "doctor": "hfgate.cli.doctor",
    "logs": "hfgate.cli.logs",
    "serve": "hfgate.cli.serve",
    "keys": "hfgate.cli.keys",
    "usage": "hfgate.cli.usage",
    "launch": "hfgate.cli.launch",
    "local": "hfgate.cli.local",
    "settings": "hfgate.cli.settings",
    "completion": "hfgate.cli.completion",
}


GLOBAL_FLAGS = ("--debug", "--no-log", "--plain")
"""Flags of `hfgate` itself that are also accepted after the subcommand (`hfgate run --debug`),
where users type them."""


def hoist_global_flags(args: list[str]) -> list[str]:
    """`args` with the global flags moved in front of the subcommand (up to a `--`)."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    rest = [a for a in args[:end] if a not in GLOBAL_FLAGS]
    return [*dict.fromkeys(flags), *rest, *args[end:]]


class _LazyGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_flags(args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = getattr(import_module(module), cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("", err=True)
            ctx.exit(INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()  # the reader went away (`| head`): nothing is wrong
            ctx.exit(0)
        except Exception as exc:  # noqa: BLE001 - every error becomes one line and a code
            debug = ctx.obj.debug if isinstance(ctx.obj, CliState) else False
            ctx.exit(report_error(exc, debug))


@click.group(cls=_LazyGroup, epilog=EXIT_CODES_HELP, context_settings={"max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("--no-log", is_flag=True, help="Do not log calls (also HFGATE_NO_LOG=1).")
@click.option(
    "--plain", is_flag=True, help="Print answers as written, not as Markdown (also when piped)."
)
@click.version_option(__version__, message="hfgate %(version)s")
@click.pass_context
def cli(ctx: click.Context, debug: bool, no_log: bool, plain: bool) -> None:
    """Call Hugging Face Inference Providers (and your own endpoints) from the terminal.

    Needs HF_TOKEN (or `hf auth login`) for Hugging Face models; with no key and no model,
    answers with the embedded offline model.
    """
    ctx.obj = CliState(debug=debug, log=not no_log, plain=plain)
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    elif ctx.invoked_subcommand != "serve":
        _leave_settings_problems_unlogged(ctx)


def _leave_settings_problems_unlogged(ctx: click.Context) -> None:
    """Settings problems are logged as warnings when the files are read, which would print
    them on every command, about models the command does not use. The CLI says them where
    they matter instead: the error of a call to a broken name, `hfgate settings` and
    `hfgate doctor`. `serve` keeps them (its log is the operator's), as does `--debug`."""
    import logging

    logger = logging.getLogger("hfgate.routing.settings")
    drop = _DropAll()
    logger.addFilter(drop)
    ctx.call_on_close(lambda: logger.removeFilter(drop))


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _silence_stdout() -> None:
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main() -> None:
    cli(prog_name="hfgate")
