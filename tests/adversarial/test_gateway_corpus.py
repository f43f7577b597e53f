"""Every shape of the adversarial corpus as the upstream of a real gateway, through each of its
three ingress APIs: no 500, ever; a malformed or cut-short upstream answer is a 502 in the
client's own error format; no credential reaches the client or the log; and the usage row
records the status the client got."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from corpus import TIMEOUT, Shape, corpus
from gateway_harness import MASTER, Gateway, gateway_in_thread
from raw_server import RawServer, raw_server

from hfgate.gateway.config import GatewayConfig

SECRETS = {
    "chat": "sk-SECRETchatUPSTREAM0123456",
    "responses": "sk-SECREToaiUPSTREAM0123456",
    "messages": "sk-ant-SECRETantUPSTREAM0123",
}
MODELS = {"chat": "chat-m", "responses": "resp-m", "messages": "msg-m"}
PROVIDERS = {
    "chat": "generic-chat-completion-api",
    "responses": "openai",
    "messages": "anthropic",
}
SHAPES = corpus()
INGRESS = {
    "/v1/chat/completions": lambda model: {
        "model": model,
        "messages": [{"role": "user", "content": "hi"}],
    },
    "/v1/responses": lambda model: {"model": model, "input": "hi"},
    "/v1/messages": lambda model: {
        "model": model,
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "hi"}],
    },
}
statuses: Counter[int] = Counter()
SETTINGS: dict[str, str] = {}


@pytest.fixture(scope="module")
def upstream() -> Iterator[RawServer]:
    with raw_server() as running:
        yield running


@pytest.fixture(scope="module")
def gateway(upstream: RawServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder = tmp_path_factory.mktemp("gateway-corpus")
    settings = folder / "settings.json"
    models = [
        {
            "model": "m",
            "displayName": MODELS[fmt],
            "provider": PROVIDERS[fmt],
            "baseUrl": upstream.url if fmt == "messages" else f"{upstream.url}/v1",
            "apiKey": SECRETS[fmt],
        }
        for fmt in MODELS
    ]
    settings.write_text(json.dumps({"customModels": models}))
    config = GatewayConfig(
        database_url=str(folder / "gateway.sqlite3"),
        master_key=MASTER,
        router_url=f"{upstream.url}/v1",
        refresh_catalog=False,
        upstream_retries=0,
        upstream_timeout=TIMEOUT,
    )
    with gateway_in_thread(config) as running:
        SETTINGS["path"] = str(settings)
        yield running


@pytest.fixture(autouse=True)
def settings_file(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings are read per request, and every test starts with a clean environment."""
    monkeypatch.setenv("HFGATE_SETTINGS", SETTINGS["path"])


def _last_status(database: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT status FROM usage ORDER BY id DESC LIMIT 1").fetchone()[0])


def _error_of(path: str, body: Any) -> Any:
    if path == "/v1/messages":
        assert body["type"] == "error", body
        return body["error"]
    return body["error"]


@pytest.mark.parametrize("path", INGRESS)
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_the_gateway_answers_every_upstream_shape_in_the_clients_api(
    shape: Shape,
    path: str,
    upstream: RawServer,
    gateway: Gateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    upstream.script = shape.script
    caplog.set_level(logging.DEBUG, logger="hfgate")
    body = {**INGRESS[path](MODELS[shape.format]), "stream": shape.streamed}
    headers = {"authorization": f"Bearer {MASTER}", "anthropic-version": "2023-06-01"}
    answer = httpx.post(f"{gateway.url}{path}", json=body, headers=headers, timeout=20)
    statuses[answer.status_code] += 1
    text = answer.text
    secret = SECRETS[shape.format]
    assert answer.status_code != 500, text[:300]
    assert secret not in text and secret not in str(answer.headers)
    for record in caplog.records:
        assert secret not in record.getMessage(), f"the key is in a log record: {record.name}"
    if shape.streamed:
        assert answer.status_code in (200, 502, 504) or 400 <= answer.status_code < 500, text
        if shape.expect == "result":
            assert answer.status_code == 200 and '"hi"' in text, text
            failed = ('"type":"error"', "event: error", 'data: {"error"', "response.failed")
            assert not any(mark in text for mark in failed), text
        return
    if answer.status_code != 200:
        error = _error_of(path, answer.json())
        assert isinstance(error["message"], str) and error["message"]
    assert _last_status(gateway.database_url) == answer.status_code
    if shape.expect == "result":
        assert answer.status_code == 200, text[:300]
    if shape.expect == "MalformedResponseError":
        assert answer.status_code == 502, text[:300]
        assert "malformed" in answer.json().get("error", {}).get("message", "") or (
            "malformed" in str(answer.json())
        )


def test_the_counts(request: pytest.FixtureRequest) -> None:
    """Runs last in this module: the outcome counts, for the closing note (-s shows them)."""
    print(f"\ngateway corpus statuses: {dict(sorted(statuses.items()))}")
