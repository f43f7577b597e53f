"""Turn a `Reply` into an OpenAI Responses API answer, as bytes: a `response` object, or the
SSE events of one being streamed (`event:` and `data:` lines, a `sequence_number` on each,
no `[DONE]`).

Every object is validated by the `openai` SDK's `responses` types; a dumped dict is patched
only where a script goes past them (an error code the SDK does not list). Output items come
in the order reasoning, message, function calls; a stream sends them one after the other.
"""

from __future__ import annotations

import json
import time
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openai import BaseModel
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseError,
    ResponseErrorEvent,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)

from hfgate.testing._common import (
    Answer,
    build,
    cached,
    dump,
    dumps,
    padded_split,
    pieces,
    split_in,
    token_counts,
)
from hfgate.testing.replies import Reply
from hfgate.testing.wires.responses.request import prompt_words

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}
_SDK_ERROR_CODES = frozenset(typing.get_args(ResponseError.model_fields["code"].annotation))


@dataclass(frozen=True)
class _Ids:
    """The ids of one answer: fixed per render, so a stream and its final object agree."""

    response: str
    created_at: int
    reasoning: str
    message: str
    calls: tuple[str, ...]

    @classmethod
    def new(cls, reply: Reply) -> _Ids:
        token = uuid.uuid4().hex
        response = reply.completion_id if reply.completion_id is not None else f"resp_{token}"
        calls = tuple(f"fc_{token[:24]}{n}" for n in range(len(reply.calls)))
        return cls(response, int(time.time()), f"rs_{token}", f"msg_{token}", calls)


def render_json(reply: Reply, request: Mapping[str, Any]) -> bytes:
    """The non-streaming `response` body, cached per (model, prompt size)."""
    model = reply.model or str(request.get("model"))
    words = prompt_words(request) if reply.usage is None else -1

    def render() -> bytes:
        ids = _Ids.new(reply)
        response = _response(reply, ids, model, _status(reply), _output(reply, ids))
        if reply.usage_chunk != "none":
            response.usage = _usage(reply, words)
        return dumps(_dump_response(response))

    return cached(reply, ("responses-json", model, words), render)


def render_failure(reply: Reply, request: Mapping[str, Any]) -> Answer:
    """A `stream_error` asked for without streaming: a 200 `response` with status "failed"."""
    model = reply.model or str(request.get("model"))
    failed = _dump_response(_failed(reply, _Ids.new(reply), model))
    return Answer.json(200, _with_code(failed, reply))


def render_stream(reply: Reply, request: Mapping[str, Any]) -> tuple[bytes, ...]:
    """Every SSE event of a streamed answer, from `response.created` to `response.completed`
    (`response.incomplete`, or for a stream_error `response.failed` / `error`)."""
    model = reply.model or str(request.get("model"))
    words = prompt_words(request) if reply.usage is None else -1

    def render() -> tuple[bytes, ...]:
        stream = _Stream(reply, _Ids.new(reply), model)
        payloads = stream.failure() if reply.kind == "stream_error" else stream.answer(words)
        prefix = reply.data_prefix.encode()
        return tuple(
            (b"event: %s\n" % p["type"].encode() if reply.event_lines else b"")
            + prefix
            + dumps(p)
            + b"\n\n"
            for p in payloads
        )

    return cached(reply, ("responses-sse", model, words), render)


def _dump_response(response: Response) -> dict[str, Any]:
    return _whole_seconds(dump(response))


def _whole_seconds(response: dict[str, Any]) -> dict[str, Any]:
    """`created_at` as the API sends it, an integer (the SDK's type is a float)."""
    return response | {"created_at": int(response["created_at"])}


def _status(reply: Reply) -> str:
    return "incomplete" if reply.finish_reason in _INCOMPLETE else "completed"


def _response(reply: Reply, ids: _Ids, model: str, status: str, output: list[Any]) -> Response:
    reason = _INCOMPLETE.get(reply.finish_reason or "") if status == "incomplete" else None
    return Response.model_validate(
        {
            "id": ids.response,
            "object": "response",
            "created_at": ids.created_at,
            "model": model,
            "status": status,
            "output": output,
            "error": None,
            "incomplete_details": {"reason": reason} if reason else None,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
        }
    )


def _usage(reply: Reply, words: int) -> ResponseUsage:
    counts = token_counts(reply, words)
    return ResponseUsage.model_validate(
        {
            "input_tokens": counts["prompt_tokens"],
            "input_tokens_details": {
                "cached_tokens": reply.cached_tokens or 0,
                "cache_write_tokens": reply.cache_write_tokens or 0,
            },
            "output_tokens": counts["completion_tokens"],
            "output_tokens_details": {"reasoning_tokens": reply.reasoning_tokens or 0},
            "total_tokens": counts["total_tokens"],
        }
    )


def _reasoning(reply: Reply, ids: _Ids, text: str | None) -> ResponseReasoningItem:
    """The reasoning item; `text` None gives the empty one a stream opens with."""
    item: dict[str, Any] = {"id": ids.reasoning, "type": "reasoning", "summary": []}
    if text is not None and reply.reasoning_item != "content":
        item["summary"] = [{"type": "summary_text", "text": text}]
    if reply.reasoning_item != "summary":
        item["content"] = [] if text is None else [{"type": "reasoning_text", "text": text}]
    return ResponseReasoningItem.model_validate(item)


def _message(ids: _Ids, text: str | None, status: str) -> ResponseOutputMessage:
    """The message item; `text` None gives the empty one a stream opens with."""
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": []}]
    item = {"id": ids.message, "type": "message", "role": "assistant", "status": status}
    return ResponseOutputMessage.model_validate(item | {"content": content})


def _call(reply: Reply, ids: _Ids, index: int) -> ResponseFunctionToolCall:
    spec = reply.calls[index]
    return ResponseFunctionToolCall(
        id=ids.calls[index],
        type="function_call",
        call_id=spec.id or f"call_{index}",
        name=spec.name,
        arguments=json.dumps(spec.arguments),
        status="completed",
    )


def _output(reply: Reply, ids: _Ids) -> list[Any]:
    """The finished output items."""
    items: list[Any] = []
    if reply.reasoning is not None:
        items.append(_reasoning(reply, ids, reply.reasoning))
    if reply.content or not reply.calls:
        items.append(_message(ids, reply.content, _status(reply)))
    items.extend(_call(reply, ids, index) for index in range(len(reply.calls)))
    return items


def _failed(reply: Reply, ids: _Ids, model: str) -> Response:
    """A failed response; its error code is one the SDK knows, see `_with_code`."""
    response = _response(reply, ids, model, "failed", [])
    code = reply.error_type if reply.error_type in _SDK_ERROR_CODES else "server_error"
    response.error = ResponseError.model_validate({"code": code, "message": reply.message})
    return response


def _with_code(response: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The dumped failed response with the scripted error code, even one the SDK lacks."""
    response["error"]["code"] = reply.error_type or "server_error"
    return response


class _Stream:
    """The event payloads of one streamed answer, numbered as they are added."""

    def __init__(self, reply: Reply, ids: _Ids, model: str) -> None:
        self.reply = reply
        self.ids = ids
        self.model = model
        self.payloads: list[dict[str, Any]] = []

    def add(self, event: type[BaseModel], **fields: Any) -> dict[str, Any]:
        payload = build(event, sequence_number=len(self.payloads), **fields)
        if "response" in payload:
            payload["response"] = _whole_seconds(payload["response"])
        self.payloads.append(payload)
        return payload

    def answer(self, words: int) -> list[dict[str, Any]]:
        reply, ids = self.reply, self.ids
        self._open()
        for index, item in enumerate(_output(reply, ids)):
            if isinstance(item, ResponseReasoningItem):
                self._reasoning(index)
            elif isinstance(item, ResponseOutputMessage):
                self._message(index, item)
            else:
                self._call(index, item)
        status = _status(reply)
        final = _response(reply, ids, self.model, status, _output(reply, ids))
        if reply.usage_chunk != "none":
            final.usage = _usage(reply, words)
        done = ResponseIncompleteEvent if status == "incomplete" else ResponseCompletedEvent
        self.add(done, response=final)
        return self.payloads

    def failure(self) -> list[dict[str, Any]]:
        """`after_chunks` text deltas, then `response.failed` (or a bare `error` event)."""
        reply, ids = self.reply, self.ids
        self._open()
        self.add(
            ResponseOutputItemAddedEvent, output_index=0, item=_message(ids, None, "in_progress")
        )
        part = {"type": "output_text", "text": "", "annotations": []}
        self.add(ResponseContentPartAddedEvent, **self._at(0), content_index=0, part=part)
        for text in padded_split(reply.content, reply.after_chunks):
            self.add(
                ResponseTextDeltaEvent, **self._at(0), content_index=0, delta=text, logprobs=[]
            )
        if reply.error_event == "error":
            code = reply.error_type or "server_error"
            self.add(ResponseErrorEvent, code=code, message=reply.message, param=None)
        else:
            payload = self.add(ResponseFailedEvent, response=_failed(reply, ids, self.model))
            _with_code(payload["response"], reply)
        return self.payloads

    def _open(self) -> None:
        shell = _response(self.reply, self.ids, self.model, "in_progress", [])
        shell.usage = None
        self.add(ResponseCreatedEvent, response=shell)
        self.add(ResponseInProgressEvent, response=shell)

    def _at(self, index: int) -> dict[str, Any]:
        return {"item_id": self.ids.message, "output_index": index}

    def _reasoning(self, index: int) -> None:
        reply, text = self.reply, self.reply.reasoning or ""
        at = {"item_id": self.ids.reasoning, "output_index": index}
        self.add(
            ResponseOutputItemAddedEvent, output_index=index, item=_reasoning(reply, self.ids, None)
        )
        if reply.reasoning_item != "content":
            part = {"type": "summary_text", "text": ""}
            self.add(ResponseReasoningSummaryPartAddedEvent, **at, summary_index=0, part=part)
            for piece in pieces(text, reply.chunk_size):
                self.add(ResponseReasoningSummaryTextDeltaEvent, **at, summary_index=0, delta=piece)
            self.add(ResponseReasoningSummaryTextDoneEvent, **at, summary_index=0, text=text)
            part = {"type": "summary_text", "text": text}
            self.add(ResponseReasoningSummaryPartDoneEvent, **at, summary_index=0, part=part)
        if reply.reasoning_item != "summary":
            part = {"type": "reasoning_text", "text": ""}
            self.add(ResponseContentPartAddedEvent, **at, content_index=0, part=part)
            for piece in pieces(text, reply.chunk_size):
                self.add(ResponseReasoningTextDeltaEvent, **at, content_index=0, delta=piece)
            self.add(ResponseReasoningTextDoneEvent, **at, content_index=0, text=text)
            part = {"type": "reasoning_text", "text": text}
            self.add(ResponseContentPartDoneEvent, **at, content_index=0, part=part)
        item = _reasoning(reply, self.ids, text)
        self.add(ResponseOutputItemDoneEvent, output_index=index, item=item)

    def _message(self, index: int, item: ResponseOutputMessage) -> None:
        at, text = self._at(index), self.reply.content
        opened = _message(self.ids, None, "in_progress")
        self.add(ResponseOutputItemAddedEvent, output_index=index, item=opened)
        part = {"type": "output_text", "text": "", "annotations": []}
        self.add(ResponseContentPartAddedEvent, **at, content_index=0, part=part)
        for piece in pieces(text, self.reply.chunk_size):
            self.add(ResponseTextDeltaEvent, **at, content_index=0, delta=piece, logprobs=[])
        self.add(ResponseTextDoneEvent, **at, content_index=0, text=text, logprobs=[])
        part = {"type": "output_text", "text": text, "annotations": []}
        self.add(ResponseContentPartDoneEvent, **at, content_index=0, part=part)
        self.add(ResponseOutputItemDoneEvent, output_index=index, item=item)

    def _call(self, index: int, item: ResponseFunctionToolCall) -> None:
        """The call opened with empty arguments, which then arrive in `split` fragments."""
        at = {"item_id": item.id, "output_index": index}
        opened = dump(item) | {"arguments": "", "status": "in_progress"}
        self.add(ResponseOutputItemAddedEvent, output_index=index, item=opened)
        for piece in split_in(item.arguments, self.reply.split):
            self.add(ResponseFunctionCallArgumentsDeltaEvent, **at, delta=piece)
        self.add(ResponseFunctionCallArgumentsDoneEvent, **at, arguments=item.arguments)
        self.add(ResponseOutputItemDoneEvent, output_index=index, item=item)
