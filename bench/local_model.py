"""The embedded model on this machine: load time, first-token latency, tokens per second.

    python bench/local_model.py [--runs 5]

Streams "What is the capital of France?" (max 64 tokens) through `hfgate.stream_text` with
model="local", each run with a fresh prompt variant so llama.cpp's prompt cache does not
flatter the first-token time. Appends the table to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from _report import DEFAULT_OUT, write_section


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()

    import hfgate
    from hfgate.local import local_backend
    from hfgate.types import Finish, TextDelta

    started = time.perf_counter()
    local_backend("local").load()
    load_s = time.perf_counter() - started

    first_token, rates = [], []
    for run in range(args.runs):
        prompt = f"({run}) What is the capital of France?"
        t0 = time.perf_counter()
        first: float | None = None
        tokens = 0
        for event in hfgate.stream_text(model="local", prompt=prompt, max_tokens=64, seed=run):
            if isinstance(event, TextDelta) and first is None:
                first = time.perf_counter() - t0
            if isinstance(event, Finish):
                tokens = event.usage.output_tokens or 0
        total = time.perf_counter() - t0
        assert first is not None and tokens > 0
        first_token.append(first * 1000)
        rates.append(tokens / (total - first) if total > first else float("nan"))

    lines = [
        "## Embedded local model",
        "",
        f"`bench/local_model.py`: SmolLM2-135M-Instruct Q4_1 via llama.cpp, {os.cpu_count()} "
        f"cores, {args.runs} streamed answers of up to 64 tokens, each with a new prompt.",
        "",
        "| load | first token (median) | generation (median) |",
        "|---:|---:|---:|",
        f"| {load_s:.2f} s | {statistics.median(first_token):.0f} ms "
        f"| {statistics.median(rates):.0f} tokens/s |",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    write_section(Path(args.out), "local_model", table)


if __name__ == "__main__":
    main()
