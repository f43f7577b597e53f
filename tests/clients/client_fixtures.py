"""Fixtures of the client matrix (imported by conftest.py): one gateway for the whole module,
in front of the router emulator, which `ClientScript` drives like a model would; and where
scripts/install-clients.sh put the client libraries (the matrix skips, saying so, only when
they were never installed: .ci/run installs them).

The model is a Hub id, so each client's request crosses the gateway into the router's wire
(chat completions, or Messages for the Anthropic clients) and its answer back: the emulator
reads what arrived and answers it, as in the agent tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from gateway_harness import MASTER, Gateway, router_gateway
from shell_script import WIRES

from hfgate.testing import RecordedRequest, Reply, RouterEmulator, ToolCallSpec

REPO = Path(__file__).resolve().parents[2]
CLIENTS = REPO / ".clients"
MODEL = "deepseek-ai/DeepSeek-V4-Pro"

ANSWER = "Paris is the capital of France."
USAGE = {"prompt_tokens": 11, "completion_tokens": 6}
"""The counts every plain answer reports, so each client's usage can be checked."""
CITY = {"city": "Paris", "country": "France"}
TOOL = "get_weather"
WEATHER = "sunny and 21 C in Paris"
"""What each client's own tool returns; the final answer quotes the result it got back."""


def final_answer(result: str) -> str:
    return f"The tool says: {result}."


@dataclass
class ClientScript:
    """The model: a request that ends in a tool result gets `final_answer(result)`; one that
    offers `get_weather` gets a call to it for Paris; one that asks for JSON (in its prompt or
    format) gets `CITY`; anything else gets `ANSWER` with `USAGE`."""

    requests: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
        body: Mapping[str, Any] = request.json if isinstance(request.json, Mapping) else {}
        wire = next(w for suffix, w in WIRES.items() if request.path.endswith(suffix))
        result = wire.tool_result(body)
        if result is not None:
            return Reply.text(final_answer(result), usage=USAGE, chunk_size=6)
        if TOOL in wire.tools(body):
            return Reply.tool_calls([ToolCallSpec(TOOL, {"city": "Paris"})], usage=USAGE)
        if "JSON" in json.dumps(body) or "json" in json.dumps(body.get("response_format")):
            return Reply.text(json.dumps(CITY), usage=USAGE, chunk_size=6)
        return Reply.text(ANSWER, usage=USAGE, chunk_size=6)

    def since(self, mark: int) -> list[RecordedRequest]:
        """The requests that arrived after `mark` (a length of `requests`)."""
        with self._lock:
            return self.requests[mark:]


@dataclass
class Matrix:
    """The running gateway, its router emulator and the script playing the model."""

    gateway: Gateway
    router: RouterEmulator
    script: ClientScript
    env: dict[str, str]
    """What the gateway reads from the environment per request (its HF key, its settings)."""

    @property
    def openai_base(self) -> str:
        return f"{self.gateway.url}/v1"

    @property
    def key(self) -> str:
        return MASTER


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    """A gateway on SQLite in front of the router emulator, shared by a module's cases."""
    from hfgate.routing.catalog import CACHE_DIR_ENV

    tmp = tmp_path_factory.mktemp("clients")
    settings = tmp / "settings.json"
    settings.write_text('{"customModels": []}')
    script = ClientScript()
    with pytest.MonkeyPatch.context() as patch, RouterEmulator(require_auth=True) as router:
        env = {
            CACHE_DIR_ENV: str(tmp / "cache"),
            "HF_TOKEN": "hf_client_matrix_upstream_key",
            "HFGATE_ROUTER_URL": router.base_url,
            "HFGATE_SETTINGS": str(settings),
        }
        for name, value in env.items():
            patch.setenv(name, value)
        router.responder = script
        with router_gateway(router.base_url, str(tmp / "gateway.sqlite3")) as gateway:
            yield Matrix(gateway, router, script, env)


@pytest.fixture(autouse=True)
def matrix_env(matrix: Matrix, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway's environment again for each test, after the suite's `clean_env` took the
    keys out."""
    for name, value in matrix.env.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def installed_clients() -> Path:
    """The directory scripts/install-clients.sh filled (node packages and its pins stamp)."""
    if not (CLIENTS / ".pins").is_file():
        pytest.skip(
            f"the client libraries are not installed in {CLIENTS}: run "
            "scripts/install-clients.sh (.ci/run does)"
        )
    return CLIENTS
