"""Tracing on, into a real OTLP receiver on loopback; the gateway's fixtures for its tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gateway_fixtures import upstream, write_models  # noqa: F401
from otlp_receiver import OtlpReceiver, Traces

from hfgate import telemetry


@pytest.fixture
def otlp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Traces]:
    """Tracing on for this test, exported over OTLP/HTTP to a receiver of its own."""
    with OtlpReceiver() as receiver:
        for var in ("OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        telemetry.reconfigure()
        try:
            yield Traces(receiver)
        finally:
            telemetry.reconfigure()
