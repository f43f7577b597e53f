"""Structured output: read the model's JSON answer and validate it against the schema."""

from __future__ import annotations

import json
import re
from typing import Any

from hfgate.inputs.request import JsonSchemaFormat

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def parse_object(text: str, fmt: JsonSchemaFormat) -> tuple[Any, str | None]:
    """(object, None) when the text is valid, else (None, what is wrong) to show the model."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text.strip()
    try:
        value = json.loads(body)
    except ValueError as exc:
        return None, f"the answer is not valid JSON ({exc})"
    if fmt.validator is not None:
        from pydantic import ValidationError

        try:
            return fmt.validator.model_validate(value), None
        except ValidationError as exc:
            return None, f"the JSON does not match the schema: {exc}"
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(fmt.schema).iter_errors(value), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        return None, f"the JSON does not match the schema at {where}: {errors[0].message}"
    return value, None


def retry_prompt(problem: str) -> str:
    return (
        f"That answer cannot be used: {problem}. Reply again with only the JSON object, "
        "matching the schema exactly, and no other text."
    )
