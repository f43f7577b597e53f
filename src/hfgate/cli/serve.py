"""`hfgate serve`: the OpenAI- and Anthropic-compatible gateway, on uvicorn."""

from __future__ import annotations

import os

import click

from hfgate.errors import ConfigError

_DB_HELP = (
    "postgresql://user:pass@host/db (replicas share it), sqlite:///path or a file path; "
    "default: SQLite in the user data dir (also HFGATE_DATABASE_URL)."
)


database_option = click.option(
    "--database-url", envvar="HFGATE_DATABASE_URL", metavar="URL", help=_DB_HELP
)


@click.command(short_help="Run the OpenAI/Anthropic-compatible gateway.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=4000, show_default=True)
@database_option
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes sharing the port (they share the database too).")  # fmt: skip
@click.option("--access-log", is_flag=True, help="Log one line per request to stderr.")
def serve(host: str, port: int, database_url: str | None, workers: int, access_log: bool) -> None:
    """Serve every model hfgate can reach (Hugging Face ids, settings names, `local`) as
    OpenAI chat completions, OpenAI Responses and Anthropic Messages.

    Clients authenticate with HFGATE_MASTER_KEY or a key from `hfgate keys create`, as
    `Authorization: Bearer` or `x-api-key`. Upstream keys (HF_TOKEN, settings apiKey) stay
    on this machine.

    \b
    OpenAI SDK:     OpenAI(base_url="http://HOST:PORT/v1", api_key=KEY)
    Anthropic SDK:  Anthropic(base_url="http://HOST:PORT", api_key=KEY)
    Console:        http://HOST:PORT/console (sign in with HFGATE_MASTER_KEY)
    """
    require_serve_extra("hfgate serve")
    import uvicorn

    from hfgate.cli.render import notice
    from hfgate.gateway.config import DATABASE_URL_ENV, MASTER_KEY_ENV

    if database_url:
        os.environ[DATABASE_URL_ENV] = database_url  # read by each worker's app factory
    where = _describe(database_url)
    master = "set" if os.environ.get(MASTER_KEY_ENV) else f"not set ({MASTER_KEY_ENV})"
    notice(f"hfgate gateway on http://{host}:{port} — database: {where}; master key: {master}")
    uvicorn.run(
        "hfgate.gateway.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info" if access_log else "warning",
        timeout_graceful_shutdown=30,
    )


def require_serve_extra(command: str) -> None:
    """The gateway's own dependencies, or an error naming the extra to install."""
    try:
        import httpx_aiohttp  # noqa: F401
        import prometheus_client  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"{command} needs the serve extra ({exc.name} is missing): pip install 'hfgate[serve]'"
        ) from exc


def _describe(database_url: str | None) -> str:
    from hfgate.gateway.store import default_database_path
    from hfgate.gateway.store._common import redact_url

    if not database_url:
        return f"SQLite at {default_database_path()}"
    return redact_url(database_url)
