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
ROUNDS = 10

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


def clients(base_url: str) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    import httpx
    import openai

    import hfgate

    body = {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}]}
    headers = {"authorization": "Bearer hf_bench"}
    raw = httpx.Client()

    def raw_json() -> str:
        r = raw.post(f"{base_url}/chat/completions", json=body, headers=headers)
        r.raise_for_status()
        text: str = r.json()["choices"][0]["message"]["content"]
        return text

    def raw_stream() -> str:
        parts = []
        stream_body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        with raw.stream(
            "POST", f"{base_url}/chat/completions", json=stream_body, headers=headers
        ) as r:
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                for choice in json.loads(data).get("choices") or ():
                    parts.append(choice["delta"].get("content") or "")
        return "".join(parts)

    hf = hfgate.Client(api_key="hf_bench", base_url=base_url, hf_router=True)

    def hf_json() -> str:
        return hf.generate_text(model=MODEL, prompt="Hello").text

    def hf_stream() -> str:
        return hf.stream_text(model=MODEL, prompt="Hello").result.text

    oa = openai.OpenAI(api_key="hf_bench", base_url=base_url, max_retries=0)

    def oa_json() -> str:
        r = oa.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hello"}])
        return r.choices[0].message.content or ""

    def oa_stream() -> str:
        parts = []
        for chunk in oa.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hello"}],
            stream=True,
            stream_options={"include_usage": True},
        ):
            for choice in chunk.choices:
                parts.append(choice.delta.content or "")
        return "".join(parts)

    return {
        "raw httpx": (raw_json, raw_stream),
        "hfgate": (hf_json, hf_stream),
        "openai SDK": (oa_json, oa_stream),
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
            assert json_fn() == "abcd" * args.chunks, name
            assert stream_fn() == "abcd" * args.chunks, name
        samples: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in funcs}
        # Interleaved rounds, so drift on a shared 2-core machine hits every client alike.
        for _ in range(ROUNDS):
            for name, (json_fn, stream_fn) in funcs.items():
                samples[name][0].extend(timed(json_fn, args.requests // ROUNDS, 10))
                samples[name][1].extend(timed(stream_fn, args.streams // ROUNDS, 2))
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)

    medians = {
        name: (statistics.median(j) * 1000, statistics.median(s) * 1000)
        for name, (j, s) in samples.items()
    }
    base_j, base_s = medians["raw httpx"]
    imp_wall = import_time()
    imp_cum = importtime_cumulative("import hfgate")
    imp_first = importtime_cumulative("import hfgate.client")

    lines = [
        "# Benchmarks",
        "",
        f"Client overhead, measured by `bench/client_overhead.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. The router emulator runs in its own process on loopback; "
        f"{args.requests} sequential non-streaming requests and {args.streams} streams of "
        f"{args.chunks} chunks each per client, in {ROUNDS} interleaved rounds. "
        "Medians per request; between runs on this shared 2-core machine the ratios move by "
        "about ±0.05.",
        "",
        "| client | non-streaming (ms) | ratio to httpx | streaming, "
        f"{args.chunks} chunks (ms) | ratio to httpx |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (j, s) in medians.items():
        lines.append(f"| {name} | {j:.3f} | {j / base_j:.2f}x | {s:.3f} | {s / base_s:.2f}x |")
    lines += [
        "",
        f'Import: `python -X importtime -c "import hfgate"` cumulative {imp_cum:.1f} ms '
        f"(wall time over a bare interpreter: {imp_wall:.1f} ms): names load on first use. "
        f"The first call loads `hfgate.client` (with httpx): {imp_first:.1f} ms cumulative.",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    write_section(Path(args.out), "client_overhead", table)


if __name__ == "__main__":
    main()
