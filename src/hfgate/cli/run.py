"""`hfgate run`: one prompt, the answer streamed to stdout (or one JSON object with --json)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
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
    from hfgate.cli._exchange import Outcome

_EPILOG = """\b
Examples:
  hfgate run -m Qwen/Qwen3-32B "Write a haiku about routers"
  cat f.py | hfgate run "review this"           # stdin is added after the prompt
  hfgate run -a photo.jpg "What is in this picture?"
  hfgate run -o temperature=0.2 -o max_tokens=200 --json "Say hi"

\b
Attachments: images (local files or http(s) URLs) are sent as images; other local files are
added to the prompt as text. Options (-o): temperature, top_p, max_tokens, seed, stop,
reasoning_effort, timeout, max_retries."""


@click.command(epilog=_EPILOG)
@click.argument("prompt", nargs=-1)
@click.option(
    "-m",
    "--model",
    help="Model id (Qwen/Qwen3-32B, org/model:provider), a settings name, or openai:<model> / "
    "anthropic:<model>.",
)
@click.option("-s", "--system", help="System prompt.")
@click.option(
    "-a",
    "--attach",
    "attachments",
    multiple=True,
    metavar="FILE_OR_URL",
    help="Attach a file or an image URL (repeatable).",
)
@call_options_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the result.")
@click.option("--no-stream", is_flag=True, help="Wait for the whole answer, then print it.")
@no_reasoning_option
@click.option("-u", "--usage", "show_usage", is_flag=True, help="Print tokens and cost to stderr.")
@no_log_option
@click.pass_context
def run(
    ctx: click.Context,
    prompt: tuple[str, ...],
    model: str | None,
    system: str | None,
    attachments: tuple[str, ...],
    options: tuple[str, ...],
    as_json: bool,
    no_stream: bool,
    no_reasoning: bool,
    show_usage: bool,
    no_log: bool,
) -> None:
    """Send PROMPT and stream the answer as it arrives."""
    from hfgate.cli._exchange import Caller, Request
    from hfgate.cli.render import AnswerPrinter, notice

    call_options = parse_options(options)
    images, texts = split_attachments(attachments)
    text = build_prompt(" ".join(prompt), _stdin_text(), texts)
    request = Request(model, text, system, images=images, options=call_options)
    quiet = as_json or no_reasoning
    printer = AnswerPrinter(
        show_reasoning=not quiet,
        out=io.StringIO() if as_json else None,
        markdown=not as_json and render_markdown(ctx),
    )
    caller = Caller(log_enabled(ctx, no_log))
    try:
        outcome = caller.call(request, printer, stream=not no_stream)
    finally:
        caller.close()
    if outcome.interrupted:
        notice("interrupted")
        ctx.exit(130)
    if outcome.error is not None:
        raise outcome.error
    if as_json:
        click.echo(_json(outcome))
    elif outcome.result is not None and outcome.result.finish_reason == "length":
        notice("(the answer was cut off at max_tokens)")
    if show_usage:
        notice(usage_line(outcome))
    if state(ctx).debug:
        notice(f"duration: {outcome.duration_ms} ms")


def _stdin_text() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.read()


def build_prompt(prompt: str, stdin: str, texts: list[tuple[str, str]]) -> str:
    parts = [p for p in (prompt.strip(), stdin.strip()) if p]
    parts += [f"{name}:\n```\n{content.rstrip()}\n```" for name, content in texts]
    if not parts:
        raise click.UsageError("No prompt: pass PROMPT, or pipe text on stdin.")
    return "\n\n".join(parts)


_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"})


def split_attachments(sources: tuple[str, ...]) -> tuple[list[str], list[tuple[str, str]]]:
    """(images, text files as (name, content)); URLs are images, local files by type."""
    import mimetypes

    images: list[str] = []
    texts: list[tuple[str, str]] = []
    for source in sources:
        if source.startswith(("http://", "https://", "data:")):
            images.append(source)
            continue
        path = Path(source).expanduser()
        if not path.is_file():
            raise click.BadParameter(f"no such file: {source}", param_hint="'-a'")
        kind = mimetypes.guess_type(path.name)[0] or ""
        if kind.startswith("image/") or path.suffix.lower() in _IMAGE_SUFFIXES:
            images.append(str(path))
            continue
        try:
            texts.append((path.name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError as exc:
            raise click.BadParameter(
                f"{source} is neither an image nor UTF-8 text", param_hint="'-a'"
            ) from exc
    return images, texts


def usage_line(outcome: Outcome) -> str:
    from hfgate.cli.render import count, usd

    result = outcome.result
    if result is None:
        return f"model {outcome.model}: no result"
    u = result.usage
    parts = [
        f"{outcome.model}" + (f" via {result.provider}" if result.provider else ""),
        f"{count(u.input_tokens)} in ({count(u.cached_input_tokens)} cached)",
        f"{count(u.output_tokens)} out ({count(u.reasoning_tokens)} reasoning)",
        f"cost {usd(outcome.estimate.usd)}",
    ]
    return " · ".join(parts)


def result_dict(outcome: Outcome) -> dict[str, Any]:
    from dataclasses import asdict

    result = outcome.result
    if result is None:
        return {"model": outcome.model, "text": outcome.partial}
    return {
        "text": result.text,
        "reasoning": result.reasoning,
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in result.tool_calls
        ],
        "finish_reason": result.finish_reason,
        "usage": asdict(result.usage),
        "cost": outcome.estimate.usd,
        "provider": result.provider,
        "model": outcome.model,
        "served_model": result.model,
        "request_id": result.request_id,
    }


def _json(outcome: Outcome) -> str:
    import json

    return json.dumps(result_dict(outcome), ensure_ascii=False, indent=2)
