"""`hfgate local pull|list|rm`: GGUF files from the Hugging Face Hub for the offline model,
kept in huggingface_hub's cache (`hfgate.local.hub`). After one `pull`, `-m local/hf:<repo>`
runs with no network at all."""

from __future__ import annotations

import json

import click

_REF = "hf:<org>/<repo>[:QUANT|:FILE.gguf]"


@click.group(short_help="Download, list and remove GGUF models for offline use.")
def local() -> None:
    """GGUF models from the Hugging Face Hub, run in-process by llama.cpp (`-m local/hf:...`).

    \b
    hfgate local pull hf:bartowski/SmolLM2-360M-Instruct-GGUF:Q4_K_M
    hfgate run -m local/hf:bartowski/SmolLM2-360M-Instruct-GGUF:Q4_K_M "Hi"
    """


@local.command()
@click.argument("ref", metavar=_REF.upper().replace("HF:", "hf:"))
def pull(ref: str) -> None:
    """Download a GGUF (or check it is current) into huggingface_hub's cache.

    Without a tag the repo's Q4_K_M file is taken, or its only GGUF. Gated and private
    repos need HF_TOKEN or `hf auth login`; HF_ENDPOINT points at another Hub."""
    from hfgate.cli.render import notice
    from hfgate.local.hub import parse_ref, pull

    gguf = parse_ref(ref)
    path = pull(gguf)
    notice(f"{path.name}: {_size(path.stat().st_size)} in {path.parent}")
    click.echo(f"-m local/hf:{gguf.repo}:{path.name}")


@local.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """The local models: the packaged one and every GGUF downloaded from the Hub."""
    from hfgate.local.hub import cached_ggufs
    from hfgate.local.paths import local_extra_installed, packaged_gguf

    rows: list[dict[str, str | int]] = []
    if local_extra_installed():
        path = packaged_gguf()
        rows.append({"model": "local", "size": path.stat().st_size, "path": str(path)})
    for cached in cached_ggufs():
        rows.append({"model": cached.model_id, "size": cached.size, "path": str(cached.path)})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No local models: pip install 'hfgate[local]', then `hfgate local pull`.")
        return
    from hfgate.cli.tables import print_table

    print_table(
        ["model", "size", "path"],
        [[str(r["model"]), _size(int(r["size"])), str(r["path"])] for r in rows],
        wide=("model", "path"),
    )


@local.command()
@click.argument("ref", metavar=_REF.upper().replace("HF:", "hf:"))
def rm(ref: str) -> None:
    """Delete a downloaded GGUF (every GGUF of the repo without a tag or file)."""
    from hfgate.cli.render import notice
    from hfgate.local.hub import parse_ref, remove

    for removed in remove(parse_ref(ref)):
        notice(f"removed {removed.model_id} ({_size(removed.size)})")


def _size(n: int) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.1f} GB"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} KB"
