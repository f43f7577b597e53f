"""hfgate: one clean way to call Hugging Face Inference Providers and your own endpoints.

    import hfgate
    r = hfgate.generate_text(model="Qwen/Qwen3-32B", prompt="Hello!")
    print(r.text, r.usage, r.provider)

Names are imported on first use, so `import hfgate` stays fast (httpx and pydantic load only
when a call needs them).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # functions
    "generate_text": "hfgate.client.api",
    "stream_text": "hfgate.client.api",
    "generate_object": "hfgate.client.api",
    "agenerate_text": "hfgate.client.api",
    "astream_text": "hfgate.client.api",
    "agenerate_object": "hfgate.client.api",
    "image": "hfgate.inputs.messages",
    "user": "hfgate.inputs.messages",
    # clients and streams
    "Client": "hfgate.client.sync_client",
    "AsyncClient": "hfgate.client.async_client",
    "TextStream": "hfgate.client.stream",
    "AsyncTextStream": "hfgate.client.stream",
    # values
    "Message": "hfgate.types",
    "TextPart": "hfgate.types",
    "ImagePart": "hfgate.types",
    "ToolCall": "hfgate.types",
    "ToolResult": "hfgate.types",
    "Usage": "hfgate.types",
    "StepResult": "hfgate.types",
    "TextResult": "hfgate.types",
    "TextDelta": "hfgate.types",
    "ReasoningDelta": "hfgate.types",
    "ReasoningItem": "hfgate.types",
    "ToolCallDelta": "hfgate.types",
    "ToolCallEvent": "hfgate.types",
    "ToolResultEvent": "hfgate.types",
    "StepFinish": "hfgate.types",
    "Finish": "hfgate.types",
    "StreamEvent": "hfgate.types",
    # errors
    "HfgateError": "hfgate.errors",
    "ConfigError": "hfgate.errors",
    "InvalidModelError": "hfgate.errors",
    "MissingKeyError": "hfgate.errors",
    "APIConnectionError": "hfgate.errors",
    "APITimeoutError": "hfgate.errors",
    "MalformedResponseError": "hfgate.errors",
    "IncompleteStreamError": "hfgate.errors",
    "APIStatusError": "hfgate.errors",
    "BadRequestError": "hfgate.errors",
    "AuthenticationError": "hfgate.errors",
    "PaymentRequiredError": "hfgate.errors",
    "PermissionDeniedError": "hfgate.errors",
    "NotFoundError": "hfgate.errors",
    "RateLimitError": "hfgate.errors",
    "ServerError": "hfgate.errors",
    "StreamError": "hfgate.errors",
    "OutputError": "hfgate.errors",
}

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncTextStream",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConfigError",
    "Finish",
    "HfgateError",
    "ImagePart",
    "IncompleteStreamError",
    "InvalidModelError",
    "MalformedResponseError",
    "Message",
    "MissingKeyError",
    "NotFoundError",
    "OutputError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReasoningDelta",
    "ReasoningItem",
    "ServerError",
    "StepFinish",
    "StepResult",
    "StreamError",
    "StreamEvent",
    "TextDelta",
    "TextPart",
    "TextResult",
    "TextStream",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallEvent",
    "ToolResult",
    "ToolResultEvent",
    "Usage",
    "agenerate_object",
    "agenerate_text",
    "astream_text",
    "generate_object",
    "generate_text",
    "image",
    "stream_text",
    "user",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hfgate' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from hfgate.client.api import (
        agenerate_object,
        agenerate_text,
        astream_text,
        generate_object,
        generate_text,
        stream_text,
    )
    from hfgate.client.async_client import AsyncClient
    from hfgate.client.stream import AsyncTextStream, TextStream
    from hfgate.client.sync_client import Client
    from hfgate.errors import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigError,
        HfgateError,
        IncompleteStreamError,
        InvalidModelError,
        MalformedResponseError,
        MissingKeyError,
        NotFoundError,
        OutputError,
        PaymentRequiredError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        StreamError,
    )
    from hfgate.inputs.messages import image, user
    from hfgate.types import (
        Finish,
        ImagePart,
        Message,
        ReasoningDelta,
        ReasoningItem,
        StepFinish,
        StepResult,
        StreamEvent,
        TextDelta,
        TextPart,
        TextResult,
        ToolCall,
        ToolCallDelta,
        ToolCallEvent,
        ToolResult,
        ToolResultEvent,
        Usage,
    )
