"""`hfgate chat`: slash commands with piped input, and a real terminal session via pexpect."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from click.testing import Result

from hfgate.testing import Reply

Invoke = Callable[..., Result]
USAGE = {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}


def test_a_conversation_keeps_its_history(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("Paris."), Reply.text("About 2 million."))
    result = invoke("chat", "-m", "a/b", input="Capital of France?\nPopulation?\n")
    assert result.exit_code == 0
    assert "Paris.\n" in result.stdout and "About 2 million.\n" in result.stdout
    assert _chat(routed)[-1].json["messages"] == [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "Population?"},
    ]


def test_model_switch_system_clear_and_continuation_lines(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.text("one"), Reply.text("two"))
    script = "\n".join(
        ["first", "/model other/model:novita", "/system Be brief.", "/clear", "two \\", "lines", ""]
    )
    result = invoke("chat", "-m", "a/b", input=script)
    assert "now using other/model:novita" in result.stderr
    last = _chat(routed)[-1].json
    assert last["model"] == "other/model:novita"
    assert last["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "two \nlines"},
    ]


def test_bad_model_names_are_refused(invoke: Invoke, routed: Any) -> None:
    result = invoke("chat", "-m", "a/b", input="/model not a model\n/model\n\n")
    assert "error: Model id 'not a model' contains white space." in result.stderr
    assert "Custom models\n  (none configured)\nHugging Face\n  1. a/b  (current)" in result.stdout
    bad_start = invoke("chat", "-m", "nope", input="")
    assert bad_start.exit_code == 2 and "is not of the form" in bad_start.stderr


def test_cost_shows_tokens_cache_rate_and_usd(invoke: Invoke, routed: Any) -> None:
    model, provider, price_in, price_out = _priced(routed)
    routed.push(
        Reply.text("a", usage=USAGE, cached_tokens=400, provider=provider),
        Reply.text("b", usage=USAGE, provider=provider),
    )
    result = invoke("chat", "-m", model, input="q1\nq2\n/cost\n")
    row = next(line for line in result.stdout.splitlines() if line.startswith(f"│ {model}"))
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    cost = 2 * (1000 * price_in + 100 * price_out) / 1e6
    from hfgate.cli.render import usd

    assert cells == [model, "2", "2,000", "400", "200", "?", "20%", usd(cost), "unknown"]


def test_save_help_and_unknown_commands(invoke: Invoke, routed: Any, tmp_path: Path) -> None:
    routed.push(Reply.text("Hi there."))
    result = invoke(
        "chat", "-m", "a/b", "-s", "Be kind.", input="Hello\n/save chat.md\n/help\n/x\n"
    )
    saved = (tmp_path / "chat.md").read_text()
    assert saved.startswith("# Chat with a/b\n")
    assert "**System:**\n\nBe kind.\n\n## You\n\nHello\n\n## a/b" in saved
    assert saved.rstrip().endswith("Hi there.")
    assert "saved 2 messages to chat.md" in result.stderr
    assert "/cost" in result.stdout and "Esc then Enter" in result.stdout
    assert "error: unknown command /x; /help lists them" in result.stderr


def test_errors_do_not_end_the_session(invoke: Invoke, routed: Any) -> None:
    routed.push(Reply.error_string(402, "no credits"), Reply.text("recovered"))
    result = invoke("chat", "-m", "a/b", input="one\ntwo\n")
    assert result.exit_code == 0
    assert "error: payment required (402): no credits" in result.stderr
    assert "recovered" in result.stdout


def _priced(router: Any) -> tuple[str, str, float, float]:
    from hfgate.routing.catalog import fetch_catalog

    for model in fetch_catalog(router.base_url).models:
        for o in model.providers:
            if o.input_price is not None and o.output_price is not None and not o.is_free:
                if o.cache_read_price is None:
                    return model.id, o.provider, o.input_price, o.output_price
    raise AssertionError("no priced offer without a cache price in the emulator's catalog")


# --- a real terminal --------------------------------------------------------------------


@pytest.fixture
def terminal(routed: Any, proc_env: dict[str, str]) -> Iterator[Callable[..., pexpect.spawn]]:
    children: list[pexpect.spawn] = []

    def spawn(*args: str) -> pexpect.spawn:
        env = {**proc_env, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
        child = pexpect.spawn(
            sys.executable,
            ["-m", "hfgate.cli", "chat", *args],
            env=env,
            encoding="utf-8",
            dimensions=(40, 120),
            timeout=20,
        )
        children.append(child)
        return child

    yield spawn
    for child in children:
        child.close(force=True)


def test_a_session_in_a_real_terminal(terminal: Any, routed: Any) -> None:
    model, provider, _, _ = _priced(routed)
    routed.push(Reply.text("The capital is Paris.", usage=USAGE, provider=provider))
    slow = "word " * 60
    routed.push(Reply.text(slow, chunk_size=5, chunk_delay=0.15))
    routed.push(Reply.text("Still here."))
    chat = terminal("-m", model)
    chat.expect("/help for commands")
    chat.expect("you>")

    chat.sendline("Capital of France?")
    chat.expect("The capital is Paris.")
    chat.expect(rf"\[{model} via {provider} · 1,000 in · 100 out · \$")
    chat.expect("you>")

    chat.sendline("/cost")
    chat.expect("cache hit")
    chat.expect(model)
    chat.expect("you>")

    chat.sendline("Count slowly")
    chat.expect("word word")
    time.sleep(0.3)
    chat.sendintr()  # Ctrl-C: stops this answer, not the session
    chat.expect(r"\[stopped\]")
    chat.expect("you>")
    assert chat.isalive()

    chat.sendline("/model")
    chat.expect("Hugging Face")
    chat.expect(r"model \(number or id, Enter to keep\)>")
    chat.sendline("other/model")
    chat.expect("now using other/model")
    chat.expect("you>")
    chat.sendline("Are you there?")
    chat.expect("Still here.")
    chat.expect("you>")
    assert _chat(routed)[-1].json["model"] == "other/model"
    # The stopped answer stayed in the conversation, cut where it stopped.
    stopped = _chat(routed)[-1].json["messages"][-2]
    assert stopped["role"] == "assistant" and stopped["content"].startswith("word word")
    assert len(stopped["content"]) < len(slow)

    chat.sendline("/exit")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0


def test_ctrl_d_and_ctrl_c_on_an_empty_line_quit(terminal: Any) -> None:
    chat = terminal("-m", "a/b")
    chat.expect("you>")
    chat.sendcontrol("d")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0
    again = terminal("-m", "a/b")
    again.expect("you>")
    again.send("draft")
    again.sendintr()  # clears the line
    again.sendintr()  # quits on the empty line
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0


def test_esc_enter_makes_a_multi_line_message(terminal: Any, routed: Any) -> None:
    routed.push(Reply.text("got both"))
    chat = terminal("-m", "a/b")
    chat.expect("you>")
    chat.send("line one")
    chat.send("\x1b\r")
    chat.send("line two\r")
    chat.expect("got both")
    assert _chat(routed)[-1].json["messages"][-1]["content"] == "line one\nline two"
    chat.sendline("/exit")
    chat.expect(pexpect.EOF)


def _chat(router: Any) -> list[Any]:
    """The chat-completion requests (the CLI also GETs the catalog to price answers)."""
    return [r for r in router.requests if r.method == "POST"]
