from __future__ import annotations

import pytest

from hfgate.formats.think import ThinkSplitter, split_think


def test_split_whole_content() -> None:
    assert split_think("<think>count the r's</think>\n\nThree.") == ("count the r's", "Three.")
    assert split_think("  <think>\nx\n</think>Yes") == ("x", "Yes")
    assert split_think("No thinking here") == (None, "No thinking here")
    assert split_think("Answer with <think> inside") == (None, "Answer with <think> inside")
    assert split_think("<think>cut off by max_tokens") == ("cut off by max_tokens", "")


def _run(fragments: list[str]) -> tuple[str, str]:
    splitter = ThinkSplitter()
    reasoning, text = "", ""
    for fragment in fragments:
        r, t = splitter.feed(fragment)
        reasoning, text = reasoning + r, text + t
    r, t = splitter.flush()
    return reasoning + r, text + t


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 100])
def test_streamed_split_matches_whole_split_at_any_chunk_size(size: int) -> None:
    content = "<think>Let me count: s-t-r-a-w-b-e-r-r-y.</think>\n\nThere are 3 r's."
    fragments = [content[i : i + size] for i in range(0, len(content), size)]
    reasoning, text = _run(fragments)
    assert reasoning.strip() == "Let me count: s-t-r-a-w-b-e-r-r-y."
    assert text == "There are 3 r's."


def test_text_without_think_streams_immediately() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("Hello") == ("", "Hello")
    assert splitter.feed(" <think>") == ("", " <think>")


def test_partial_open_tag_that_is_not_a_tag_is_released() -> None:
    assert _run(["<th", "ink", "ing is fun"]) == ("", "<thinking is fun")
    assert _run(["<", "b>bold</b>"]) == ("", "<b>bold</b>")


def test_unclosed_think_is_reasoning() -> None:
    assert _run(["<think>still ", "going"]) == ("still going", "")


def test_closing_tag_split_across_chunks_is_held_back() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("<think>abc</th") == ("abc", "")
    assert splitter.feed("ink>done") == ("", "done")
