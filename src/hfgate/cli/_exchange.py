"""One call to a model from the CLI: send it, print the answer as it streams, price it, log it.

`Caller.call` never raises for a failed or interrupted call: the error comes back in the
`Outcome`, after the call was logged, so `run` can exit with its code and `chat` can carry on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hfgate.cli._options import default_model, is_local
from hfgate.cli.render import AnswerPrinter, notice

if TYPE_CHECKING:
    from hfgate.cli.logstore import LogEntry, LogStore
    from hfgate.client.sync_client import Client
    from hfgate.routing.catalog import Catalog
    from hfgate.routing.cost import CostEstimate
    from hfgate.types import Message, TextResult


@dataclass(frozen=True, slots=True)
class Request:
    model: str | None
    """As the user gave it; None lets the client choose (HF default, or the local model)."""
    prompt: str
    system: str | None = None
    messages: Sequence[Message] = ()
    images: Sequence[str] = ()
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    model: str
    result: TextResult | None
    estimate: CostEstimate
    error: BaseException | None
    partial: str
    """The answer text printed before an error or Ctrl-C (the whole text on success)."""
    duration_ms: int

    @property
    def interrupted(self) -> bool:
        return isinstance(self.error, KeyboardInterrupt)


class Pricer:
    """Prices router results from the router catalog, loaded once (cache or network) on first
    use, and other APIs' results from the price list `result.cost` reads."""

    def __init__(self) -> None:
        self._catalog: Catalog | None = None
        self._loaded = False

    def estimate(self, result: TextResult, model: str) -> CostEstimate:
        from hfgate.routing.cost import UNKNOWN, CostEstimate, result_estimate

        if is_local(model):
            return CostEstimate(0.0)  # runs on this machine: free
        if result.api_url is not None:  # not the router: genai-prices' bundled list
            return CostEstimate(result.cost)
        if not self._loaded:
            self._loaded = True
            self._catalog = _load_catalog_quietly()
        if self._catalog is None:
            return UNKNOWN
        return result_estimate(result, model, self._catalog)


def _load_catalog_quietly() -> Catalog | None:
    from hfgate.errors import HfgateError
    from hfgate.routing.catalog import load_catalog

    try:
        return load_catalog(timeout=5.0).catalog
    except HfgateError:
        return None


class CallLog:
    """The log database, opened on first write; a log that fails warns once and turns off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._store: LogStore | None = None

    def add(self, entry: LogEntry) -> None:
        if not self.enabled:
            return
        try:
            if self._store is None:
                from hfgate.cli.logstore import LogStore

                self._store = LogStore()
            self._store.add(entry)
        except Exception as exc:  # noqa: BLE001 - logging must never break a call
            notice(f"hfgate: could not write the call log ({exc}); continuing without it")
            self.enabled = False

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class Caller:
    """A CLI session's client, pricer and log."""

    def __init__(self, log: bool, conversation_id: str | None = None) -> None:
        self.log = CallLog(log)
        self.pricer = Pricer()
        self.conversation_id = conversation_id
        self._client: Client | None = None

    def client(self) -> Client:
        if self._client is None:
            from hfgate.client.sync_client import Client

            self._client = Client()
        return self._client

    def call(self, request: Request, printer: AnswerPrinter, stream: bool = True) -> Outcome:
        from hfgate.routing.cost import UNKNOWN

        model = request.model or default_model()
        start = time.monotonic()
        result: TextResult | None = None
        error: BaseException | None = None
        try:
            if is_local(model):
                load_local_model(model)
            result = self._stream(request, printer) if stream else self._complete(request, printer)
        except (Exception, KeyboardInterrupt) as exc:
            error = exc
        finally:
            printer.finish()
        duration_ms = int((time.monotonic() - start) * 1000)
        estimate = self.pricer.estimate(result, model) if result is not None else UNKNOWN
        outcome = Outcome(model, result, estimate, error, printer.text, duration_ms)
        if not _refused_before_sending(error):
            self.log.add(_entry(request, outcome, self.conversation_id))
        return outcome

    def _arguments(self, request: Request) -> dict[str, Any]:
        return {
            "model": request.model,
            "prompt": request.prompt,
            "system": request.system,
            "messages": list(request.messages) or None,
            "images": list(request.images),
            **request.options,
        }

    def _stream(self, request: Request, printer: AnswerPrinter) -> TextResult | None:
        from hfgate.types import Finish, ReasoningDelta, TextDelta, ToolCallEvent

        result = None
        stream = self.client().stream_text(**self._arguments(request))
        try:
            for event in stream:
                if isinstance(event, TextDelta):
                    printer.answer(event.text)
                elif isinstance(event, ReasoningDelta):
                    printer.reasoning(event.text)
                elif isinstance(event, ToolCallEvent):
                    printer.tool_call(event.tool_call)
                elif isinstance(event, Finish):
                    result = event.result
        finally:
            stream.close()
        return result

    def _complete(self, request: Request, printer: AnswerPrinter) -> TextResult:
        result = self.client().generate_text(**self._arguments(request))
        printer.reasoning(result.reasoning or "")
        printer.answer(result.text)
        for call in result.tool_calls:
            printer.tool_call(call)
        return result

    def close(self) -> None:
        self.log.close()
        if self._client is not None:
            self._client.close()
            self._client = None


def load_local_model(model: str) -> None:
    """Load a local model before its first call, with a progress line on a terminal: loading
    takes seconds, and silence reads as a hang."""
    import sys

    from hfgate.local import local_backend
    from hfgate.local.model import is_loaded
    from hfgate.local.paths import local_extra_installed

    if not local_extra_installed():
        return  # the call itself says what to install (or to set HF_TOKEN)
    backend = local_backend(model)  # a Hub GGUF not cached yet downloads here, with its bar
    if is_loaded(backend.path) or not sys.stderr.isatty():
        backend.load()
        return
    from hfgate.cli.render import console

    with console(stderr=True).status(f"Loading the local model ({backend.path.name})…"):
        backend.load()


def _refused_before_sending(error: BaseException | None) -> bool:
    """A bad model id, option or missing key: no call went out, so there is nothing to log."""
    from hfgate.errors import ConfigError

    return isinstance(error, ConfigError)


def error_text(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "KeyboardInterrupt: interrupted by the user"
    message = getattr(error, "message", None) or str(error)
    return f"{type(error).__name__}: {message}"


def _entry(request: Request, outcome: Outcome, conversation_id: str | None) -> LogEntry:
    from hfgate.cli.logstore import LogEntry

    result = outcome.result
    usage = result.usage if result is not None else None
    said = result if result is not None else outcome.error  # who knows provider and request id
    return LogEntry(
        model=outcome.model,
        prompt=request.prompt,
        system=request.system,
        response=result.text if result is not None else (outcome.partial or None),
        reasoning=result.reasoning if result is not None else None,
        provider=getattr(said, "provider", None),
        input_tokens=usage.input_tokens if usage else None,
        output_tokens=usage.output_tokens if usage else None,
        cached_tokens=usage.cached_input_tokens if usage else None,
        reasoning_tokens=usage.reasoning_tokens if usage else None,
        cost=outcome.estimate.usd,
        duration_ms=outcome.duration_ms,
        error=error_text(outcome.error) if outcome.error is not None else None,
        request_id=getattr(said, "request_id", None),
        conversation_id=conversation_id,
    )
