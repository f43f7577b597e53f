"""Keys, limits and money: model patterns, requests per minute, budgets, revocation,
fallbacks, and a usage row for every request (streams and hang-ups included)."""

from __future__ import annotations

import json
import time
from typing import Any

import anthropic
import httpx
import openai
import pytest
from gateway_harness import MASTER, Gateway, usage_rows, wait_for

from hfgate.testing import OpenAIEmulator, Reply, RouterEmulator

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
ASK = [{"role": "user", "content": "x"}]
# together serves MODEL at $2.10 per 1M input tokens in the emulator's catalog: 100k = $0.21
PRICED = {"prompt_tokens": 100_000, "completion_tokens": 0}


def posted(emulator: Any) -> list[Any]:
    """The model calls an emulator got (not the catalog fetch)."""
    return [r for r in emulator.requests if r.method == "POST"]


def test_usage_row_per_request(gateway: Gateway, upstream: RouterEmulator, store_url: str) -> None:
    key = gateway.new_key("accounting")
    upstream.push(Reply.text("ok", usage=PRICED, cached_tokens=5000, reasoning_tokens=0))
    raw = gateway.openai(key).chat.completions.with_raw_response.create(model=MODEL, messages=ASK)
    with pytest.raises(openai.NotFoundError):
        gateway.openai(key).chat.completions.create(model="nope", messages=ASK)

    rows = usage_rows(store_url)
    assert len(rows) == 2
    ok, failed = rows
    assert ok["request_id"] == raw.headers["x-request-id"]
    assert (ok["model"], ok["served_model"], ok["provider"]) == (MODEL, MODEL, "together")
    assert (ok["status"], ok["api"], ok["input_tokens"], ok["cached_tokens"]) == (
        200, "chat", 100_000, 5000)  # fmt: skip
    assert ok["cost_usd"] == pytest.approx(0.21 - 5000 * 2.1e-6 + 5000 * 2.1e-6, rel=0.2)
    assert ok["key_id"] and ok["latency_ms"] > 0 and not ok["error"]
    assert (failed["status"], failed["error"]) == (404, "InvalidModelError")


def test_model_patterns(gateway: Gateway, upstream: RouterEmulator) -> None:
    key = gateway.new_key("qwen", models=["Qwen/*"])
    client = gateway.openai(key)
    client.chat.completions.create(model="Qwen/Qwen3-32B", messages=ASK)
    client.chat.completions.create(model="qwen/qwen3-32b:fastest", messages=ASK)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(model=MODEL, messages=ASK)
    assert "may not use model" in caught.value.message and "Qwen/*" in caught.value.message
    with pytest.raises(anthropic.PermissionDeniedError):
        gateway.anthropic(key).messages.create(model=MODEL, max_tokens=5, messages=ASK)  # type: ignore[arg-type]


def test_rate_limit_is_429_with_retry_after(gateway: Gateway, upstream: RouterEmulator) -> None:
    key = gateway.new_key("slow", rpm=3)
    client = gateway.openai(key)
    for _ in range(3):
        client.chat.completions.create(model=MODEL, messages=ASK)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=MODEL, messages=ASK)
    wait = int(caught.value.response.headers["retry-after"])
    assert 1 <= wait <= 60
    assert "3 requests per minute" in caught.value.message
    with pytest.raises(anthropic.RateLimitError) as over:
        gateway.anthropic(key).messages.create(model=MODEL, max_tokens=5, messages=ASK)  # type: ignore[arg-type]
    assert over.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert len(posted(upstream)) == 3  # refused requests never went upstream


def test_budget(gateway: Gateway, upstream: RouterEmulator) -> None:
    key = gateway.new_key("capped", budget_usd=0.5)
    upstream.default_reply = Reply.text("spent", usage=PRICED)
    client = gateway.openai(key)
    for _ in range(3):  # 0 -> 0.21 -> 0.42 -> 0.63: the third starts under budget
        client.chat.completions.create(model=MODEL, messages=ASK)

    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=MODEL, messages=ASK)
    assert caught.value.status_code == 402
    assert "used up: $0.6300 spent of $0.5000." in caught.value.message  # one precision
    assert caught.value.body["code"] == "budget_exceeded"  # type: ignore[index]
    with pytest.raises(anthropic.APIStatusError) as refused:
        gateway.anthropic(key).messages.create(model=MODEL, max_tokens=5, messages=ASK)  # type: ignore[arg-type]
    assert refused.value.status_code == 402
    assert refused.value.body["error"]["type"] == "billing_error"  # type: ignore[index]

    listed = httpx.get(f"{gateway.url}/keys", headers={"authorization": f"Bearer {MASTER}"})
    capped = [k for k in listed.json()["data"] if k["name"] == "capped"][0]
    assert capped["spent_usd"] == pytest.approx(0.63)
    assert "salt" not in capped and "hash" not in capped


def test_revoked_key(gateway: Gateway, upstream: RouterEmulator) -> None:
    key = gateway.new_key("short-lived")
    gateway.openai(key).chat.completions.create(model=MODEL, messages=ASK)
    answer = httpx.delete(
        f"{gateway.url}/keys/short-lived", headers={"authorization": f"Bearer {MASTER}"}
    )
    assert answer.json() == {"id": "short-lived", "revoked": True}
    with pytest.raises(openai.AuthenticationError) as caught:
        gateway.openai(key).chat.completions.create(model=MODEL, messages=ASK)
    assert "revoked" in caught.value.message


def test_keys_api_needs_the_master_key(gateway: Gateway) -> None:
    key = gateway.new_key("plain")
    for method, path in (("GET", "/keys"), ("POST", "/keys"), ("DELETE", "/keys/plain")):
        answer = httpx.request(method, f"{gateway.url}{path}", json={"name": "x"},
                               headers={"authorization": f"Bearer {key}"})  # fmt: skip
        assert answer.status_code == 403, (method, path)
    bad = gateway.post("/keys", {"name": "x", "rpm": -1})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "rpm"
    created = gateway.post("/keys", {"name": "shown-once", "models": "a/*, b"})
    assert created.json()["models"] == ["a/*", "b"]
    listed = httpx.get(f"{gateway.url}/keys", headers={"authorization": f"Bearer {MASTER}"})
    assert created.json()["key"] not in listed.text


@pytest.fixture
def primary(write_models: Any, openai_upstream: OpenAIEmulator) -> OpenAIEmulator:
    """`Primary`: a settings model on the OpenAI-compatible emulator, falling back to a
    router model."""
    write_models({"model": "gpt-prime", "displayName": "Primary",
                  "provider": "generic-chat-completion-api",
                  "baseUrl": openai_upstream.base_url, "apiKey": "sk-upstream",
                  "fallbacks": ["no-such-name", MODEL]})  # fmt: skip
    return openai_upstream


@pytest.mark.parametrize(
    "failure",
    [Reply.error_string(503, "down"), Reply.error_string(429, "busy"), Reply.disconnect()],
    ids=["503", "429", "connection"],
)
def test_fallback_before_the_first_byte(
    gateway: Gateway, upstream: RouterEmulator, primary: OpenAIEmulator, failure: Reply,
    store_url: str,
) -> None:  # fmt: skip
    primary.push(failure, failure)
    upstream.push(Reply.text("from the fallback"), Reply.text("streamed fallback"))
    client = gateway.openai()

    raw = client.chat.completions.with_raw_response.create(model="Primary", messages=ASK)
    chunks = list(client.chat.completions.create(model="Primary", messages=ASK, stream=True))

    assert raw.parse().choices[0].message.content == "from the fallback"
    assert raw.parse().model == MODEL
    assert (raw.headers["x-hfgate-model"], raw.headers["x-hfgate-provider"]) == (
        MODEL, "together")  # fmt: skip
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "streamed fallback"
    assert chunks[0].model == MODEL
    rows = usage_rows(store_url)
    assert [(r["model"], r["served_model"]) for r in rows] == [("Primary", MODEL)] * 2


def test_no_fallback_for_a_client_error(
    gateway: Gateway, upstream: RouterEmulator, primary: OpenAIEmulator
) -> None:
    primary.push(Reply.error_string(400, "bad request"))
    with pytest.raises(openai.BadRequestError):
        gateway.openai().chat.completions.create(model="Primary", messages=ASK)
    assert posted(upstream) == []


def test_error_after_the_first_byte_reaches_the_client(
    gateway: Gateway, upstream: RouterEmulator, store_url: str
) -> None:
    upstream.push(Reply.stream_error("provider crashed", after_chunks=2, as_object=True,
                                     error_type="server_error"))  # fmt: skip
    with pytest.raises(openai.APIError) as caught:
        list(gateway.openai().chat.completions.create(model=MODEL, messages=ASK, stream=True))
    assert "provider crashed" in str(caught.value)
    row = usage_rows(store_url)[-1]
    assert (row["status"], row["error"], bool(row["stream"])) == (502, "StreamError", True)


def test_client_hang_up_cancels_the_upstream_and_is_recorded(
    gateway: Gateway, upstream: RouterEmulator, store_url: str
) -> None:
    upstream.push(Reply.text("word " * 200, chunk_size=5, chunk_delay=0.05))  # ~10 s
    body = {"model": MODEL, "messages": ASK, "stream": True}
    started = time.monotonic()
    with httpx.stream("POST", f"{gateway.url}/v1/chat/completions", json=body,
                      headers={"authorization": f"Bearer {MASTER}"}) as answer:  # fmt: skip
        lines = answer.iter_lines()
        assert next(lines).startswith("data: ")
    rows = wait_for(lambda: usage_rows(store_url), timeout=5)
    assert time.monotonic() - started < 5  # long before the upstream would have finished
    assert (rows[0]["status"], rows[0]["error"]) == (499, "ClientDisconnected")
    # Charged an estimate (the provider charged for what it generated); tokens stay unknown.
    assert rows[0]["cost_usd"] > 0 and rows[0]["output_tokens"] is None
    # The upstream connection was closed too: the emulator stopped writing to it.
    assert wait_for(lambda: upstream.pending == 0)


def test_metrics(gateway: Gateway, upstream: RouterEmulator) -> None:
    key = gateway.new_key("metered")
    upstream.push(Reply.text("ok", usage=PRICED))
    gateway.openai(key).chat.completions.create(model=MODEL, messages=ASK)
    with pytest.raises(openai.NotFoundError):
        gateway.openai(key).chat.completions.create(model="nope", messages=ASK)

    text = httpx.get(f"{gateway.url}/metrics").text
    assert (  # prometheus_client sorts the labels
        'hfgate_requests_total{api="chat",key="metered",model="deepseek-ai/DeepSeek-V4-Pro",'
        'provider="together",status="200"} 1.0' in text
    )
    assert (
        'hfgate_errors_total{api="chat",error="InvalidModelError",key="metered",model="-",'
        'provider=""} 1.0' in text
    )
    assert (
        'hfgate_tokens_total{key="metered",kind="input",model="deepseek-ai/DeepSeek-V4-Pro",'
        'provider="together"} 100000.0' in text
    )
    assert "hfgate_cost_usd_total" in text and "hfgate_request_duration_seconds_bucket" in text
    assert key not in text


def test_health(gateway: Gateway) -> None:
    answer = httpx.get(f"{gateway.url}/health")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert json.loads(answer.text)["database"] == "ok"


def test_a_key_bills_its_router_calls_to_its_organization(
    gateway: Gateway, upstream: RouterEmulator, write_models: Any, openai_upstream: OpenAIEmulator
) -> None:
    write_models(
        {"model": "gpt-x", "displayName": "Mine", "provider": "openai",
         "baseUrl": openai_upstream.base_url, "apiKey": "sk-mine"}
    )  # fmt: skip
    billed = gateway.new_key("team", bill_to="acme-research")
    plain = gateway.new_key("solo")
    upstream.push(Reply.text("a"), Reply.text("b"))
    openai_upstream.push(Reply.text("c"))
    gateway.openai(billed).chat.completions.create(model=MODEL, messages=ASK)
    gateway.anthropic(billed).messages.create(model=MODEL, max_tokens=5, messages=ASK)
    gateway.openai(plain).chat.completions.create(model=MODEL, messages=ASK)
    gateway.openai(billed).chat.completions.create(model="Mine", messages=ASK)
    sent = [r.headers.get("x-hf-bill-to") for r in posted(upstream)]
    assert sent == ["acme-research", "acme-research", None]
    assert "x-hf-bill-to" not in posted(openai_upstream)[-1].headers  # not a router call
    listed = httpx.get(f"{gateway.url}/keys", headers={"authorization": f"Bearer {MASTER}"})
    by_name = {k["name"]: k["bill_to"] for k in listed.json()["data"]}
    assert by_name == {"team": "acme-research", "solo": None}


@pytest.mark.parametrize("bill_to", ["acme research", "x\r\nEvil: 1", "-lead", 7])
def test_a_bill_to_that_is_no_organization_name_is_refused(gateway: Gateway, bill_to: Any) -> None:
    answer = httpx.post(
        f"{gateway.url}/keys",
        json={"name": "bad", "bill_to": bill_to},
        headers={"authorization": f"Bearer {MASTER}"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == "bill_to"
    assert "organization" in answer.json()["error"]["message"]
