"""Every error status and envelope becomes a typed error with the server's message, the
provider and the request id, and the key never shows."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import hfgate
from hfgate import errors
from hfgate.testing import Reply

KEY = "hf_SECRETSECRETSECRET"


CASES = [
    (
        400,
        {"error": "Model not supported by provider together"},
        errors.BadRequestError,
        "Model not supported by provider together",
    ),
    (
        401,
        {"error": "Invalid credentials in Authorization header"},
        errors.AuthenticationError,
        "Invalid credentials in Authorization header",
    ),
    (
        402,
        {"error": "You have depleted your monthly included credits."},
        errors.PaymentRequiredError,
        "You have depleted your monthly included credits.",
    ),
    (
        403,
        {"error": {"message": "This authentication method does not have sufficient permissions"}},
        errors.PermissionDeniedError,
        "This authentication method does not have sufficient permissions",
    ),
    (
        404,
        {"error": "Model this-model-does-not-exist-123 does not exist"},
        errors.NotFoundError,
        "Model this-model-does-not-exist-123 does not exist",
    ),
    (
        422,
        "Failed to deserialize the JSON body into the target type: missing field `messages`",
        errors.BadRequestError,
        "Failed to deserialize the JSON body",
    ),
    (
        429,
        {"message": "Too many tokens, please wait before trying again."},
        errors.RateLimitError,
        "Too many tokens, please wait before trying again.",
    ),
    (
        500,
        {"error": {"message": "internal", "type": "server_error"}},
        errors.ServerError,
        "internal",
    ),
    (503, "Service Temporarily Unavailable", errors.ServerError, "Service Temporarily Unavailable"),
    (409, {"detail": "conflict"}, errors.APIStatusError, "conflict"),
]


@pytest.mark.parametrize(("status", "body", "cls", "message"), CASES)
def test_status_maps_to_typed_error(
    router: Any, hf: Any, status: int, body: Any, cls: type, message: str
) -> None:
    content_type = "text/plain; charset=utf-8" if isinstance(body, str) else "application/json"
    router.push(
        Reply.error(
            status, body, content_type=content_type, provider="fireworks-ai", request_id="rid-9"
        )
    )
    with pytest.raises(cls) as info:
        hf(api_key=KEY, max_retries=0).generate_text(model="a/b", prompt="x")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, errors.HfgateError)
    assert err.status == status
    assert message in err.message
    assert err.provider == "fireworks-ai" and err.request_id == "rid-9"
    assert "fireworks-ai" in str(err) and "rid-9" in str(err)


def test_model_not_supported_400_is_not_found(router: Any, hf: Any) -> None:
    router.push(Reply.model_not_supported("Qwen/Qwen3-Next-80B-A3B-Thinking"))
    with pytest.raises(errors.NotFoundError) as info:
        hf(api_key=KEY, max_retries=0).generate_text(
            model="Qwen/Qwen3-Next-80B-A3B-Thinking", prompt="x"
        )
    assert info.value.status == 400
    assert info.value.code == "model_not_supported"
    assert "is not supported by any provider you have enabled" in info.value.message
    assert "inference-providers" in str(info.value)  # the hint says where to enable providers


def test_rate_limit_carries_retry_after(router: Any, hf: Any) -> None:
    router.push(Reply.error_string(429, "slow down", retry_after=7))
    with pytest.raises(errors.RateLimitError) as info:
        hf(api_key=KEY, max_retries=0).generate_text(model="a/b", prompt="x")
    assert info.value.retry_after == 7.0


def test_streaming_error_status_is_typed_too(router: Any, hf: Any) -> None:
    router.push(Reply.error_object(402, "credits", code="insufficient_quota"))
    with pytest.raises(errors.PaymentRequiredError) as info:
        list(hf(api_key=KEY, max_retries=0).stream_text(model="a/b", prompt="x"))
    assert info.value.message == "credits"


@pytest.mark.parametrize("as_object", [False, True])
def test_error_inside_a_200_stream(router: Any, hf: Any, as_object: bool) -> None:
    router.push(
        Reply.stream_error(
            "Input validation error: too many tokens", as_object=as_object, after_chunks=2
        )
    )
    seen = []
    with pytest.raises(errors.StreamError) as info:
        for event in hf(api_key=KEY, max_retries=0).stream_text(model="a/b", prompt="x"):
            seen.append(event)
    assert "Input validation error" in info.value.message
    assert info.value.provider == "together"
    assert len(seen) >= 1  # the text before the error was delivered


def test_error_inside_a_200_json_body(router: Any, hf: Any) -> None:
    router.push(Reply.stream_error("generation failed"))
    with pytest.raises(errors.StreamError, match="generation failed"):
        hf(api_key=KEY, max_retries=0).generate_text(model="a/b", prompt="x")


def test_dropped_connection_mid_stream(router: Any, hf: Any) -> None:
    router.push(Reply.text("a long answer " * 20, chunk_size=3, drop_after=4))
    got: list[Any] = []
    with pytest.raises(errors.APIConnectionError):
        for event in hf(api_key=KEY, max_retries=0).stream_text(model="a/b", prompt="x"):
            got.append(event)
    assert got  # we saw part of the answer
    assert len(router.requests) == 1  # never retried once the stream started


def test_disconnect_before_answer_is_connection_error(router: Any, hf: Any) -> None:
    router.push(Reply.disconnect())
    with pytest.raises(errors.APIConnectionError) as info:
        hf(api_key=KEY, max_retries=0).generate_text(model="a/b", prompt="x")
    assert router.base_url in str(info.value)


def test_timeout_on_slow_first_byte(router: Any, hf: Any) -> None:
    router.push(Reply.text("late", delay_first_byte=1.0))
    with pytest.raises(errors.APITimeoutError):
        hf(api_key=KEY, max_retries=0, timeout=0.2).generate_text(model="a/b", prompt="x")


def test_connection_refused() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = hfgate.Client(
        api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1", hf_router=True, max_retries=0
    )
    with pytest.raises(errors.APIConnectionError, match="Connection to"):
        c.generate_text(model="a/b", prompt="x")


def test_key_never_appears_in_errors_reprs_or_logs(
    router: Any, hf: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    router.push(Reply.error_string(401, f"Invalid token {KEY} in Authorization header"))
    c = hf(api_key=KEY, max_retries=0)
    with pytest.raises(errors.AuthenticationError) as info:
        c.generate_text(model="a/b", prompt="x")
    texts = [
        str(info.value),
        repr(info.value),
        info.value.message,
        str(info.value.body),
        repr(c),
        caplog.text,
    ]
    for text in texts:
        assert KEY not in text
    assert "***" in info.value.message


def test_malformed_model_ids_fail_before_any_request(router: Any, hf: Any) -> None:
    for bad in ["", "no-slash", "a/b:auto", "a b/c", "org/"]:
        with pytest.raises(errors.InvalidModelError):
            hf(api_key=KEY, max_retries=0).generate_text(model=bad, prompt="x")
    assert router.requests == []


def test_missing_key_lists_where_it_looked(router: Any) -> None:
    c = hfgate.Client(base_url=router.base_url, hf_router=True)
    with pytest.raises(errors.MissingKeyError) as info:
        c.generate_text(model="a/b", prompt="x")
    message = str(info.value)
    for place in [
        "api_key argument",
        "$HF_TOKEN",
        "$HUGGINGFACE_API_KEY",
        "$HUGGING_FACE_HUB_TOKEN",
        "token store",
    ]:
        assert place in message
    assert router.requests == []


def test_unknown_argument_is_a_config_error(router: Any, hf: Any) -> None:
    with pytest.raises(errors.ConfigError, match="Unknown argument"):
        hf(api_key=KEY, max_retries=0).generate_text(model="a/b", prompt="x", temprature=0.1)  # type: ignore[call-arg]


@pytest.mark.anyio
async def test_async_errors_are_typed_too(router: Any) -> None:
    router.push(Reply.error_string(403, "no permission", provider="groq"))
    router.push(Reply.stream_error("bad input"))
    async with hfgate.AsyncClient(
        api_key=KEY, base_url=router.base_url, hf_router=True, max_retries=0
    ) as c:
        with pytest.raises(errors.PermissionDeniedError) as info:
            await c.generate_text(model="a/b", prompt="x")
        assert info.value.provider == "groq" and info.value.message == "no permission"
        with pytest.raises(errors.StreamError, match="bad input"):
            async for _ in c.stream_text(model="a/b", prompt="x"):
                pass


@pytest.mark.parametrize("stream", [False, True])
def test_a_router_404_for_a_hub_id_suggests_the_closest_cached_ids(
    hf: Any, router: Any, stream: bool
) -> None:
    """The id was well-formed, but no such model is served: the cached catalog (read, never
    fetched for this) names what was probably meant."""
    from hfgate.routing.catalog import load_catalog

    load_catalog(base_url=router.base_url)  # what an earlier `hfgate models` left in the cache
    router.push(Reply.error_string(404, "Model Qwen/Qwen3-23B is not supported by any provider"))
    client = hf()
    with pytest.raises(hfgate.NotFoundError) as caught:
        if stream:
            client.stream_text(model="Qwen/Qwen3-23B:fastest", prompt="hi").result  # noqa: B018
        else:
            client.generate_text(model="Qwen/Qwen3-23B:fastest", prompt="hi")
    assert caught.value.suggestions == ["Qwen/Qwen3-32B"]
    assert "Did you mean: Qwen/Qwen3-32B?" in str(caught.value)
    assert [r.path for r in router.requests if r.method == "POST"] == ["/v1/chat/completions"]
