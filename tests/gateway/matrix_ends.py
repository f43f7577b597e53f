"""The two ends of the translation matrix (test_translation_matrix.py).

A `Dialect` is a client: the real `openai` or `anthropic` SDK calling one of the gateway's
three ingress APIs, and what that SDK shows of an answer, read into a `Seen`. A `Wire` is an
upstream: an emulator speaking one of the three upstream APIs, and what it received, read from
its recorded request. Each end reads its own format's fields and nothing else, so a test states
once what must cross (the same `Seen`, the same calls and results received) for all 9 cells.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anthropic
import openai
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState

from hfgate.testing import AnthropicEmulator, Emulator, OpenAIEmulator, Reply, RouterEmulator

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PNG_URL = f"data:image/png;base64,{base64.b64encode(PNG).decode()}"
REMOTE_IMAGE = "https://example.com/cat.jpg"
WEATHER = {
    "name": "weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}

Call = tuple[str, str, dict[str, Any]]
"""(id, name, arguments) of one tool call."""


@dataclass
class Seen:
    """What a client's SDK showed of one answer, in the matrix's terms. `usage` is input,
    output, cache reads and cache writes, input counting the cache (as `hfgate.Usage` does);
    `raw` is the SDK's own object, for what only that format has and for the next turn."""

    text: str
    reasoning: str | None
    calls: list[Call]
    finish: str
    """"stop", "tool-calls" or "length", from the format's own finish or stop reason."""
    usage: tuple[int | None, ...]
    reasoning_tokens: int | None
    model: str
    raw: Any
    deltas: int = 0
    """Text deltas the client received (0 when not streamed)."""


@dataclass
class Turn:
    """A conversation so far, in the client's own format, and the answer that ended it."""

    history: list[Any]
    seen: Seen
    options: dict[str, Any] = field(default_factory=dict)


# --- clients --------------------------------------------------------------------------------


class Dialect:
    """One ingress API, driven by its SDK."""

    name: str
    status_error: type[Exception]
    max_tokens_field: str

    def __init__(self, client: Any) -> None:
        self.client = client

    def ask(
        self,
        model: str,
        content: list[Any] | str,
        *,
        stream: bool = False,
        system: str | None = None,
        tools: bool = False,
        reasoning: bool = False,
        max_tokens: int | None = None,
        **fields: Any,
    ) -> Turn:
        """A first turn: the user's `content` (this format's parts, or a string); `fields`
        go into the request as written."""
        options = self.options(model, system=system, tools=tools, reasoning=reasoning)
        if max_tokens is not None:
            options[self.max_tokens_field] = max_tokens
        options.update(fields)
        history = [self.user(content)]
        return Turn(history, self.send(history, options, stream), options)

    def answer_calls(
        self, turn: Turn, results: dict[str, str], *, stream: bool = False, failed: bool = False
    ) -> Turn:
        """The next turn: the assistant's answer as the SDK gave it, then a result per call,
        marked as a failure where the format can say so."""
        history = [*turn.history, *self.replay(turn.seen.raw), *self.results(results, failed)]
        return Turn(history, self.send(history, turn.options, stream), turn.options)

    def follow_up(self, turn: Turn, text: str) -> Turn:
        """The next turn: the assistant's answer as the SDK gave it, then the user's `text`."""
        history = [*turn.history, *self.replay(turn.seen.raw), self.user(text)]
        return Turn(history, self.send(history, turn.options, False), turn.options)

    def image_parts(self) -> list[Any]:
        """A question with an inline PNG and a remote image, as this format writes them."""
        raise NotImplementedError

    def error_body(self, error: Exception) -> tuple[int, str, str, str | None]:
        """(status, error type, message, code) of an error answer, from its body (Anthropic's
        envelope has no code: None)."""
        raise NotImplementedError

    def interrupted(self, model: str, prompt: str) -> tuple[str, str]:
        """Stream an answer that must fail after it started: (the text received before the
        error, the error's message). A stream that ends cleanly fails the test."""
        raise NotImplementedError

    # per format
    def options(
        self, model: str, *, system: str | None, tools: bool, reasoning: bool
    ) -> dict[str, Any]:
        raise NotImplementedError

    def user(self, content: list[Any] | str) -> Any:
        return {"role": "user", "content": content}

    def send(self, history: list[Any], options: dict[str, Any], stream: bool) -> Seen:
        raise NotImplementedError

    def replay(self, raw: Any) -> list[Any]:
        raise NotImplementedError

    def results(self, results: dict[str, str], failed: bool) -> list[Any]:
        raise NotImplementedError


class ChatDialect(Dialect):
    name = "chat"
    status_error = openai.APIStatusError
    max_tokens_field = "max_completion_tokens"

    def options(
        self, model: str, *, system: str | None, tools: bool, reasoning: bool
    ) -> dict[str, Any]:
        options: dict[str, Any] = {"model": model}
        if system:
            options["system"] = system
        if tools:
            options["tools"] = [{"type": "function", "function": WEATHER}]
        if reasoning:
            options["reasoning_effort"] = "low"
        return options

    def _call(self, history: list[Any], options: dict[str, Any]) -> dict[str, Any]:
        """The SDK's arguments: the system prompt is the conversation's first message."""
        options = dict(options)
        system = options.pop("system", None)
        messages = [{"role": "system", "content": system}] if system else []
        return {"messages": [*messages, *history], **options}

    def send(self, history: list[Any], options: dict[str, Any], stream: bool) -> Seen:
        call = self._call(history, options)
        if not stream:
            return self._seen(self.client.chat.completions.create(**call))
        # Folded by the SDK's own stream state, short of the helper's parsing, which refuses
        # an answer cut by its token limit.
        state = ChatCompletionStreamState()
        streaming = {"stream": True, "stream_options": {"include_usage": True}}
        chunks = list(self.client.chat.completions.create(**call, **streaming))
        for chunk in chunks:
            state.handle_chunk(chunk)
        check_chunks(chunks)
        seen = self._seen(state.current_completion_snapshot)
        seen.deltas = sum(bool(c.choices and c.choices[0].delta.content) for c in chunks)
        return seen

    def _seen(self, completion: Any) -> Seen:
        choice = completion.choices[0]
        message = choice.message
        calls = [
            (c.id, c.function.name, json.loads(c.function.arguments))
            for c in message.tool_calls or ()
        ]
        usage = completion.usage
        details = usage.prompt_tokens_details if usage else None
        done = usage.completion_tokens_details if usage else None
        return Seen(
            text=message.content or "",
            reasoning=(message.model_extra or {}).get("reasoning_content"),
            calls=calls,
            finish={"tool_calls": "tool-calls"}.get(choice.finish_reason, choice.finish_reason),
            usage=(
                usage.prompt_tokens if usage else None,
                usage.completion_tokens if usage else None,
                details.cached_tokens if details else None,
                details.cache_write_tokens if details else None,
            ),
            reasoning_tokens=done.reasoning_tokens if done else None,
            model=completion.model,
            raw=message,
        )

    def replay(self, raw: Any) -> list[Any]:
        return [raw.model_dump(exclude_none=True)]

    def results(self, results: dict[str, str], failed: bool) -> list[Any]:
        return [{"role": "tool", "tool_call_id": i, "content": out} for i, out in results.items()]

    def image_parts(self) -> list[Any]:
        return [
            {"type": "text", "text": "What are these?"},
            {"type": "image_url", "image_url": {"url": PNG_URL, "detail": "high"}},
            {"type": "image_url", "image_url": {"url": REMOTE_IMAGE}},
        ]

    def error_body(self, error: Exception) -> tuple[int, str, str, str | None]:
        assert isinstance(error, openai.APIStatusError)
        body = error.body
        assert isinstance(body, dict), body  # the SDK unwraps {"error": {...}}
        return error.status_code, body["type"], body["message"], body["code"]

    def interrupted(self, model: str, prompt: str) -> tuple[str, str]:
        received: list[str] = []
        messages = [{"role": "user", "content": prompt}]
        with pytest.raises(openai.APIError) as caught:
            for chunk in self.client.chat.completions.create(
                model=model, messages=messages, stream=True
            ):
                received += [c.delta.content or "" for c in chunk.choices]
        return "".join(received), _started_then_failed(caught.value)


class ResponsesDialect(Dialect):
    name = "responses"
    status_error = openai.APIStatusError
    max_tokens_field = "max_output_tokens"

    def options(
        self, model: str, *, system: str | None, tools: bool, reasoning: bool
    ) -> dict[str, Any]:
        options: dict[str, Any] = {"model": model}
        if system:
            options["instructions"] = system
        if tools:
            options["tools"] = [{"type": "function", **WEATHER}]
        if reasoning:
            options["reasoning"] = {"effort": "low", "summary": "auto"}
        return options

    def send(self, history: list[Any], options: dict[str, Any], stream: bool) -> Seen:
        if not stream:
            return self._seen(self.client.responses.create(input=history, **options))
        events = list(self.client.responses.create(input=history, stream=True, **options))
        check_response_events(events)
        seen = self._seen(events[-1].response)  # `response.completed` or `.incomplete`
        seen.deltas = sum(e.type == "response.output_text.delta" for e in events)
        return seen

    def _seen(self, response: Any) -> Seen:
        reasoning = [
            part.text
            for item in response.output
            if item.type == "reasoning"
            for part in item.summary
        ]
        calls = [
            (item.call_id, item.name, json.loads(item.arguments))
            for item in response.output
            if item.type == "function_call"
        ]
        usage = response.usage
        details = usage.input_tokens_details if usage else None
        return Seen(
            text=response.output_text,
            reasoning="".join(reasoning) if reasoning else None,
            calls=calls,
            finish=_responses_finish(response, calls),
            usage=(
                usage.input_tokens if usage else None,
                usage.output_tokens if usage else None,
                details.cached_tokens if details else None,
                details.cache_write_tokens if details else None,
            ),
            reasoning_tokens=usage.output_tokens_details.reasoning_tokens if usage else None,
            model=response.model,
            raw=response,
        )

    def user(self, content: list[Any] | str) -> Any:
        return {"type": "message", "role": "user", "content": content}

    def replay(self, raw: Any) -> list[Any]:
        return [item.model_dump(exclude_none=True) for item in raw.output]

    def results(self, results: dict[str, str], failed: bool) -> list[Any]:
        return [
            {"type": "function_call_output", "call_id": i, "output": out}
            for i, out in results.items()
        ]

    def image_parts(self) -> list[Any]:
        return [
            {"type": "input_text", "text": "What are these?"},
            {"type": "input_image", "image_url": PNG_URL, "detail": "high"},
            {"type": "input_image", "image_url": REMOTE_IMAGE, "detail": "auto"},
        ]

    def error_body(self, error: Exception) -> tuple[int, str, str, str | None]:
        assert isinstance(error, openai.APIStatusError)
        body = error.body
        assert isinstance(body, dict), body
        return error.status_code, body["type"], body["message"], body["code"]

    def interrupted(self, model: str, prompt: str) -> tuple[str, str]:
        received: list[str] = []
        with pytest.raises(openai.APIError) as caught:
            for event in self.client.responses.create(model=model, input=prompt, stream=True):
                received += [event.delta] if event.type == "response.output_text.delta" else []
        return "".join(received), _started_then_failed(caught.value)


def _started_then_failed(error: openai.APIError) -> str:
    """The message of an error that came inside a stream, not as the answer's status."""
    assert not isinstance(error, openai.APIStatusError), f"not a stream's error: {error}"
    return error.message


def _responses_finish(response: Any, calls: list[Call]) -> str:
    if response.status == "incomplete":
        return {"max_output_tokens": "length"}[response.incomplete_details.reason]
    assert response.status == "completed", response.status
    return "tool-calls" if calls else "stop"


_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "tool-calls",
                 "max_tokens": "length"}  # fmt: skip


class MessagesDialect(Dialect):
    name = "messages"
    status_error = anthropic.APIStatusError
    max_tokens_field = "max_tokens"

    def options(
        self, model: str, *, system: str | None, tools: bool, reasoning: bool
    ) -> dict[str, Any]:
        options: dict[str, Any] = {"model": model, "max_tokens": 4000}
        if system:
            options["system"] = system
        if tools:
            spec = {k: v for k, v in WEATHER.items() if k != "parameters"}
            options["tools"] = [{**spec, "input_schema": WEATHER["parameters"]}]
        if reasoning:
            options["thinking"] = {"type": "enabled", "budget_tokens": 2000}
        return options

    def send(self, history: list[Any], options: dict[str, Any], stream: bool) -> Seen:
        if not stream:
            return self._seen(self.client.messages.create(messages=history, **options))
        with self.client.messages.stream(messages=history, **options) as stream:
            events = list(stream)
            message = stream.get_final_message()
        check_message_events(events)
        seen = self._seen(message)
        seen.deltas = sum(e.type == "text" for e in events)
        return seen

    def _seen(self, message: Any) -> Seen:
        blocks = message.content
        thinking = [b.thinking for b in blocks if b.type == "thinking"]
        u = message.usage
        read, written = u.cache_read_input_tokens, u.cache_creation_input_tokens
        return Seen(
            text="".join(b.text for b in blocks if b.type == "text"),
            reasoning="".join(thinking) if thinking else None,
            calls=[(b.id, b.name, b.input) for b in blocks if b.type == "tool_use"],
            finish=_STOP_REASONS.get(message.stop_reason, message.stop_reason),
            usage=(u.input_tokens + (read or 0) + (written or 0), u.output_tokens, read, written),
            reasoning_tokens=None,  # Messages has no such count
            model=message.model,
            raw=message,
        )

    def replay(self, raw: Any) -> list[Any]:
        return [{"role": "assistant", "content": [b.model_dump() for b in raw.content]}]

    def results(self, results: dict[str, str], failed: bool) -> list[Any]:
        blocks = [{"type": "tool_result", "tool_use_id": i, "content": out}
                  | ({"is_error": True} if failed else {})
                  for i, out in results.items()]  # fmt: skip
        return [{"role": "user", "content": blocks}]

    def image_parts(self) -> list[Any]:
        data = base64.b64encode(PNG).decode()
        return [
            {"type": "text", "text": "What are these?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": data}},
            {"type": "image", "source": {"type": "url", "url": REMOTE_IMAGE}},
        ]  # fmt: skip

    def error_body(self, error: Exception) -> tuple[int, str, str, str | None]:
        assert isinstance(error, anthropic.APIStatusError)
        body = error.body
        assert isinstance(body, dict) and body["type"] == "error", body
        assert set(body["error"]) == {"type", "message"}, body
        return error.status_code, body["error"]["type"], body["error"]["message"], None

    def interrupted(self, model: str, prompt: str) -> tuple[str, str]:
        received: list[str] = []
        messages = [{"role": "user", "content": prompt}]
        with pytest.raises(anthropic.APIStatusError) as caught:
            with self.client.messages.stream(
                model=model, max_tokens=100, messages=messages
            ) as stream:
                for text in stream.text_stream:
                    received.append(text)
        error = caught.value
        # An `error` event: the SDK raises it with the stream's own status, 200.
        assert error.status_code == 200, f"not a stream's error: {error}"
        return "".join(received), self.error_body(error)[2]


# --- what each API's stream must look like, beyond what its SDK folds ----------------------


def check_chunks(chunks: list[Any]) -> None:
    """Chat completions: one choice; each tool call's first fragment names it (id and name);
    after the finish reason only the usage chunk (no choices)."""
    finished = False
    named: set[int] = set()
    for chunk in chunks:
        if not chunk.choices:
            assert finished and chunk.usage is not None, chunk
            continue
        assert not finished, f"a chunk after the finish reason: {chunk}"
        (choice,) = chunk.choices
        for call in choice.delta.tool_calls or ():
            if call.index not in named:
                assert call.id and call.function and call.function.name, call
                named.add(call.index)
        finished = choice.finish_reason is not None
    assert finished, "no finish reason"


def check_response_events(events: list[Any]) -> None:
    """Responses: sequence numbers 0, 1, ...; items added in output order, one delta or
    `.done` only for an item added and not yet done; the terminal event last."""
    assert events[0].type == "response.created", events[0]
    assert events[-1].type in ("response.completed", "response.incomplete"), events[-1]
    open_items: set[str] = set()
    done: set[str] = set()
    for number, event in enumerate(events):
        assert event.sequence_number == number, event
        if event.type == "response.output_item.added":
            assert event.output_index == len(open_items) + len(done), event
            open_items.add(event.item.id)
        elif event.type == "response.output_item.done":
            open_items.remove(event.item.id)
            done.add(event.item.id)
        elif hasattr(event, "item_id"):
            assert event.item_id in open_items, f"{event.type} for an item not open: {event}"
    assert not open_items, f"items left open: {open_items}"


_MESSAGE_EVENTS = frozenset(
    "message_start message_delta message_stop content_block_start content_block_delta "
    "content_block_stop".split()
)


def check_message_events(events: list[Any]) -> None:
    """Messages: `message_start` first, `message_stop` last; content blocks one at a time,
    indexes 0, 1, ..., each block's deltas between its start and its stop (Anthropic's
    protocol has no interleaving: a client may finish a block at its stop)."""
    raw = [e for e in events if e.type in _MESSAGE_EVENTS]
    assert (raw[0].type, raw[-1].type) == ("message_start", "message_stop")
    open_block: int | None = None
    started = 0
    for event in raw:
        if event.type == "content_block_start":
            assert open_block is None and event.index == started, f"{event} (open: {open_block})"
            open_block, started = event.index, started + 1
        elif event.type in ("content_block_delta", "content_block_stop"):
            assert event.index == open_block, f"{event} while block {open_block} is open"
            open_block = None if event.type == "content_block_stop" else open_block
        elif event.type == "message_delta":
            assert open_block is None, f"message_delta with block {open_block} open"


# --- upstreams ------------------------------------------------------------------------------


Image = tuple[str, str | None]
"""(URL, detail) of an image an upstream received; inline images as `data:` URLs."""


@dataclass
class Wire:
    """One upstream API: its emulator, the settings entry that names it and the readers of
    what it received."""

    name: str
    emulator: Emulator
    path: str
    """Where its requests arrive."""
    api_key: str
    upstream_model: str
    provider: str
    error: Callable[[int, str], Reply]
    """(status, message) -> an error answer in this API's own envelope."""
    cut_after: int
    """Events of a streamed text answer up to its second text delta: where to hang up."""

    @property
    def max_tokens_field(self) -> str:
        return "max_output_tokens" if self.name == "responses" else "max_tokens"

    @property
    def model(self) -> str:
        """The name clients call it by."""
        return f"{self.name}-upstream"

    def settings_entry(self) -> dict[str, Any]:
        base = self.emulator.url if self.name == "messages" else self.emulator.base_url
        return {"model": self.upstream_model, "displayName": self.model, "baseUrl": base,
                "apiKey": self.api_key, "provider": self.provider}  # fmt: skip

    def received(self) -> dict[str, Any]:
        """The body of the last request it got, after checking where it went, with which key
        and for which model."""
        assert len(self.emulator.requests) >= 1, "the upstream got no request"
        sent = self.emulator.requests[-1]
        assert sent.path == self.path
        header = "x-api-key" if self.name == "messages" else "authorization"
        assert self.api_key in sent.headers.get(header, ""), sent.headers
        body: dict[str, Any] = sent.json
        assert body["model"] == self.upstream_model
        return body

    # readers of a received body, per API
    def system(self, body: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def user_text(self, body: dict[str, Any]) -> str:
        raise NotImplementedError

    def images(self, body: dict[str, Any]) -> list[Image]:
        raise NotImplementedError

    def tools(self, body: dict[str, Any]) -> list[tuple[str, str, Any]]:
        """(name, description, parameters schema) of each tool offered."""
        raise NotImplementedError

    def assistant_text(self, body: dict[str, Any]) -> str:
        """The text of the assistant's turns sent back in the conversation."""
        raise NotImplementedError

    def calls(self, body: dict[str, Any]) -> list[Call]:
        """The assistant's tool calls sent back in the conversation."""
        raise NotImplementedError

    def results(self, body: dict[str, Any]) -> list[tuple[str, str]]:
        """(call id, output) of each tool result sent."""
        raise NotImplementedError

    def failed_results(self, body: dict[str, Any]) -> list[str]:
        """The ids of the results marked as failures (only Anthropic has the mark)."""
        return []

    def reasoning(self, body: dict[str, Any]) -> list[Any]:
        """Past reasoning sent back in the conversation, as this API carries it."""
        raise NotImplementedError

    def reasoning_request(self, body: dict[str, Any]) -> Any:
        """How the request asked for reasoning."""
        raise NotImplementedError


class ChatWire(Wire):
    def system(self, body: dict[str, Any]) -> str | None:
        first = body["messages"][0]
        return first["content"] if first["role"] == "system" else None

    def user_text(self, body: dict[str, Any]) -> str:
        content = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
        if isinstance(content, str):
            return content
        return "".join(p["text"] for p in content if p["type"] == "text")

    def images(self, body: dict[str, Any]) -> list[Image]:
        parts = body["messages"][-1]["content"]
        return [
            (p["image_url"]["url"], p["image_url"].get("detail"))
            for p in parts
            if p["type"] == "image_url"
        ]

    def tools(self, body: dict[str, Any]) -> list[tuple[str, str, Any]]:
        functions = [t["function"] for t in body["tools"]]
        return [(f["name"], f["description"], f["parameters"]) for f in functions]

    def assistant_text(self, body: dict[str, Any]) -> str:
        return "".join(m["content"] or "" for m in body["messages"] if m["role"] == "assistant")

    def calls(self, body: dict[str, Any]) -> list[Call]:
        return [
            (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
            for m in body["messages"]
            for c in m.get("tool_calls") or ()
        ]

    def results(self, body: dict[str, Any]) -> list[tuple[str, str]]:
        return [(m["tool_call_id"], m["content"]) for m in body["messages"] if m["role"] == "tool"]

    def reasoning(self, body: dict[str, Any]) -> list[Any]:
        keys = ("reasoning_content", "reasoning", "reasoning_text")
        return [m[k] for m in body["messages"] for k in keys if k in m]

    def reasoning_request(self, body: dict[str, Any]) -> Any:
        return body.get("reasoning_effort")


class ResponsesWire(Wire):
    def _messages(self, body: dict[str, Any], role: str) -> list[dict[str, Any]]:
        return [i for i in body["input"] if i.get("type", "message") == "message"
                and i["role"] == role]  # fmt: skip

    def system(self, body: dict[str, Any]) -> str | None:
        if "instructions" in body:
            return str(body["instructions"])
        systems = self._messages(body, "system") + self._messages(body, "developer")
        return systems[0]["content"] if systems else None

    def user_text(self, body: dict[str, Any]) -> str:
        content = self._messages(body, "user")[-1]["content"]
        if isinstance(content, str):
            return content
        return "".join(p["text"] for p in content if p["type"] == "input_text")

    def images(self, body: dict[str, Any]) -> list[Image]:
        parts = self._messages(body, "user")[-1]["content"]
        return [(p["image_url"], p.get("detail")) for p in parts if p["type"] == "input_image"]

    def tools(self, body: dict[str, Any]) -> list[tuple[str, str, Any]]:
        return [(t["name"], t["description"], t["parameters"]) for t in body["tools"]]

    def assistant_text(self, body: dict[str, Any]) -> str:
        texts = [m["content"] for m in self._messages(body, "assistant")]
        return "".join(t if isinstance(t, str) else _joined(t, "output_text") for t in texts)

    def calls(self, body: dict[str, Any]) -> list[Call]:
        return [
            (i["call_id"], i["name"], json.loads(i["arguments"]))
            for i in body["input"]
            if i.get("type") == "function_call"
        ]

    def results(self, body: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (i["call_id"], i["output"])
            for i in body["input"]
            if i.get("type") == "function_call_output"
        ]

    def reasoning(self, body: dict[str, Any]) -> list[Any]:
        return [i for i in body["input"] if i.get("type") == "reasoning"]

    def reasoning_request(self, body: dict[str, Any]) -> Any:
        return (body.get("reasoning") or {}).get("effort")


class MessagesWire(Wire):
    def _blocks(self, body: dict[str, Any], role: str) -> list[dict[str, Any]]:
        return [b for t in body["messages"] if t["role"] == role for b in t["content"]]

    def system(self, body: dict[str, Any]) -> str | None:
        system = body.get("system")
        if system is None or isinstance(system, str):
            return system
        return "\n\n".join(b["text"] for b in system)

    def user_text(self, body: dict[str, Any]) -> str:
        last = [t for t in body["messages"] if t["role"] == "user"][-1]["content"]
        return "".join(b["text"] for b in last if b["type"] == "text")

    def images(self, body: dict[str, Any]) -> list[Image]:
        found: list[Image] = []
        for block in body["messages"][-1]["content"]:
            if block["type"] != "image":
                continue
            source = block["source"]
            if source["type"] == "base64":
                found.append((f"data:{source['media_type']};base64,{source['data']}", None))
            else:
                found.append((source["url"], None))
        return found

    def tools(self, body: dict[str, Any]) -> list[tuple[str, str, Any]]:
        return [(t["name"], t["description"], t["input_schema"]) for t in body["tools"]]

    def assistant_text(self, body: dict[str, Any]) -> str:
        return "".join(b["text"] for b in self._blocks(body, "assistant") if b["type"] == "text")

    def calls(self, body: dict[str, Any]) -> list[Call]:
        return [(b["id"], b["name"], b["input"]) for b in self._blocks(body, "assistant")
                if b["type"] == "tool_use"]  # fmt: skip

    def results(self, body: dict[str, Any]) -> list[tuple[str, str]]:
        return [(b["tool_use_id"], b["content"]) for b in self._blocks(body, "user")
                if b["type"] == "tool_result"]  # fmt: skip

    def failed_results(self, body: dict[str, Any]) -> list[str]:
        """The ids of the results marked as failures."""
        return [b["tool_use_id"] for b in self._blocks(body, "user")
                if b["type"] == "tool_result" and b.get("is_error")]  # fmt: skip

    def reasoning(self, body: dict[str, Any]) -> list[Any]:
        return [b for b in self._blocks(body, "assistant")
                if b["type"] in ("thinking", "redacted_thinking")]  # fmt: skip

    def reasoning_request(self, body: dict[str, Any]) -> Any:
        return body.get("thinking")


def _joined(parts: list[dict[str, Any]], kind: str) -> str:
    return "".join(p["text"] for p in parts if p["type"] == kind)


OPENAI_ERRORS = {400: ("invalid_request_error", "context_length_exceeded"),
                 429: ("requests", "rate_limit_exceeded")}  # fmt: skip
"""Status -> the error type and code OpenAI sends with it."""
ANTHROPIC_ERRORS = {400: "invalid_request_error", 429: "rate_limit_error"}


def _openai_error(status: int, message: str) -> Reply:
    kind, code = OPENAI_ERRORS[status]
    return Reply.error_object(status, message, type=kind, code=code, retry_after=7)


def _anthropic_error(status: int, message: str) -> Reply:
    return Reply.anthropic_error(status, ANTHROPIC_ERRORS[status], message, retry_after=7)


def wires(
    router: RouterEmulator, openai_api: OpenAIEmulator, claude: AnthropicEmulator
) -> dict[str, Wire]:
    """The three upstreams, as settings models (so the wire, not the HF router's own Anthropic
    endpoint or its routing, is what a cell tests)."""
    return {
        "chat": ChatWire(
            "chat", router, "/v1/chat/completions", "hf_chat_upstream_key", "org/chat-model",
            "generic-chat-completion-api",
            _openai_error, cut_after=2,
        ),
        "responses": ResponsesWire(
            "responses", openai_api, "/v1/responses", "sk-openai-upstream-key", "gpt-5-mini",
            "openai",
            _openai_error, cut_after=6,
        ),
        "messages": MessagesWire(
            "messages", claude, "/v1/messages", "sk-ant-upstream-key", "claude-sonnet-4-5",
            "anthropic", _anthropic_error, cut_after=5,
        ),
    }  # fmt: skip
