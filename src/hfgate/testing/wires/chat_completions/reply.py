"""Turn a `Reply` into the router's chat-completions JSON body or SSE events, as bytes.

The standard parts are built with the official `openai` SDK's types, so a third party checks
their shape; the legal variations the router passes through from providers (reasoning fields,
`<think>` blocks, object arguments, DeepSeek cache counts, odd finish reasons) are SDK extras
or are patched into the dumped dict. Rendered bytes are cached on the Reply per request shape,
so a reply that repeats (a benchmark's default reply) costs no pydantic work after the first.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import (
    ChoiceDelta,
    ChoiceDeltaToolCall,
    ChoiceDeltaToolCallFunction,
)

from hfgate.testing._common import (
    Answer,
    cached,
    dumps,
    padded_split,
    pieces,
    split_in,
    token_counts,
)
from hfgate.testing._common import resolve_echo as _resolve_echo
from hfgate.testing.replies import Reply
from hfgate.testing.wires.chat_completions.request import (
    include_usage,
    last_user_text,
    prompt_words,
)

Patch = Callable[[dict[str, Any]], None]
_SDK_FINISH = frozenset({"stop", "length", "tool_calls", "content_filter", "function_call"})


def resolve_echo(reply: Reply, request: Mapping[str, Any]) -> Reply:
    """The text reply an echo gives to this request; cached, so a repeated prompt is cheap."""
    return _resolve_echo(reply, f"You said: {last_user_text(request)}")


def render_json(reply: Reply, request: Mapping[str, Any]) -> bytes:
    """The non-streaming `chat.completion` body, cached per (model, prompt size)."""
    model = reply.model or str(request.get("model"))
    words = prompt_words(request) if reply.usage is None else -1
    return cached(reply, ("json", model, words), lambda: dumps(_completion(reply, model, words)))


def render_failure(reply: Reply, request: Mapping[str, Any]) -> Answer:
    """A `stream_error` asked for without streaming: its error object as a 200 body."""
    return Answer.json(200, reply.error_payload())


def render_stream(reply: Reply, request: Mapping[str, Any]) -> tuple[bytes, ...]:
    """Every SSE event of a streamed answer, `[DONE]` included when the reply sends it."""
    model = reply.model or str(request.get("model"))
    with_usage = (
        include_usage(request) and reply.usage_chunk != "none" and reply.kind != "stream_error"
    )
    words = prompt_words(request) if with_usage and reply.usage is None else -1

    def render() -> tuple[bytes, ...]:
        usage = _usage(reply, words) if with_usage else None
        payloads = (
            _stream_error_chunks(reply, model)
            if reply.kind == "stream_error"
            else _chunks(reply, model, usage)
        )
        prefix = reply.data_prefix.encode()
        events = tuple(prefix + dumps(p) + b"\n\n" for p in payloads)
        if reply.done and reply.kind != "stream_error":
            events += (prefix + b"[DONE]\n\n",)
        return events

    return cached(reply, ("sse", model, with_usage, words), render)


def _completion_id(reply: Reply) -> str:
    if reply.completion_id is not None:
        return reply.completion_id
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _visible_content(reply: Reply) -> str:
    if reply.reasoning is not None and reply.reasoning_field == "think":
        return f"<think>{reply.reasoning}</think>{reply.content}"
    return reply.content


def _usage(reply: Reply, words: int) -> CompletionUsage:
    data = token_counts(reply, words)
    if reply.cached_tokens is not None:
        if reply.cache_hit_field == "prompt_cache_hit_tokens":
            data["prompt_cache_hit_tokens"] = reply.cached_tokens
        else:
            details = dict(data.get("prompt_tokens_details") or {})
            data["prompt_tokens_details"] = details | {"cached_tokens": reply.cached_tokens}
    if reply.cache_write_tokens is not None:
        details = dict(data.get("prompt_tokens_details") or {})
        data["prompt_tokens_details"] = details | {"cache_write_tokens": reply.cache_write_tokens}
    if reply.reasoning_tokens is not None:
        details = dict(data.get("completion_tokens_details") or {})
        data["completion_tokens_details"] = details | {"reasoning_tokens": reply.reasoning_tokens}
    return CompletionUsage.model_validate(data)


def _sdk_finish(finish: str | None) -> Any:
    """The SDK only knows OpenAI's finish reasons; others are patched in after dumping."""
    return finish if finish is None or finish in _SDK_FINISH else "stop"


def _completion(reply: Reply, model: str, words: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": _visible_content(reply)}
    if reply.kind == "tool_calls":
        message["content"] = message["content"] or None
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{index}",
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for index, call in enumerate(reply.calls)
        ]
    if reply.reasoning is not None and reply.reasoning_field != "think":
        message[reply.reasoning_field] = reply.reasoning  # an SDK extra field
    body = ChatCompletion(
        id=_completion_id(reply),
        object="chat.completion",
        created=int(time.time()),
        model=model,
        choices=[
            Choice(
                index=0,
                message=ChatCompletionMessage.model_validate(message),
                finish_reason=_sdk_finish(reply.finish_reason or "stop"),
                logprobs=None,
            )
        ],
    )
    if reply.usage_chunk != "none":
        body.usage = _usage(reply, words)
    payload = body.model_dump(mode="json", exclude_unset=True)
    choice = payload["choices"][0]
    choice["finish_reason"] = reply.finish_reason
    if reply.arguments_as_object:
        for raw, call in zip(choice["message"]["tool_calls"], reply.calls, strict=True):
            raw["function"]["arguments"] = call.arguments
    return payload


class _ChunkMaker:
    """Builds `chat.completion.chunk` payloads of one stream with the SDK's types."""

    def __init__(self, reply: Reply, model: str) -> None:
        self.reply = reply
        self.model = model
        self.id = _completion_id(reply)
        self.created = int(time.time())
        self.deltas = 0

    def make(
        self,
        delta: ChoiceDelta | None,
        *,
        finish: str | None = None,
        usage: CompletionUsage | None = None,
        patch: Patch | None = None,
    ) -> dict[str, Any]:
        choices = []
        if delta is not None:
            if self.deltas == 0 or self.reply.role_in_every_delta:
                delta.role = "assistant"
            self.deltas += 1
            choices.append(ChunkChoice(index=0, delta=delta, finish_reason=_sdk_finish(finish)))
        chunk = ChatCompletionChunk(
            id=self.id,
            object="chat.completion.chunk",
            created=self.created,
            model=self.model,
            choices=choices,
        )
        if usage is not None or self.reply.null_usage_chunks:
            chunk.usage = usage
        payload = chunk.model_dump(mode="json", exclude_unset=True)
        if choices:
            payload["choices"][0]["finish_reason"] = finish
            if patch is not None:
                patch(payload["choices"][0]["delta"])
        return payload


def _chunks(reply: Reply, model: str, usage: CompletionUsage | None) -> list[dict[str, Any]]:
    """The payloads of a streamed text or tool-call answer, in order (without `[DONE]`).
    The last delta carries the finish reason (and the usage when usage_chunk is "last")."""
    entries: list[tuple[ChoiceDelta, Patch | None]] = []
    if reply.reasoning is not None and reply.reasoning_field != "think":
        for piece in pieces(reply.reasoning, reply.chunk_size):
            entries.append((ChoiceDelta.model_validate({reply.reasoning_field: piece}), None))
    for piece in pieces(_visible_content(reply), reply.chunk_size):
        entries.append((ChoiceDelta(content=piece), None))
    entries.extend(_tool_call_deltas(reply))
    if not entries:
        entries.append((ChoiceDelta(content=""), None))
    make = _ChunkMaker(reply, model)
    out = []
    for number, (delta, patch) in enumerate(entries, start=1):
        last = number == len(entries)
        out.append(
            make.make(
                delta,
                finish=reply.finish_reason if last else None,
                usage=usage if last and reply.usage_chunk == "last" else None,
                patch=patch,
            )
        )
    if usage is not None and reply.usage_chunk == "separate":
        out.append(make.make(None, usage=usage))
    return out


def _object_arguments(arguments: Mapping[str, Any]) -> Patch:
    def patch(delta: dict[str, Any]) -> None:
        delta["tool_calls"][0]["function"]["arguments"] = arguments

    return patch


def _tool_call_deltas(reply: Reply) -> list[tuple[ChoiceDelta, Patch | None]]:
    """Each call's head (index, id, type, name, `arguments: ""`), then the argument
    fragments of all calls interleaved: call 0 frag 0, call 1 frag 0, call 0 frag 1, ..."""
    heads: list[tuple[ChoiceDelta, Patch | None]] = []
    fragments: list[list[str]] = []
    for index, call in enumerate(reply.calls):
        function = ChoiceDeltaToolCallFunction(name=call.name, arguments="")
        head = ChoiceDeltaToolCall(
            index=index, id=call.id or f"call_{index}", type="function", function=function
        )
        patch = _object_arguments(call.arguments) if reply.arguments_as_object else None
        heads.append((ChoiceDelta(tool_calls=[head]), patch))
        if not reply.arguments_as_object:
            fragments.append(split_in(json.dumps(call.arguments), reply.split))
    rounds = max((len(f) for f in fragments), default=0)
    tails: list[tuple[ChoiceDelta, Patch | None]] = [
        (
            ChoiceDelta(
                tool_calls=[
                    ChoiceDeltaToolCall(
                        index=index, function=ChoiceDeltaToolCallFunction(arguments=parts[n])
                    )
                ]
            ),
            None,
        )
        for n in range(rounds)
        for index, parts in enumerate(fragments)
        if n < len(parts)
    ]
    return heads + tails


def _stream_error_chunks(reply: Reply, model: str) -> list[dict[str, Any]]:
    """`after_chunks` text chunks, then the error object: a failure inside a 200 stream."""
    make = _ChunkMaker(reply, model)
    texts = padded_split(reply.content, reply.after_chunks)
    return [make.make(ChoiceDelta(content=text)) for text in texts] + [reply.error_payload()]
