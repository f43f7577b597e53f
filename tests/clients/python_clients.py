"""The Python client libraries of the matrix, each behind one small driver with the same five
calls, so test_python_clients.py asks every client the same things: a plain answer with its
usage, a stream, a tool loop that sends its result back, a structured answer, and a wrong key.

The openai and anthropic SDKs and huggingface_hub are hfgate's own dependencies; LiteLLM and
LangChain come from scripts/install-clients.sh and are imported only when used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import anthropic
import openai
import pydantic
from client_fixtures import MODEL, TOOL, WEATHER, Matrix

QUESTION = "What is the capital of France?"
TOOL_QUESTION = "What is the weather in Paris?"
JSON_QUESTION = "Answer in JSON: where is the Eiffel tower?"
WRONG_KEY = "wrong-key"
PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
OPENAI_TOOL = {
    "type": "function",
    "function": {"name": TOOL, "description": "The weather in a city.", "parameters": PARAMETERS},
}


class Place(pydantic.BaseModel):
    city: str
    country: str


Usage = tuple[int | None, int | None]
"""(input tokens, output tokens) as the client reports them."""


@dataclass
class Loop:
    """A tool loop: the arguments of the call the client got, and the answer after it sent
    the result back."""

    arguments: dict[str, Any]
    answer: str


class Driver(Protocol):
    def text(self) -> tuple[str, Usage]: ...

    def stream(self) -> tuple[list[str], Usage]: ...

    def tool_loop(self) -> Loop: ...

    def structured(self) -> dict[str, Any]: ...

    def wrong_key(self) -> int:
        """The HTTP status of the error the client raised for a wrong key."""
        ...


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


# --- openai ---------------------------------------------------------------------------------


@dataclass
class OpenAIChat:
    m: Matrix

    def client(self, key: str | None = None) -> openai.OpenAI:
        return self.m.gateway.openai(key)

    def text(self) -> tuple[str, Usage]:
        r = self.client().chat.completions.create(model=MODEL, messages=user(QUESTION))
        assert r.usage is not None
        return r.choices[0].message.content or "", (
            r.usage.prompt_tokens,
            r.usage.completion_tokens,
        )

    def stream(self) -> tuple[list[str], Usage]:
        chunks = list(
            self.client().chat.completions.create(
                model=MODEL,
                messages=user(QUESTION),
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
        usage = chunks[-1].usage
        assert usage is not None
        return [p for p in pieces if p], (usage.prompt_tokens, usage.completion_tokens)

    def tool_loop(self) -> Loop:
        client, messages = self.client(), user(TOOL_QUESTION)
        first = client.chat.completions.create(model=MODEL, messages=messages, tools=[OPENAI_TOOL])
        call = (first.choices[0].message.tool_calls or [])[0]
        assert call.type == "function"
        messages += [
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": WEATHER},
        ]
        final = client.chat.completions.create(model=MODEL, messages=messages, tools=[OPENAI_TOOL])
        return Loop(json.loads(call.function.arguments), final.choices[0].message.content or "")

    def structured(self) -> dict[str, Any]:
        r = self.client().chat.completions.parse(
            model=MODEL, messages=user(JSON_QUESTION), response_format=Place
        )
        parsed = r.choices[0].message.parsed
        assert parsed is not None
        return parsed.model_dump()

    def wrong_key(self) -> int:
        try:
            self.client(WRONG_KEY).chat.completions.create(model=MODEL, messages=user("Hi"))
        except openai.AuthenticationError as e:
            return e.status_code
        raise AssertionError("a wrong key was accepted")


@dataclass
class OpenAIResponses:
    m: Matrix
    tool = {"type": "function", "name": TOOL, "parameters": PARAMETERS, "strict": False}

    def client(self, key: str | None = None) -> openai.OpenAI:
        return self.m.gateway.openai(key)

    def text(self) -> tuple[str, Usage]:
        r = self.client().responses.create(model=MODEL, input=QUESTION)
        assert r.usage is not None
        return r.output_text, (r.usage.input_tokens, r.usage.output_tokens)

    def stream(self) -> tuple[list[str], Usage]:
        pieces, usage = [], None
        for event in self.client().responses.create(model=MODEL, input=QUESTION, stream=True):
            if event.type == "response.output_text.delta":
                pieces.append(event.delta)
            elif event.type == "response.completed":
                usage = event.response.usage
        assert usage is not None
        return pieces, (usage.input_tokens, usage.output_tokens)

    def tool_loop(self) -> Loop:
        client = self.client()
        first = client.responses.create(model=MODEL, input=TOOL_QUESTION, tools=[self.tool])
        call = next(i for i in first.output if i.type == "function_call")
        history: list[Any] = [
            {"role": "user", "content": TOOL_QUESTION},
            call.model_dump(exclude_none=True),
            {"type": "function_call_output", "call_id": call.call_id, "output": WEATHER},
        ]
        final = client.responses.create(model=MODEL, input=history, tools=[self.tool])
        return Loop(json.loads(call.arguments), final.output_text)

    def structured(self) -> dict[str, Any]:
        r = self.client().responses.parse(model=MODEL, input=JSON_QUESTION, text_format=Place)
        assert r.output_parsed is not None
        return r.output_parsed.model_dump()

    def wrong_key(self) -> int:
        try:
            self.client(WRONG_KEY).responses.create(model=MODEL, input="Hi")
        except openai.AuthenticationError as e:
            return e.status_code
        raise AssertionError("a wrong key was accepted")


# --- anthropic ------------------------------------------------------------------------------


@dataclass
class Anthropic:
    m: Matrix
    tool = {"name": TOOL, "description": "The weather in a city.", "input_schema": PARAMETERS}

    def client(self, key: str | None = None) -> anthropic.Anthropic:
        return self.m.gateway.anthropic(key)

    def text(self) -> tuple[str, Usage]:
        r = self.client().messages.create(model=MODEL, max_tokens=200, messages=user(QUESTION))
        text = "".join(b.text for b in r.content if b.type == "text")
        return text, (r.usage.input_tokens, r.usage.output_tokens)

    def stream(self) -> tuple[list[str], Usage]:
        with self.client().messages.stream(
            model=MODEL, max_tokens=200, messages=user(QUESTION)
        ) as stream:
            pieces = list(stream.text_stream)
            final = stream.get_final_message()
        return pieces, (final.usage.input_tokens, final.usage.output_tokens)

    def tool_loop(self) -> Loop:
        client, messages = self.client(), user(TOOL_QUESTION)
        first = client.messages.create(
            model=MODEL, max_tokens=200, messages=messages, tools=[self.tool]
        )
        call = next(b for b in first.content if b.type == "tool_use")
        messages += [
            {"role": "assistant", "content": [b.model_dump() for b in first.content]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call.id, "content": WEATHER}],
            },
        ]
        final = client.messages.create(
            model=MODEL, max_tokens=200, messages=messages, tools=[self.tool]
        )
        text = "".join(b.text for b in final.content if b.type == "text")
        return Loop(dict(call.input), text)

    def structured(self) -> dict[str, Any]:
        r = self.client().messages.parse(
            model=MODEL, max_tokens=200, messages=user(JSON_QUESTION), output_format=Place
        )
        assert r.parsed_output is not None
        return r.parsed_output.model_dump()

    def wrong_key(self) -> int:
        try:
            self.client(WRONG_KEY).messages.create(model=MODEL, max_tokens=9, messages=user("Hi"))
        except anthropic.AuthenticationError as e:
            return e.status_code
        raise AssertionError("a wrong key was accepted")


# --- huggingface_hub ------------------------------------------------------------------------


@dataclass
class HubInference:
    """huggingface_hub's InferenceClient pointed at the gateway (`base_url`), as at any
    OpenAI-compatible server."""

    m: Matrix

    def client(self, key: str | None = None) -> Any:
        from huggingface_hub import InferenceClient

        return InferenceClient(base_url=self.m.openai_base, api_key=key or self.m.key)

    def text(self) -> tuple[str, Usage]:
        r = self.client().chat_completion(user(QUESTION), model=MODEL)
        return r.choices[0].message.content, (r.usage.prompt_tokens, r.usage.completion_tokens)

    def stream(self) -> tuple[list[str], Usage]:
        client = self.client()  # kept: its exit stack holds the stream open
        chunks = list(
            client.chat_completion(
                user(QUESTION), model=MODEL, stream=True, stream_options={"include_usage": True}
            )
        )
        pieces = [c.choices[0].delta.content for c in chunks if c.choices]
        usage = chunks[-1].usage
        return [p for p in pieces if p], (usage.prompt_tokens, usage.completion_tokens)

    def tool_loop(self) -> Loop:
        client, messages = self.client(), user(TOOL_QUESTION)
        first = client.chat_completion(messages, model=MODEL, tools=[OPENAI_TOOL])
        call = first.choices[0].message.tool_calls[0]
        arguments = call.function.arguments
        arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
        messages += [
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": call.function.name,
                            "arguments": json.dumps(arguments),
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call.id, "content": WEATHER},
        ]
        final = client.chat_completion(messages, model=MODEL, tools=[OPENAI_TOOL])
        return Loop(arguments, final.choices[0].message.content)

    def structured(self) -> dict[str, Any]:
        fmt = {
            "type": "json_schema",
            "json_schema": {"name": "place", "schema": Place.model_json_schema()},
        }
        r = self.client().chat_completion(user(JSON_QUESTION), model=MODEL, response_format=fmt)
        return Place.model_validate_json(r.choices[0].message.content).model_dump()

    def wrong_key(self) -> int:
        from huggingface_hub.errors import HfHubHTTPError

        try:
            self.client(WRONG_KEY).chat_completion(user("Hi"), model=MODEL)
        except HfHubHTTPError as e:
            assert e.response is not None
            return int(e.response.status_code)
        raise AssertionError("a wrong key was accepted")


# --- LiteLLM --------------------------------------------------------------------------------


def litellm_module() -> Any:
    """LiteLLM with its model price map read from the package (no fetch at import)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False
    return litellm


@dataclass
class LiteLLM:
    """`litellm.completion` with a provider prefix and `api_base`, as its docs show for a
    self-hosted OpenAI-compatible, Anthropic or Hugging Face endpoint."""

    m: Matrix
    prefix: str
    """openai/, anthropic/ or huggingface/"""

    def call(self, messages: list[dict[str, Any]], key: str | None = None, **kw: Any) -> Any:
        litellm = litellm_module()
        base = self.m.gateway.url if self.prefix == "anthropic/" else self.m.openai_base
        return litellm.completion(
            model=f"{self.prefix}{MODEL}",
            messages=messages,
            api_base=base,
            api_key=key or self.m.key,
            max_tokens=200,
            num_retries=0,
            **kw,
        )

    def text(self) -> tuple[str, Usage]:
        r = self.call(user(QUESTION))
        return r.choices[0].message.content, (r.usage.prompt_tokens, r.usage.completion_tokens)

    def stream(self) -> tuple[list[str], Usage]:
        chunks = list(
            self.call(user(QUESTION), stream=True, stream_options={"include_usage": True})
        )
        pieces = [c.choices[0].delta.content for c in chunks if c.choices]
        usage = next(u for c in reversed(chunks) if (u := getattr(c, "usage", None)))
        return [p for p in pieces if p], (usage.prompt_tokens, usage.completion_tokens)

    def tool_loop(self) -> Loop:
        messages = user(TOOL_QUESTION)
        first = self.call(messages, tools=[OPENAI_TOOL])
        message = first.choices[0].message
        call = message.tool_calls[0]
        messages += [
            message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": WEATHER},
        ]
        final = self.call(messages, tools=[OPENAI_TOOL])
        return Loop(json.loads(call.function.arguments), final.choices[0].message.content)

    def structured(self) -> dict[str, Any]:
        r = self.call(user(JSON_QUESTION), response_format=Place)
        return Place.model_validate_json(r.choices[0].message.content).model_dump()

    def wrong_key(self) -> int:
        litellm = litellm_module()
        try:
            self.call(user("Hi"), key=WRONG_KEY)
        except litellm.AuthenticationError as e:
            return int(e.status_code)
        raise AssertionError("a wrong key was accepted")


# --- LangChain ------------------------------------------------------------------------------


@dataclass
class LangChain:
    """langchain-openai's ChatOpenAI (chat completions or, with `use_responses_api`, Responses)
    and langchain-anthropic's ChatAnthropic."""

    m: Matrix
    kind: str
    """openai, openai-responses or anthropic"""

    def model(self, key: str | None = None) -> Any:
        key = key or self.m.key
        if self.kind == "anthropic":
            from langchain_anthropic import ChatAnthropic

            return ChatAnthropic(
                model=MODEL, base_url=self.m.gateway.url, api_key=key, max_retries=0, max_tokens=200
            )
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=MODEL,
            base_url=self.m.openai_base,
            api_key=key,
            max_retries=0,
            use_responses_api=self.kind == "openai-responses",
            stream_usage=True,
        )

    def text(self) -> tuple[str, Usage]:
        r = self.model().invoke(QUESTION)
        u = r.usage_metadata
        return r.text, (u["input_tokens"], u["output_tokens"])

    def stream(self) -> tuple[list[str], Usage]:
        chunks = list(self.model().stream(QUESTION))
        total = chunks[0]
        for chunk in chunks[1:]:
            total += chunk
        u = total.usage_metadata
        return [c.text for c in chunks if c.text], (u["input_tokens"], u["output_tokens"])

    def tool_loop(self) -> Loop:
        from langchain_core.messages import HumanMessage, ToolMessage
        from langchain_core.tools import tool

        @tool
        def get_weather(city: str) -> str:
            """The weather in a city."""
            return WEATHER

        model = self.model().bind_tools([get_weather])
        messages: list[Any] = [HumanMessage(TOOL_QUESTION)]
        first = model.invoke(messages)
        call = first.tool_calls[0]
        messages += [first, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
        return Loop(call["args"], model.invoke(messages).text)

    def structured(self) -> dict[str, Any]:
        method = "json_schema"
        place = self.model().with_structured_output(Place, method=method).invoke(JSON_QUESTION)
        assert isinstance(place, Place)
        return place.model_dump()

    def wrong_key(self) -> int:
        try:
            self.model(WRONG_KEY).invoke("Hi")
        except (openai.AuthenticationError, anthropic.AuthenticationError) as e:
            return e.status_code
        raise AssertionError("a wrong key was accepted")


def _make(kind: Callable[..., Driver], *args: Any) -> Callable[[Matrix], Driver]:
    return lambda m: kind(m, *args)


DRIVERS: dict[str, Callable[[Matrix], Driver]] = {
    "openai-chat": OpenAIChat,
    "openai-responses": OpenAIResponses,
    "anthropic": Anthropic,
    "huggingface_hub": HubInference,
    "litellm-openai": _make(LiteLLM, "openai/"),
    "litellm-anthropic": _make(LiteLLM, "anthropic/"),
    "litellm-huggingface": _make(LiteLLM, "huggingface/"),
    "langchain-openai": _make(LangChain, "openai"),
    "langchain-openai-responses": _make(LangChain, "openai-responses"),
    "langchain-anthropic": _make(LangChain, "anthropic"),
}
INSTALLED_BY_SCRIPT = {n for n in DRIVERS if n.startswith(("litellm", "langchain"))}
"""The clients scripts/install-clients.sh installs (the others are hfgate's dependencies)."""
