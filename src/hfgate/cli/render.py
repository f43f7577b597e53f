"""Everything the CLI prints that is not a table: error lines and exit codes (in ONE table),
streamed answers, and number formats.

Error lines read `error: <what failed>: <server message> (provider <p>, request id <id>)`,
then `hint: ...` for the classes that have one; a traceback only with `--debug`.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from hfgate.cli._markdown import MarkdownWriter
    from hfgate.types import ToolCall

OK, UNEXPECTED, USAGE, AUTH, PAYMENT, NOT_FOUND, RATE_LIMITED, SERVER, INTERRUPTED = (
    0, 1, 2, 3, 4, 5, 6, 7, 130,
)  # fmt: skip

EXIT_CODES_HELP = """\b
Exit codes:
  0    success
  1    unexpected error (rerun with --debug for the traceback)
  2    usage or configuration error (bad model id, bad option, no key)
  3    authentication or permission refused (401, 403)
  4    payment required: credits used up (402)
  5    model not found or not served (404, model_not_supported)
  6    rate limited (429)
  7    server, connection, timeout or stream error
  130  interrupted (Ctrl-C)"""


@dataclass(frozen=True, slots=True)
class ErrorKind:
    code: int
    what: str
    hint: str | None = None


_TOKEN_HINT = (
    "check your token (HF_TOKEN or `hf auth login`): https://huggingface.co/settings/tokens"
)
_PROVIDER_HINT = "retry later, or pick another provider with -m MODEL:provider"

ERRORS: dict[str, ErrorKind] = {
    # Keyed by class name in hfgate.errors; looked up along the exception's MRO, most
    # specific first, so subclasses inherit their parent's row.
    "AuthenticationError": ErrorKind(AUTH, "authentication failed", _TOKEN_HINT),
    # No hint of their own: the library's (`exc.hint`) says it.
    "PermissionDeniedError": ErrorKind(AUTH, "permission denied"),
    "PaymentRequiredError": ErrorKind(PAYMENT, "payment required"),
    "NotFoundError": ErrorKind(
        NOT_FOUND,
        "model not found",
        "check the model id with `hfgate models --search NAME`; enable more providers at "
        "https://huggingface.co/settings/inference-providers",
    ),
    "RateLimitError": ErrorKind(
        RATE_LIMITED,
        "rate limited",
        "wait a moment, or pick another provider with -m MODEL:provider",
    ),
    "ServerError": ErrorKind(SERVER, "server error", _PROVIDER_HINT),
    "StreamError": ErrorKind(SERVER, "the answer stream failed", _PROVIDER_HINT),
    "APITimeoutError": ErrorKind(
        SERVER, "request timed out", "raise the timeout with -o timeout=SECONDS, or retry"
    ),
    "APIConnectionError": ErrorKind(
        SERVER, "could not reach the server", "check your network (and HFGATE_ROUTER_URL if set)"
    ),
    "BadRequestError": ErrorKind(USAGE, "request rejected"),
    "APIStatusError": ErrorKind(UNEXPECTED, "request failed"),
    "InvalidModelError": ErrorKind(USAGE, "invalid model id"),
    # No hint of its own: which key is missing decides it (`_key_hint`).
    "MissingKeyError": ErrorKind(USAGE, "no API key"),
    "ConfigError": ErrorKind(USAGE, "invalid input"),
    "OutputError": ErrorKind(UNEXPECTED, "unusable answer"),
    "HfgateError": ErrorKind(UNEXPECTED, "failed"),
}
_UNEXPECTED = ErrorKind(UNEXPECTED, "unexpected error", "rerun with --debug for the traceback")


def error_kind(exc: BaseException) -> ErrorKind:
    for cls in type(exc).__mro__:
        if cls.__module__ == "hfgate.errors" and cls.__name__ in ERRORS:
            return ERRORS[cls.__name__]
    return _UNEXPECTED


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    return error_kind(exc).code


def error_lines(exc: BaseException) -> list[str]:
    """The one error line, and a hint line for classes that have one."""
    kind = error_kind(exc)
    status = getattr(exc, "status", None)
    what = f"{kind.what} ({status})" if status else kind.what
    if kind is _UNEXPECTED:
        what = f"{kind.what} {type(exc).__name__}"
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    where = [f"provider {p}" for p in [getattr(exc, "provider", None)] if p]
    where += [f"request id {r}" for r in [getattr(exc, "request_id", None)] if r]
    suffix = f" ({', '.join(where)})" if where else ""
    lines = [f"error: {what}: {' '.join(str(message).split())}{suffix}"]
    hints = [_situation_hint(exc) or kind.hint or getattr(exc, "hint", None)]
    retry = getattr(exc, "retry_after", None)
    if retry is not None:
        hints.insert(0, f"the server asks to wait {retry:g} s")
    hint = "; ".join(h for h in hints if h)
    if hint:
        lines.append(f"hint: {hint}")
    return lines


def _situation_hint(exc: BaseException) -> str | None:
    """A hint from what is set up here, when it explains the error better than its class."""
    return _key_hint(exc) or _router_url_hint(exc)


def _router_url_hint(exc: BaseException) -> str | None:
    """A 404 from a router moved by HFGATE_ROUTER_URL to a path without /v1."""
    from hfgate._constants import ROUTER_URL_ENV, env_router_url
    from hfgate.errors import NotFoundError

    url = env_router_url()
    if not isinstance(exc, NotFoundError) or url is None or url.endswith("/v1"):
        return None
    return (
        f"{ROUTER_URL_ENV} is {url}, which does not end in /v1: a router's API lives under "
        f"/v1 (e.g. {url}/v1), so every call there is a 404"
    )


def _key_hint(exc: BaseException) -> str | None:
    """For a missing key, how to give the one that is missing (`MissingKeyError.variable`)."""
    variable = getattr(exc, "variable", None)
    if not variable:
        return None
    if variable != "HF_TOKEN":
        return f"export {variable}=..., or give the model its own apiKey in a settings file"
    from importlib.util import find_spec

    hint = "set HF_TOKEN (https://huggingface.co/settings/tokens) or run `hf auth login`"
    return hint + ("; -m local answers offline" if find_spec("llama_cpp") else "")


def report_error(exc: BaseException, debug: bool = False) -> int:
    """Print the error (and the traceback with --debug) to stderr; return the exit code."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    first, *rest = error_lines(exc)
    click.echo(click.style("error:", fg="red", bold=True) + first[len("error:") :], err=True)
    for line in rest:
        click.echo(click.style("hint:", fg="yellow") + line[len("hint:") :], err=True)
    return exit_code_for(exc)


def notice(text: str) -> None:
    click.echo(click.style(text, dim=True), err=True)


# --- formats -------------------------------------------------------------------------------


def usd(value: float | None, unknown: str = "unknown") -> str:
    if value is None:
        return unknown
    if value == 0:
        return "$0"
    return "$" + (f"{value:.6f}".rstrip("0").rstrip(".") if value < 1 else f"{value:,.4f}")


def count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def age(seconds: float | None) -> str:
    if seconds is None:
        return "some time"
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    if seconds < 172800:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def console(stderr: bool = False, file: IO[str] | None = None) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, file=file, highlight=False, soft_wrap=True)


# --- a streamed answer ---------------------------------------------------------------------


class AnswerPrinter:
    """Writes an answer as it arrives: text raw to `out` (so it pipes cleanly), or rendered as
    Markdown with `markdown=True` (for a terminal); reasoning dimmed to `reasoning_out`
    (stderr for `run`, so `> file` gets only the answer)."""

    def __init__(
        self,
        show_reasoning: bool = True,
        out: IO[str] | None = None,
        reasoning_out: IO[str] | None = None,
        markdown: bool = False,
    ) -> None:
        self.show_reasoning = show_reasoning
        self.out = out or sys.stdout
        self._markdown: MarkdownWriter | None = None
        if markdown:
            from hfgate.cli._markdown import MarkdownWriter

            self._markdown = MarkdownWriter(self.out)
        self._reasoning_console = console(file=reasoning_out or sys.stderr)
        self._column = {"text": 0, "reasoning": 0}
        self._last: str | None = None
        self.text = ""

    def reasoning(self, text: str) -> None:
        if not self.show_reasoning or not text:
            return
        self._end_markdown()
        self._reasoning_console.print(text, style="dim", end="", markup=False)
        self._track("reasoning", text)

    def answer(self, text: str) -> None:
        if not text:
            return
        self.text += text  # first: a Ctrl-C while writing must not lose what arrived
        if self._last == "reasoning":
            self._newline("reasoning", blank=True)
        if self._markdown is not None:
            self._markdown.write(text)
            self._last = "markdown"
            return
        self.out.write(text)
        self.out.flush()
        self._track("text", text)

    def tool_call(self, call: ToolCall) -> None:
        import json

        self._end_markdown()
        self._reasoning_console.print(
            f"tool call: {call.name}({json.dumps(call.arguments) if call.arguments else ''})",
            style="cyan",
            markup=False,
        )

    def _end_markdown(self) -> None:
        """Print the Markdown block still arriving for good (it ends its own line)."""
        if self._markdown is not None and self._last == "markdown":
            self._markdown.close()
            self._last = None

    def finish(self) -> None:
        """End the answer with a newline (once), whatever was last written."""
        self._end_markdown()
        if self._last is not None:
            self._newline(self._last)
        self._last = None

    def _track(self, kind: str, text: str) -> None:
        self._last = kind
        self._column[kind] = 0 if text.endswith("\n") else self._column[kind] + len(text)

    def _newline(self, kind: str, blank: bool = False) -> None:
        target: Any = self.out if kind == "text" else self._reasoning_console.file
        if self._column[kind]:
            target.write("\n")
        if blank:
            target.write("\n")
        target.flush()
        self._column[kind] = 0
