"""The export through a real collector: hfgate's exporter -> Rotel (a lightweight
OpenTelemetry collector, its binary shipped in the `rotel` wheel on PyPI) over OTLP/HTTP ->
Rotel's own OTLP exporter -> the receiver. A collector that accepts the bytes and forwards the
spans with every attribute intact is the proof that a deployment's pipeline would."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_harness import router_gateway
from otlp_receiver import OtlpReceiver, ReceivedSpan, Traces

import hfgate
from hfgate import telemetry
from hfgate.testing import Reply, RouterEmulator


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _rotel_agent() -> Path:
    import rotel

    return Path(rotel.__file__).parent / "rotel-agent"


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Traces]:
    """Rotel on loopback, forwarding to a receiver at once (no batching); hfgate points at
    Rotel, never at the receiver."""
    with OtlpReceiver() as receiver:
        http_port = _free_port()
        command = [
            str(_rotel_agent()), "start",
            "--otlp-http-endpoint", f"127.0.0.1:{http_port}",
            "--otlp-grpc-endpoint", f"127.0.0.1:{_free_port()}",
            "--exporter", "otlp", "--otlp-exporter-protocol", "http",
            "--otlp-exporter-endpoint", receiver.url,
            "--disable-batching", "--pid-file", str(tmp_path / "rotel.pid"),
        ]  # fmt: skip
        log = (tmp_path / "rotel.log").open("wb")
        agent = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(http_port, agent, tmp_path / "rotel.log")
            monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{http_port}")
            telemetry.reconfigure()
            yield Traces(receiver)
            telemetry.reconfigure()
        finally:
            agent.terminate()
            try:
                agent.wait(10)
            except subprocess.TimeoutExpired:
                agent.kill()
                agent.wait(10)
            log.close()


def _wait_for_port(port: int, agent: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if agent.poll() is not None:
            raise RuntimeError(f"rotel exited: {log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"rotel did not listen: {log.read_text()[-2000:]}")


def _arrived(traces: Traces, count: int) -> list[ReceivedSpan]:
    deadline = time.monotonic() + 10
    while len(spans := traces.spans()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return spans


def test_library_and_gateway_spans_pass_a_collector_intact(
    collector: Traces, upstream: RouterEmulator, tmp_path: Path
) -> None:
    upstream.push(*[Reply.text("Paris.", usage={"prompt_tokens": 7, "completion_tokens": 1},
                               provider="groq")] * 2)  # fmt: skip
    with hfgate.Client(api_key="hf_test_key", base_url=upstream.base_url, hf_router=True) as c:
        c.generate_text(model="Qwen/Qwen3-32B", prompt="a private question", max_tokens=9)
    with router_gateway(upstream.base_url, f"sqlite:///{tmp_path / 'gw.sqlite3'}") as gateway:
        key = gateway.new_key("team-a")
        body = {"model": "Qwen/Qwen3-32B", "messages": [{"role": "user", "content": "private"}]}
        assert gateway.post("/v1/chat/completions", body, key=key).status_code == 200
    spans = {s.name: s for s in _arrived(collector, 2)}
    chat, server = spans["chat Qwen/Qwen3-32B"], spans["POST /v1/chat/completions"]
    assert (chat.kind, server.kind) == ("CLIENT", "SERVER")
    assert {k: chat.attributes[k] for k in ("gen_ai.request.max_tokens", "gen_ai.provider.name",
                                            "gen_ai.usage.input_tokens")} == {
        "gen_ai.request.max_tokens": 9, "gen_ai.provider.name": "groq",
        "gen_ai.usage.input_tokens": 7,
    }  # fmt: skip
    assert server.attributes["hfgate.key.name"] == "team-a"
    assert server.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    dump = collector.dump()
    for forbidden in (key, "hf_test_key", "private", "Paris", "authorization"):
        assert forbidden.encode() not in dump
