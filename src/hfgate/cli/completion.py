"""`hfgate completion SHELL`: the shell's completion script (click's), to source once:

eval "$(hfgate completion bash)"      # in ~/.bashrc
eval "$(hfgate completion zsh)"       # in ~/.zshrc
hfgate completion fish > ~/.config/fish/completions/hfgate.fish
"""

from __future__ import annotations

import click

_SHELLS = ("bash", "zsh", "fish")


@click.command(short_help="Print the shell completion script (bash, zsh, fish).")
@click.argument("shell", type=click.Choice(_SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL; commands, options and subcommands complete.

    \b
    eval "$(hfgate completion bash)"      # add to ~/.bashrc
    eval "$(hfgate completion zsh)"       # add to ~/.zshrc
    hfgate completion fish > ~/.config/fish/completions/hfgate.fish
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root().command
    complete = get_completion_class(shell)
    assert complete is not None  # every choice is a shell click knows
    click.echo(complete(root, {}, "hfgate", "_HFGATE_COMPLETE").source())
