"""What `stream_text` returns: an iterator of typed events that also assembles the result.

The request is sent on first iteration, and the response is closed when iteration ends, the
`with` block exits, or the stream is garbage-collected.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from hfgate.types import Finish, StreamEvent, TextDelta, TextResult


class TextStream:
    def __init__(self, events: Iterator[StreamEvent]) -> None:
        self._events = events
        self._result: TextResult | None = None

    def __iter__(self) -> Iterator[StreamEvent]:
        for event in self._events:
            if isinstance(event, Finish):
                self._result = event.result
            yield event

    @property
    def text_stream(self) -> Iterator[str]:
        """Only the answer's text, as it arrives."""
        for event in self:
            if isinstance(event, TextDelta):
                yield event.text

    @property
    def result(self) -> TextResult:
        """The whole result; reads the rest of the stream first if needed."""
        if self._result is None:
            for _ in self:
                pass
        assert self._result is not None
        return self._result

    def close(self) -> None:
        close = getattr(self._events, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> TextStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTextStream:
    def __init__(self, events: AsyncIterator[StreamEvent]) -> None:
        self._events = events
        self._result: TextResult | None = None

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        async for event in self._events:
            if isinstance(event, Finish):
                self._result = event.result
            yield event

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """Only the answer's text, as it arrives."""
        return self._texts()

    async def _texts(self) -> AsyncIterator[str]:
        async for event in self:
            if isinstance(event, TextDelta):
                yield event.text

    async def result(self) -> TextResult:
        """The whole result; reads the rest of the stream first if needed."""
        if self._result is None:
            async for _ in self:
                pass
        assert self._result is not None
        return self._result

    async def aclose(self) -> None:
        aclose = getattr(self._events, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> AsyncTextStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
