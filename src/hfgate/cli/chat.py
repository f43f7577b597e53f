"""`hfgate chat`: an interactive session with slash commands (see `_slash.py`)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from hfgate.cli._options import (
    call_options_option,
    log_enabled,
    no_log_option,
    no_reasoning_option,
    parse_options,
    render_markdown,
    state,
)

if TYPE_CHECKING:
    from rich.console import Console

    from hfgate.cli._chat_input import Reader
    from hfgate.cli._exchange import Caller, Outcome
    from hfgate.cli._session import ChatState

_EPILOG = """\b
In the session: Enter sends, Esc then Enter (or a trailing \\) starts a new line, Ctrl-C stops
the current answer, Ctrl-D quits. /help lists the slash commands:
/model, /cost, /system, /clear, /retry, /undo, /attach FILE, /save FILE, /help, /exit."""


@click.command(epilog=_EPILOG)
@click.option("-m", "--model", help="Model id to start with; /model switches later.")
@click.option("-s", "--system", help="System prompt.")
@call_options_option
@no_reasoning_option
@no_log_option
@click.pass_context
def chat(
    ctx: click.Context,
    model: str | None,
    system: str | None,
    options: tuple[str, ...],
    no_reasoning: bool,
    no_log: bool,
) -> None:
    """Chat with a model in the terminal."""
    from hfgate.cli._chat_input import make_reader
    from hfgate.cli._exchange import Caller
    from hfgate.cli._session import ChatState
    from hfgate.cli._slash import model_problem
    from hfgate.cli.render import console

    call_options = parse_options(options)
    if model:
        from hfgate.cli._models import custom_model_names

        problem = model_problem(model, custom_model_names())
        if problem:
            raise click.BadParameter(problem, param_hint="'-m'")
    chat_state = ChatState(model, system)
    if model:
        chat_state.remember(model)
    caller = Caller(log_enabled(ctx, no_log), conversation_id=uuid.uuid4().hex)
    app = ChatApp(chat_state, caller, make_reader(_history_path), console(), call_options)
    app.show_reasoning = not no_reasoning
    app.markdown = render_markdown(ctx)
    app.debug = state(ctx).debug
    try:
        app.loop()
    finally:
        caller.close()


def _history_path() -> str | None:
    from hfgate._constants import data_dir

    try:
        directory = data_dir()
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return str(directory / "chat_history")


class ChatApp:
    def __init__(
        self,
        chat_state: ChatState,
        caller: Caller,
        reader: Reader,
        out: Console,
        options: dict[str, Any],
    ) -> None:
        self.state = chat_state
        self.caller = caller
        self.reader = reader
        self.console = out
        self.options = options
        self.show_reasoning = True
        self.markdown = False
        self.debug = False
        self.attached_images: list[str] = []
        self.attached_texts: list[tuple[str, str]] = []
        """What /attach queued for the next message."""

    def print(self, text: str) -> None:
        self.console.print(text, markup=False)

    def print_error(self, text: str) -> None:
        click.echo(click.style("error:", fg="red", bold=True) + " " + text, err=True)

    def loop(self) -> None:
        from hfgate.cli._slash import COMMANDS
        from hfgate.cli.render import notice

        notice(
            f"hfgate chat with {self.state.model_name}. /help for commands; Esc+Enter for a "
            "new line; Ctrl-C stops an answer; Ctrl-D quits."
        )
        while True:
            try:
                line = self.reader.read("you> ", [*COMMANDS, *self.state.recent])
            except EOFError:
                break
            except KeyboardInterrupt:
                break
            if not line.strip():
                continue
            try:
                if not self.handle(line):
                    break
            except KeyboardInterrupt:
                notice("[stopped]")

    def handle(self, line: str) -> bool:
        from hfgate.cli._slash import dispatch

        if line.startswith("/"):
            return dispatch(self, line)
        self.ask(line)
        return True

    def ask(self, text: str, images: Sequence[str] | None = None) -> None:
        """Send `text` with what /attach queued (or, for /retry, the images given)."""
        from hfgate.cli._exchange import Request
        from hfgate.cli.render import AnswerPrinter, notice, report_error
        from hfgate.cli.run import build_prompt

        if images is None:
            text = build_prompt(text, "", self.attached_texts)
            images = list(self.attached_images)
            self.attached_texts, self.attached_images = [], []

        printer = AnswerPrinter(
            self.show_reasoning, out=sys.stdout, reasoning_out=sys.stdout, markdown=self.markdown
        )
        request = Request(
            self.state.model,
            text,
            self.state.system,
            self.state.history,
            images=images,
            options=self.options,
        )
        outcome = self.caller.call(request, printer)
        self.state.record(text, outcome, images)
        if outcome.interrupted:
            notice("[stopped]")
        elif outcome.error is not None:
            report_error(outcome.error, self.debug)
        else:
            notice(footer(outcome))


def footer(outcome: Outcome) -> str:
    from hfgate.cli.render import count, usd

    result = outcome.result
    if result is None:
        return ""
    u = result.usage
    via = f" via {result.provider}" if result.provider else ""
    cached = f", {count(u.cached_input_tokens)} cached" if u.cached_input_tokens else ""
    return (
        f"[{outcome.model}{via} · {count(u.input_tokens)} in{cached} · "
        f"{count(u.output_tokens)} out · {usd(outcome.estimate.usd, unknown='cost unknown')}]"
    )
