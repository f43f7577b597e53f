"""The adversarial corpus: answers a client of each API format may meet from a broken or
hostile server. Most are generated: every field of a valid answer (one-shot and streamed, in all
three formats) replaced by values of the wrong type or range. The rest are written by hand:
framing, encodings, truncation, echoed secrets, trickles and drops.

Each `Shape` names the format it imitates and, where the right outcome is known, what it must
be: "result" (a legal variation), or the error class it must raise. Otherwise any result or
any typed hfgate error will do; a foreign exception, a hang or a leaked key never does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from raw_server import Script, gzipped, http, json_answer, raw, sse, trickled

Format = Literal["chat", "responses", "messages"]

WRONG: tuple[Any, ...] = (None, "hello", 7, -5, 10**30, 1.5, [], [None], {}, True, "{KEY}", "")
"""Wrong values, three per field (rotating), so every field meets several kinds."""
DEEP = "[" * 100_000 + "]" * 100_000


@dataclass(frozen=True)
class Shape:
    format: Format
    name: str
    script: Script
    expect: str | None = None
    """"result", an hfgate error class name, or None (any result or typed error)."""
    slow: bool = False
    """Needs a call timeout (trickles, silences): run with `timeout=TIMEOUT`."""
    streamed: bool = False
    """An event stream: `expect` holds for the streaming APIs only (a one-shot call that
    gets one is a MalformedResponseError, whatever the events)."""


TIMEOUT = 1.0

# --- valid answers, one per format and mode -----------------------------------------------

CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
CHAT_JSON = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi", "tool_calls": [CALL]},
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "prompt_tokens_details": {"cached_tokens": 1},
        "completion_tokens_details": {"reasoning_tokens": 1},
    },
}
CHAT_EVENTS: list[Any] = [
    {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant"}}]},
    {"choices": [{"index": 0, "delta": {"content": "hi", "reasoning_content": "r"}}]},
    {"choices": [{"index": 0, "delta": {"tool_calls": [{**CALL, "index": 0}]}}]},
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}},
]
RESPONSES_JSON = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "m",
    "output": [
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "r"}]},
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "hi"}],
        },
        {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f", "arguments": "{}"},
    ],
    "usage": {
        "input_tokens": 3,
        "output_tokens": 2,
        "total_tokens": 5,
        "input_tokens_details": {"cached_tokens": 1},
        "output_tokens_details": {"reasoning_tokens": 1},
    },
}
RESPONSES_EVENTS: list[Any] = [
    {"type": "response.created", "response": {**RESPONSES_JSON, "status": "in_progress"}},
    {"type": "response.output_text.delta", "output_index": 1, "delta": "hi"},
    {"type": "response.reasoning_summary_text.delta", "output_index": 0, "delta": "r"},
    {"type": "response.output_item.done", "output_index": 2, "item": RESPONSES_JSON["output"][2]},
    {"type": "response.completed", "response": RESPONSES_JSON},
]
MESSAGES_JSON = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "m",
    "content": [
        {"type": "thinking", "thinking": "r", "signature": "sig"},
        {"type": "text", "text": "hi"},
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
    ],
    "stop_reason": "tool_use",
    "usage": {"input_tokens": 3, "output_tokens": 2, "cache_read_input_tokens": 1},
}
MESSAGES_EVENTS: list[Any] = [
    {
        "type": "message_start",
        "message": {**MESSAGES_JSON, "content": [], "stop_reason": None},
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}},
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"a": 1}'},
    },
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use"},
        "usage": {"output_tokens": 2},
    },
    {"type": "message_stop"},
]
VALID: dict[Format, tuple[dict[str, Any], list[Any]]] = {
    "chat": (CHAT_JSON, CHAT_EVENTS),
    "responses": (RESPONSES_JSON, RESPONSES_EVENTS),
    "messages": (MESSAGES_JSON, MESSAGES_EVENTS),
}


def stream_of(fmt: Format, events: list[Any], *, done: bool = True, **kw: Any) -> Script:
    """An SSE answer in `fmt`'s framing: chat ends with `[DONE]`, the others name events."""
    if fmt == "chat":
        return sse([json.dumps(e) for e in events] + (["[DONE]"] if done else []), **kw)
    return sse(
        [
            f"event: {e.get('type') if isinstance(e, dict) else 'x'}\ndata: {json.dumps(e)}"
            for e in events
        ],  # fmt: skip
        **kw,
    )


# --- generated: every field, wrong ----------------------------------------------------------


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*at, key)
            yield from _paths(inner, (*at, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*at, index)
            yield from _paths(inner, (*at, index))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(value)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return out


def _wrong(index: int) -> list[Any]:
    return [WRONG[(index * 3 + k) % len(WRONG)] for k in range(3)]


def mutations() -> Iterator[Shape]:
    for fmt, (whole, events) in VALID.items():
        for i, path in enumerate(_paths(whole)):
            for new in _wrong(i):
                name = f"{fmt} json {'.'.join(map(str, path))}={new!r:.12}"
                yield Shape(fmt, name, json_answer(_replaced(whole, path, new)))
        for n, event in enumerate(events):
            for i, path in enumerate(_paths(event)):
                for new in _wrong(i + n):
                    changed = [*events[:n], _replaced(event, path, new), *events[n + 1 :]]
                    name = f"{fmt} event {n} {'.'.join(map(str, path))}={new!r:.12}"
                    yield Shape(fmt, name, stream_of(fmt, changed), streamed=True)
            for new in ("hello", 7, None, [1, 2]):  # the whole event of the wrong type
                changed = [*events[:n], new, *events[n + 1 :]]
                shape = stream_of(fmt, changed)
                yield Shape(fmt, f"{fmt} event {n} is {new!r}", shape, streamed=True)


# --- by hand: framing, encodings, truncation, secrets, time ---------------------------------

SECRET_ERROR = {
    "error": {"message": "bad key {KEY}", "code": "{KEY}", "type": "{KEY}", "param": "{KEY}"}
}


def handwritten() -> Iterator[Shape]:
    for fmt, (whole, events) in VALID.items():
        body = json.dumps(whole).encode()
        yield Shape(fmt, f"{fmt} valid json", json_answer(whole), "result")
        yield Shape(fmt, f"{fmt} valid stream", stream_of(fmt, events), "result", streamed=True)
        crlf = stream_of(fmt, events, newline="\r\n")
        yield Shape(fmt, f"{fmt} CRLF lines", crlf, "result", streamed=True)
        cr = stream_of(fmt, events, newline="\r")
        yield Shape(fmt, f"{fmt} CR lines", cr, "result", streamed=True)
        bom = stream_of(fmt, events, prefix=b"\xef\xbb\xbf")
        yield Shape(fmt, f"{fmt} leading BOM", bom, "result", streamed=True)
        cut = stream_of(fmt, events[:2], done=False)
        yield Shape(
            fmt, f"{fmt} stream cut after 2 events", cut, "IncompleteStreamError", streamed=True
        )
        yield Shape(
            fmt, f"{fmt} stream of nothing", sse([]), "IncompleteStreamError", streamed=True
        )
        mid = stream_of(fmt, events).pieces[0].data
        half = raw(mid[: mid.index(b"hi") + 1], f"{fmt} cut mid-event")
        yield Shape(fmt, half.name, half, "IncompleteStreamError", streamed=True)
        for corrupt in (True, False):
            what = "broken" if corrupt else "truncated"
            yield Shape(
                fmt, f"{fmt} {what} gzip json", gzipped(json_answer(whole), corrupt=corrupt)
            )
            gz = gzipped(stream_of(fmt, events), corrupt=corrupt)
            yield Shape(fmt, f"{fmt} {what} gzip stream", gz)
        yield Shape(fmt, f"{fmt} body not JSON", http(200, b"oops {KEY}", "application/json"),
                    "MalformedResponseError")  # fmt: skip
        yield Shape(fmt, f"{fmt} html 200", http(200, b"<html>{KEY}</html>", "text/html"))
        for top in ("[1, 2]", '"text"', "5", "null", "true", DEEP, '{"choices": ' + DEEP + "}"):
            yield Shape(fmt, f"{fmt} top-level {top[:12]}", http(200, top.encode()))
        yield Shape(fmt, f"{fmt} invalid utf-8", http(200, b'{"model": "\xff\xfe"}'))
        yield Shape(fmt, f"{fmt} body shorter than its length", http(200, body[:20], length=400))
        yield Shape(fmt, f"{fmt} dropped before headers", raw(b""), "APIConnectionError")
        yield Shape(fmt, f"{fmt} garbage status line", raw(b"HTTP/1.1 abc\r\n\r\n"))
        yield Shape(fmt, f"{fmt} half the headers", raw(b"HTTP/1.1 200 OK\r\ncontent-ty"))
        for status in (400, 401, 403, 404, 422, 429, 500, 503):
            yield Shape(fmt, f"{fmt} {status} quoting the key", json_answer(SECRET_ERROR, status))
        yield Shape(fmt, f"{fmt} 401 text quoting the key", http(401, b"key {KEY}", "text/plain"))
        yield Shape(fmt, f"{fmt} 500 html quoting the key", http(500, b"<p>{KEY}</p>", "text/html"))
        for after in ("1e308", "-5", "soon", "Wed, 21 Oct 2999 07:28:00 GMT", "nan"):
            retry = json_answer({"error": "slow"}, 429, headers={"retry-after": after})
            yield Shape(fmt, f"{fmt} 429 retry-after {after}", retry)
        in_body = json_answer({"error": {"message": "failed: {KEY}", "code": "{KEY}"}})
        yield Shape(fmt, f"{fmt} 200 error quoting the key", in_body)
        for data in ("token={KEY}", "{bad json {KEY}", "[1, 2]", '"{KEY}"', "5", DEEP):
            shape = sse([data] if fmt == "chat" else [f"event: x\ndata: {data}"])
            yield Shape(fmt, f"{fmt} sse data {data[:12]!r}", shape)
        error_event = {"error": {"message": "mid-stream {KEY}", "code": "{KEY}"}}
        if fmt == "messages":
            error_event = {"type": "error", "error": {"type": "{KEY}", "message": "{KEY}"}}
        if fmt == "responses":
            error_event = {"type": "error", "code": "{KEY}", "message": "{KEY}", "param": None}
        shape = stream_of(fmt, [events[0], error_event])
        yield Shape(fmt, f"{fmt} error event quoting the key", shape)
        keepalive = sse([": ping"] * 3 + [json.dumps(e) for e in events] + ["[DONE]"])
        if fmt == "chat":
            yield Shape(fmt, "chat keep-alive comments", keepalive, "result", streamed=True)
            slow_head = trickled(json_answer(whole), every=0.15, head_only=True)
            yield Shape(fmt, "chat headers trickled", slow_head, "APITimeoutError", slow=True)
            slow_body = trickled(json_answer(whole), every=0.02)
            yield Shape(fmt, "chat body trickled", slow_body, "APITimeoutError", slow=True)


def corpus() -> list[Shape]:
    return [*mutations(), *handwritten()]
