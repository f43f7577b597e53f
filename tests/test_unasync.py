"""The sync face is generated from the async one (`scripts/unasync.py`); a hand edit to a
generated file, or an async edit without regenerating, fails here as well as in CI."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "unasync.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["unasync"] = module
    spec.loader.exec_module(module)
    return module


unasync = _script()


@pytest.mark.parametrize(("source", "target"), sorted(unasync.PAIRS.items()))
def test_the_generated_sync_module_is_up_to_date(source: str, target: str) -> None:
    src, dst = unasync.SRC / source, unasync.SRC / target
    assert dst.read_text() == unasync.generated(src, dst), (
        f"run python scripts/unasync.py ({target})"
    )


def test_the_rename_turns_async_words_into_sync_ones() -> None:
    text = unasync.unasync(
        '"""doc"""\nasync def f(x: AsyncIterator[int]) -> AsyncGenerator[int, None]:\n'
        "    async with AsyncExitStack() as s:\n        await asleep(1)\n"
        "        async for y in x.aiter_sse():\n            await s.aclose()\n",
        "hfgate/x.py",
    )
    assert "async" not in text.replace("hfgate/x.py", "").split('"""', 2)[2]
    assert "def f(x: Iterator[int]) -> Generator[int, None, None]:" in text
    assert "with ExitStack() as s:" in text and "sleep(1)" in text and "s.close()" in text
    assert "for y in x.iter_sse():" in text
    assert text.startswith('"""The sync face, generated from `hfgate/x.py`')
