"""Reading an OpenAI Responses request: its checks, answered with OpenAI's 400 envelope so a
client bug shows up as it would against the real API, and its text (for echoes and usage)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hfgate.testing._common import Answer, part_texts, words_in

_TEXT_PARTS = frozenset({"input_text", "output_text", "text"})
_PARSE = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
    "sent was not valid JSON.)"
)


def openai_error(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    type: str = "invalid_request_error",
) -> Answer:
    """OpenAI's envelope: `{"error": {"message", "type", "param", "code"}}`."""
    error = {"message": message, "type": type, "param": param, "code": code}
    return Answer.json(status, {"error": error})


def check(body: Any, problem: str | None, headers: Mapping[str, str]) -> Answer | None:
    """None when the request can be answered, else OpenAI's 400."""
    if problem is not None:
        return openai_error(400, _PARSE)
    if not isinstance(body, dict):
        return openai_error(400, "Invalid body: expected a JSON object.")
    for rule in _RULES:
        rejection = rule(body)
        if rejection is not None:
            return rejection
    return None


def _missing(name: str) -> Answer:
    message = f"Missing required parameter: '{name}'."
    return openai_error(400, message, param=name, code="missing_required_parameter")


def _model(body: dict[str, Any]) -> Answer | None:
    if "model" not in body:
        return _missing("model")
    if not isinstance(body["model"], str):
        message = "Invalid type for 'model': expected a string."
        return openai_error(400, message, param="model", code="invalid_type")
    return None


def _input(body: dict[str, Any]) -> Answer | None:
    if "input" not in body:
        return _missing("input")
    if not isinstance(body["input"], str | list):
        message = (
            "Invalid type for 'input': expected one of a string or an array of input items, "
            f"but got {type(body['input']).__name__} instead."
        )
        return openai_error(400, message, param="input", code="invalid_type")
    return None


def _call_outputs(body: dict[str, Any]) -> Answer | None:
    """Each `function_call_output` answers a `function_call` earlier in the same input."""
    items = body["input"] if isinstance(body["input"], list) else []
    called: set[Any] = set()
    for item in items:
        if not isinstance(item, Mapping):
            continue
        if item.get("type") == "function_call":
            called.add(item.get("call_id"))
        elif item.get("type") == "function_call_output" and item.get("call_id") not in called:
            message = (
                f"No tool call found for function call output with call_id {item.get('call_id')}."
            )
            return openai_error(400, message, param="input")
    return None


_RULES: tuple[Callable[[dict[str, Any]], Answer | None], ...] = (_model, _input, _call_outputs)


def _messages(request: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The input's message items (a bare string is one user message)."""
    value = request.get("input")
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    items = value if isinstance(value, list) else []
    return [
        item
        for item in items
        if isinstance(item, Mapping) and item.get("type", "message") == "message"
    ]


def user_text(request: Mapping[str, Any]) -> str:
    """The last user message's text (its text parts space-joined); `instructions` are not a
    user turn."""
    for message in reversed(_messages(request)):
        if message.get("role") == "user":
            return " ".join(part_texts(message.get("content"), _TEXT_PARTS))
    return ""


def prompt_words(request: Mapping[str, Any]) -> int:
    """Words in the instructions, every message and every function call output."""
    texts = part_texts(request.get("instructions"), _TEXT_PARTS)
    for message in _messages(request):
        texts += part_texts(message.get("content"), _TEXT_PARTS)
    value = request.get("input")
    for item in value if isinstance(value, list) else []:
        if isinstance(item, Mapping) and item.get("type") == "function_call_output":
            texts += part_texts(item.get("output"), _TEXT_PARTS)
    return words_in(texts)
