"""Per-request overhead on the bring-your-own-key wires: hfgate vs raw httpx vs the official
SDK, for the OpenAI Responses API (`openai:<model>`) and Anthropic Messages
(`anthropic:<model>`), in one run.

Each emulator runs in its own process on loopback. hfgate goes through its whole path for
these calls, model-name resolution and the settings check included.

    python bench/wire_overhead.py [--requests 1000] [--streams 300] [--chunks 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _report import DEFAULT_OUT, write_section
from _stream_wires import start_emulator, stop_emulator
from client_overhead import interleaved

Pair = tuple[Callable[[], str], Callable[[], str]]
PROMPT = [{"role": "user", "content": "Hello"}]


def _sse(client: Any, url: str, body: dict[str, Any], headers: dict[str, str]) -> Iterator[Any]:
    from httpx_sse import connect_sse

    with connect_sse(client, "POST", url, json=body, headers=headers) as source:
        for sse in source.iter_sse():
            yield json.loads(sse.data)


def responses_clients(base_url: str) -> dict[str, Pair]:
    import httpx
    import openai

    import hfgate

    os.environ["OPENAI_BASE_URL"] = base_url
    os.environ["OPENAI_API_KEY"] = "sk-bench"
    raw = httpx.Client()
    url, headers = f"{base_url}/responses", {"authorization": "Bearer sk-bench"}
    body = {"model": "gpt-x", "input": PROMPT}

    def raw_json() -> str:
        out = raw.post(url, json=body, headers=headers).json()["output"]
        return "".join(c["text"] for item in out for c in item.get("content") or ())

    def raw_stream() -> str:
        events = _sse(raw, url, {**body, "stream": True}, headers)
        return "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")

    hf = hfgate.Client()
    sdk = openai.OpenAI(max_retries=0)

    def sdk_stream() -> str:
        events = sdk.responses.create(model="gpt-x", input=PROMPT, stream=True)  # type: ignore[arg-type]
        return "".join(e.delta for e in events if e.type == "response.output_text.delta")

    return {
        "raw httpx (+ httpx-sse)": (raw_json, raw_stream),
        "hfgate": (
            lambda: hf.generate_text(model="openai:gpt-x", prompt="Hello").text,
            lambda: hf.stream_text(model="openai:gpt-x", prompt="Hello").result.text,
        ),
        "openai SDK": (
            lambda: sdk.responses.create(model="gpt-x", input=PROMPT).output_text,  # type: ignore[arg-type]
            sdk_stream,
        ),
    }


def messages_clients(base_url: str) -> dict[str, Pair]:
    import anthropic
    import httpx

    import hfgate

    os.environ["ANTHROPIC_BASE_URL"] = base_url
    os.environ["ANTHROPIC_API_KEY"] = "sk-ant-bench"
    raw = httpx.Client()
    url = f"{base_url}/v1/messages"
    headers = {"x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01"}
    body = {"model": "claude-x", "max_tokens": 1024, "messages": PROMPT}

    def raw_json() -> str:
        content = raw.post(url, json=body, headers=headers).json()["content"]
        return "".join(block.get("text", "") for block in content)

    def raw_stream() -> str:
        events = _sse(raw, url, {**body, "stream": True}, headers)
        return "".join(
            e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta"
        )

    hf = hfgate.Client()
    sdk = anthropic.Anthropic(max_retries=0)

    def sdk_json() -> str:
        message = sdk.messages.create(model="claude-x", max_tokens=1024, messages=PROMPT)  # type: ignore[arg-type]
        return "".join(getattr(block, "text", "") for block in message.content)

    def sdk_stream() -> str:
        with sdk.messages.stream(model="claude-x", max_tokens=1024, messages=PROMPT) as stream:  # type: ignore[arg-type]
            return "".join(stream.text_stream)

    model = "anthropic:claude-x"
    return {
        "raw httpx (+ httpx-sse)": (raw_json, raw_stream),
        "hfgate": (
            lambda: hf.generate_text(model=model, prompt="Hello").text,
            lambda: hf.stream_text(model=model, prompt="Hello").result.text,
        ),
        "anthropic SDK": (sdk_json, sdk_stream),
    }


FORMATS: dict[str, tuple[str, Callable[[str], dict[str, Pair]]]] = {
    "OpenAI Responses": ("OpenAIEmulator", responses_clients),
    "Anthropic Messages": ("AnthropicEmulator", messages_clients),
}


def measure(kind: str, make: Callable[[str], dict[str, Pair]], args: Any) -> list[str]:
    proc, base_url = start_emulator(kind, args.chunks)
    try:
        funcs = make(base_url)
        for name, (json_fn, stream_fn) in funcs.items():  # every client answers the same
            assert json_fn() == "abcd" * args.chunks, name
            assert stream_fn() == "abcd" * args.chunks, name
        json_samples = interleaved({n: f[0] for n, f in funcs.items()}, args.requests)
        stream_samples = interleaved({n: f[1] for n, f in funcs.items()}, args.streams)
    finally:
        stop_emulator(proc)
    medians = {
        n: (statistics.median(json_samples[n]) * 1000, statistics.median(stream_samples[n]) * 1000)
        for n in funcs
    }
    base_j, base_s = next(iter(medians.values()))
    return [
        f"| {name} | {j:.3f} | {j / base_j:.2f}x | {s:.3f} | {s / base_s:.2f}x |"
        for name, (j, s) in medians.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()

    lines = [
        "## Bring-your-own-key wires",
        "",
        f"`bench/wire_overhead.py`: {args.requests} non-streaming requests and {args.streams} "
        f"streams of {args.chunks} text deltas per client and wire, against the emulators in "
        "their own process, clients taking turns request by request; medians per request. "
        "hfgate's figures include resolving `openai:<model>` / `anthropic:<model>` and the "
        "settings files' stat check on every call.",
        "",
    ]
    for wire, (kind, make) in FORMATS.items():
        lines += [
            f"| {wire} | non-streaming (ms) | ratio | streaming (ms) | ratio |",
            "|---|---:|---:|---:|---:|",
            *measure(kind, make, args),
            "",
        ]
    table = "\n".join(lines)
    print(table)
    write_section(Path(args.out), "wire_overhead", table)


if __name__ == "__main__":
    main()
