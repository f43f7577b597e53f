"""A unified `ChatRequest` as keyword arguments for `Llama.create_chat_completion`.

Starts from the chat-completions body `hfgate.formats.chat_completions.build_body` makes (so
messages, tools and formats are serialised in one place) and adapts it to llama.cpp:

- content parts are joined into one string: chat templates concatenate `content` as text,
  and the local model reads text only (an image is a `ConfigError`);
- a JSON-schema `response_format` is compiled to a llama.cpp grammar here, so the answer is
  constrained to the schema; a schema the grammar compiler cannot handle is a `ConfigError`,
  never a silent fallback to "any JSON";
- tools: see `adapt_tools`. Templates that cannot render tool calls (SmolLM2's) get earlier
  tool calls written into the assistant text instead;
- `extra_body` may set llama.cpp sampling options (`top_k`, `min_p`, `repeat_penalty`, ...);
- what the call leaves out comes from `hfgate.local.defaults` (a measured system prompt and
  sampling for the packaged model, a `max_tokens` for every model).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hfgate.errors import ConfigError
from hfgate.formats.chat_completions import build_body
from hfgate.inputs.request import ChatRequest
from hfgate.local.defaults import LocalDefaults, defaults_for

_FROM_BODY = ("temperature", "max_tokens", "top_p", "seed", "stop")
_SAMPLING = frozenset(
    {
        "top_k",
        "min_p",
        "typical_p",
        "presence_penalty",
        "frequency_penalty",
        "repeat_penalty",
        "tfs_z",
        "mirostat_mode",
        "mirostat_tau",
        "mirostat_eta",
        "logit_bias",
    }
)
_IGNORED = frozenset({"model", "stream", "stream_options", "reasoning_effort"})
_HANDLED = frozenset({"messages", "tools", "tool_choice", "response_format", *_FROM_BODY})


def llama_kwargs(req: ChatRequest, *, template_has_tools: bool) -> dict[str, Any]:
    """Keyword arguments for `create_chat_completion`, without `stream`."""
    body = build_body(req, stream=False)
    unknown = body.keys() - _HANDLED - _SAMPLING - _IGNORED
    if unknown:
        raise ConfigError(
            f"The local model does not understand {', '.join(sorted(unknown))}; extra_body may "
            f"set llama.cpp sampling options: {', '.join(sorted(_SAMPLING))}."
        )
    kwargs: dict[str, Any] = {
        "messages": [_message(m, template_has_tools) for m in body["messages"]],
        "model": req.model,  # the answer's `model` field: the id the caller used
    }
    kwargs.update((key, body[key]) for key in (*_FROM_BODY, *_SAMPLING) if key in body)
    kwargs.update(adapt_tools(body.get("tools"), body.get("tool_choice")))
    if "response_format" in body:
        kwargs.update(_response_format(body["response_format"]))
    _fill_defaults(kwargs, defaults_for(req.model))
    return kwargs


def _fill_defaults(kwargs: dict[str, Any], defaults: LocalDefaults) -> None:
    """The defaults for what the call did not set; anything the caller set wins."""
    messages = kwargs["messages"]
    if defaults.system is not None and not any(m.get("role") == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": defaults.system})
    kwargs.setdefault("max_tokens", defaults.max_tokens)
    for key, value in defaults.sampling.items():
        kwargs.setdefault(key, value)


def _message(raw: Mapping[str, Any], template_has_tools: bool) -> dict[str, Any]:
    out = dict(raw)
    content = raw.get("content")
    if isinstance(content, list):
        out["content"] = _joined_text(content)
    elif content is None:
        out["content"] = ""
    calls = raw.get("tool_calls")
    if calls and not template_has_tools:
        written = "\n".join(_written_call(call) for call in calls)
        out["content"] = f"{out['content']}\n{written}" if out["content"] else written
    return out


def _joined_text(parts: list[Any]) -> str:
    if any(isinstance(p, Mapping) and p.get("type") == "image_url" for p in parts):
        raise ConfigError(
            "The local model reads text only; send images to a vision model, e.g. "
            "Qwen/Qwen2.5-VL-7B-Instruct."
        )
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, Mapping))


def _written_call(call: Mapping[str, Any]) -> str:
    fn = call.get("function") or {}
    return f"[called tool {fn.get('name')} with {fn.get('arguments') or '{}'}]"


def adapt_tools(tools: list[dict[str, Any]] | None, choice: Any) -> dict[str, Any]:
    """Tools as llama-cpp-python's chat handlers take them.

    A tool named in `tool_choice` (or the only tool, with `"required"`) is called for real:
    llama.cpp constrains the answer to that tool's parameter schema and returns a tool call.
    Otherwise `tools` reaches the chat template, and whether the model can call one depends
    on the template: SmolLM2's template ignores `tools`, so with `"auto"` it answers in text.
    `"required"` with several tools cannot be enforced and is a `ConfigError`.
    """
    if not tools or choice == "none":
        return {}
    if choice == "required":
        if len(tools) != 1:
            raise ConfigError(
                "The local model can be made to call one named tool, not pick among several: "
                "pass tool_choice='<tool name>'."
            )
        choice = {"type": "function", "function": {"name": tools[0]["function"]["name"]}}
    out: dict[str, Any] = {"tools": tools}
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        if name not in {t["function"]["name"] for t in tools}:
            raise ConfigError(f"tool_choice names {name!r}, which is not among the tools.")
        out["tool_choice"] = dict(choice)
    elif choice is not None:
        out["tool_choice"] = choice
    return out


def _response_format(fmt: Mapping[str, Any]) -> dict[str, Any]:
    kind = fmt.get("type")
    if kind == "text":
        return {}
    if kind == "json_schema":
        spec = fmt.get("json_schema") or {}
        return {"grammar": schema_grammar(spec.get("schema") or {})}
    if kind == "json_object":
        schema = fmt.get("schema")
        if isinstance(schema, Mapping):
            return {"grammar": schema_grammar(schema)}
        return {"response_format": {"type": "json_object"}}
    raise ConfigError(f"The local model does not support response_format type {kind!r}.")


def schema_grammar(schema: Mapping[str, Any]) -> Any:
    """A llama.cpp grammar that only admits JSON matching `schema`."""
    from llama_cpp.llama_grammar import LlamaGrammar

    try:
        return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except Exception as exc:  # the converter raises bare Exceptions for unsupported parts
        raise ConfigError(
            f"The local model cannot enforce this JSON schema ({exc}); simplify it, or use a "
            "provider with native structured outputs."
        ) from exc
