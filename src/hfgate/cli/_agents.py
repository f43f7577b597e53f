"""How each coding agent is pointed at a gateway for one run: environment variables, flags
before the user's own arguments, and files in the run's throw-away directory. The user's own
config files are never written: each agent layers ours on top of theirs for this run only.

The knobs were read from the installed CLIs (the versions scripts/install-agents.sh pins):

- Claude Code speaks Messages: `ANTHROPIC_BASE_URL` and `ANTHROPIC_AUTH_TOKEN` (sent as a
  Bearer token, no "use this API key?" prompt), every model slot (`ANTHROPIC_MODEL`, the
  opus / sonnet / haiku defaults, subagents) on the one model, `CLAUDE_CODE_MAX_CONTEXT_TOKENS`
  for a model it does not know, no nonessential traffic.
- Codex speaks Responses (its `wire_api` default, left as is): a `model_providers.hfgate`
  given as `-c` overrides, its key read from `$HFGATE_API_KEY` (`env_key`).
- droid: a `--settings` file ("merged for this process only") with one `customModels` entry
  (chat, Responses or Messages) made the session's default model; `${HFGATE_API_KEY}` in it is
  expanded by droid, so the file holds no key.
- opencode: `OPENCODE_CONFIG_CONTENT` (which wins over global and project configs) with an
  `hfgate` provider, openai-compatible (chat) or anthropic; `{env:HFGATE_API_KEY}` again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

KEY_VAR = "HFGATE_API_KEY"
"""Where every agent that can read its key from a variable finds the gateway's key."""
BIN_VAR = "HFGATE_AGENT_BIN_{}"
"""`HFGATE_AGENT_BIN_CLAUDE=/path/to/claude` runs that binary instead of the one on PATH."""


@dataclass(frozen=True, slots=True)
class Connection:
    """What an agent needs to reach the gateway."""

    base_url: str
    """The gateway's root, without `/v1`."""
    key: str = field(repr=False)
    model: str
    api: str
    """The API the agent speaks to the gateway: "chat", "responses" or "messages"."""
    context_window: int | None = None
    """The model's context window in tokens, when the catalog knows it."""


@dataclass(frozen=True, slots=True)
class Handoff:
    """One run's settings for an agent."""

    env: Mapping[str, str]
    args: tuple[str, ...] = ()
    """Given before the user's own arguments."""
    files: Mapping[str, str] = field(default_factory=dict)
    """File name -> content, written in the run's directory (which `args` name)."""
    unset: tuple[str, ...] = ()
    """Variables removed from the agent's environment (they would win over ours)."""


Configure = Callable[[Connection, Path], Handoff]


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    title: str
    package: str
    """The npm package that installs it, for the hint when it is missing."""
    apis: tuple[str, ...]
    """The APIs it can speak, its default first."""
    configure: Configure

    @property
    def bin_var(self) -> str:
        return BIN_VAR.format(self.name.upper())


def _v1(connection: Connection) -> str:
    return connection.base_url.rstrip("/") + "/v1"


def _claude(connection: Connection, run_dir: Path) -> Handoff:
    model = connection.model
    env = {
        "ANTHROPIC_BASE_URL": connection.base_url.rstrip("/"),
        "ANTHROPIC_AUTH_TOKEN": connection.key,
        "ANTHROPIC_MODEL": model,
        "ANTHROPIC_DEFAULT_OPUS_MODEL": model,
        "ANTHROPIC_DEFAULT_SONNET_MODEL": model,
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": model,
        "ANTHROPIC_SMALL_FAST_MODEL": model,  # the haiku slot's older name
        "CLAUDE_CODE_SUBAGENT_MODEL": model,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    if connection.context_window:
        env["CLAUDE_CODE_MAX_CONTEXT_TOKENS"] = str(connection.context_window)
    # Each of these would send Claude Code elsewhere, or make it ask which key to use.
    unset = ("ANTHROPIC_API_KEY", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX",
             "CLAUDE_CODE_USE_FOUNDRY")  # fmt: skip
    return Handoff(env, unset=unset)


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)


def _codex(connection: Connection, run_dir: Path) -> Handoff:
    settings = {
        "model_provider": _toml("hfgate"),
        "model_providers.hfgate.name": _toml("hfgate"),
        "model_providers.hfgate.base_url": _toml(_v1(connection)),
        "model_providers.hfgate.env_key": _toml(KEY_VAR),
        "model": _toml(connection.model),
    }
    if connection.context_window:
        settings["model_context_window"] = str(connection.context_window)
    args = tuple(arg for name, value in settings.items() for arg in ("-c", f"{name}={value}"))
    return Handoff({}, args)


_DROID_PROVIDERS = {
    "chat": "generic-chat-completion-api",
    "responses": "openai",
    "messages": "anthropic",
}
DROID_SETTINGS = "droid-settings.json"


def droid_model_id(display_name: str) -> str:
    """droid's id of a custom model: `custom:<displayName, blanks as ->-<n>`, n counting the
    earlier entries with the same name (0 for ours, whose name is its own)."""
    return "custom:" + "-".join(display_name.split()) + "-0"


def _droid(connection: Connection, run_dir: Path) -> Handoff:
    name = f"hfgate {connection.model}"
    base_url = connection.base_url.rstrip("/") if connection.api == "messages" else _v1(connection)
    entry: dict[str, object] = {
        "model": connection.model,
        "displayName": name,
        "baseUrl": base_url,
        "apiKey": "${" + KEY_VAR + "}",
        "provider": _DROID_PROVIDERS[connection.api],
    }
    if connection.context_window:
        entry["maxContextLimit"] = connection.context_window
    settings = {
        "customModels": [entry],
        "sessionDefaultSettings": {"model": droid_model_id(name)},
    }
    path = run_dir / DROID_SETTINGS
    return Handoff({}, ("--settings", str(path)), {DROID_SETTINGS: json.dumps(settings, indent=2)})


_OPENCODE_PACKAGES = {"chat": "@ai-sdk/openai-compatible", "messages": "@ai-sdk/anthropic"}


def _opencode(connection: Connection, run_dir: Path) -> Handoff:
    model: dict[str, object] = {"name": connection.model, "tool_call": True}
    provider = {
        "npm": _OPENCODE_PACKAGES[connection.api],
        "name": "hfgate",
        "options": {"baseURL": _v1(connection), "apiKey": "{env:" + KEY_VAR + "}"},
        "models": {connection.model: model},
    }
    config = {
        "$schema": "https://opencode.ai/config.json",
        "provider": {"hfgate": provider},
        "model": f"hfgate/{connection.model}",
    }
    return Handoff({"OPENCODE_CONFIG_CONTENT": json.dumps(config)})


AGENTS: dict[str, Agent] = {
    agent.name: agent
    for agent in (
        Agent("claude", "Claude Code", "@anthropic-ai/claude-code", ("messages",), _claude),
        Agent("codex", "Codex", "@openai/codex", ("responses",), _codex),
        Agent("droid", "droid", "droid", ("chat", "responses", "messages"), _droid),
        Agent("opencode", "opencode", "opencode-ai", ("chat", "messages"), _opencode),
    )
}


def handoff_for(agent: Agent, connection: Connection, run_dir: Path) -> Handoff:
    """The agent's settings; the key is always in `$HFGATE_API_KEY` as well."""
    handoff = agent.configure(connection, run_dir)
    return Handoff(
        {KEY_VAR: connection.key, **handoff.env}, handoff.args, handoff.files, handoff.unset
    )
