"""Without the `testing` extra (a base install), the emulators say which extra to install
instead of failing inside a server thread or with a bare ImportError (issue 15 item 4)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HIDE_SDKS = "import sys; sys.modules['openai'] = None; sys.modules['anthropic'] = None; "
"""A base install: an entry of None in sys.modules is what `import` and find_spec treat as
not installed."""


def test_python_m_hfgate_testing_names_the_extra_without_a_traceback() -> None:
    code = HIDE_SDKS + "import runpy; runpy.run_module('hfgate.testing', run_name='__main__')"
    proc = subprocess.run(
        [sys.executable, "-c", code, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "error: hfgate.testing builds its answers with the official openai and anthropic "
        "SDKs, which are not installed. Install the testing extra: pip install 'hfgate[testing]'"
    )
    assert "serving on" not in proc.stdout


def test_an_emulator_refuses_to_start_and_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hfgate.testing import RouterEmulator
    from hfgate.testing._sdks import MissingSdkError

    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(MissingSdkError, match=r"openai SDK, .*pip install 'hfgate\[testing\]'"):
        RouterEmulator()
