"""Per-request client overhead: hfgate vs raw httpx vs the openai SDK, in one run.

The router emulator runs in its own process (so it does not share the GIL with the clients),
on loopback. Each client makes the same sequential requests; we report the median latency per
request and its ratio to raw httpx, and write the table to docs/benchmarks.md.

    python bench/client_overhead.py [--requests 2000] [--streams 500] [--chunks 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _report import DEFAULT_OUT, write_section

MODEL = "Qwen/Qwen3-32B"

SERVER = """
import sys, time
from hfgate.testing import Reply, RouterEmulator
chunks = int(sys.argv[1])
router = RouterEmulator(port=0)
router.default_reply = Reply.text("abcd" * chunks, chunk_size=4,
    usage={"prompt_tokens": 10, "completion_tokens": chunks, "total_tokens": 10 + chunks})
router.start()
print(router.base_url, flush=True)
sys.stdin.read()
"""


def start_emulator(chunks: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(chunks)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def timed(fn: Callable[[], Any], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def interleaved(fns: dict[str, Callable[[], Any]], n: int) -> dict[str, list[float]]:
    """Time one call of each client in turn, n times: drift on a shared machine (the other
    core's load, CPU frequency) then hits every client alike, request by request."""
    for fn in fns.values():
        timed(fn, 0, 20)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(n):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return samples


Pair = tuple[Callable[[], Any] | None, Callable[[], Any]]
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}]}
STREAM_BODY = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
HEADERS = {"authorization": "Bearer hf_bench"}


def _contents(chunk: dict[str, Any]) -> list[str]:
    return [c["delta"].get("content") or "" for c in chunk.get("choices") or ()]


def raw_clients(base_url: str) -> dict[str, Pair]:
    """The floor: httpx with hand-rolled line splitting, then with httpx-sse."""
    import httpx
    from httpx_sse import connect_sse

    raw = httpx.Client()
    url = f"{base_url}/chat/completions"

    def raw_json() -> str:
        r = raw.post(url, json=BODY, headers=HEADERS)
        r.raise_for_status()
        text: str = r.json()["choices"][0]["message"]["content"]
        return text

    def raw_stream() -> str:
        parts = []
        with raw.stream("POST", url, json=STREAM_BODY, headers=HEADERS) as r:
            for line in r.iter_lines():
                data = line[5:].strip() if line.startswith("data:") else ""
                if data == "[DONE]":
                    break
                parts += _contents(json.loads(data)) if data else []
        return "".join(parts)

    def sse_stream() -> str:
        """Spec-compliant SSE decoding with httpx-sse, which hfgate builds on."""
        parts = []
        with connect_sse(raw, "POST", url, json=STREAM_BODY, headers=HEADERS) as source:
            for sse in source.iter_sse():
                if sse.data == "[DONE]":
                    break
                parts += _contents(json.loads(sse.data))
        return "".join(parts)

    return {"raw httpx": (raw_json, raw_stream), "httpx + httpx-sse": (None, sse_stream)}


def hfgate_client(base_url: str) -> Pair:
    import hfgate

    hf = hfgate.Client(api_key="hf_bench", base_url=base_url, hf_router=True)

    def hf_json() -> str:
        return hf.generate_text(model=MODEL, prompt="Hello").text

    def hf_stream() -> str:
        return hf.stream_text(model=MODEL, prompt="Hello").result.text

    return hf_json, hf_stream


def openai_client(base_url: str) -> Pair:
    import openai

    oa = openai.OpenAI(api_key="hf_bench", base_url=base_url, max_retries=0)
    messages: Any = BODY["messages"]

    def oa_json() -> str:
        r = oa.chat.completions.create(model=MODEL, messages=messages)
        return r.choices[0].message.content or ""

    def oa_stream() -> str:
        parts = []
        for chunk in oa.chat.completions.create(
            model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
        ):
            parts += [choice.delta.content or "" for choice in chunk.choices]
        return "".join(parts)

    return oa_json, oa_stream


def clients(base_url: str) -> dict[str, Pair]:
    return {
        **raw_clients(base_url),
        "hfgate": hfgate_client(base_url),
        "openai SDK": openai_client(base_url),
    }


def import_time() -> float:
    """Median wall time of `python -c "import hfgate"` minus a bare interpreter, in ms."""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    bare = statistics.median(run("pass") for _ in range(7))
    full = statistics.median(run("import hfgate") for _ in range(7))
    return (full - bare) * 1000


def importtime_cumulative(statement: str) -> float:
    """`python -X importtime` cumulative microseconds of the top-level module, in ms."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True
    ).stderr
    module = statement.split()[-1]
    for line in out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1000
    raise RuntimeError(f"{module} not found in -X importtime output")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()

    proc, base_url = start_emulator(args.chunks)
    try:
        funcs = clients(base_url)
        for name, (json_fn, stream_fn) in funcs.items():  # every client answers the same
            assert json_fn is None or json_fn() == "abcd" * args.chunks, name
            assert stream_fn() == "abcd" * args.chunks, name
        json_fns = {n: fns[0] for n, fns in funcs.items() if fns[0] is not None}
        json_samples = interleaved(json_fns, args.requests)
        stream_samples = interleaved({n: fns[1] for n, fns in funcs.items()}, args.streams)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)

    medians = {
        name: (
            statistics.median(json_samples[name]) * 1000 if name in json_samples else None,
            statistics.median(stream_samples[name]) * 1000,
        )
        for name in funcs
    }
    base_j, base_s = medians["raw httpx"]
    assert base_j is not None
    imp_wall = import_time()
    imp_cum = importtime_cumulative("import hfgate")
    imp_first = importtime_cumulative("import hfgate.client.clients")

    lines = [
        "# Benchmarks",
        "",
        f"Client overhead, measured by `bench/client_overhead.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. The router emulator runs in its own process on loopback; "
        f"{args.requests} sequential non-streaming requests and {args.streams} streams of "
        f"{args.chunks} chunks each per client, the clients taking turns request by request. "
        "Medians per request.",
        "",
        "| client | non-streaming (ms) | ratio to httpx | streaming, "
        f"{args.chunks} chunks (ms) | ratio to httpx |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (j, s) in medians.items():
        json_cells = "— | —" if j is None else f"{j:.3f} | {j / base_j:.2f}x"
        lines.append(f"| {name} | {json_cells} | {s:.3f} | {s / base_s:.2f}x |")
    lines += [
        "",
        f'Import: `python -X importtime -c "import hfgate"` cumulative {imp_cum:.1f} ms '
        f"(wall time over a bare interpreter: {imp_wall:.1f} ms): names load on first use. "
        f"The first call loads `hfgate.client.clients` (with httpx): {imp_first:.1f} ms "
        "cumulative.",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    write_section(Path(args.out), "client_overhead", table)


if __name__ == "__main__":
    main()
