"""What a hostile or careless client must not get from the gateway: upstream secrets and
addresses, local files, models outside its key, unmetered spend, endless metrics series, or
a 500 from a strange body."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest
from gateway_fixtures import HF_KEY
from gateway_harness import MASTER, Gateway

from hfgate.testing import OpenAIEmulator, Reply, RouterEmulator

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
ASK = [{"role": "user", "content": "x"}]


def test_an_upstream_echoing_its_key_mid_stream_is_redacted(
    gateway: Gateway, upstream: RouterEmulator, write_models: Any, openai_upstream: OpenAIEmulator
) -> None:
    write_models({"model": "m", "displayName": "Mine", "provider": "generic-chat-completion-api",
                  "baseUrl": openai_upstream.base_url, "apiKey": "sk-settings-secret",
                  "extraHeaders": {"X-Secret-Token": "tok-extra-secret"}})  # fmt: skip
    upstream.push(Reply.stream_error(f"bad key {HF_KEY}", after_chunks=1, as_object=True))
    openai_upstream.push(
        Reply.stream_error("bad sk-settings-secret tok-extra-secret", as_object=True),
        Reply.error_string(400, "rejected header tok-extra-secret"),
    )
    client = gateway.openai()
    seen: list[str] = []
    for model in (MODEL, "Mine"):
        with pytest.raises(openai.APIError) as caught:
            list(client.chat.completions.create(model=model, messages=ASK, stream=True))
        seen.append(str(caught.value))
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="Mine", messages=ASK)
    seen.append(json.dumps(bad.value.body))
    text = " ".join(seen)
    assert "bad key ***" in text
    for secret in (HF_KEY, "sk-settings-secret", "tok-extra-secret"):
        assert secret not in text


def test_no_local_files(gateway: Gateway) -> None:
    for model in ("local//etc", "local/~", "local/../../x.gguf"):
        with pytest.raises(openai.NotFoundError) as caught:
            gateway.openai().chat.completions.create(model=model, messages=ASK)
        assert "Unknown model" in caught.value.message
        assert "is a directory" not in caught.value.message


def test_fallbacks_stay_inside_the_keys_patterns(
    gateway: Gateway, upstream: RouterEmulator, write_models: Any, openai_upstream: OpenAIEmulator
) -> None:
    write_models({"model": "c", "displayName": "cheap", "provider": "generic-chat-completion-api",
                  "baseUrl": openai_upstream.base_url, "apiKey": "sk-x",
                  "fallbacks": [MODEL]})  # fmt: skip
    key = gateway.new_key("cheap-only", models=["cheap"])
    openai_upstream.push(Reply.error_string(500, "down"), Reply.error_string(500, "down"))
    with pytest.raises(openai.InternalServerError):
        gateway.openai(key).chat.completions.create(model="cheap", messages=ASK)
    served = gateway.openai().chat.completions.with_raw_response.create(model="cheap", messages=ASK)
    assert served.headers["x-hfgate-model"] == MODEL  # the master key may fall back


def test_upstream_addresses_and_operator_details_stay_in_the_log(
    gateway: Gateway, write_models: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_models(
        {"model": "m", "displayName": "gone", "provider": "generic-chat-completion-api",
         "baseUrl": "http://user:pw@127.0.0.1:9/v1", "apiKey": "sk-x"},
        {"model": "m", "displayName": "refused", "provider": "generic-chat-completion-api",
         "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "sk-x"},
        {"model": "m", "displayName": "broken", "provider": "generic-chat-completion-api",
         "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "${UNSET_SECRET_VAR}"},
    )  # fmt: skip
    client = gateway.openai()
    with pytest.raises(openai.APIStatusError) as unreachable:
        client.chat.completions.create(model="gone", messages=ASK)
    assert unreachable.value.status_code == 502
    with pytest.raises(openai.APIStatusError) as refused:  # refused is not a timeout: 502
        client.chat.completions.create(model="refused", messages=ASK)
    assert refused.value.status_code == 502 and "could not be reached" in refused.value.message
    with pytest.raises(openai.APIStatusError) as broken:
        client.chat.completions.create(model="broken", messages=ASK)
    with pytest.raises(openai.NotFoundError) as no_key:
        client.chat.completions.create(model="openai:gpt-5", messages=ASK)
    assert no_key.value.body["code"] == "model_not_available"  # type: ignore[index]
    text = " ".join(str(e.value.body) for e in (unreachable, broken, no_key))
    for detail in ("127.0.0.1:9", "pw@", "UNSET_SECRET_VAR", "settings.json", "OPENAI_API_KEY"):
        assert detail not in text


def test_an_upstream_refusing_the_gateways_key_is_not_the_clients_401(
    gateway: Gateway, upstream: RouterEmulator
) -> None:
    upstream.push(Reply.error_string(401, f"Invalid token {HF_KEY[:6]}...{HF_KEY[-4:]}"))
    with pytest.raises(openai.APIStatusError) as caught:
        gateway.openai().chat.completions.create(model=MODEL, messages=ASK)
    assert caught.value.status_code == 502
    assert HF_KEY[-4:] not in caught.value.message
    assert caught.value.response.headers["x-should-retry"] == "false"


def test_a_budget_only_buys_priced_models(
    gateway: Gateway, write_models: Any, openai_upstream: OpenAIEmulator
) -> None:
    write_models({"model": "m", "displayName": "unpriced",
                  "provider": "generic-chat-completion-api",
                  "baseUrl": openai_upstream.base_url, "apiKey": "sk-x"})  # fmt: skip
    key = gateway.new_key("budgeted", budget_usd=1)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        gateway.openai(key).chat.completions.create(model="unpriced", messages=ASK)
    assert caught.value.body["code"] == "model_not_priced"  # type: ignore[index]
    gateway.openai(key).chat.completions.create(model=MODEL, messages=ASK)  # priced: fine
    gateway.openai().chat.completions.create(model="unpriced", messages=ASK)  # no budget: fine


def test_client_model_strings_never_become_metric_labels(gateway: Gateway) -> None:
    for n in range(5):
        with pytest.raises(openai.NotFoundError):
            gateway.openai().chat.completions.create(model=f"junk-{n}", messages=ASK)
    text = httpx.get(f"{gateway.url}/metrics").text
    assert "junk-" not in text
    assert 'model="-"' in text


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"model": "m", "messages": [], "temperature": NaN}', "NaN is not a JSON value"),
        (b"[" * 5000 + b"]" * 5000, "nests too deeply"),
        (b'{"model": 1, "messages": {}}', "model"),
        (b'{"model": "m", "messages": [{"role": "user", "content": [{"type": 7}]}]}', "type"),
    ],
)
def test_strange_bodies_are_400s(gateway: Gateway, body: bytes, needle: str) -> None:
    for path in ("/v1/chat/completions", "/v1/responses", "/v1/messages", "/keys"):
        answer = httpx.post(f"{gateway.url}{path}", content=body, headers={
            "authorization": f"Bearer {MASTER}", "content-type": "application/json"})  # fmt: skip
        assert answer.status_code == 400, (path, answer.text)
        assert "Traceback" not in answer.text
    assert needle in answer.text or path == "/keys"


def test_non_finite_budgets_are_refused(gateway: Gateway) -> None:
    answer = gateway.post("/keys", content=b'{"name": "x", "budget_usd": Infinity}',
                          headers={"content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 400
    assert httpx.get(
        f"{gateway.url}/keys", headers={"authorization": f"Bearer {MASTER}"}
    ).is_success


def test_an_error_inside_a_200_keeps_its_meaning(
    gateway: Gateway, upstream: RouterEmulator
) -> None:
    upstream.push(Reply.stream_error("max_tokens too large", error_type="validation",
                                     after_chunks=0))  # fmt: skip
    with pytest.raises(openai.BadRequestError) as caught:
        list(gateway.openai().chat.completions.create(model=MODEL, messages=ASK, stream=True))
    assert "max_tokens too large" in caught.value.message


def test_revoked_keys_cannot_list_models(gateway: Gateway) -> None:
    key = gateway.new_key("lister")
    assert gateway.openai(key).models.list().data
    gateway.post("/keys", None)  # noise: a failed admin call in between
    httpx.delete(f"{gateway.url}/keys/lister", headers={"authorization": f"Bearer {MASTER}"})
    with pytest.raises(openai.AuthenticationError):
        gateway.openai(key).models.list()
    with pytest.raises(anthropic.AuthenticationError) as caught:
        gateway.anthropic(key).models.list()
    assert caught.value.body["type"] == "error"  # type: ignore[index]


def test_the_operators_extra_args_win_over_the_clients(
    gateway: Gateway, write_models: Any, openai_upstream: OpenAIEmulator
) -> None:
    write_models({"model": "m", "displayName": "pinned", "provider": "generic-chat-completion-api",
                  "baseUrl": openai_upstream.base_url, "apiKey": "sk-x",
                  "extraArgs": {"service_tier": "flex", "provider": {"order": ["a"]}}})  # fmt: skip
    gateway.openai().chat.completions.create(
        model="pinned", messages=ASK, service_tier="priority", extra_body={"top_k": 5}
    )
    sent = openai_upstream.requests[-1].json
    assert (sent["service_tier"], sent["provider"], sent["top_k"]) == ("flex", {"order": ["a"]}, 5)


def test_plain_headers_are_not_secrets(
    gateway: Gateway, write_models: Any, openai_upstream: OpenAIEmulator
) -> None:
    """Only credential-named headers are redacted: a `true` flag must not garble an error."""
    write_models({"model": "m", "displayName": "flagged", "provider": "generic-chat-completion-api",
                  "baseUrl": openai_upstream.base_url, "apiKey": "sk-x",
                  "extraHeaders": {"X-Cache-Enabled": "true", "X-Title": "demo app"}})  # fmt: skip
    openai_upstream.push(
        Reply.error(400, {"error": {"message": "demo app: stream must be true", "param": None,
                                    "type": "invalid_request_error", "retryable": True}})
    )  # fmt: skip
    with pytest.raises(openai.BadRequestError) as caught:
        gateway.openai().chat.completions.create(model="flagged", messages=ASK)
    assert caught.value.message.endswith("demo app: stream must be true")


def test_upstream_calls_honour_proxy_settings(
    gateway: Gateway, upstream: RouterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"model": MODEL, "messages": ASK}
    headers = {"authorization": f"Bearer {MASTER}"}
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a proxy that is not there
    with httpx.Client(trust_env=False) as client:  # the test's own calls go direct
        via_proxy = client.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = client.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers)
    assert via_proxy.status_code == 502
    assert direct.status_code == 200
