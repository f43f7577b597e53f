"""One client's N concurrent streams, in a fresh process of its own so its CPU time and peak
RSS are its own: `python bench/_concurrent.py CLIENT BASE_URL N CHUNKS` prints a JSON line of
wall time, CPU seconds (user + system, the streams only), peak RSS and the streams that failed
or answered wrong. `run()` starts that process for `client_overhead.py --concurrent`."""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

KEY = "hf_bench"
MODEL = "Qwen/Qwen3-32B"
PROMPT = [{"role": "user", "content": "Hello"}]
STREAM_BODY = {
    "model": MODEL,
    "messages": PROMPT,
    "stream": True,
    "stream_options": {"include_usage": True},
}
CLIENTS = ("hfgate", "raw httpx + httpx-sse", "openai SDK")


def _hfgate(base_url: str, n: int) -> Callable[[], Awaitable[str]]:
    import hfgate

    hf = hfgate.AsyncClient(api_key=KEY, base_url=base_url, hf_router=True)  # its defaults

    async def one() -> str:
        return (await hf.stream_text(model=MODEL, prompt="Hello").result()).text

    return one


def _raw(base_url: str, n: int) -> Callable[[], Awaitable[str]]:
    """httpx's pool allows 100 connections and waits 5 s for one by default: opened to `n`,
    with no timeouts, as a user would have to for n streams at once."""
    import httpx
    from httpx_sse import aconnect_sse

    client = httpx.AsyncClient(limits=httpx.Limits(max_connections=n), timeout=None)
    url, headers = f"{base_url}/chat/completions", {"authorization": f"Bearer {KEY}"}

    async def one() -> str:
        parts = []
        async with aconnect_sse(client, "POST", url, json=STREAM_BODY, headers=headers) as s:
            async for sse in s.aiter_sse():
                if sse.data == "[DONE]":
                    break
                chunk = json.loads(sse.data)
                parts += [c["delta"].get("content") or "" for c in chunk.get("choices") or ()]
        return "".join(parts)

    return one


def _openai(base_url: str, n: int) -> Callable[[], Awaitable[str]]:
    import openai

    oa = openai.AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0)  # its defaults

    async def one() -> str:
        parts = []
        chunks = await oa.chat.completions.create(
            model=MODEL,
            messages=PROMPT,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in chunks:
            parts += [choice.delta.content or "" for choice in chunk.choices]
        return "".join(parts)

    return one


MAKERS = {"hfgate": _hfgate, "raw httpx + httpx-sse": _raw, "openai SDK": _openai}


async def _child(client: str, base_url: str, n: int, chunks: int) -> dict[str, Any]:
    one = MAKERS[client](base_url, n)
    assert await one() == "abcd" * chunks  # warm: imports, first connection
    errors: list[str] = []

    async def checked() -> None:
        try:
            if await one() != "abcd" * chunks:
                errors.append("wrong text")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    await asyncio.gather(*(checked() for _ in range(n)))
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_mb": _peak_rss_mb(),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not `ru_maxrss`: Linux carries that over `exec` from the
    process that started this one (the whole bench, with every client imported)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes there, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def run(client: str, base_url: str, n: int, chunks: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), client, base_url, str(n), str(chunks)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    name, url, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(asyncio.run(_child(name, url, count, size))))
