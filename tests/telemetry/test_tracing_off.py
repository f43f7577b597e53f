"""Tracing off: nothing of OpenTelemetry is imported and nothing is exported, for library
calls and gateway requests alike; configured without the extra: one warning naming it, and
the calls still work. Each case runs in a fresh Python, where `sys.modules` tells the truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from otlp_receiver import OtlpReceiver

from hfgate.testing import Reply, RouterEmulator

GUARD = Path(__file__).resolve().parent.parent / "offline_guard"

SCRIPT = """
import json, sys
if sys.argv[1] == "no-extra":
    sys.modules["opentelemetry"] = None  # as if hfgate[otel] were not installed
import hfgate
from starlette.testclient import TestClient
from hfgate.gateway.app import create_app
from hfgate.gateway.config import GatewayConfig

url, database = sys.argv[2], sys.argv[3]
client = hfgate.Client(api_key="hf_test_key", base_url=url, hf_router=True)
said = [client.generate_text(model="Qwen/Qwen3-32B", prompt="hi").text]
said.append(client.stream_text(model="Qwen/Qwen3-32B", prompt="hi").result.text)
config = GatewayConfig(database_url=database, master_key="m", router_url=url,
                       refresh_catalog=False, upstream_retries=0)
with TestClient(create_app(config)) as gateway:
    body = {"model": "Qwen/Qwen3-32B", "messages": [{"role": "user", "content": "hi"}]}
    answer = gateway.post("/v1/chat/completions", json=body,
                          headers={"authorization": "Bearer m"})
    said.append(answer.json()["choices"][0]["message"]["content"])
loaded = sorted({m.split(".")[0] for m in sys.modules if m.startswith("opentelemetry")
                 and sys.modules[m] is not None})
print(json.dumps({"said": said, "loaded": loaded}))
"""


def run(case: str, router: RouterEmulator, tmp_path: Path, **env: str) -> tuple[Any, str]:
    router.push(*[Reply.text("Paris.")] * 3)
    variables = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OTEL_") and k not in ("PYTHONPATH", "PYTHONWARNINGS")
    }
    variables.update(
        PYTHONPATH=str(GUARD),
        HF_TOKEN="hf_gateway_upstream_key",
        HFGATE_CACHE_DIR=str(tmp_path / "cache"),
        **env,
    )
    database = f"sqlite:///{tmp_path / 'gateway.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, case, router.base_url, database],
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_unconfigured_imports_nothing_and_sends_no_traceparent(
    router: RouterEmulator, tmp_path: Path
) -> None:
    report, stderr = run("plain", router, tmp_path)
    assert report == {"said": ["Paris."] * 3, "loaded": []}
    assert "opentelemetry" not in stderr.lower()
    assert len(router.requests) == 3
    assert not [r for r in router.requests if "traceparent" in r.headers]


@pytest.mark.parametrize(
    "switch", [{"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}], ids=str
)
def test_switched_off_exports_nothing(
    router: RouterEmulator, tmp_path: Path, switch: dict[str, str]
) -> None:
    with OtlpReceiver() as receiver:
        report, _ = run(
            "plain", router, tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, **switch
        )
    assert report["loaded"] == []
    assert receiver.bodies == [] and receiver.problems == []
    assert not [r for r in router.requests if "traceparent" in r.headers]


def test_configured_without_the_extra_warns_once_and_works(
    router: RouterEmulator, tmp_path: Path
) -> None:
    report, stderr = run(
        "no-extra", router, tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318"
    )
    assert report == {"said": ["Paris."] * 3, "loaded": []}
    assert stderr.count("pip install 'hfgate[otel]'") == 1, stderr
    assert "RuntimeWarning" in stderr


@pytest.mark.parametrize("variable", ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])
def test_the_traces_endpoint_alone_turns_tracing_on(
    router: RouterEmulator, tmp_path: Path, variable: str
) -> None:
    with OtlpReceiver() as receiver:
        report, _ = run("plain", router, tmp_path, **{variable: f"{receiver.url}/v1/traces"})
        names = sorted({span.name for span in receiver.spans})
        services = {span.resource["service.name"] for span in receiver.spans}
    assert report["loaded"] == ["opentelemetry"]
    assert names == ["POST /v1/chat/completions", "chat Qwen/Qwen3-32B"]
    assert len(receiver.spans) == 3
    assert services == {"hfgate"}  # the library's calls came first in that process
    assert receiver.problems == []
    assert all("traceparent" in r.headers for r in router.requests)
