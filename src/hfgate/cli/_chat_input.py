"""Reading the user's input in `hfgate chat`.

In a terminal: prompt_toolkit, with history in the data dir, Enter to send, Esc+Enter (or a
trailing backslash) for a new line, Tab to complete slash commands, Ctrl-C to clear the line
(or quit on an empty one), Ctrl-D to quit. Otherwise (piped input): one line per message, a
trailing backslash continues the message on the next line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Reader(Protocol):
    def read(self, prompt: str, completions: Iterable[str] = ()) -> str:
        """The next input; raises EOFError when the user quits."""
        ...


class PlainReader:
    def read(self, prompt: str, completions: Iterable[str] = ()) -> str:
        lines: list[str] = []
        while True:
            try:
                line = sys.stdin.readline()
            except KeyboardInterrupt:
                raise EOFError from None
            if not line:
                if lines:
                    return "\n".join(lines)
                raise EOFError
            line = line.rstrip("\n")
            if line.endswith("\\"):
                lines.append(line[:-1])
                continue
            lines.append(line)
            return "\n".join(lines)


class TerminalReader:
    def __init__(self, history_path: str | None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        history = FileHistory(history_path) if history_path else InMemoryHistory()
        self.session: PromptSession[str] = PromptSession(
            history=history,
            multiline=True,
            key_bindings=_bindings(),
            prompt_continuation=_continuation,
            complete_while_typing=False,
        )

    def read(self, prompt: str, completions: Iterable[str] = ()) -> str:
        from prompt_toolkit.completion import WordCompleter

        words = list(completions)
        completer = WordCompleter(words, sentence=True) if words else None
        return self.session.prompt(prompt, completer=completer)


def _continuation(width: int, line_number: int, wrap_count: int) -> str:
    return "." * max(width - 1, 0) + " "


def _bindings() -> Any:
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    kb = KeyBindings()

    @kb.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @kb.add("enter")
    def _submit(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.document.text_before_cursor.endswith("\\"):
            buffer.delete_before_cursor()
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        if event.current_buffer.text:
            event.current_buffer.reset()
        else:
            event.app.exit(exception=EOFError())

    return kb


def make_reader(history_path: Callable[[], str | None]) -> Reader:
    """The terminal reader when stdin and stdout are terminals, else the plain one."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return TerminalReader(history_path())
    return PlainReader()
