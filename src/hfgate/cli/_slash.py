"""The slash commands of `hfgate chat`, as a table: name -> (handler, usage, help)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hfgate.cli.render import notice

if TYPE_CHECKING:
    from hfgate.cli.chat import ChatApp

Handler = Callable[["ChatApp", str], bool]
"""Runs a command with the text after its name; returns False to end the session."""


def model_choices(app: ChatApp) -> list[tuple[str, list[str]]]:
    """The groups `/model` offers: settings models, Hugging Face ids (current and recent
    first, each once however it was spelled) and the offline models."""
    from hfgate._constants import DEFAULT_HF_MODEL
    from hfgate.cli._models import custom_model_names, local_model_names, recent_hf_models
    from hfgate.inputs.model_ids import is_hf_model_id

    custom = custom_model_names()
    hub: dict[str, str] = {}
    for name in [app.state.model_name, *app.state.recent, *recent_hf_models()]:
        if is_hf_model_id(name) and name not in custom:
            hub.setdefault(_same_hub_id(name), name)
    return [
        ("Custom models", custom),
        ("Hugging Face", list(hub.values()) or [DEFAULT_HF_MODEL]),
        ("Offline", local_model_names()),
    ]


def _same_hub_id(name: str) -> str:
    """One spelling per Hub id: the router's form (`huggingface/org/m` is `org/m`), any case."""
    from hfgate.errors import InvalidModelError
    from hfgate.inputs.model_ids import parse_hf_model_id

    try:
        return str(parse_hf_model_id(name)).casefold()
    except InvalidModelError:
        return name.casefold()


def model_problem(name: str, custom: list[str]) -> str | None:
    """Why `name` cannot be used as a model, or None when it can."""
    from hfgate.cli._models import is_custom_model
    from hfgate.cli._options import is_local
    from hfgate.errors import InvalidModelError
    from hfgate.inputs.model_ids import parse_hf_model_id
    from hfgate.routing.resolve import official_for

    if name in custom or is_local(name) or is_custom_model(name) or official_for(name):
        return None
    try:
        parse_hf_model_id(name)
    except InvalidModelError as exc:
        return str(exc)
    return None


def cmd_model(app: ChatApp, arg: str) -> bool:
    groups = model_choices(app)
    custom = groups[0][1]
    name = arg.strip()
    if not name:
        numbered: list[str] = []
        for title, group in groups:
            app.print(title)
            if not group:
                app.print("  (none configured)" if title == "Custom models" else "  (none)")
            for name in group:
                numbered.append(name)
                current = "  (current)" if name == app.state.model_name else ""
                app.print(f"  {len(numbered)}. {name}{current}")
        try:
            answer = app.reader.read("model (number or id, Enter to keep)> ", numbered).strip()
        except EOFError:
            return True
        if not answer:
            return True
        index = int(answer) - 1 if answer.isdigit() else -1
        name = numbered[index] if 0 <= index < len(numbered) else answer
    problem = model_problem(name, custom)
    if problem:
        app.print_error(problem)
        return True
    app.state.use_model(name)
    notice(f"now using {name}")
    return True


def cmd_cost(app: ChatApp, arg: str) -> bool:
    from hfgate.cli._session import cost_table

    if not app.state.stats:
        app.print("No answers yet in this session.")
        return True
    app.console.print(cost_table(app.state.stats))
    return True


def cmd_system(app: ChatApp, arg: str) -> bool:
    text = arg.strip()
    if not text:
        app.print(f"system prompt: {app.state.system or '(none)'}")
        notice("/system TEXT sets it, /system - removes it")
    elif text == "-":
        app.state.system = None
        notice("system prompt removed")
    else:
        app.state.system = text
        notice("system prompt set")
    return True


def cmd_clear(app: ChatApp, arg: str) -> bool:
    app.state.clear()
    notice("conversation cleared (the system prompt and /cost totals are kept)")
    return True


def cmd_undo(app: ChatApp, arg: str) -> bool:
    undone = app.state.undo()
    if undone is None:
        app.print_error("nothing to undo")
    else:
        notice(f"took back: {_short(undone.prompt)}")
    return True


def cmd_retry(app: ChatApp, arg: str) -> bool:
    """The last message again, its answer replaced by a new one (the same model, unless
    /model switched)."""
    undone = app.state.undo()
    if undone is None:
        app.print_error("nothing to retry yet")
        return True
    notice(f"asking again: {_short(undone.prompt)}")
    app.ask(undone.prompt, undone.images)
    return True


def cmd_attach(app: ChatApp, arg: str) -> bool:
    import click

    from hfgate.cli.run import split_attachments

    source = arg.strip()
    if not source:
        app.print_error("/attach needs a file or an image URL, e.g. /attach notes.md")
        return True
    try:
        images, texts = split_attachments((source,))
    except click.BadParameter as exc:
        app.print_error(exc.format_message())
        return True
    app.attached_images += images
    app.attached_texts += texts
    kind = "image" if images else "text file"
    notice(f"attached {source} ({kind}); it goes with your next message")
    return True


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 60 else line[:57] + "..."


def cmd_save(app: ChatApp, arg: str) -> bool:
    if not arg.strip():
        app.print_error("/save needs a file name, e.g. /save chat.md")
        return True
    path = Path(arg.strip()).expanduser()
    try:
        path.write_text(app.state.markdown(), encoding="utf-8")
    except OSError as exc:
        app.print_error(f"cannot write {path}: {exc.strerror or exc}")
        return True
    notice(f"saved {len(app.state.transcript)} messages to {path}")
    return True


def cmd_help(app: ChatApp, arg: str) -> bool:
    for name, (_, usage, text) in COMMANDS.items():
        app.print(f"  {(name + ' ' + usage).strip():<16} {text}")
    app.print(
        "Keys: Enter sends; Esc then Enter (or a trailing \\) starts a new line; Up/Down walk "
        "the history;\n  Ctrl-C stops an answer (or clears the line); Ctrl-D or Ctrl-C on an "
        "empty line quits."
    )
    return True


def cmd_exit(app: ChatApp, arg: str) -> bool:
    return False


COMMANDS: dict[str, tuple[Handler, str, str]] = {
    "/model": (cmd_model, "[NAME]", "choose a model, or switch to NAME"),
    "/cost": (cmd_cost, "", "tokens, cache hits and cost per model in this session"),
    "/system": (cmd_system, "[TEXT]", "show or set the system prompt (- removes it)"),
    "/clear": (cmd_clear, "", "forget the conversation so far"),
    "/retry": (cmd_retry, "", "ask the last message again, for a new answer"),
    "/undo": (cmd_undo, "", "take the last message and its answer back"),
    "/attach": (cmd_attach, "FILE", "send a file (text or image) with the next message"),
    "/save": (cmd_save, "FILE", "save the conversation as Markdown"),
    "/help": (cmd_help, "", "this help"),
    "/exit": (cmd_exit, "", "end the session (also /quit, Ctrl-D)"),
}
ALIASES = {"/quit": "/exit", "/q": "/exit", "/?": "/help"}


def dispatch(app: ChatApp, line: str) -> bool:
    name, _, arg = line.strip().partition(" ")
    name = ALIASES.get(name, name)
    entry = COMMANDS.get(name)
    if entry is None:
        app.print_error(f"unknown command {name}; /help lists them")
        return True
    return entry[0](app, arg)
