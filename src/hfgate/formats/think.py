"""Split a leading `<think>...</think>` block out of content, whole or as it streams.

Some providers put reasoning inline in `content` instead of a separate field. Only a block at
the very start counts: a `<think>` later in an answer is the answer's own text.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "<think>", "</think>"
_WHOLE = re.compile(r"\s*<think>(.*?)(?:</think>\s*|$)", re.DOTALL)


def split_think(content: str) -> tuple[str | None, str]:
    """(reasoning, text) of a complete content string; an unclosed block is all reasoning."""
    if not content.lstrip().startswith(OPEN):
        return None, content
    match = _WHOLE.match(content)
    assert match is not None  # the pattern matches any string that starts with <think>
    return match.group(1).strip(), content[match.end() :]


class ThinkSplitter:
    """Incremental `split_think`: feed content fragments, get (reasoning, text) fragments.

    Holds back only what could still be the start of a tag, so text streams without delay.
    """

    __slots__ = ("_buffer", "_mode")

    def __init__(self) -> None:
        self._mode = "start"  # start -> think -> after -> text, or start -> text
        self._buffer = ""

    @property
    def settled(self) -> bool:
        """True once only plain text can follow: feed() would pass fragments through."""
        return self._mode == "text"

    def feed(self, fragment: str) -> tuple[str, str]:
        if self._mode == "text":
            return "", fragment
        self._buffer += fragment
        if self._mode == "start":
            return self._start()
        if self._mode == "think":
            return self._think()
        return self._after()

    def flush(self) -> tuple[str, str]:
        """What is still held back when the stream ends."""
        buffered, self._buffer = self._buffer, ""
        if self._mode == "think":
            self._mode = "text"
            return buffered, ""
        self._mode = "text"
        return "", buffered

    def _start(self) -> tuple[str, str]:
        head = self._buffer.lstrip()
        if head.startswith(OPEN):
            self._mode, self._buffer = "think", head[len(OPEN) :].lstrip()
            return self._think()
        if OPEN.startswith(head):  # empty, white space, or a partial "<thi"
            return "", ""
        self._mode = "text"
        text, self._buffer = self._buffer, ""
        return "", text

    def _think(self) -> tuple[str, str]:
        end = self._buffer.find(CLOSE)
        if end != -1:
            reasoning = self._buffer[:end]
            self._mode, self._buffer = "after", self._buffer[end + len(CLOSE) :]
            return reasoning.rstrip(), self._after()[1]
        keep = _partial_suffix(self._buffer, CLOSE)
        cut = len(self._buffer) - keep
        reasoning, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return reasoning, ""

    def _after(self) -> tuple[str, str]:
        text = self._buffer.lstrip()
        self._buffer = ""
        if text:
            self._mode = "text"
        return "", text


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of text that is a proper prefix of tag."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0
