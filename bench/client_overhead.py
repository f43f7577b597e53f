"""Client overhead: hfgate vs raw httpx vs the official SDKs, in one run.

Each emulator runs in its own process (so it does not share the GIL with the clients), on
loopback. Sequential non-streaming chat completions, then the same 200-delta stream on each
wire (chat completions, OpenAI Responses, Anthropic Messages), the clients taking turns
request by request; medians per request and their ratio to raw httpx. `--concurrent N` adds N
concurrent streams per async client, each client in a fresh process: wall time, CPU seconds,
peak RSS, errors. The tables go to docs/benchmarks.md.

    python bench/client_overhead.py [--requests 2000] [--streams 300] [--chunks 200]
                                    [--concurrent 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import _concurrent
from _report import DEFAULT_OUT, write_section
from _stream_wires import EMULATORS, WIRE_NAMES, start_emulator, stop_emulator, stream_clients

MODEL = "Qwen/Qwen3-32B"


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


BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}]}
HEADERS = {"authorization": "Bearer hf_bench"}


def json_clients(base_url: str) -> dict[str, Callable[[], str]]:
    """One non-streaming chat completion each: raw httpx, hfgate, the openai SDK."""
    import httpx
    import openai

    import hfgate

    raw = httpx.Client()
    url = f"{base_url}/chat/completions"
    hf = hfgate.Client(api_key="hf_bench", base_url=base_url, hf_router=True)
    oa = openai.OpenAI(api_key="hf_bench", base_url=base_url, max_retries=0)
    messages: Any = BODY["messages"]

    def raw_json() -> str:
        r = raw.post(url, json=BODY, headers=HEADERS)
        r.raise_for_status()
        text: str = r.json()["choices"][0]["message"]["content"]
        return text

    def oa_json() -> str:
        r = oa.chat.completions.create(model=MODEL, messages=messages)
        return r.choices[0].message.content or ""

    return {
        "raw httpx": raw_json,
        "hfgate": lambda: hf.generate_text(model=MODEL, prompt="Hello").text,
        "openai SDK": oa_json,
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


def per_call(args: Any) -> list[str]:
    """Non-streaming chat completions against the router emulator."""
    proc, base_url = start_emulator("RouterEmulator", args.chunks)
    try:
        fns = json_clients(base_url)
        for name, fn in fns.items():  # every client answers the same
            assert fn() == "abcd" * args.chunks, name
        samples = interleaved(fns, args.requests)
    finally:
        stop_emulator(proc)
    medians = {name: statistics.median(s) * 1000 for name, s in samples.items()}
    base = medians["raw httpx"]
    return [
        "| client | non-streaming (ms) | ratio to httpx |",
        "|---|---:|---:|",
        *(f"| {name} | {ms:.3f} | {ms / base:.2f}x |" for name, ms in medians.items()),
    ]


def streams(args: Any) -> list[str]:
    """The same stream on each wire, read by raw httpx + httpx-sse, hfgate and the SDK."""
    rows: dict[str, list[str]] = {}
    for wire, kind in EMULATORS.items():
        proc, base_url = start_emulator(kind, args.chunks)
        try:
            fns = stream_clients(wire, base_url)
            for name, fn in fns.items():
                assert fn() == "abcd" * args.chunks, (wire, name)
            samples = interleaved(fns, args.streams)
        finally:
            stop_emulator(proc)
        medians = {name: statistics.median(s) * 1000 for name, s in samples.items()}
        base = medians["httpx + httpx-sse"]
        for name, ms in medians.items():
            role = "official SDK" if name.endswith("SDK") else name
            rows.setdefault(role, []).append(
                f"{ms:.3f} ({name.split()[0]}) | {ms / base:.2f}x"
                if role == "official SDK"
                else f"{ms:.3f} | {ms / base:.2f}x"
            )
    names = [WIRE_NAMES[w] for w in EMULATORS]
    return [
        "| client | " + " | ".join(f"{n} (ms) | ratio" for n in names) + " |",
        "|---|" + "---:|---:|" * len(names),
        *(f"| {role} | " + " | ".join(cells) + " |" for role, cells in rows.items()),
    ]


def concurrent(args: Any) -> list[str]:
    """N concurrent chat streams per async client, each client in a fresh process."""
    proc, base_url = start_emulator("RouterEmulator", args.chunks)
    try:
        results = {
            c: _concurrent.run(c, base_url, args.concurrent, args.chunks)
            for c in _concurrent.CLIENTS
        }
    finally:
        stop_emulator(proc)
    lines = [
        "| client | wall (s) | CPU (s) | peak RSS (MB) | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss_mb']:.0f} | {r['errors']} |"
        )
        if r["first_error"]:
            print(f"{name}: first error: {r['first_error']}", file=sys.stderr)
    return lines


def versions() -> str:
    names = ("hfgate", "httpx", "httpx-sse", "openai", "anthropic")
    return ", ".join(f"{name} {version(name)}" for name in names)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=0, help="N concurrent streams")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()

    call_rows = per_call(args)
    stream_rows = streams(args)
    imp_wall = import_time()
    imp_cum = importtime_cumulative("import hfgate")
    imp_first = importtime_cumulative("import hfgate.client.clients")
    lines = [
        "# Benchmarks",
        "",
        f"Client overhead, measured by `bench/client_overhead.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared), Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}; {versions()}. Each emulator runs in its own process "
        f"on loopback; the clients take turns request by request, medians per request.",
        "",
        f"{args.requests} sequential non-streaming chat completions per client:",
        "",
        *call_rows,
        "",
        f"{args.streams} streams of {args.chunks} text deltas per client and wire (the "
        "Responses and Messages streams carry their framing events too). The baseline is "
        "httpx's streaming body decoded by httpx-sse, `json.loads` of each event and the text "
        "deltas picked out by hand; hfgate also validates every event, types its errors and "
        "assembles the result (usage, finish reason).",
        "",
        *stream_rows,
        "",
    ]
    if args.concurrent:
        lines += [
            f"{args.concurrent} concurrent streams of {args.chunks} chunks on one async client, "
            "each client in a fresh process against the router emulator (one thread per "
            "connection, its own process): wall time, CPU seconds of the client process "
            "during the streams, its peak RSS.",
            "",
            *concurrent(args),
            "",
        ]
    lines += [
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
