"""The same 200-delta stream read on each wire by raw httpx + httpx-sse, hfgate and the official
SDK, for `client_overhead.py`. The raw baseline is what a user would write by hand: httpx's
streaming body, httpx-sse's decoder, `json.loads` of each event, the text deltas picked out."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

SERVER = """
import sys
from hfgate import testing
from hfgate.testing import Reply
chunks = int(sys.argv[2])
emulator = getattr(testing, sys.argv[1])(port=0)
emulator.default_reply = Reply.text("abcd" * chunks, chunk_size=4,
    usage={"prompt_tokens": 10, "completion_tokens": chunks, "total_tokens": 10 + chunks})
emulator.start()
print(emulator.base_url, flush=True)
sys.stdin.read()
"""

KEY = "hf_bench"
PROMPT = [{"role": "user", "content": "Hello"}]
Stream = Callable[[], str]


def start_emulator(kind: str, chunks: int) -> tuple[subprocess.Popen[str], str]:
    """An emulator in its own process (so it does not share the clients' GIL), on loopback."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, kind, str(chunks)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stop_emulator(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


# How each wire's raw request looks, and where its text deltas are.
def chat_text(event: dict[str, Any]) -> str:
    return "".join(c["delta"].get("content") or "" for c in event.get("choices") or ())


def responses_text(event: dict[str, Any]) -> str:
    return event["delta"] if event["type"] == "response.output_text.delta" else ""


def messages_text(event: dict[str, Any]) -> str:
    return event["delta"].get("text", "") if event["type"] == "content_block_delta" else ""


RAW: dict[str, tuple[str, dict[str, Any], Callable[[dict[str, Any]], str]]] = {
    "chat": (
        "/chat/completions",
        {"messages": PROMPT, "stream": True, "stream_options": {"include_usage": True}},
        chat_text,
    ),
    "responses": ("/responses", {"input": PROMPT, "stream": True}, responses_text),
    "messages": (
        "/v1/messages",
        {"max_tokens": 1024, "messages": PROMPT, "stream": True},
        messages_text,
    ),
}
HEADERS = {"authorization": f"Bearer {KEY}", "x-api-key": KEY, "anthropic-version": "2023-06-01"}
EMULATORS = {
    "chat": "RouterEmulator",
    "responses": "OpenAIEmulator",
    "messages": "AnthropicEmulator",
}
WIRE_NAMES = {
    "chat": "chat completions",
    "responses": "OpenAI Responses",
    "messages": "Anthropic Messages",
}
MODEL = "Qwen/Qwen3-32B"


def _sse(client: Any, url: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    from httpx_sse import connect_sse

    with connect_sse(client, "POST", url, json=body, headers=HEADERS) as source:
        for sse in source.iter_sse():
            if sse.data == "[DONE]":
                break
            yield json.loads(sse.data)


def raw_stream(wire: str, base_url: str) -> Stream:
    import httpx

    client = httpx.Client()
    path, body, text = RAW[wire]
    url, body = f"{base_url}{path}", {"model": MODEL, **body}
    return lambda: "".join(text(event) for event in _sse(client, url, body))


def hfgate_stream(wire: str, base_url: str) -> Stream:
    import hfgate

    if wire == "chat":  # the HF router, as most users meet it
        hf = hfgate.Client(api_key=KEY, base_url=base_url, hf_router=True)
        return lambda: hf.stream_text(model=MODEL, prompt="Hello").result.text
    hf = hfgate.Client(api_key=KEY, base_url=base_url, hf_router=False)
    return lambda: hf.stream_text(model=MODEL, prompt="Hello", api=wire).result.text  # type: ignore[typeddict-item]


def sdk_stream(wire: str, base_url: str) -> Stream:
    if wire == "messages":
        import anthropic

        claude = anthropic.Anthropic(api_key=KEY, base_url=base_url, max_retries=0)

        def messages() -> str:
            with claude.messages.stream(model=MODEL, max_tokens=1024, messages=PROMPT) as s:  # type: ignore[arg-type]
                return "".join(s.text_stream)

        return messages
    import openai

    oa = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
    if wire == "responses":

        def responses() -> str:
            events = oa.responses.create(model=MODEL, input=PROMPT, stream=True)  # type: ignore[arg-type]
            return "".join(e.delta for e in events if e.type == "response.output_text.delta")

        return responses

    def chat() -> str:
        chunks = oa.chat.completions.create(
            model=MODEL,
            messages=PROMPT,
            stream=True,
            stream_options={"include_usage": True},  # type: ignore[arg-type]
        )
        return "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices)

    return chat


def stream_clients(wire: str, base_url: str) -> dict[str, Stream]:
    sdk = "anthropic SDK" if wire == "messages" else "openai SDK"
    return {
        "httpx + httpx-sse": raw_stream(wire, base_url),
        "hfgate": hfgate_stream(wire, base_url),
        sdk: sdk_stream(wire, base_url),
    }
