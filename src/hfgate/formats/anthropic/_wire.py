"""Anthropic Messages (`POST /v1/messages`), as Anthropic and compatible servers speak it.

Pure translation, no I/O. `build_body` puts system prompts at the top level, folds tool
results into user turns, replays thinking blocks (with their signatures) in a tool loop, and
marks the system prompt, the tools and the last user turn with `cache_control` so a repeated
conversation reads from the prompt cache (opt out with `prompt_caching=False`).
Structured output is a forced tool whose input is the answer, which every Claude model and
Anthropic-compatible server supports; its JSON comes back as the text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from hfgate.errors import ConfigError
from hfgate.formats._shared import as_int, body_error, deep_merge, tool_choice_mode
from hfgate.inputs.messages import parse_arguments
from hfgate.inputs.request import ChatRequest, JsonSchemaFormat, RawFormat
from hfgate.types import (
    FinishReason,
    ImagePart,
    Message,
    ReasoningDelta,
    ReasoningItem,
    ResponseMeta,
    StepResult,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolCallEvent,
    Usage,
)

log = logging.getLogger("hfgate")

PATH = "/v1/messages"
VERSION = "2023-06-01"
HEADERS = {"anthropic-version": VERSION}
DEFAULT_MAX_TOKENS = 4096
"""Anthropic requires max_tokens; this applies when neither the call nor settings set it."""
ANSWER_TOOL = "json_answer"
"""The forced tool that carries a structured answer."""

THINKING_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 24576}
"""Tokens of thinking per reasoning_effort; with the default answer room the largest stays
under the 32k output limit of Claude's largest models."""
_CACHE = {"type": "ephemeral"}
_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool-calls",
    "refusal": "content-filter",
}
_THINKING = frozenset({"thinking", "redacted_thinking"})


# --- request -------------------------------------------------------------------------------


def build_body(req: ChatRequest, *, stream: bool) -> dict[str, Any]:
    cache = req.prompt_caching
    body: dict[str, Any] = {"model": req.model, "max_tokens": _max_tokens(req)}
    system = "\n\n".join(m.text for m in req.messages if m.role == "system" and m.text)
    if system:
        body["system"] = (
            [{"type": "text", "text": system, "cache_control": _CACHE}] if cache else system
        )
    body["messages"] = _turns(req.messages, cache)
    thinking = _thinking(req, body["max_tokens"])
    if thinking is not None:
        body["thinking"] = thinking
    tools = [
        {"name": t.name, "description": t.description or "", "input_schema": t.parameters}
        for t in req.tools
    ]
    choice = _tool_choice(req)
    if isinstance(req.response_format, JsonSchemaFormat):
        tools.append(_answer_tool(req.response_format))
        # Forcing a tool is refused while thinking; then the model is asked to pick it.
        choice = {"type": "auto"} if thinking else {"type": "tool", "name": ANSWER_TOOL}
    elif isinstance(req.response_format, RawFormat) and req.response_format.value.get(
        "type"
    ) not in (None, "text"):
        raise ConfigError(
            "Anthropic models take structured output as a JSON schema: pass a pydantic model "
            "or a schema dict as response_format."
        )
    if tools:
        if cache:
            tools[-1] = {**tools[-1], "cache_control": _CACHE}
        body["tools"] = tools
    if choice is not None:
        body["tool_choice"] = choice
    if stream:
        body["stream"] = True
    for key in ("temperature", "top_p"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.stop:
        body["stop_sequences"] = list(req.stop)
    # `seed` has no Messages counterpart; it is a best-effort hint, so it is left out.
    if req.extra_body:
        deep_merge(body, req.extra_body)
    thinking = body.get("thinking")
    if isinstance(thinking, Mapping) and thinking.get("type") == "enabled":
        _fit_thinking(body)
    return body


def _fit_thinking(body: dict[str, Any]) -> None:
    """What Anthropic refuses alongside thinking: a forced tool is the caller's conflict to
    resolve (an error); sampling settings (often a settings model's extraArgs) are left out,
    with a warning, since thinking fixes them."""
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("type") in ("any", "tool"):
        raise ConfigError(
            "Anthropic cannot force a tool while thinking: use tool_choice='auto', or "
            "reasoning_effort='none'."
        )
    dropped = [key for key in ("temperature", "top_k") if body.pop(key, None) is not None]
    top_p = body.get("top_p")
    if isinstance(top_p, int | float) and top_p < 0.95:
        body["top_p"] = 0.95
        dropped.append("top_p (raised to 0.95)")
    if dropped:
        log.warning("Anthropic thinking is on, so these were not sent: %s", ", ".join(dropped))


def _max_tokens(req: ChatRequest) -> int:
    if req.max_tokens is not None:
        return req.max_tokens
    budget = THINKING_BUDGETS.get(req.reasoning_effort or "")
    return DEFAULT_MAX_TOKENS + (budget or 0)


def _thinking(req: ChatRequest, max_tokens: int) -> dict[str, Any] | None:
    effort = req.reasoning_effort
    if effort is None or effort == "none":
        return None
    budget = THINKING_BUDGETS.get(effort)
    if budget is None:
        raise ConfigError(
            f"reasoning_effort {effort!r} is not one of none, "
            f"{', '.join(THINKING_BUDGETS)} (Anthropic thinking budgets)."
        )
    if req.max_tokens is not None:
        # At most half of a given max_tokens, so thinking cannot crowd out the answer.
        budget = max(min(budget, max_tokens // 2), THINKING_BUDGETS["minimal"])
    if budget >= max_tokens:
        raise ConfigError(
            f"Anthropic thinking needs max_tokens above 1024; max_tokens={max_tokens} leaves "
            "no room. Raise max_tokens or set reasoning_effort='none'."
        )
    return {"type": "enabled", "budget_tokens": budget}


def _tool_choice(req: ChatRequest) -> Any:
    if req.tool_choice is None:
        return None
    mode = tool_choice_mode(req.tool_choice)
    if mode is None:
        return req.tool_choice
    kind, name = mode
    if kind == "tool":
        return {"type": "tool", "name": name}
    return {"type": "any" if kind == "required" else kind}


def _answer_tool(fmt: JsonSchemaFormat) -> dict[str, Any]:
    schema = dict(fmt.schema)
    if schema.get("type") != "object":  # tool inputs must be objects: wrap anything else
        schema = {"type": "object", "properties": {"value": schema}, "required": ["value"]}
    return {
        "name": ANSWER_TOOL,
        "description": f"Give the final answer ({fmt.name}) as this tool's input.",
        "input_schema": schema,
    }


def _turns(messages: tuple[Message, ...], cache: bool) -> list[dict[str, Any]]:
    """Alternating user/assistant turns; tool results join the user turn that follows."""
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        role = "assistant" if m.role == "assistant" else "user"
        blocks = _assistant_blocks(m) if role == "assistant" else _user_blocks(m)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    if cache:
        last_user = next((t for t in reversed(turns) if t["role"] == "user"), None)
        if last_user is not None:
            last_user["content"][-1] = {**last_user["content"][-1], "cache_control": _CACHE}
    return turns


def _user_blocks(m: Message) -> list[dict[str, Any]]:
    if m.role == "tool":
        return [{"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.text}]
    if isinstance(m.content, str):
        return [{"type": "text", "text": m.content}] if m.content else []
    return [_part(p) for p in m.content if not isinstance(p, TextPart) or p.text]


def _assistant_blocks(m: Message) -> list[dict[str, Any]]:
    blocks = [dict(b) for b in m.reasoning_items if b.get("type") in _THINKING]
    if m.text:
        blocks.append({"type": "text", "text": m.text})
    blocks.extend(
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls
    )
    return blocks


def _part(p: Any) -> dict[str, Any]:
    if not isinstance(p, ImagePart):
        return {"type": "text", "text": p.text}
    if p.url.startswith("data:"):
        header, _, data = p.url.partition(",")
        media_type = header[5:].split(";")[0] or "image/png"
        source = {"type": "base64", "media_type": media_type, "data": data}
        return {"type": "image", "source": source}
    return {"type": "image", "source": {"type": "url", "url": p.url}}


# --- response ------------------------------------------------------------------------------


def parse_usage(raw: Any) -> Usage | None:
    """Anthropic's input_tokens leaves out cache reads and writes; unified input includes
    them, so cached tokens are a part of input as on every other wire."""
    if not isinstance(raw, Mapping):
        return None
    fresh, out = as_int(raw.get("input_tokens")), as_int(raw.get("output_tokens"))
    read = as_int(raw.get("cache_read_input_tokens"))
    written = as_int(raw.get("cache_creation_input_tokens"))
    inp = None if fresh is None else fresh + (read or 0) + (written or 0)
    total = None if inp is None or out is None else inp + out
    return Usage(inp, out, total, read, None, written)


def finish_reason(raw: str | None) -> FinishReason:
    return _FINISH.get(raw, "other") if raw else "other"


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _step(
    blocks: Sequence[Mapping[str, Any]], stop: str | None, usage: Usage, meta: ResponseMeta
) -> StepResult:
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[ToolCall] = []
    items: list[Mapping[str, Any]] = []
    answer: str | None = None
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text") or ""))
        elif kind in _THINKING:
            thoughts.append(str(block.get("thinking") or ""))
            items.append(block)
        elif kind == "tool_use" and block.get("name") == ANSWER_TOOL:
            value = block.get("input")
            if isinstance(value, str):
                answer = value  # streamed: the JSON as sent (left to the schema check)
                continue
            if isinstance(value, Mapping) and set(value) == {"value"}:
                value = value["value"]
            answer = json.dumps(value)
        elif kind == "tool_use":
            args = block.get("input")
            raw = args if isinstance(args, str) else json.dumps(args or {})
            call_id = str(block.get("id") or f"call_{len(calls)}")
            calls.append(
                ToolCall(call_id, str(block.get("name") or ""), parse_arguments(args), raw)
            )
    finish = finish_reason(stop)
    if answer is not None:  # the structured answer is the text, not a call to run
        texts, finish = [answer], "stop" if finish == "tool-calls" else finish
    reasoning = "".join(thoughts)
    return StepResult(
        text="".join(texts),
        reasoning=reasoning or None,
        tool_calls=tuple(calls),
        finish_reason=finish,
        raw_finish_reason=stop,
        usage=usage,
        meta=meta,
        reasoning_items=tuple(items),
    )


def parse_response(body: Any, meta: ResponseMeta) -> StepResult:
    if not isinstance(body, Mapping) or body.get("type") == "error":
        raise body_error(body if isinstance(body, Mapping) else {"error": body}, meta)
    blocks = [b for b in body.get("content") or () if isinstance(b, Mapping)]
    meta = ResponseMeta(body.get("model") or meta.model, meta.provider, meta.request_id)
    return _step(blocks, body.get("stop_reason"), parse_usage(body.get("usage")) or Usage(), meta)


# --- stream --------------------------------------------------------------------------------


class EventAccumulator:
    """Folds Messages stream events (`message_start`, `content_block_*`, `message_delta`,
    `error`) into unified events and a final `StepResult`. Usage arrives in two halves:
    input counts in `message_start`, output (and sometimes updated input) in `message_delta`.
    """

    def __init__(self, meta: ResponseMeta) -> None:
        self.meta = meta
        self._blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, list[str]] = {}
        self._calls: dict[int, int] = {}
        self._usage: dict[str, Any] = {}
        self._stop: str | None = None
        self._model: str | None = None

    def feed(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        kind = event.get("type")
        index = as_int(event.get("index")) or 0
        if kind == "content_block_delta":
            return self._delta(index, _object(event.get("delta")))
        if kind == "content_block_start":
            return self._start(index, _object(event.get("content_block")))
        if kind == "message_start":
            message = _object(event.get("message"))
            self._model = message.get("model") or None
            self._usage.update(_object(message.get("usage")))
        elif kind == "message_delta":
            self._stop = _object(event.get("delta")).get("stop_reason") or self._stop
            usage = _object(event.get("usage"))
            self._usage.update({k: v for k, v in usage.items() if v is not None})
        elif kind == "content_block_stop":
            block = self._blocks.get(index)
            if block is not None and block.get("type") in _THINKING:
                return [ReasoningItem(dict(block))]  # signed and complete: replayable now
        elif kind == "error":
            raise body_error(event, self.meta)
        return []

    def _start(self, index: int, block: Mapping[str, Any]) -> list[StreamEvent]:
        self._blocks[index] = dict(block)
        kind = block.get("type")
        if kind == "tool_use" and block.get("name") != ANSWER_TOOL:
            self._json[index] = []
            number = self._calls[index] = len(self._calls)
            return [ToolCallDelta(number, "", block.get("id"), block.get("name"))]
        if kind == "tool_use":
            self._json[index] = []
        elif kind == "text" and block.get("text"):
            return [TextDelta(block["text"])]
        return []

    def _delta(self, index: int, delta: Mapping[str, Any]) -> list[StreamEvent]:
        block = self._blocks.setdefault(index, {"type": "text", "text": ""})
        kind = delta.get("type")
        if kind == "text_delta":
            text = str(delta.get("text") or "")
            block["text"] = block.get("text", "") + text
            return [TextDelta(text)] if text else []
        if kind == "thinking_delta":
            text = str(delta.get("thinking") or "")
            block["thinking"] = block.get("thinking", "") + text
            return [ReasoningDelta(text)] if text else []
        if kind == "signature_delta":
            block["signature"] = block.get("signature", "") + str(delta.get("signature") or "")
        elif kind == "input_json_delta":
            fragment = str(delta.get("partial_json") or "")
            self._json.setdefault(index, []).append(fragment)
            if index in self._calls:
                return [ToolCallDelta(self._calls[index], fragment)]
        return []

    def finish(self) -> tuple[list[StreamEvent], StepResult]:
        blocks = []
        for index in sorted(self._blocks):
            block = self._blocks[index]
            if index in self._json and "".join(self._json[index]).strip():
                # Left as text: _step parses it, keeping the raw text if it was cut short
                # (stop_reason max_tokens in the middle of a tool call).
                block["input"] = "".join(self._json[index])
            blocks.append(block)
        meta = ResponseMeta(
            self._model or self.meta.model, self.meta.provider, self.meta.request_id
        )
        step = _step(blocks, self._stop, parse_usage(self._usage) or Usage(), meta)
        events: list[StreamEvent] = [ToolCallEvent(c) for c in step.tool_calls]
        if any(b.get("name") == ANSWER_TOOL for b in blocks):
            events.insert(0, TextDelta(step.text))  # the structured answer, as text
        return events, step
