from __future__ import annotations

import subprocess
import sys

import hfgate


def test_all_names_resolve_and_are_listed() -> None:
    for name in hfgate.__all__:
        assert getattr(hfgate, name) is not None
    assert set(hfgate.__all__) >= {
        "generate_text",
        "stream_text",
        "generate_object",
        "agenerate_text",
        "astream_text",
        "Client",
        "AsyncClient",
        "HfgateError",
    }
    assert sorted(hfgate.__all__) == hfgate.__all__


def test_import_is_lazy() -> None:
    """`import hfgate` must not pull in httpx, pydantic or huggingface_hub."""
    heavy = "('httpx', 'pydantic', 'huggingface_hub', 'llama_cpp')"
    code = f"import sys, hfgate; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_client_repr_hides_key() -> None:
    c = hfgate.Client(api_key="hf_topsecret")
    assert "hf_topsecret" not in repr(c)
    assert "router.huggingface.co" in repr(c)
