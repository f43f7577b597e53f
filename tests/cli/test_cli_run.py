"""`hfgate run` against the router emulator: streaming, --json, stdin, attachments, options,
and every error class's line and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from hfgate.testing import Reply

Invoke = Callable[..., Result]
USAGE = {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}


def test_streams_the_answer_to_stdout(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("Paris is the capital.", provider="novita"))
    result = invoke("run", "-m", "Qwen/Qwen3-32B", "Capital", "of", "France?")
    assert result.exit_code == 0
    assert result.stdout == "Paris is the capital.\n"
    sent = _chat(routed)[-1].json
    assert sent["model"] == "Qwen/Qwen3-32B" and sent["stream"] is True
    assert sent["messages"] == [{"role": "user", "content": "Capital of France?"}]


def test_reasoning_is_dimmed_on_stderr_or_hidden(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("3", reasoning="count the r's", reasoning_field="reasoning_content"))
    shown = invoke("run", "-m", "a/b", "r's in strawberry?")
    assert shown.stdout == "3\n"
    assert "count the r's" in shown.stderr
    routed.push(Reply.text("3", reasoning="count the r's"))
    hidden = invoke("run", "-m", "a/b", "--no-reasoning", "again?")
    assert hidden.stdout == "3\n" and "count the r's" not in hidden.stderr


def test_json_prints_one_object_with_usage_cost_and_meta(invoke: Invoke, routed: Any) -> None:
    offer = _priced_offer(routed)
    routed.push(
        Reply.text(
            "hi", usage=USAGE, provider=offer["provider"], request_id="rid-1", reasoning="hmm"
        )
    )
    result = invoke("run", "-m", offer["model"], "--json", "say hi")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["text"] == "hi" and data["reasoning"] == "hmm"
    assert data["tool_calls"] == [] and data["finish_reason"] == "stop"
    assert data["usage"]["input_tokens"] == 1000 and data["usage"]["output_tokens"] == 200
    assert data["provider"] == offer["provider"] and data["request_id"] == "rid-1"
    assert data["model"] == offer["model"]
    expected = (1000 * offer["input"] + 200 * offer["output"]) / 1e6
    assert data["cost"] == pytest.approx(expected)
    assert "hmm" not in result.stderr  # --json keeps the terminal quiet


def test_no_stream_sends_a_plain_request(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("whole"))
    result = invoke("run", "-m", "a/b", "--no-stream", "x")
    assert result.stdout == "whole\n"
    assert "stream" not in _chat(routed)[-1].json


def test_stdin_is_added_after_the_prompt(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("looks fine"))
    result = invoke("run", "-m", "a/b", "review this", input="def f():\n    return 1\n")
    assert result.exit_code == 0
    content = _chat(routed)[-1].json["messages"][-1]["content"]
    assert content == "review this\n\ndef f():\n    return 1"


def test_stdin_alone_is_the_prompt(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("ok"))
    invoke("run", "-m", "a/b", input="just stdin\n")
    assert _chat(routed)[-1].json["messages"][-1]["content"] == "just stdin"


def test_no_prompt_at_all_is_a_usage_error(invoke: Invoke, routed: Any) -> None:
    result = invoke("run", "-m", "a/b", input="")
    assert result.exit_code == 2 and "No prompt" in result.stderr
    assert routed.requests == []


def test_system_prompt_and_options_reach_the_request(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("ok"))
    args = ["-s", "Be brief.", "-o", "temperature=0.2", "-o", "max_tokens=50"]
    args += ["-o", "reasoning_effort=low", "-o", "stop=END", "-o", "stop=###"]
    assert invoke("run", "-m", "a/b", *args, "hi").exit_code == 0
    sent = _chat(routed)[-1].json
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["temperature"] == 0.2 and sent["max_tokens"] == 50
    assert sent["reasoning_effort"] == "low" and sent["stop"] == ["END", "###"]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("colour=blue", "unknown option 'colour'"),
        ("temperature=hot", "temperature='hot'"),
        ("max_tokens", "is not KEY=VALUE"),
        ("reasoning_effort=extreme", "use one of none, minimal"),
    ],
)
def test_bad_options_exit_2(invoke: Invoke, routed: Any, option: str, message: str) -> None:
    result = invoke("run", "-m", "a/b", "-o", option, "hi")
    assert result.exit_code == 2 and message in result.stderr
    assert routed.requests == []


def test_attachments_text_image_and_url(invoke: Invoke, routed: Any, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("remember the milk\n")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    (tmp_path / "cat.png").write_bytes(png)
    routed.push(Reply.text("a cat"))
    args = ["-a", "notes.txt", "-a", "cat.png", "-a", "https://example.com/dog.jpg"]
    assert invoke("run", "-m", "a/b", *args, "what is this?").exit_code == 0
    parts = _chat(routed)[-1].json["messages"][-1]["content"]
    assert parts[0]["type"] == "text"
    assert parts[0]["text"] == "what is this?\n\nnotes.txt:\n```\nremember the milk\n```"
    urls = [p["image_url"]["url"] for p in parts[1:]]
    assert urls[0].startswith("data:image/png;base64,")
    assert urls[1] == "https://example.com/dog.jpg"


def test_bad_attachments_exit_2(invoke: Invoke, routed: Any, tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00\x80" * 10)
    missing = invoke("run", "-m", "a/b", "-a", "nope.txt", "x")
    assert missing.exit_code == 2 and "no such file: nope.txt" in missing.stderr
    binary = invoke("run", "-m", "a/b", "-a", "blob.bin", "x")
    assert binary.exit_code == 2 and "neither an image nor UTF-8 text" in binary.stderr
    assert routed.requests == []


ERRORS = [
    (
        Reply.error_string(401, "Invalid credentials in Authorization header"),
        3,
        "error: authentication failed (401): Invalid credentials in Authorization header",
        "hint: check your token",
    ),
    (
        Reply.error_string(
            402,
            "You have depleted your monthly included credits.",
            provider="together",
            request_id="rid-402",
        ),
        4,
        "error: payment required (402): You have depleted your monthly included credits. "
        "(provider together, request id rid-402)",
        "hint: your Hugging Face credits are used up; see https://huggingface.co/settings/billing",
    ),
    (
        Reply.error_string(403, "This authentication method does not have sufficient permissions"),
        3,
        "error: permission denied (403): This authentication method does not have sufficient",
        "hint: a fine-grained token needs",
    ),
    (
        Reply.error_string(404, "Model a/b does not exist"),
        5,
        "error: model not found (404): Model a/b does not exist",
        "hint: check the model id with `hfgate models --search NAME`",
    ),
    (
        Reply.model_not_supported("a/b"),
        5,
        "error: model not found (400): The requested model 'a/b' is not supported",
        "hint: check the model id",
    ),
    (
        Reply.error_string(429, "Too many tokens, please wait", retry_after=3),
        6,
        "error: rate limited (429): Too many tokens, please wait",
        "hint: the server asks to wait 3 s",
    ),
    (
        Reply.error_string(503, "Service Temporarily Unavailable"),
        7,
        "error: server error (503): Service Temporarily Unavailable",
        "hint: retry later",
    ),
    (
        Reply.stream_error("Input validation error: too many tokens", after_chunks=1),
        7,
        "error: the answer stream failed: Input validation error: too many tokens",
        "hint: retry later",
    ),
    (
        Reply.error_string(400, "The prompt is too long: 365407"),
        2,
        "error: request rejected (400): The prompt is too long: 365407",
        None,
    ),
]


@pytest.mark.parametrize(("reply", "code", "line", "hint"), ERRORS)
def test_each_error_is_one_line_with_a_hint_and_its_exit_code(
    invoke: Invoke, routed: Any, reply: Any, code: int, line: str, hint: str | None
) -> None:
    routed.push(reply)
    result = invoke("run", "-m", "a/b", "-o", "max_retries=0", "hi")
    assert result.exit_code == code
    lines = result.stderr.splitlines()
    assert lines[-2 if hint else -1].startswith(line)
    if hint:
        assert lines[-1].startswith(hint)
    assert "Traceback" not in result.stderr


def test_connection_refused_exits_7(invoke: Invoke, no_router: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    result = invoke("run", "-m", "a/b", "-o", "max_retries=0", "hi")
    assert result.exit_code == 7
    assert result.stderr.startswith(f"error: could not reach the server: Connection to {no_router}")


def test_invalid_model_and_missing_key_exit_2_before_any_request(
    invoke: Invoke, router: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFGATE_ROUTER_URL", router.base_url)
    no_key = invoke("run", "-m", "a/b", "hi")
    assert no_key.exit_code == 2
    assert no_key.stderr.startswith("error: no API key: No Hugging Face key")
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    bad = invoke("run", "-m", "a/b:auto", "hi")
    assert bad.exit_code == 2 and "error: invalid model id: " in bad.stderr
    assert router.requests == []


def test_debug_shows_the_traceback(routed: Any, hfgate_process: Any) -> None:
    routed.push(Reply.error_string(402, "no credits"))
    quiet = hfgate_process("run", "-m", "a/b", "hi")
    assert quiet.code == 4 and "Traceback" not in quiet.stderr
    routed.push(Reply.error_string(402, "no credits"))
    loud = hfgate_process("--debug", "run", "-m", "a/b", "hi")
    assert loud.code == 4
    assert "Traceback (most recent call last)" in loud.stderr
    assert "hfgate.errors.PaymentRequiredError: no credits" in loud.stderr
    assert loud.stderr.rstrip().splitlines()[-1].startswith("hint: your Hugging Face credits")


def _priced_offer(router: Any) -> dict[str, Any]:
    """A (model, provider) with input and output prices from the emulator's catalog."""
    from hfgate.routing.catalog import fetch_catalog

    for model in fetch_catalog(router.base_url).models:
        for offer in model.providers:
            if offer.input_price is not None and offer.output_price is not None:
                return {
                    "model": model.id,
                    "provider": offer.provider,
                    "input": offer.input_price,
                    "output": offer.output_price,
                }
    raise AssertionError("the emulator's catalog has no priced offer")


def test_a_real_process_streams_before_the_answer_ends(
    routed: Any, proc_env: dict[str, str]
) -> None:
    """The first words are on stdout while the process is still receiving the answer."""
    routed.push(Reply.text("one two three four five six", chunk_size=4, chunk_delay=0.15))
    with subprocess.Popen(
        [sys.executable, "-m", "hfgate.cli", "run", "-m", "a/b", "count"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=proc_env,
    ) as proc:
        assert proc.stdout is not None
        start = time.monotonic()
        first = proc.stdout.read1(100)  # type: ignore[attr-defined]
        still_running = proc.poll() is None
        rest = proc.stdout.read()
        proc.wait(timeout=30)
    assert first and still_running, "the first words arrived only after the answer ended"
    assert time.monotonic() - start >= 0.6
    assert (first + rest).decode() == "one two three four five six\n"
    assert proc.returncode == 0


def _chat(router: Any) -> list[Any]:
    """The chat-completion requests (the CLI also GETs the catalog to price answers)."""
    return [r for r in router.requests if r.method == "POST"]


def test_ctrl_c_stops_the_answer_with_exit_130_and_is_logged(
    routed: Any, proc_env: dict[str, str], cli_dirs: dict[str, str]
) -> None:
    import signal
    import sqlite3

    routed.push(Reply.text("tick " * 100, chunk_size=5, chunk_delay=0.1))
    with subprocess.Popen(
        [sys.executable, "-m", "hfgate.cli", "run", "-m", "a/b", "count"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=proc_env,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.read1(100)  # type: ignore[attr-defined]
        proc.send_signal(signal.SIGINT)
        rest, err = proc.stdout.read(), proc.stderr.read()
        proc.wait(timeout=30)
    assert first.startswith(b"tick") and proc.returncode == 130
    assert err.decode().rstrip().endswith("interrupted") and b"Traceback" not in err
    assert len(first + rest) < len("tick " * 100)
    db = sqlite3.connect(Path(cli_dirs["HFGATE_DATA_DIR"]) / "logs.db")
    try:
        error, response = db.execute("SELECT error, response FROM calls").fetchone()
    finally:
        db.close()
    assert error == "KeyboardInterrupt: interrupted by the user"
    printed = (first + rest).decode().rstrip("\n")
    assert response.startswith(printed) and len(response) - len(printed) <= 5  # one chunk
