"""The default `GET /v1/models` catalogs. The router's: the documented shape, with the
optional fields present on some providers and missing on others, as the real router serves
them. Anthropic's: its `model` objects (id, display name, RFC 3339 creation time)."""

from __future__ import annotations

from typing import Any

DEFAULT_MODELS: list[dict[str, Any]] = [
    {
        "id": "deepseek-ai/DeepSeek-V4-Pro",
        "object": "model",
        "created": 1776837885,
        "owned_by": "deepseek-ai",
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "providers": [
            {
                "provider": "novita",
                "status": "live",
                "context_length": 1048576,
                "pricing": {"input": 1.69, "output": 3.38},
                "supports_tools": True,
                "supports_structured_output": False,
                "first_token_latency_ms": 1490,
                "throughput": 24.69,
                "is_model_author": False,
            },
            {
                "provider": "together",
                "status": "live",
                "context_length": 512000,
                "pricing": {"input": 2.1, "output": 4.4},
                "supports_tools": True,
                "supports_structured_output": True,
                "first_token_latency_ms": 611,
                "throughput": 40.13,
                "is_model_author": False,
            },
            {"provider": "featherless-ai", "status": "live", "is_model_author": False},
        ],
    },
    {
        "id": "Qwen/Qwen3-32B",
        "object": "model",
        "created": 1745900000,
        "owned_by": "Qwen",
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "providers": [
            {
                "provider": "groq",
                "status": "live",
                "context_length": 131072,
                "pricing": {"input": 0.29, "output": 0.59},
                "supports_tools": True,
                "supports_structured_output": True,
                "first_token_latency_ms": 180,
                "throughput": 410.5,
                "is_model_author": False,
            },
            {
                "provider": "nscale",
                "status": "error",
                "context_length": 40960,
                "pricing": {"input": 0.08, "output": 0.25},
                "is_model_author": False,
            },
        ],
    },
    {
        "id": "openai/gpt-oss-120b",
        "object": "model",
        "created": 1754400000,
        "owned_by": "openai",
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "providers": [
            {
                "provider": "cerebras",
                "status": "live",
                "context_length": 131072,
                "pricing": {"input": 0.25, "output": 0.69},
                "supports_tools": True,
                "supports_structured_output": True,
                "first_token_latency_ms": 250,
                "throughput": 2100.0,
                "is_model_author": False,
            },
            {
                "provider": "fireworks-ai",
                "status": "live",
                "context_length": 131072,
                "supports_tools": True,
                "supports_structured_output": True,
                "first_token_latency_ms": 588.4,
                "throughput": 45.4,
                "is_model_author": False,
            },
            {
                "provider": "scaleway",
                "status": "live",
                "is_free": True,
                "pricing": {"input": 0.0, "output": 0.0},
                "is_model_author": False,
            },
        ],
    },
    {
        "id": "meta-llama/Llama-3.2-11B-Vision-Instruct",
        "object": "model",
        "created": 1727200000,
        "owned_by": "meta-llama",
        "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
        "providers": [
            {
                "provider": "together",
                "status": "live",
                "context_length": 131072,
                "pricing": {"input": 0.18, "output": 0.18},
                "supports_tools": False,
                "supports_structured_output": True,
                "is_model_author": False,
            },
        ],
    },
]

ANTHROPIC_MODELS: list[dict[str, Any]] = [
    {
        "type": "model",
        "id": "claude-sonnet-4-5-20250929",
        "display_name": "Claude Sonnet 4.5",
        "created_at": "2025-09-29T00:00:00Z",
    },
    {
        "type": "model",
        "id": "claude-haiku-4-5-20251001",
        "display_name": "Claude Haiku 4.5",
        "created_at": "2025-10-15T00:00:00Z",
    },
    {
        "type": "model",
        "id": "claude-opus-4-1-20250805",
        "display_name": "Claude Opus 4.1",
        "created_at": "2025-08-05T00:00:00Z",
    },
]
