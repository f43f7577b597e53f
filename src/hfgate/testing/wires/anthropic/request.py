"""Reading an Anthropic Messages request: the checks the real API makes (each a 400
`invalid_request_error` in Anthropic's envelope, worded like the API's own messages) and
its text, for echoes and usage."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from hfgate.testing._common import Answer, part_texts, words_in

_TEXT = frozenset({"text"})
_MAX_CACHE_BREAKPOINTS = 4
_MIN_THINKING_BUDGET = 1024


def anthropic_error(status: int, type: str, message: str) -> Answer:
    """Anthropic's envelope: `{"type": "error", "error": {"type", "message"}}`."""
    return Answer.json(status, {"type": "error", "error": {"type": type, "message": message}})


def check(body: Any, problem: str | None, headers: Mapping[str, str]) -> Answer | None:
    """None when the request can be answered, else the API's 400."""
    return _checked(body, problem, headers, _RULES)


def check_count(body: Any, problem: str | None, headers: Mapping[str, str]) -> Answer | None:
    """The same for `POST /v1/messages/count_tokens`, which takes no `max_tokens`, `stream`
    or sampling settings (the API refuses any field it does not list)."""
    return _checked(body, problem, headers, _COUNT_RULES)


def _checked(
    body: Any, problem: str | None, headers: Mapping[str, str], rules: tuple[Rule, ...]
) -> Answer | None:
    if not headers.get("anthropic-version"):
        return _invalid("anthropic-version: header is required")
    if problem is not None:
        return _invalid(f"The request body is not valid JSON: {problem}")
    if not isinstance(body, dict):
        return _invalid("The request body must be a JSON object")
    for rule in rules:
        message = rule(body)
        if message is not None:
            return _invalid(message)
    return None


def _invalid(message: str) -> Answer:
    return anthropic_error(400, "invalid_request_error", message)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _model(body: dict[str, Any]) -> str | None:
    if "model" not in body:
        return "model: Field required"
    return None if isinstance(body["model"], str) else "model: Input should be a valid string"


def _max_tokens(body: dict[str, Any]) -> str | None:
    if "max_tokens" not in body:
        return "max_tokens: Field required"
    if not _is_int(body["max_tokens"]):
        return "max_tokens: Input should be a valid integer"
    if body["max_tokens"] < 1:
        return "max_tokens: Input should be greater than or equal to 1"
    return None


def _messages(body: dict[str, Any]) -> str | None:
    """A non-empty list, starting with a user turn, roles alternating."""
    messages = body.get("messages")
    if messages is None:
        return "messages: Field required"
    if not isinstance(messages, list):
        return "messages: Input should be a valid list"
    if not messages:
        return "messages: at least one message is required"
    previous = None
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, Mapping) else None
        if role not in ("user", "assistant"):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'"
        if index == 0 and role != "user":
            return 'messages: first message must use the "user" role'
        if role == previous:
            return (
                'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        previous = role
    return None


def _blocks(message: Any) -> list[Mapping[str, Any]]:
    content = message.get("content") if isinstance(message, Mapping) else None
    return [b for b in content if isinstance(b, Mapping)] if isinstance(content, list) else []


def _tool_results(body: dict[str, Any]) -> str | None:
    """Every tool_result answers a tool_use of the assistant turn just before it."""
    previous: list[Mapping[str, Any]] = []
    for index, message in enumerate(body["messages"]):
        blocks = _blocks(message)
        offered = {b.get("id") for b in previous if b.get("type") == "tool_use"}
        for number, block in enumerate(blocks):
            if block.get("type") == "tool_result" and block.get("tool_use_id") not in offered:
                return (
                    f"messages.{index}.content.{number}: unexpected `tool_use_id` found in "
                    f"`tool_result` blocks: {block.get('tool_use_id')}. Each `tool_result` "
                    "block must have a corresponding `tool_use` block in the previous message."
                )
        previous = blocks
    return None


def _count_fields(body: dict[str, Any]) -> str | None:
    extra = sorted(body.keys() - _COUNT_FIELDS)
    return f"{extra[0]}: Extra inputs are not permitted" if extra else None


def _thinking(body: dict[str, Any]) -> str | None:
    thinking = body.get("thinking")
    if not isinstance(thinking, Mapping) or thinking.get("type") != "enabled":
        return None
    budget = thinking.get("budget_tokens")
    if not _is_int(budget):
        return "thinking.enabled.budget_tokens: Field required"
    if budget < _MIN_THINKING_BUDGET:
        return (
            "thinking.enabled.budget_tokens: Input should be greater than or equal to "
            f"{_MIN_THINKING_BUDGET}"
        )
    if "max_tokens" in body and budget >= body["max_tokens"]:
        return "`max_tokens` must be greater than `thinking.budget_tokens`"
    return None


def _cache_breakpoints(body: dict[str, Any]) -> str | None:
    """At most four blocks, across system, tools and messages, carry `cache_control`."""
    system = body.get("system")
    tools = body.get("tools")
    blocks = [b for b in system if isinstance(b, Mapping)] if isinstance(system, list) else []
    blocks += [t for t in tools if isinstance(t, Mapping)] if isinstance(tools, list) else []
    for message in body["messages"]:
        for block in _blocks(message):
            blocks += [block, *_blocks(block)]  # a tool_result's own content blocks count too
    found = sum(1 for block in blocks if block.get("cache_control") is not None)
    if found > _MAX_CACHE_BREAKPOINTS:
        return (
            f"A maximum of {_MAX_CACHE_BREAKPOINTS} blocks with cache_control may be "
            f"provided. Found {found}."
        )
    return None


Rule = Callable[[dict[str, Any]], str | None]
_RULES: tuple[Rule, ...] = (
    _model,
    _max_tokens,
    _messages,
    _tool_results,
    _thinking,
    _cache_breakpoints,
)
_COUNT_FIELDS = frozenset(
    "model messages system tools tool_choice thinking output_config cache_control speed "
    "mcp_servers context_management compaction billing_policy".split()
)
"""What count_tokens takes (the SDK's MessageCountTokensParams, with the beta's fields)."""
_COUNT_RULES: tuple[Rule, ...] = (
    _count_fields,
    _model,
    _messages,
    _tool_results,
    _thinking,
    _cache_breakpoints,
)


def _turn_texts(message: Any) -> list[str]:
    return part_texts(message.get("content"), _TEXT) if isinstance(message, Mapping) else []


def user_text(request: Mapping[str, Any]) -> str:
    """The text of the last user turn that has any (a turn of tool results only is skipped);
    the `system` prompt is not a user turn."""
    messages = request.get("messages")
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, Mapping) and message.get("role") == "user":
            texts = _turn_texts(message)
            if texts:
                return " ".join(texts)
    return ""


def prompt_words(request: Mapping[str, Any]) -> int:
    """Words in the system prompt, every turn's text and every tool result."""
    texts = part_texts(request.get("system"), _TEXT)
    messages = request.get("messages")
    for message in messages if isinstance(messages, list) else []:
        texts += _turn_texts(message)
        for block in _blocks(message):
            if block.get("type") == "tool_result":
                texts += part_texts(block.get("content"), _TEXT)
    return words_in(texts)
