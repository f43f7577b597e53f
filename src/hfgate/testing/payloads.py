"""Turn a `Reply` into the router's JSON and SSE payloads.

The standard parts are built with the official `openai` SDK's types, so their shape is checked
by a third party; the legal variations the router passes through from providers (reasoning
fields, `<think>` blocks, object arguments, DeepSeek-style cache counts) are added on top.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
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
from openai.types.chat.chat_completion_message_function_tool_call import (
    ChatCompletionMessageFunctionToolCall,
    Function,
)

from hfgate.testing.replies import Reply

_SDK_FINISH = {"stop", "length", "tool_calls", "content_filter", "function_call"}


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def prompt_words(request: Mapping[str, Any]) -> int:
    total = 0
    for message in request.get("messages") or ():
        total += len(message_text(message).split())
    return total


def message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return str(content or "")


def usage_dict(reply: Reply, request: Mapping[str, Any]) -> dict[str, Any]:
    if reply.usage is not None:
        base = dict(reply.usage)
    else:
        prompt = prompt_words(request)
        output = len(reply.content.split()) + len((reply.reasoning or "").split())
        base = {"prompt_tokens": prompt, "completion_tokens": output}
        base["total_tokens"] = prompt + output
    usage = CompletionUsage.model_validate(
        {k: base[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens") if k in base}
        | {"total_tokens": base.get("total_tokens", 0)}
    ).model_dump(mode="json", exclude_unset=True)
    if reply.cached_tokens is not None:
        if reply.cache_hit_field == "prompt_cache_hit_tokens":
            usage["prompt_cache_hit_tokens"] = reply.cached_tokens
        else:
            usage["prompt_tokens_details"] = {"cached_tokens": reply.cached_tokens}
    if reply.reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reply.reasoning_tokens}
    return usage


def _visible_content(reply: Reply) -> str:
    if reply.reasoning and reply.reasoning_field == "think":
        return f"<think>{reply.reasoning}</think>\n\n{reply.content}"
    return reply.content


def completion(reply: Reply, model: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """The non-streaming `chat.completion` body."""
    calls: list[Any] = [
        ChatCompletionMessageFunctionToolCall(
            id=c.id or f"call_{i}",
            type="function",
            function=Function(name=c.name, arguments=json.dumps(dict(c.arguments))),
        )
        for i, c in enumerate(reply.calls)
    ]
    message = ChatCompletionMessage(
        role="assistant", content=_visible_content(reply) or None, tool_calls=calls or None
    )
    finish = reply.finish_reason if reply.finish_reason in _SDK_FINISH else "stop"
    body = ChatCompletion(
        id=f"chatcmpl-{int(time.time() * 1000)}",
        object="chat.completion",
        created=int(time.time()),
        model=model,
        choices=[Choice(index=0, message=message, finish_reason=finish, logprobs=None)],  # type: ignore[arg-type]
    ).model_dump(mode="json", exclude_unset=True)
    choice = body["choices"][0]
    choice["finish_reason"] = reply.finish_reason
    if reply.reasoning and reply.reasoning_field != "think":
        choice["message"][reply.reasoning_field] = reply.reasoning
    if reply.arguments_as_object:
        for raw, spec in zip(choice["message"].get("tool_calls") or (), reply.calls, strict=True):
            raw["function"]["arguments"] = dict(spec.arguments)
    if reply.usage_chunk != "none":
        body["usage"] = usage_dict(reply, request)
    return body


def _pieces(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


class _Chunks:
    """Builds `chat.completion.chunk` payloads with the SDK's types."""

    def __init__(self, reply: Reply, model: str) -> None:
        self.reply = reply
        self.model = model
        self.id = f"chatcmpl-{int(time.time() * 1000)}"
        self.created = int(time.time())
        self.first = True

    def make(
        self,
        delta: ChoiceDelta | None,
        *,
        finish: str | None = None,
        extra_delta: Mapping[str, Any] | None = None,
        usage: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        choices = []
        if delta is not None:
            if self.first or self.reply.role_in_every_delta:
                delta.role = "assistant"
                self.first = False
            sdk_finish = finish if finish in _SDK_FINISH else ("stop" if finish else None)
            choices.append(ChunkChoice(index=0, delta=delta, finish_reason=sdk_finish))  # type: ignore[arg-type]
        chunk = ChatCompletionChunk(
            id=self.id,
            object="chat.completion.chunk",
            created=self.created,
            model=self.model,
            choices=choices,
        ).model_dump(mode="json", exclude_unset=True)
        if choices:
            chunk["choices"][0]["finish_reason"] = finish
            chunk["choices"][0]["delta"].update(extra_delta or {})
        if usage is not None:
            chunk["usage"] = usage
        return chunk


def chunks(reply: Reply, model: str, request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every SSE payload of a streamed answer, in order (without `[DONE]`)."""
    make = _Chunks(reply, model)
    out: list[dict[str, Any]] = []
    if reply.reasoning and reply.reasoning_field != "think":
        for piece in _pieces(reply.reasoning, reply.chunk_size):
            out.append(make.make(ChoiceDelta(), extra_delta={reply.reasoning_field: piece}))
    for piece in _pieces(_visible_content(reply), reply.chunk_size):
        out.append(make.make(ChoiceDelta(content=piece)))
    out.extend(_tool_call_chunks(reply, make))
    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    usage = usage_dict(reply, request) if include_usage else None
    last_usage = usage if reply.usage_chunk == "last" else None
    out.append(make.make(ChoiceDelta(), finish=reply.finish_reason, usage=last_usage))
    if usage is not None and reply.usage_chunk == "separate":
        out.append(make.make(None, usage=usage))
    return out


def _tool_call_chunks(reply: Reply, make: _Chunks) -> Iterator[dict[str, Any]]:
    heads: list[ChoiceDeltaToolCall] = []
    fragments: list[list[str | dict[str, Any]]] = []
    for index, call in enumerate(reply.calls):
        fn = ChoiceDeltaToolCallFunction(name=call.name, arguments="")
        heads.append(
            ChoiceDeltaToolCall(
                index=index, id=call.id or f"call_{index}", type="function", function=fn
            )
        )
        if reply.arguments_as_object:
            fragments.append([dict(call.arguments)])
        else:
            text = json.dumps(dict(call.arguments))
            size = -(-len(text) // max(1, reply.split))
            fragments.append(list(_pieces(text, size)))
    for head in heads:
        yield make.make(ChoiceDelta(tool_calls=[head]))
    for round_ in range(max((len(f) for f in fragments), default=0)):
        for index, pieces in enumerate(fragments):
            if round_ < len(pieces):
                piece = pieces[round_]
                if isinstance(piece, dict):
                    chunk = make.make(ChoiceDelta(tool_calls=[ChoiceDeltaToolCall(index=index)]))
                    chunk["choices"][0]["delta"]["tool_calls"][0]["function"] = {"arguments": piece}
                    yield chunk
                else:
                    fn = ChoiceDeltaToolCallFunction(arguments=piece)
                    yield make.make(
                        ChoiceDelta(tool_calls=[ChoiceDeltaToolCall(index=index, function=fn)])
                    )


def stream_error_chunks(reply: Reply, model: str) -> list[dict[str, Any]]:
    """Some text chunks, then the error object, as a 200 stream."""
    make = _Chunks(reply, model)
    text = _pieces(reply.content, reply.chunk_size)[: reply.after_chunks]
    return [make.make(ChoiceDelta(content=piece)) for piece in text] + [reply.error_payload()]


def sse(payload: Any, prefix: str) -> bytes:
    data = payload if isinstance(payload, bytes) else dumps(payload)
    return prefix.encode() + data + b"\n\n"
