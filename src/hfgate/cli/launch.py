"""`hfgate launch`: a coding agent (Claude Code, Codex, droid, opencode) on any model hfgate
can reach, through a gateway started for this run (or a running one), with settings that last
for this run only. What each agent is given is in `_agents.py`."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hfgate.cli._agents import AGENTS, KEY_VAR, Agent, Connection, Handoff, handoff_for
from hfgate.cli.serve import database_option
from hfgate.errors import ConfigError

if TYPE_CHECKING:
    from hfgate.cli._coders import Coder

_EPILOG = """\b
Examples:
  hfgate launch claude                        # a strong coder from the live catalog
  hfgate launch codex -m Qwen/Qwen3-Coder-480B-A35B-Instruct
  hfgate launch claude -m Sonnet -- -p "fix the failing test"    # agent arguments after --
  hfgate launch droid --api messages -m zai-org/GLM-4.6
  hfgate launch opencode --gateway http://gw:4000 --key hfg_...  # a gateway already running
  hfgate launch codex -m openai/gpt-oss-120b --print             # the settings, to use by hand

\b
The agent is found on PATH (or set HFGATE_AGENT_BIN_<NAME>, e.g. HFGATE_AGENT_BIN_CLAUDE).
The gateway started for the run logs to <data dir>/launch.log; its calls show in `hfgate usage`."""

SERVE_URL = "http://127.0.0.1:4000"
"""Where `--print` assumes a gateway when none is named: `hfgate serve`'s default."""
_PRINTED_KEY = "${" + KEY_VAR + "}"
_APIS = ("chat", "responses", "messages")
_SHOWN_CHOICES = 8


@click.command(short_help="Run a coding agent on any model, through the gateway.", epilog=_EPILOG)
@click.argument("agent", type=click.Choice(list(AGENTS)))
@click.argument("agent_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- AGENT ARGS]")
@click.option(
    "-m",
    "--model",
    help="Any model hfgate serves (Hub id, settings name, ...); default: a tool-calling coder "
    "from the live catalog (asked on a terminal).",
)
@click.option(
    "--api",
    type=click.Choice(_APIS),
    help="The API the agent speaks to the gateway (droid: chat, responses or messages; "
    "opencode: chat or messages). Default: the agent's first.",
)
@click.option("--gateway", metavar="URL", help="Use this running gateway instead of starting one.")
@click.option("--key", metavar="KEY", envvar=KEY_VAR, help=f"That gateway's key (or ${KEY_VAR}).")
@database_option
@click.option(
    "--print",
    "print_only",
    is_flag=True,
    help="Print the agent's settings (a shell script) instead of running it.",
)
@click.pass_context
def launch(
    ctx: click.Context,
    agent: str,
    agent_args: tuple[str, ...],
    model: str | None,
    api: str | None,
    gateway: str | None,
    key: str | None,
    database_url: str | None,
    print_only: bool,
) -> None:
    """Run AGENT (claude, codex, droid, opencode) on MODEL through an hfgate gateway.

    Starts a gateway on a free loopback port with a key made for this run (unless --gateway
    names a running one), gives the agent its URL, key and model for this run only (its own
    config files are not touched), runs it, and stops the gateway when it exits. The exit
    code is the agent's.
    """
    spec = AGENTS[agent]
    wire = api or spec.apis[0]
    if wire not in spec.apis:
        raise click.UsageError(f"{spec.title} speaks {' or '.join(spec.apis)}, not {wire}.")
    key_given = ctx.get_parameter_source("key") is click.core.ParameterSource.COMMANDLINE
    if key_given and not gateway:
        raise click.UsageError("--key is the key of a running gateway: give --gateway URL too.")
    if gateway and not key and not print_only:
        raise click.UsageError(f"--gateway needs that gateway's key: --key KEY or ${KEY_VAR}.")
    base_url = _gateway_root(gateway) if gateway else None
    binary = find_binary(spec) if not print_only else spec.name
    chosen, window = _choose_model(model)
    if print_only:
        connection = Connection(base_url or SERVE_URL, _PRINTED_KEY, chosen, wire, window)
        click.echo(render_script(spec, handoff_for(spec, connection, Path(".")), connection))
        return
    if base_url is not None and key:
        _check_gateway(base_url, key)
        ctx.exit(_run(spec, binary, Connection(base_url, key, chosen, wire, window), agent_args))
    ctx.exit(_run_with_local_gateway(spec, binary, chosen, wire, window, agent_args, database_url))


def _run_with_local_gateway(
    spec: Agent,
    binary: str,
    model: str,
    wire: str,
    window: int | None,
    agent_args: tuple[str, ...],
    database_url: str | None,
) -> int:
    from hfgate._constants import data_dir
    from hfgate.cli._local_gateway import local_gateway
    from hfgate.cli.serve import require_serve_extra
    from hfgate.routing.catalog import router_url
    from hfgate.routing.resolve import Origin, resolve_model

    require_serve_extra("hfgate launch")
    resolve_model(model, Origin(router_url(), True))  # a bad id or a missing key: say it now
    with local_gateway(database_url, data_dir() / "launch.log") as running:
        return _run(spec, binary, Connection(running.url, running.key, model, wire, window),
                    agent_args)  # fmt: skip


def _run(spec: Agent, binary: str, connection: Connection, agent_args: tuple[str, ...]) -> int:
    import tempfile

    from hfgate.cli._child import run_child
    from hfgate.cli.render import notice

    with tempfile.TemporaryDirectory(prefix=f"hfgate-launch-{spec.name}-") as tmp:
        argv, env = agent_command(spec, binary, connection, Path(tmp), agent_args, os.environ)
        notice(f"hfgate: {spec.title} on {connection.model}, through {connection.base_url}")
        return run_child(argv, env)


def agent_command(
    spec: Agent,
    binary: str,
    connection: Connection,
    run_dir: Path,
    agent_args: tuple[str, ...],
    base_env: Mapping[str, str],
) -> tuple[list[str], dict[str, str]]:
    """Write the run's files in `run_dir` (readable by the user only); the agent's command
    line and environment (`base_env` with the handoff's variables)."""
    handoff = handoff_for(spec, connection, run_dir)
    for name, content in handoff.files.items():
        path = run_dir / name
        path.touch(mode=0o600)
        path.write_text(content, encoding="utf-8")
    env = {k: v for k, v in base_env.items() if k not in handoff.unset}
    env.update(handoff.env)
    return [binary, *handoff.args, *agent_args], env


def find_binary(spec: Agent) -> str:
    """The agent's executable: `HFGATE_AGENT_BIN_<NAME>` when set, else from PATH."""
    override = os.environ.get(spec.bin_var)
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise ConfigError(f"{spec.bin_var}={override} is not an executable file.")
        return override
    found = shutil.which(spec.name)
    if found is None:
        raise ConfigError(
            f"{spec.title} (`{spec.name}`) is not on PATH: install it with "
            f"`npm install -g {spec.package}`, or set {spec.bin_var} to its path."
        )
    return found


# --- the model ---------------------------------------------------------------------------------


def _choose_model(model: str | None) -> tuple[str, int | None]:
    """The model and its context window (None when the catalog does not say)."""
    from hfgate.cli._coders import coders, context_window
    from hfgate.errors import HfgateError
    from hfgate.inputs.model_ids import is_hf_model_id
    from hfgate.routing.catalog import load_catalog

    if model is not None and not is_hf_model_id(model):
        return model, None  # a settings name or `local`: not in the router's catalog
    try:
        catalog = load_catalog().catalog
    except HfgateError:
        if model is None:
            raise
        return model, None
    if model is not None:
        return model, context_window(catalog, model)
    ranked = coders(catalog)
    if not ranked:
        raise ConfigError(
            "The router's catalog lists no live model that calls tools; name one with -m."
        )
    chosen = _ask(ranked) if sys.stdin.isatty() and sys.stderr.isatty() else ranked[0]
    return chosen.model, chosen.context_window


def _ask(ranked: list[Coder]) -> Coder:
    from hfgate.cli.render import count

    shown = ranked[:_SHOWN_CHOICES]
    click.echo("Models that call tools, from the router's live catalog:", err=True)
    for number, coder in enumerate(shown, 1):
        price = "?" if coder.output_price is None else f"${coder.output_price:g}"
        click.echo(f"  {number}. {coder.model}  ({count(coder.context_window)} tokens, "
                   f"{price}/1M out)", err=True)  # fmt: skip
    picked = click.prompt("Model", type=click.IntRange(1, len(shown)), default=1, err=True)
    return shown[picked - 1]


# --- a running gateway -------------------------------------------------------------------------


def _gateway_root(url: str) -> str:
    """The gateway's root from what a user may paste: a trailing `/` or `/v1` goes."""
    root = url.strip().rstrip("/")
    root = root.removesuffix("/v1")
    if not root.startswith(("http://", "https://")):
        raise click.UsageError(f"--gateway wants an http(s) URL, not {url!r}.")
    return root


def _check_gateway(root: str, key: str) -> None:
    """Ask the gateway for its models with the key, so a wrong URL or key is said now, not
    as the agent's first error."""
    from hfgate.errors import AuthenticationError, PermissionDeniedError
    from hfgate.http.auth import Key
    from hfgate.http.endpoint import Endpoint
    from hfgate.http.sync_transport import SyncTransport

    endpoint = Endpoint(root, Key(key, "--key"), name="hfgate gateway", hf=False)
    transport = SyncTransport()
    try:
        transport.get_json(endpoint.url("/v1/models"), endpoint, timeout=10.0)
    except (AuthenticationError, PermissionDeniedError) as exc:
        raise ConfigError(
            f"The gateway at {root} refused the key ({exc.status}): use its master key or "
            "one from `hfgate keys create`."
        ) from exc
    finally:
        transport.close()


# --- --print -----------------------------------------------------------------------------------


def render_script(spec: Agent, handoff: Handoff, connection: Connection) -> str:
    """The handoff as a shell script: variables, files, then the agent's command."""
    lines = [
        f"# {spec.title} on {connection.model}, through the hfgate gateway at "
        f"{connection.base_url} (`hfgate serve`).",
        f"# First: export {KEY_VAR}=<that gateway's key: its HFGATE_MASTER_KEY, or one from "
        "`hfgate keys create`>",
    ]
    lines += [f"unset {name}" for name in handoff.unset]
    for name, value in handoff.env.items():
        if name != KEY_VAR:
            shown = f'"${KEY_VAR}"' if value == connection.key else shlex.quote(value)
            lines.append(f"export {name}={shown}")
    for name, content in handoff.files.items():
        lines += [f"cat > {name} <<'EOF'", content, "EOF"]
    lines.append(shlex.join([spec.name, *handoff.args]))
    return "\n".join(lines)
