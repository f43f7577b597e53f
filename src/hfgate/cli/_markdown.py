"""An answer rendered as Markdown while it streams, for a terminal: finished blocks (up to a
blank line outside a code fence) are printed once, rendered; the block still arriving is
redrawn in place below them and printed for good at the end. Only the last block is ever
redrawn, so a long answer scrolls like plain text does."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live


def split_done(text: str) -> tuple[str, str]:
    """(the finished blocks, the block still arriving): cut at the last blank line that is
    not inside a ``` fence."""
    cut = 0
    fenced = False
    position = 0
    for line in text.splitlines(keepends=True):
        position += len(line)
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and not line.strip() and line.endswith("\n"):
            cut = position
    return text[:cut], text[cut:]


class MarkdownWriter:
    def __init__(self, out: IO[str]) -> None:
        from rich.console import Console

        self.console: Console = Console(file=out, highlight=False)
        self._tail = ""
        self._live: Live | None = None

    def write(self, text: str) -> None:
        done, self._tail = split_done(self._tail + text)
        if done.strip():
            self._stop_live()
            self._print(done)
        if self._tail:
            self._show_tail()

    def close(self) -> None:
        """Print what is left, rendered, for good."""
        self._stop_live()
        if self._tail.strip():
            self._print(self._tail)
        self._tail = ""

    def _print(self, text: str) -> None:
        from rich.markdown import Markdown

        self.console.print(Markdown(text.strip("\n")))

    def _show_tail(self) -> None:
        from rich.markdown import Markdown

        if self._live is None:
            from rich.live import Live

            self._live = Live(
                console=self.console,
                transient=True,
                auto_refresh=False,
                vertical_overflow="crop",
            )
            self._live.start()
        self._live.update(Markdown(self._tail), refresh=True)

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
