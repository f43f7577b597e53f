"""Settings files: both Factory formats, merge order, every message, ${VAR}, lookups, reload."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import platformdirs
import pytest

import hfgate.routing.settings
from hfgate.errors import ConfigError
from hfgate.routing.settings import (
    PROVIDERS,
    CustomModel,
    Place,
    Settings,
    SettingsError,
    load_settings,
    settings_paths,
)

SECRET = "sk-topsecret-4242"
DROP = object()
"""In `entry(...)`: leave this field out."""

AT = '~/.factory/settings.json customModels[0] ("X")'
"""Where `one_bad_entry` puts its entry."""


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home with a project folder as the working directory."""
    home = tmp_path / "home"
    (home / "project").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(home / "project")
    for var in ("HFGATE_SETTINGS", "HFGATE_READ_FACTORY", "HFGATE_STRICT_SETTINGS", "MY_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("MY_HOST", raising=False)
    return home


def factory(name: str = "settings.json") -> Path:
    return Path.home() / ".factory" / name


def user_file() -> Path:
    return Path(platformdirs.user_config_dir("hfgate")) / "settings.json"


def project_file() -> Path:
    return Path.cwd() / ".hfgate" / "settings.json"


_clock = [1_700_000_000 * 10**9]


def write(path: Path, data: Any) -> Path:
    """Write JSON (or raw text) and move the mtime forward, so every write is seen as a change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), "utf-8")
    _clock[0] += 10**9
    os.utime(path, ns=(_clock[0], _clock[0]))
    return path


def entry(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model": "acme/model-1",
        "displayName": "X",
        "baseUrl": "https://api.example.com/v1",
        "provider": "generic-chat-completion-api",
        "apiKey": SECRET,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not DROP}


def models(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"customModels": list(entries)}


def messages(settings: Settings) -> list[str]:
    return [p.message for p in settings.problems]


# -- both formats, every field ------------------------------------------------------------


def test_camel_case_file_with_every_field() -> None:
    write(
        factory(),
        models(
            entry(
                model="claude-sonnet-4-5",
                displayName="Sonnet",
                id="sonnet",
                baseUrl="https://api.anthropic.com/",
                provider="anthropic",
                apiKey="${MY_KEY}",
                maxOutputTokens=8192,
                supportsImages=False,
                extraArgs={"temperature": 0.3},
                extraHeaders={"X-Title": "hfgate"},
                fallbacks=["gpt", " qwen "],
                index=0,
                maxContextLimit=200000,
                enableThinking=True,
                bedrock={"region": "us"},
            )
        ),
    )
    settings = load_settings()
    assert settings.problems == ()
    (m,) = settings.models
    assert (m.id, m.model, m.provider) == ("sonnet", "claude-sonnet-4-5", "anthropic")
    assert m.base_url == "https://api.anthropic.com"
    assert m.api_key == "${MY_KEY}"
    assert m.display_name == "Sonnet"
    assert m.max_output_tokens == 8192
    assert m.supports_images is False
    assert dict(m.extra_args) == {"temperature": 0.3}
    assert dict(m.extra_headers) == {"X-Title": "hfgate"}
    assert m.fallbacks == ("gpt", "qwen")
    assert m.names() == ("sonnet", "Sonnet", "claude-sonnet-4-5")
    assert m.place == Place(factory(), "customModels", 0, "Sonnet")
    assert str(m.place) == '~/.factory/settings.json customModels[0] ("Sonnet")'
    assert settings.files == (factory(),)


def test_legacy_config_json_snake_case() -> None:
    write(
        factory("config.json"),
        {
            "custom_models": [
                {
                    "model_display_name": "GPT OSS [HF Router]",
                    "model": "openai/gpt-oss-120b:fireworks-ai",
                    "base_url": "https://router.huggingface.co/v1",
                    "api_key": SECRET,
                    "provider": "generic-chat-completion-api",
                    "max_tokens": 32768,
                    "no_image_support": True,
                    "extra_args": {"top_p": 0.9},
                    "extra_headers": {"X-A": "b"},
                    "fallbacks": ["other"],
                },
                {
                    "id": "local",
                    "display_name": "Local",
                    "model": "qwen",
                    "base_url": "http://127.0.0.1:8080/v1",
                    "api_key": "none",
                    "provider": "openai",
                    "max_output_tokens": 100,
                    "supports_images": True,
                },
            ]
        },
    )
    settings = load_settings()
    assert settings.problems == ()
    gpt, local = settings.models
    assert gpt.id == "GPT OSS [HF Router]"
    assert gpt.display_name == "GPT OSS [HF Router]"
    assert gpt.base_url == "https://router.huggingface.co/v1"
    assert gpt.expanded_api_key() == SECRET
    assert (gpt.max_output_tokens, gpt.supports_images) == (32768, False)
    assert dict(gpt.extra_args) == {"top_p": 0.9}
    assert dict(gpt.extra_headers) == {"X-A": "b"}
    assert gpt.fallbacks == ("other",)
    assert str(gpt.place) == '~/.factory/config.json custom_models[0] ("GPT OSS [HF Router]")'
    assert (local.id, local.display_name, local.provider) == ("local", "Local", "openai")
    assert (local.max_output_tokens, local.supports_images) == (100, True)


def test_either_list_key_in_any_file() -> None:
    write(
        factory(),
        {
            "custom_models": [
                {"model": "a", "base_url": "http://h/v1", "api_key": "k", "provider": "openai"}
            ]
        },
    )
    write(
        project_file(),
        {
            "customModels": [entry(displayName="B")],
            "custom_models": [entry(displayName="C", model="c")],
        },
    )
    assert [m.id for m in load_settings().models] == ["a", "B", "C"]


def test_optional_fields_default() -> None:
    write(factory(), models(entry(displayName=DROP)))
    (m,) = load_settings().models
    assert (m.id, m.display_name, m.max_output_tokens) == ("acme/model-1", None, None)
    assert m.supports_images is True
    assert (dict(m.extra_args), dict(m.extra_headers), m.fallbacks) == ({}, {}, ())
    assert m.names() == ("acme/model-1",)


@pytest.mark.parametrize(
    ("flags", "supports"),
    [
        ({"noImageSupport": True}, False),
        ({"noImageSupport": False}, True),
        ({"supportsImages": False, "noImageSupport": True}, False),
        ({"supports_images": True, "no_image_support": False}, True),
    ],
)
def test_image_flags_both_spellings(flags: dict[str, bool], supports: bool) -> None:
    write(factory(), models(entry(**flags)))
    assert load_settings().models[0].supports_images is supports


def test_same_field_twice_with_the_same_value_is_fine() -> None:
    write(factory(), models(entry(base_url="https://api.example.com/v1")))
    assert load_settings().models[0].base_url == "https://api.example.com/v1"


# -- files and merge order ----------------------------------------------------------------


def test_paths_in_merge_order(home: Path) -> None:
    assert settings_paths() == [
        home / ".factory" / "config.json",
        home / ".factory" / "settings.json",
        home / ".factory" / "settings.local.json",
        home / ".config" / "hfgate" / "settings.json",
        home / "project" / ".hfgate" / "settings.json",
    ]


def test_later_files_override_by_id_and_keep_the_slot() -> None:
    write(
        factory("config.json"),
        {
            "custom_models": [
                {
                    "model": "m1",
                    "model_display_name": "A",
                    "base_url": "http://one/v1",
                    "api_key": "k",
                    "provider": "openai",
                },
                {
                    "model": "m1",
                    "model_display_name": "Only",
                    "base_url": "http://one/v1",
                    "api_key": "k",
                    "provider": "openai",
                },
            ]
        },
    )
    write(factory(), models(entry(displayName="A", model="m2")))
    write(factory("settings.local.json"), models(entry(displayName="A", model="m3")))
    write(user_file(), models(entry(displayName="A", model="m4"), entry(displayName="U")))
    write(project_file(), models(entry(displayName="A", model="m5")))
    settings = load_settings()
    assert settings.problems == ()
    assert [(m.id, m.model) for m in settings.models] == [
        ("A", "m5"),
        ("Only", "m1"),
        ("U", "acme/model-1"),
    ]
    assert settings.models[0].place.path == project_file()
    assert settings.files == tuple(settings_paths())


def test_hfgate_settings_names_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(factory(), models(entry(displayName="Factory")))
    write(project_file(), models(entry(displayName="Project")))
    chosen = write(tmp_path / "mine.json", models(entry(displayName="Mine")))
    monkeypatch.setenv("HFGATE_SETTINGS", str(chosen))
    assert settings_paths() == [chosen]
    settings = load_settings()
    assert [m.id for m in settings.models] == ["Mine"]
    assert settings.files == (chosen,)


def test_hfgate_settings_naming_a_missing_file_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_SETTINGS", str(tmp_path / "nope.json"))
    settings = load_settings()
    assert settings.models == ()
    assert messages(settings) == [
        f"HFGATE_SETTINGS names {tmp_path / 'nope.json'}, which does not exist"
    ]


def test_missing_files_are_skipped_silently() -> None:
    settings = load_settings()
    assert (settings.models, settings.problems, settings.files) == ((), (), ())


def test_an_empty_file_lists_nothing() -> None:
    write(factory(), "  \n")
    settings = load_settings()
    assert (settings.models, settings.problems, settings.files) == ((), (), (factory(),))


@pytest.mark.parametrize("off", ["0", "false", "No", "OFF"])
def test_factory_files_off_by_env(off: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write(factory(), models(entry(displayName="Factory")))
    write(project_file(), models(entry(displayName="Project")))
    monkeypatch.setenv("HFGATE_READ_FACTORY", off)
    assert settings_paths() == [user_file(), project_file()]
    settings = load_settings()
    assert [m.id for m in settings.models] == ["Project"]
    assert settings.files == (project_file(),)


def test_factory_files_on_by_env_value_1(monkeypatch: pytest.MonkeyPatch) -> None:
    write(factory(), models(entry(displayName="Factory")))
    monkeypatch.setenv("HFGATE_READ_FACTORY", "1")
    assert [m.id for m in load_settings().models] == ["Factory"]


def test_factory_files_off_by_settings_key() -> None:
    write(factory(), models(entry(displayName="Factory")))
    write(user_file(), {"readFactorySettings": False, **models(entry(displayName="User"))})
    settings = load_settings()
    assert [m.id for m in settings.models] == ["User"]
    assert settings.files == (user_file(),)
    # the project file is later, so it can turn them back on
    write(project_file(), {"readFactorySettings": True})
    assert [m.id for m in load_settings().models] == ["Factory", "User"]


def test_factory_settings_key_is_ignored_inside_factory_files() -> None:
    write(factory(), {"readFactorySettings": False, **models(entry(displayName="Factory"))})
    write(factory("settings.local.json"), {"readFactorySettings": "not checked here"})
    settings = load_settings()
    assert [m.id for m in settings.models] == ["Factory"]
    assert settings.problems == ()


def test_bad_factory_switch_is_a_problem() -> None:
    write(factory(), models(entry()))
    write(project_file(), {"readFactorySettings": "no"})
    settings = load_settings()
    assert messages(settings) == [
        "Invalid readFactorySettings in ~/project/.hfgate/settings.json: use true or false "
        "(got a string)"
    ]
    assert [m.id for m in settings.models] == ["X"]


# -- ${VAR} -------------------------------------------------------------------------------


def test_api_key_expands_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        factory(), models(entry(displayName=DROP), entry(displayName="Sonnet", apiKey="${MY_KEY}"))
    )
    settings = load_settings()
    assert settings.problems == ()
    sonnet = settings.models[1]
    with pytest.raises(SettingsError) as caught:
        sonnet.expanded_api_key()
    assert str(caught.value) == (
        "Environment variable MY_KEY is not set "
        '(apiKey of ~/.factory/settings.json customModels[1] ("Sonnet"))'
    )
    assert caught.value.problems[0].names == ("Sonnet", "acme/model-1")
    monkeypatch.setenv("MY_KEY", " from-env\n")
    assert load_settings() is settings
    assert sonnet.expanded_api_key() == "from-env"


def test_api_key_from_an_empty_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        factory(),
        models(entry(apiKey="Bearer-${MY_KEY}"), entry(displayName="Y", apiKey="${MY_KEY}")),
    )
    monkeypatch.setenv("MY_KEY", "")
    x, y = load_settings().models
    assert x.expanded_api_key() == "Bearer-"
    with pytest.raises(
        SettingsError,
        match=r"^Environment variable MY_KEY is empty \(apiKey of "
        r'~/.factory/settings.json customModels\[1\] \("Y"\)\)$',
    ):
        y.expanded_api_key()


def test_headers_and_base_url_expand_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        factory(),
        models(entry(baseUrl="${MY_HOST}/", extraHeaders={"X-Key": "k=${MY_KEY}", "X-Plain": "p"})),
    )
    settings = load_settings()
    assert settings.problems == ()  # no base URL warning at load: it is not known yet
    (m,) = settings.models
    with pytest.raises(SettingsError) as caught:
        m.expanded_headers()
    assert (
        str(caught.value)
        == f'Environment variable MY_KEY is not set (extraHeaders["X-Key"] of {AT})'
    )
    with pytest.raises(
        SettingsError, match=r"^Environment variable MY_HOST is not set \(baseUrl of "
    ):
        m.expanded_base_url()
    monkeypatch.setenv("MY_KEY", "v")
    monkeypatch.setenv("MY_HOST", "http://localhost:8000")
    assert m.expanded_headers() == {"X-Key": "k=v", "X-Plain": "p"}
    assert m.expanded_base_url() == "http://localhost:8000/v1"
    monkeypatch.setenv("MY_HOST", "localhost:8000")
    with pytest.raises(SettingsError) as caught:
        m.expanded_base_url()
    assert str(caught.value) == (
        f'Invalid baseUrl "localhost:8000/" (from ${{MY_HOST}}/) in {AT}: '
        "use an http:// or https:// URL, e.g. https://router.huggingface.co/v1"
    )


def test_literal_base_url_needs_no_expansion() -> None:
    write(factory(), models(entry()))
    (m,) = load_settings().models
    assert m.expanded_base_url() == "https://api.example.com/v1"
    assert m.expanded_headers() == {}


# -- validation messages ------------------------------------------------------------------


def test_invalid_provider_message_verbatim() -> None:
    write(
        factory(),
        models(
            entry(displayName="A"),
            entry(displayName="B"),
            entry(displayName="My model", provider="OpenAI"),
        ),
    )
    settings = load_settings()
    assert messages(settings) == [
        'Invalid provider "OpenAI" in ~/.factory/settings.json customModels[2] ("My model"): '
        "use one of anthropic, openai, generic-chat-completion-api"
    ]
    assert [m.id for m in settings.models] == ["A", "B"]  # the good entries still load
    (problem,) = settings.problems
    assert problem.severity == "error"
    assert problem.path == factory()
    assert problem.place == Place(factory(), "customModels", 2, "My model")
    assert problem.names == ("My model", "acme/model-1")


_URL_HINT = "e.g. https://router.huggingface.co/v1"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"provider": "Anthropic"},
            [
                f'Invalid provider "Anthropic" in {AT}: '
                "use one of anthropic, openai, generic-chat-completion-api"
            ],
        ),
        (
            {"provider": 3},
            [
                f"Invalid provider 3 in {AT}: "
                "use one of anthropic, openai, generic-chat-completion-api"
            ],
        ),
        (
            {"baseUrl": DROP, "baseURL": "https://x.example/v1"},
            [
                f'Missing field "baseUrl" in {AT}: the API base URL, {_URL_HINT}; '
                'did you mean "baseUrl" instead of "baseURL"?'
            ],
        ),
        (
            {"apiKey": DROP, "apikey": SECRET},
            [
                f'Missing field "apiKey" in {AT}: the API key, or ${{VAR}} to read it from the '
                'environment, e.g. "${HF_TOKEN}"; did you mean "apiKey" instead of "apikey"?'
            ],
        ),
        (
            {"model": DROP, "provider": DROP, "url": "x"},
            [
                f'Missing field "model" in {AT}: the model id sent to the API, '
                'e.g. "openai/gpt-oss-120b:fireworks-ai"',
                f'Missing field "provider" in {AT}: the API format, '
                "one of anthropic, openai, generic-chat-completion-api",
            ],
        ),
        (
            {"maxOutputTokens": 0},
            [f"Invalid maxOutputTokens 0 in {AT}: use a positive whole number"],
        ),
        (
            {"maxOutputTokens": "1000"},
            [f'Invalid maxOutputTokens "1000" in {AT}: use a positive whole number'],
        ),
        (
            {"maxOutputTokens": True},
            [f"Invalid maxOutputTokens true in {AT}: use a positive whole number"],
        ),
        ({"max_tokens": 1.5}, [f"Invalid max_tokens 1.5 in {AT}: use a positive whole number"]),
        ({"apiKey": "  "}, [f"Empty apiKey in {AT}: put the key or ${{VAR}} here"]),
        (
            {"apiKey": 12345},
            [f"Invalid apiKey in {AT}: use a string, the key or ${{VAR}} (got a number)"],
        ),
        (
            {"apiKey": "${MY_KEY"},
            [f'Unclosed "${{" in apiKey of {AT}: write ${{VAR_NAME}} (letters, digits and _)'],
        ),
        (
            {"apiKey": "${MY KEY}"},
            [
                f"Invalid variable reference in apiKey of {AT}: "
                "write ${VAR_NAME} (letters, digits and _)"
            ],
        ),
        (
            {"baseUrl": "ftp://example.com"},
            [
                f'Invalid baseUrl "ftp://example.com" in {AT}: use an http:// or https:// URL, '
                f"{_URL_HINT}"
            ],
        ),
        (
            {"baseUrl": "localhost:8000"},
            [
                f'Invalid baseUrl "localhost:8000" in {AT}: use an http:// or https:// URL, '
                f"{_URL_HINT}"
            ],
        ),
        ({"baseUrl": " "}, [f"Empty baseUrl in {AT}: put the API base URL here, {_URL_HINT}"]),
        (
            {"model": ""},
            [
                f"Empty model in {AT}: put the model id sent to the API here, "
                'e.g. "openai/gpt-oss-120b:fireworks-ai"'
            ],
        ),
        (
            {"id": ""},
            [f'Empty id in {AT}: put the name you call this entry by here, e.g. "sonnet-fast"'],
        ),
        (
            {"supportsImages": True, "noImageSupport": True},
            [
                f"Contradicting image flags in {AT}: supportsImages is true but noImageSupport is "
                "also true; keep one of them"
            ],
        ),
        (
            {"supports_images": False, "noImageSupport": False},
            [
                f"Contradicting image flags in {AT}: supportsImages is false but noImageSupport is "
                "also false; keep one of them"
            ],
        ),
        ({"supports_images": "yes"}, [f'Invalid supports_images "yes" in {AT}: use true or false']),
        (
            {"extraHeaders": {"X-Org": 5}},
            [f'Invalid extraHeaders value for "X-Org" in {AT}: use a string (got a number)'],
        ),
        (
            {"extraHeaders": ["X-Org"]},
            [
                f"Invalid extraHeaders in {AT}: use an object of header names to string values, "
                'e.g. {"X-Title": "hfgate"} (got an array)'
            ],
        ),
        (
            {"extraHeaders": {"Authorization": "Bearer ${MY_KEY"}},
            [
                f'Unclosed "${{" in extraHeaders["Authorization"] of {AT}: '
                "write ${VAR_NAME} (letters, digits and _)"
            ],
        ),
        (
            {"extraArgs": [1]},
            [f'Invalid extraArgs [1] in {AT}: use an object, e.g. {{"temperature": 0.3}}'],
        ),
        (
            {"fallbacks": "Sonnet"},
            [
                f'Invalid fallbacks in {AT}: use a list of model names, e.g. ["Sonnet"] '
                "(got a string)"
            ],
        ),
        (
            {"fallbacks": ["ok", ""]},
            [f'Invalid fallbacks[1] "" in {AT}: use a non-empty model name'],
        ),
        (
            {"baseUrl": "https://a.example/v1", "base_url": "https://b.example/v1"},
            [
                f'Field "baseUrl" is given twice in {AT}, as "baseUrl" and "base_url", '
                "with different values: keep one"
            ],
        ),
    ],
)
def test_entry_errors(fields: dict[str, Any], expected: list[str]) -> None:
    write(factory(), models(entry(displayName="Good", model="good"), entry(**fields)))
    settings = load_settings()
    assert [m.message for m in settings.problems] == [
        e.replace("customModels[0]", "customModels[1]") for e in expected
    ]
    assert {p.severity for p in settings.problems} == {"error"}
    assert [m.id for m in settings.models] == ["Good"]


def test_bad_display_name_leaves_the_place_unlabelled() -> None:
    write(factory(), models(entry(displayName=5)))
    assert messages(load_settings()) == [
        "Invalid displayName 5 in ~/.factory/settings.json customModels[0]: use a string"
    ]


def test_entry_that_is_not_an_object() -> None:
    write(factory(), models("gpt-4o", entry()))
    settings = load_settings()
    assert messages(settings) == [
        'Invalid entry ~/.factory/settings.json customModels[0]: use an object with "model", '
        '"baseUrl", "provider" and "apiKey" (got a string)'
    ]
    assert [m.id for m in settings.models] == ["X"]


def test_list_key_that_is_not_a_list() -> None:
    write(factory(), {"customModels": {"model": "x"}})
    assert messages(load_settings()) == [
        "Invalid customModels in ~/.factory/settings.json: use a list of model objects like "
        '[{"model": ..., "baseUrl": ...}] (got an object)'
    ]


def test_top_level_that_is_not_an_object() -> None:
    write(factory(), [entry()])
    (problem,) = load_settings().problems
    assert problem.message == (
        "Invalid ~/.factory/settings.json: the top level must be an object like "
        '{"customModels": [...]} (got an array)'
    )
    assert (problem.severity, problem.path, problem.place) == ("error", factory(), None)


def test_invalid_json_reports_line_and_column() -> None:
    write(factory(), '{\n  "customModels": [\n    {"model": "a"}\n    {"model": "b"}\n  ]\n}\n')
    write(project_file(), models(entry()))
    settings = load_settings()
    assert messages(settings) == [
        "~/.factory/settings.json is not valid JSON: Expecting ',' delimiter at line 4, column 5"
    ]
    assert [m.id for m in settings.models] == ["X"]
    assert settings.files == (factory(), project_file())


def test_unreadable_files() -> None:
    factory().mkdir(parents=True)  # a folder where the file should be
    factory("config.json").write_bytes(b'{"customModels": ["\xff"]}')
    assert messages(load_settings()) == [
        "Cannot read ~/.factory/config.json: it is not UTF-8 text (invalid start byte)",
        "Cannot read ~/.factory/settings.json: Is a directory",
    ]


def test_a_byte_order_mark_is_fine() -> None:
    factory().parent.mkdir(parents=True)
    factory().write_bytes(b"\xef\xbb\xbf" + json.dumps(models(entry())).encode())
    assert [m.id for m in load_settings().models] == ["X"]


def test_paths_outside_home_are_shown_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = write(tmp_path / "elsewhere.json", models(entry(provider="x")))
    monkeypatch.setenv("HFGATE_SETTINGS", str(chosen))
    assert messages(load_settings())[0].startswith(
        f'Invalid provider "x" in {chosen} customModels[0] ("X")'
    )


# -- base URLs ----------------------------------------------------------------------------

_GEN, _OAI, _ANT = PROVIDERS[2], PROVIDERS[1], PROVIDERS[0]


@pytest.mark.parametrize(
    ("provider", "written", "final", "changes"),
    [
        (_GEN, "https://api.example.com/v1/", "https://api.example.com/v1", None),
        (_GEN, "https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1", None),
        (
            _GEN,
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            "https://generativelanguage.googleapis.com/v1beta/openai",
            None,
        ),
        (_ANT, "http://localhost:8000", "http://localhost:8000", None),
        (
            _GEN,
            "https://api.example.com/v1/v1",
            "https://api.example.com/v1",
            "collapsed the doubled /v1/v1 to /v1; "
            "calls go to https://api.example.com/v1/chat/completions",
        ),
        (
            _GEN,
            "https://api.example.com/v1/chat/completions/",
            "https://api.example.com/v1",
            "removed the endpoint path /chat/completions, which the client adds itself; "
            "calls go to https://api.example.com/v1/chat/completions",
        ),
        (
            _GEN,
            "http://localhost:8000/chat/completions",
            "http://localhost:8000",
            "removed the endpoint path /chat/completions, which the client adds itself; "
            "calls go to http://localhost:8000/chat/completions",
        ),
        (
            _OAI,
            "https://api.openai.com/v1/responses",
            "https://api.openai.com/v1",
            "removed the endpoint path /responses, which the client adds itself; "
            "calls go to https://api.openai.com/v1/responses",
        ),
        (
            _GEN,
            "http://localhost:8000",
            "http://localhost:8000/v1",
            "added /v1 to the bare host; calls go to http://localhost:8000/v1/chat/completions",
        ),
        (
            _OAI,
            "http://localhost:8000/",
            "http://localhost:8000/v1",
            "added /v1 to the bare host; calls go to http://localhost:8000/v1/responses",
        ),
        (
            _ANT,
            "https://api.anthropic.com/v1/messages",
            "https://api.anthropic.com",
            "removed the endpoint path /v1/messages, which the client adds itself; "
            "calls go to https://api.anthropic.com/v1/messages",
        ),
        (
            _ANT,
            "https://proxy.example.com/anthropic/messages",
            "https://proxy.example.com/anthropic",
            "removed the endpoint path /messages, which the client adds itself; "
            "calls go to https://proxy.example.com/anthropic/v1/messages",
        ),
        (
            _ANT,
            "https://api.anthropic.com/v1/",
            "https://api.anthropic.com",
            "removed the trailing /v1, since the client adds /v1/messages; "
            "calls go to https://api.anthropic.com/v1/messages",
        ),
        (
            _GEN,
            "https://api.example.com/v1/v1/chat/completions",
            "https://api.example.com/v1",
            "removed the endpoint path /chat/completions, which the client adds itself; "
            "collapsed the doubled /v1/v1 to /v1; "
            "calls go to https://api.example.com/v1/chat/completions",
        ),
    ],
)
def test_base_url_normalisation(
    provider: str, written: str, final: str, changes: str | None
) -> None:
    write(factory(), models(entry(provider=provider, baseUrl=written)))
    settings = load_settings()
    assert settings.models[0].base_url == final
    assert settings.models[0].expanded_base_url() == final
    expected = [f'baseUrl "{written}" in {AT}: {changes}'] if changes else []
    assert messages(settings) == expected
    assert {p.severity for p in settings.problems} <= {"warning"}


def test_base_url_from_a_variable_is_normalised_at_use(monkeypatch: pytest.MonkeyPatch) -> None:
    write(factory(), models(entry(provider="anthropic", baseUrl="${MY_HOST}/v1/messages")))
    monkeypatch.setenv("MY_HOST", "https://api.anthropic.com")
    settings = load_settings()
    assert settings.problems == ()
    assert settings.models[0].base_url == "${MY_HOST}/v1/messages"
    assert settings.models[0].expanded_base_url() == "https://api.anthropic.com"


# -- names, duplicates, lookups -----------------------------------------------------------


def test_same_id_twice_in_one_file_is_a_duplicate() -> None:
    write(factory(), models(entry(model="first"), entry(model="second")))
    settings = load_settings()
    assert messages(settings) == [
        'Duplicate name "X" in ~/.factory/settings.json customModels[0] ("X") and '
        '~/.factory/settings.json customModels[1] ("X"): kept the first, skipped the second; '
        'give each entry its own "id" or "displayName"'
    ]
    assert [m.model for m in settings.models] == ["first"]
    with pytest.raises(SettingsError, match="Duplicate name"):
        settings.find("second")  # the skipped entry's own name says why


def test_id_clashing_with_a_display_name_across_files() -> None:
    write(factory(), models(entry(id="fast", displayName="Fast one")))
    write(project_file(), models(entry(id="Fast one", displayName="Other", model="m2")))
    settings = load_settings()
    assert messages(settings) == [
        'Duplicate name "Fast one" in ~/.factory/settings.json customModels[0] ("Fast one") and '
        '~/project/.hfgate/settings.json customModels[0] ("Other"): kept the first, skipped the '
        'second; give each entry its own "id" or "displayName"'
    ]
    assert [m.id for m in settings.models] == ["fast"]


def test_a_model_string_shared_by_two_entries_is_ambiguous() -> None:
    write(
        factory(),
        models(
            entry(displayName="Via Groq", model="openai/gpt-oss-120b"),
            entry(displayName="Via Cerebras", model="openai/gpt-oss-120b"),
        ),
    )
    settings = load_settings()
    assert settings.problems == ()
    assert settings.find("Via Groq") is settings.models[0]
    assert settings.find("via cerebras") is settings.models[1]
    with pytest.raises(SettingsError) as caught:
        settings.find("openai/gpt-oss-120b")
    assert str(caught.value) == (
        'Model name "openai/gpt-oss-120b" is ambiguous: matches '
        '~/.factory/settings.json customModels[0] ("Via Groq") and '
        '~/.factory/settings.json customModels[1] ("Via Cerebras"); use the id or displayName'
    )
    assert isinstance(caught.value, ConfigError)
    assert settings.names() == ["Via Cerebras", "Via Groq"]


def test_lookup_by_id_display_name_model_and_case() -> None:
    write(
        factory(),
        models(
            entry(id="sonnet", displayName="Sonnet 4.5", model="claude-sonnet-4-5"),
            entry(displayName="Qwen", model="Qwen/Qwen3-32B"),
        ),
    )
    settings = load_settings()
    sonnet, qwen = settings.models
    assert settings.find("sonnet") is sonnet
    assert settings.find("Sonnet 4.5") is sonnet
    assert settings.find("claude-sonnet-4-5") is sonnet
    assert settings.find("SONNET 4.5") is sonnet
    assert settings.find("qwen/qwen3-32b") is qwen
    assert settings.find("gpt-4o") is None
    assert settings.names() == [
        "Qwen",
        "Qwen/Qwen3-32B",
        "Sonnet 4.5",
        "claude-sonnet-4-5",
        "sonnet",
    ]
    assert settings.suggestions("sonet") == ["sonnet", "Sonnet 4.5"]
    assert settings.suggestions("gpt-4o") == []


def test_an_id_wins_over_another_entrys_model_string() -> None:
    write(
        factory(),
        models(entry(displayName="gpt-4o", model="a"), entry(displayName="B", model="gpt-4o")),
    )
    settings = load_settings()
    assert settings.find("gpt-4o") is settings.models[0]


def test_case_insensitive_clash_is_ambiguous() -> None:
    write(factory(), models(entry(displayName="Fast"), entry(displayName="FAST", model="m2")))
    settings = load_settings()
    assert settings.find("FAST") is settings.models[1]
    with pytest.raises(SettingsError, match='^Model name "fast" is ambiguous: matches '):
        settings.find("fast")


def test_calling_a_broken_entry_says_why() -> None:
    write(factory(), models(entry(displayName="Broken", maxOutputTokens=-1, apiKey=DROP)))
    settings = load_settings()
    assert settings.models == ()
    with pytest.raises(SettingsError) as caught:
        settings.find("broken")
    where = '~/.factory/settings.json customModels[0] ("Broken")'
    assert str(caught.value) == (
        'Model "broken" cannot be used: its settings entry was skipped.\n'
        f'Missing field "apiKey" in {where}: the API key, or ${{VAR}} to read it from the '
        'environment, e.g. "${HF_TOKEN}"\n'
        f"Invalid maxOutputTokens -1 in {where}: use a positive whole number"
    )
    assert caught.value.problems == settings.problems
    with pytest.raises(SettingsError, match="cannot be used"):
        settings.find("acme/model-1")


def test_a_broken_override_hides_the_entry_it_replaces() -> None:
    write(factory(), models(entry(displayName="Sonnet")))
    write(project_file(), models(entry(displayName="Sonnet", provider="claude")))
    settings = load_settings()
    assert settings.models == ()
    with pytest.raises(SettingsError, match='Invalid provider "claude" in ~/project/'):
        settings.find("Sonnet")


# -- strict mode --------------------------------------------------------------------------


def test_strict_raises_every_error() -> None:
    write(
        factory(),
        models(
            entry(provider="OpenAI"),
            entry(displayName="Y", maxOutputTokens=0),
            entry(displayName="Z", baseUrl="http://localhost:1"),
        ),
    )
    lenient = load_settings()
    assert [m.id for m in lenient.models] == ["Z"]
    with pytest.raises(SettingsError) as caught:
        load_settings(strict=True)
    assert str(caught.value) == (
        "2 problems in settings files:\n"
        f'- Invalid provider "OpenAI" in {AT}: '
        "use one of anthropic, openai, generic-chat-completion-api\n"
        '- Invalid maxOutputTokens 0 in ~/.factory/settings.json customModels[1] ("Y"): '
        "use a positive whole number"
    )
    assert len(caught.value.problems) == 2


def test_strict_by_env_and_a_single_error(monkeypatch: pytest.MonkeyPatch) -> None:
    write(factory(), models(entry(apiKey="")))
    monkeypatch.setenv("HFGATE_STRICT_SETTINGS", "1")
    with pytest.raises(SettingsError, match=r"^Empty apiKey in .*customModels\[0\] \(\"X\"\): put"):
        load_settings()
    assert load_settings(strict=False).models == ()


def test_strict_ignores_warnings() -> None:
    write(factory(), models(entry(baseUrl="http://localhost:8000")))
    settings = load_settings(strict=True)
    assert [p.severity for p in settings.problems] == ["warning"]
    assert settings.models[0].base_url == "http://localhost:8000/v1"


# -- reload, cache, logging, secrets ------------------------------------------------------


def test_live_reload_and_cache(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hfgate.routing.settings")
    write(factory(), models(entry(provider="OpenAI")))
    first = load_settings()
    assert load_settings() is first
    assert load_settings() is first
    assert [r.getMessage() for r in caplog.records] == [messages(first)[0]]
    assert caplog.records[0].name == "hfgate.routing.settings"

    write(factory(), models(entry(model="acme/model-2")))
    second = load_settings()
    assert second is not first
    assert [m.model for m in second.models] == ["acme/model-2"]
    assert load_settings() is second

    write(project_file(), models(entry(displayName="New")))  # a new file appears
    assert [m.id for m in load_settings().models] == ["X", "New"]
    project_file().unlink()  # and goes away
    assert [m.id for m in load_settings().models] == ["X"]
    assert len(caplog.records) == 1


def test_the_key_never_shows() -> None:
    write(
        factory(),
        models(
            entry(extraHeaders={"Authorization": f"Bearer {SECRET}"}),
            entry(displayName="Y", baseUrl="http://localhost:8000", apiKey=SECRET + "-y"),
            entry(displayName="Z", apiKey=[SECRET]),
            entry(displayName="W", apiKey="${" + SECRET),
            entry(displayName="V", api_key=SECRET + "2"),
        ),
    )
    settings = load_settings()
    assert len(settings.models) == 2
    assert len(settings.problems) == 4
    for model in settings.models:
        assert SECRET not in repr(model)
        assert SECRET not in str(model)
        assert "base_url=" in repr(model)
    assert repr(settings.models[0]) == (
        "CustomModel(id='X', provider='generic-chat-completion-api', model='acme/model-1', "
        "base_url='https://api.example.com/v1')"
    )
    assert SECRET not in repr(settings)
    for problem in settings.problems:
        assert SECRET not in problem.message


def test_public_names() -> None:
    assert hfgate.routing.settings.__all__ == [
        "CustomModel",
        "PROVIDERS",
        "Place",
        "Problem",
        "Settings",
        "SettingsError",
        "load_settings",
        "settings_paths",
    ]
    assert PROVIDERS == ("anthropic", "openai", "generic-chat-completion-api")
    assert issubclass(SettingsError, ConfigError)
    assert CustomModel.__slots__


def test_an_exact_model_string_wins_over_a_case_insensitive_name() -> None:
    write(
        factory(), models(entry(displayName="A", model="gpt"), entry(displayName="GPT", model="b"))
    )
    settings = load_settings()
    assert settings.find("gpt") is settings.models[0]
    assert settings.find("GPT") is settings.models[1]
    with pytest.raises(SettingsError, match='^Model name "Gpt" is ambiguous'):
        settings.find("Gpt")


def test_an_exact_broken_name_wins_over_a_case_insensitive_good_one() -> None:
    write(factory(), models(entry(displayName="SONNET"), entry(displayName="Sonnet", provider="x")))
    settings = load_settings()
    with pytest.raises(SettingsError, match='Invalid provider "x"'):
        settings.find("Sonnet")
    assert settings.find("sonnet") is settings.models[0]


def test_factory_bedrock_entries_are_reported_as_unsupported_by_name() -> None:
    bedrock = entry(provider="bedrock", baseUrl=DROP, apiKey=DROP, region="us-east-1")
    write(factory(), models(bedrock, entry(displayName="Y", model="acme/other")))
    settings = load_settings()
    assert [m.display_name for m in settings.models] == ["Y"]
    assert messages(settings) == [
        f'Unsupported provider "bedrock" in {AT}: Amazon Bedrock (AWS-signed requests, no base '
        "URL) is not one hfgate can call, so the entry is skipped (Factory droid still uses "
        "it); to call this model from hfgate, add an entry with a baseUrl and provider "
        + ", ".join(PROVIDERS)
    ]
    with pytest.raises(SettingsError, match='Unsupported provider "bedrock"'):
        settings.find("X")
