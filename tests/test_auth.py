"""Where the key comes from, in order, and where it is allowed to go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hfgate
from hfgate._constants import DEFAULT_HF_MODEL
from hfgate.http.auth import find_hf_key, is_hf_host, redact


def test_lookup_order(monkeypatch: pytest.MonkeyPatch, hf_home: Path) -> None:
    assert find_hf_key() is None
    (hf_home / "token").write_text("hf_from_store\n")
    key = find_hf_key()
    assert key is not None and (key.secret, key.source) == (
        "hf_from_store",
        "huggingface_hub's token store",
    )
    for var in ("HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_KEY", "HF_TOKEN"):
        monkeypatch.setenv(var, f"hf_{var.lower()}")
        key = find_hf_key()
        assert key is not None and key.secret == f"hf_{var.lower()}" and key.source == f"${var}"
    key = find_hf_key("  hf_argument ")
    assert key is not None and key.secret == "hf_argument" and key.source == "the api_key argument"
    assert "hf_argument" not in repr(key)


def test_store_token_is_used_on_the_wire(hf: Any, router: Any, hf_home: Path) -> None:
    (hf_home / "token").write_text("hf_stored_token")
    hf(api_key=None).generate_text(model="a/b", prompt="x")
    assert router.requests[-1].headers["authorization"] == "Bearer hf_stored_token"


def test_key_is_looked_up_per_call(hf: Any, router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = hf(api_key=None)
    monkeypatch.setenv("HF_TOKEN", "hf_first")
    client.generate_text(model="a/b", prompt="x")
    monkeypatch.setenv("HF_TOKEN", "hf_rotated")
    client.generate_text(model="a/b", prompt="x")
    assert [r.headers["authorization"] for r in router.requests] == [
        "Bearer hf_first",
        "Bearer hf_rotated",
    ]


def test_hf_hosts() -> None:
    assert is_hf_host("https://router.huggingface.co/v1")
    assert is_hf_host("https://xyz.us-east-1.aws.endpoints.huggingface.cloud/v1")
    assert not is_hf_host("https://api.together.xyz/v1")
    assert not is_hf_host("https://huggingface.co.evil.example/v1")
    assert redact("token hf_abcdef leaked", ("hf_abcdef",)) == "token *** leaked"


def test_default_model_with_a_key(hf: Any, router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_k")
    hf(api_key=None).generate_text(prompt="x")
    assert router.requests[-1].json["model"] == DEFAULT_HF_MODEL


def test_non_hf_model_name_on_the_router_is_refused(hf: Any, router: Any) -> None:
    with pytest.raises(hfgate.InvalidModelError, match="Unknown model 'gpt-4o': not a Hugging"):
        hf().generate_text(model="gpt-4o", prompt="x")
    assert router.requests == []
