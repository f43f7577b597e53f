# The agent tests' fixtures live in agent_fixtures.py; the router emulator and the settings
# file are the gateway tests' own.
from agent_fixtures import agent_bin, agent_env, gateway, script, workspace  # noqa: F401
from gateway_fixtures import upstream, write_models  # noqa: F401
