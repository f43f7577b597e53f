"""One `customModels` entry: field names normalised through one alias table, then validated.

Every message names the place and says what is allowed. Any error skips the entry (the others
still load); base URL fixes are warnings and the entry is kept. Values of `apiKey` and header
values never appear in a message.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hfgate.routing.settings._model import (
    EXAMPLE_URL,
    PROVIDERS,
    CustomModel,
    Place,
    Problem,
    template_problem,
)
from hfgate.routing.settings._urls import BadUrl, endpoint_url, normalise_base_url, split_http_url

_CAMEL_TO_SNAKE = {
    "model": "model",
    "baseUrl": "base_url",
    "provider": "provider",
    "apiKey": "api_key",
    "displayName": "display_name",
    "id": "id",
    "maxOutputTokens": "max_output_tokens",
    "supportsImages": "supports_images",
    "noImageSupport": "no_image_support",
    "extraArgs": "extra_args",
    "extraHeaders": "extra_headers",
    "fallbacks": "fallbacks",
}
ALIASES: dict[str, str] = {
    **{camel: camel for camel in _CAMEL_TO_SNAKE},
    **{snake: camel for camel, snake in _CAMEL_TO_SNAKE.items()},
    # Factory's legacy ~/.factory/config.json spellings.
    "model_display_name": "displayName",
    "max_tokens": "maxOutputTokens",
}
"""Every accepted spelling -> the field name used in messages."""

REQUIRED = {
    "model": 'the model id sent to the API, e.g. "openai/gpt-oss-120b:fireworks-ai"',
    "baseUrl": f"the API base URL, e.g. {EXAMPLE_URL}",
    "provider": "the API format, one of " + ", ".join(PROVIDERS),
    "apiKey": 'the API key, or ${VAR} to read it from the environment, e.g. "${HF_TOKEN}"',
}


class _Invalid(Exception):
    """A field value that cannot be used; the argument is the whole message."""


def show(value: Any) -> str:
    """A value as the user wrote it in JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def kind(value: Any) -> str:
    """The JSON type of a value, with its article."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


_Check = Callable[[Any, str, str], Any]
"""(value, the field name as written, the place) -> the value to keep, or raise _Invalid."""


def _text(what: str, example: str) -> _Check:
    def check(value: Any, name: str, at: str) -> str:
        if not isinstance(value, str):
            raise _Invalid(
                f"Invalid {name} {show(value)} in {at}: use a string, {what}, e.g. {example}"
            )
        if not value.strip():
            raise _Invalid(f"Empty {name} in {at}: put {what} here, e.g. {example}")
        return value.strip()

    return check


def _display_name(value: Any, name: str, at: str) -> str | None:
    if not isinstance(value, str):
        raise _Invalid(f"Invalid {name} {show(value)} in {at}: use a string")
    return value.strip() or None


def _provider(value: Any, name: str, at: str) -> str:
    if value not in PROVIDERS:
        raise _Invalid(f"Invalid {name} {show(value)} in {at}: use one of {', '.join(PROVIDERS)}")
    return str(value)


def _api_key(value: Any, name: str, at: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(
            f"Invalid {name} in {at}: use a string, the key or ${{VAR}} (got {kind(value)})"
        )
    if not value.strip():
        raise _Invalid(f"Empty {name} in {at}: put the key or ${{VAR}} here")
    _check_template(value, name, at)
    return value


def _base_url(value: Any, name: str, at: str) -> str:
    url: str = _text("the API base URL", EXAMPLE_URL)(value, name, at)
    _check_template(url, name, at)
    if "${" not in url:  # with ${VAR}, checked once expanded at use time
        try:
            split_http_url(url)
        except BadUrl:
            raise _Invalid(
                f'Invalid {name} "{url}" in {at}: use an http:// or https:// URL, '
                f"e.g. {EXAMPLE_URL}"
            ) from None
    return url


def _check_template(text: str, label: str, at: str) -> None:
    problem = template_problem(text)
    if problem:
        raise _Invalid(f"{problem} in {label} of {at}: write ${{VAR_NAME}} (letters, digits and _)")


def _positive_int(value: Any, name: str, at: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Invalid(f"Invalid {name} {show(value)} in {at}: use a positive whole number")
    return value


def _flag(value: Any, name: str, at: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"Invalid {name} {show(value)} in {at}: use true or false")
    return value


def _extra_args(value: Any, name: str, at: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(
            f'Invalid {name} {show(value)} in {at}: use an object, e.g. {{"temperature": 0.3}}'
        )
    return MappingProxyType(dict(value))


def _extra_headers(value: Any, name: str, at: str) -> Mapping[str, str]:
    if not isinstance(value, dict):
        raise _Invalid(
            f"Invalid {name} in {at}: use an object of header names to string values, "
            f'e.g. {{"X-Title": "hfgate"}} (got {kind(value)})'
        )
    for header, text in value.items():
        if not isinstance(text, str):
            raise _Invalid(
                f'Invalid {name} value for "{header}" in {at}: use a string (got {kind(text)})'
            )
        _check_template(text, f'{name}["{header}"]', at)
    return MappingProxyType(dict(value))


def _fallbacks(value: Any, name: str, at: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(
            f'Invalid {name} in {at}: use a list of model names, e.g. ["Sonnet"] '
            f"(got {kind(value)})"
        )
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(f"Invalid {name}[{i}] {show(item)} in {at}: use a non-empty model name")
    return tuple(item.strip() for item in value)


_CHECKS: dict[str, _Check] = {
    "model": _text("the model id sent to the API", '"openai/gpt-oss-120b:fireworks-ai"'),
    "baseUrl": _base_url,
    "provider": _provider,
    "apiKey": _api_key,
    "displayName": _display_name,
    "id": _text("the name you call this entry by", '"sonnet-fast"'),
    "maxOutputTokens": _positive_int,
    "supportsImages": _flag,
    "noImageSupport": _flag,
    "extraArgs": _extra_args,
    "extraHeaders": _extra_headers,
    "fallbacks": _fallbacks,
}


@dataclass(frozen=True, slots=True)
class Parsed:
    """An entry's outcome: the model, or None when an error skipped it."""

    model: CustomModel | None
    problems: list[Problem]
    names: tuple[str, ...]


def parse_entry(raw: dict[str, Any], place: Place) -> Parsed:
    """Validate one entry; `place` comes without its display name, which is read here."""
    label = raw.get("displayName", raw.get("model_display_name", raw.get("display_name")))
    if isinstance(label, str) and label.strip():
        place = Place(place.path, place.list_key, place.index, label.strip())
    at = str(place)
    unsupported = _unsupported(raw, at)
    if unsupported:
        names = _names({}, {k: raw.get(k) for k in ("id", "displayName", "model")})
        return Parsed(None, [Problem(unsupported, "error", place.path, place, names)], names)
    fields, spelled, errors = _normalise(raw, at)
    values: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        if name in fields:
            try:
                values[name] = check(fields[name], spelled[name], at)
            except _Invalid as exc:
                errors.append(str(exc))
    names = _names(values, fields)
    errors += _image_flags(values, at)
    model, warnings = (None, []) if errors else _build(values, place, at)
    problems = [Problem(m, "error", place.path, place, names) for m in errors]
    problems += [Problem(m, "warning", place.path, place, names) for m in warnings]
    return Parsed(model, problems, names)


UNSUPPORTED_PROVIDERS = {
    "bedrock": "Amazon Bedrock (AWS-signed requests, no base URL)",
}
"""Factory providers hfgate cannot call: their entries are skipped with a message naming them."""


def _unsupported(raw: dict[str, Any], at: str) -> str | None:
    provider = raw.get("provider")
    if not isinstance(provider, str) or provider.lower() not in UNSUPPORTED_PROVIDERS:
        return None
    what = UNSUPPORTED_PROVIDERS[provider.lower()]
    return (
        f'Unsupported provider "{provider}" in {at}: {what} is not one hfgate can call, so the '
        f"entry is skipped (Factory droid still uses it); to call this model from hfgate, add "
        f"an entry with a baseUrl and provider {', '.join(PROVIDERS)}"
    )


def _normalise(raw: dict[str, Any], at: str) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Fields under their canonical names, how each was spelled, and errors for missing or
    doubly given ones."""
    fields: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    unknown: list[str] = []
    errors: list[str] = []
    for key, value in raw.items():
        name = ALIASES.get(key)
        if name is None:
            unknown.append(key)
        elif name not in fields:
            fields[name], spelled[name] = value, key
        elif fields[name] != value:
            errors.append(
                f'Field "{name}" is given twice in {at}, as "{spelled[name]}" and "{key}", '
                "with different values: keep one"
            )
    for name, what in REQUIRED.items():
        if name not in fields:
            errors.append(f'Missing field "{name}" in {at}: {what}{_did_you_mean(name, unknown)}')
    return fields, spelled, errors


def _did_you_mean(name: str, unknown: list[str]) -> str:
    spellings = [alias.lower() for alias, canon in ALIASES.items() if canon == name]
    for key in unknown:
        if difflib.get_close_matches(key.lower(), spellings, n=1, cutoff=0.8):
            return f'; did you mean "{name}" instead of "{key}"?'
    return ""


def _names(values: dict[str, Any], fields: dict[str, Any]) -> tuple[str, ...]:
    """What the entry answers to, best effort even when some fields are invalid."""

    def text(name: str) -> str | None:
        value = values.get(name, fields.get(name))
        return (value.strip() or None) if isinstance(value, str) else None

    first = text("id") or text("displayName") or text("model")
    return tuple(dict.fromkeys(n for n in (first, text("displayName"), text("model")) if n))


def _image_flags(values: dict[str, Any], at: str) -> list[str]:
    supports, no_support = values.get("supportsImages"), values.get("noImageSupport")
    if supports is None or no_support is None or supports != no_support:
        return []
    flag = "true" if supports else "false"
    return [
        f"Contradicting image flags in {at}: supportsImages is {flag} but noImageSupport is "
        f"also {flag}; keep one of them"
    ]


def _build(values: dict[str, Any], place: Place, at: str) -> tuple[CustomModel, list[str]]:
    provider, base_url = values["provider"], values["baseUrl"]
    warnings = []
    if "${" not in base_url:
        written = base_url
        base_url, changes = normalise_base_url(written, provider)
        if changes:
            warnings.append(
                f'baseUrl "{written}" in {at}: {"; ".join(changes)}; '
                f"calls go to {endpoint_url(base_url, provider)}"
            )
    display_name = values.get("displayName")
    model = CustomModel(
        id=values.get("id") or display_name or values["model"],
        model=values["model"],
        provider=provider,
        base_url=base_url,
        api_key=values["apiKey"],
        display_name=display_name,
        max_output_tokens=values.get("maxOutputTokens"),
        supports_images=values.get("supportsImages", not values.get("noImageSupport", False)),
        extra_args=values.get("extraArgs", MappingProxyType({})),
        extra_headers=values.get("extraHeaders", MappingProxyType({})),
        fallbacks=values.get("fallbacks", ()),
        place=place,
    )
    return model, warnings
