"""The error table: one line per error with the server's words, a hint, the right exit code."""

from __future__ import annotations

import pytest

from hfgate import errors
from hfgate.cli.render import AnswerPrinter, age, error_lines, exit_code_for, usd

SERVER = dict(provider="together", request_id="req-9")


@pytest.mark.parametrize(
    ("error", "code", "line", "hint"),
    [
        (
            errors.AuthenticationError("Invalid credentials", status=401, **SERVER),
            3,
            "error: authentication failed (401): Invalid credentials "
            "(provider together, request id req-9)",
            "https://huggingface.co/settings/tokens",
        ),
        (
            errors.PermissionDeniedError("not allowed", status=403, **SERVER),
            3,
            "error: permission denied (403): not allowed (provider together, request id req-9)",
            "Make calls to Inference Providers",
        ),
        (
            errors.PaymentRequiredError("You have depleted your credits.", status=402, **SERVER),
            4,
            "error: payment required (402): You have depleted your credits. "
            "(provider together, request id req-9)",
            "your Hugging Face credits are used up; see https://huggingface.co/settings/billing",
        ),
        (
            errors.NotFoundError("not supported by any provider", status=400, code="x"),
            5,
            "error: model not found (400): not supported by any provider",
            "hfgate models --search",
        ),
        (
            errors.RateLimitError("slow down", status=429, retry_after=7.0),
            6,
            "error: rate limited (429): slow down",
            "the server asks to wait 7 s",
        ),
        (errors.ServerError("boom", status=503), 7, "error: server error (503): boom", "retry"),
        (
            errors.StreamError("mid-stream", provider="p"),
            7,
            "error: the answer stream failed",
            "retry",
        ),
        (errors.APITimeoutError("timed out"), 7, "error: request timed out: timed out", "timeout"),
        (errors.APIConnectionError("refused"), 7, "error: could not reach the server", "network"),
        (errors.BadRequestError("too long", status=400), 2, "error: request rejected (400)", None),
        (errors.InvalidModelError("bad id"), 2, "error: invalid model id: bad id", None),
        (errors.MissingKeyError("no key", "HF_TOKEN"), 2, "error: no API key: no key", "HF_TOKEN"),
        (
            errors.MissingKeyError("No OpenAI key: set OPENAI_API_KEY", "OPENAI_API_KEY"),
            2,
            "error: no API key: No OpenAI key",
            "export OPENAI_API_KEY=",
        ),
        (errors.OutputError("bad json"), 1, "error: unusable answer: bad json", None),
        (ValueError("surprise"), 1, "error: unexpected error ValueError: surprise", "--debug"),
    ],
)
def test_error_line_hint_and_exit_code(
    error: BaseException, code: int, line: str, hint: str | None
) -> None:
    lines = error_lines(error)
    assert lines[0].startswith(line)
    assert "\n" not in lines[0]
    if hint is None:
        assert len(lines) == 1
    else:
        assert len(lines) == 2 and lines[1].startswith("hint: ") and hint in lines[1]
    assert exit_code_for(error) == code


def test_interrupt_exit_code() -> None:
    assert exit_code_for(KeyboardInterrupt()) == 130


def test_multi_line_server_messages_become_one_line() -> None:
    error = errors.ServerError("line one\nline two", status=500)
    assert error_lines(error)[0] == "error: server error (500): line one line two"


def test_formats() -> None:
    assert [usd(None), usd(0), usd(0.0042), usd(0.1234567), usd(12.5)] == [
        "unknown", "$0", "$0.0042", "$0.123457", "$12.5000",
    ]  # fmt: skip
    assert [age(5), age(600), age(7200), age(3 * 86400)] == ["5 s", "10 min", "2 h", "3 days"]


def test_printer_separates_reasoning_and_ends_with_one_newline() -> None:
    import io

    out, thoughts = io.StringIO(), io.StringIO()
    printer = AnswerPrinter(out=out, reasoning_out=thoughts)
    printer.reasoning("hmm")
    printer.answer("Hello")
    printer.answer(" world")
    printer.finish()
    assert out.getvalue() == "Hello world\n"
    assert thoughts.getvalue() == "hmm\n\n"
    hidden = AnswerPrinter(show_reasoning=False, out=io.StringIO(), reasoning_out=thoughts)
    hidden.reasoning("secret")
    assert "secret" not in thoughts.getvalue()
