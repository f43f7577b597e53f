"""A chat session's state: the conversation, the model in use, and token/cost totals per model
(what `/cost` shows and `/save` writes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hfgate.cli._options import default_model
from hfgate.cli.render import count, usd

if TYPE_CHECKING:
    from rich.table import Table

    from hfgate.cli._exchange import Outcome
    from hfgate.routing.cost import CostEstimate
    from hfgate.types import Message, Usage


@dataclass(slots=True)
class ModelStats:
    """Token totals are sums over the answers that reported them; None while none did."""

    calls: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost: float = 0.0
    unpriced: int = 0
    """Calls whose cost is unknown (no catalog price, or usage not reported)."""
    saved: float = 0.0
    saved_unknown: int = 0
    """Calls with cached tokens whose cache price is unknown, so the saving is too."""

    def add(self, usage: Usage, estimate: CostEstimate) -> None:
        self.calls += 1
        self.input_tokens = _plus(self.input_tokens, usage.input_tokens)
        self.output_tokens = _plus(self.output_tokens, usage.output_tokens)
        self.cached_tokens = _plus(self.cached_tokens, usage.cached_input_tokens)
        self.reasoning_tokens = _plus(self.reasoning_tokens, usage.reasoning_tokens)
        if estimate.usd is None:
            self.unpriced += 1
        else:
            self.cost += estimate.usd
        if estimate.saved_usd is not None:
            self.saved += estimate.saved_usd
        elif usage.cached_input_tokens:
            self.saved_unknown += 1

    def merge(self, other: ModelStats) -> None:
        for name in ModelStats.__slots__:
            setattr(self, name, _plus(getattr(self, name), getattr(other, name)))

    @property
    def cache_hit_rate(self) -> float | None:
        if not self.input_tokens or self.cached_tokens is None:
            return None
        return self.cached_tokens / self.input_tokens


def _plus(total: Any, value: Any) -> Any:
    """A sum of the known values: unknown (None) parts are skipped, not counted as 0."""
    if value is None:
        return total
    return value if total is None else total + value


@dataclass(frozen=True, slots=True)
class Turn:
    role: str
    text: str
    model: str | None = None
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """What `/undo` restores and `/retry` sends again."""

    prompt: str
    images: tuple[str, ...]
    history_before: list[Message]
    transcript_before: int


@dataclass(slots=True)
class ChatState:
    model: str | None
    """As chosen; None until the user picks one (the client's default answers)."""
    system: str | None = None
    history: list[Message] = field(default_factory=list)
    transcript: list[Turn] = field(default_factory=list)
    stats: dict[str, ModelStats] = field(default_factory=dict)
    recent: list[str] = field(default_factory=list)
    undo_stack: list[Exchange] = field(default_factory=list)
    """The exchanges that can be taken back (`/undo`) or asked again (`/retry`), last last."""

    @property
    def model_name(self) -> str:
        return self.model or default_model()

    def use_model(self, model: str) -> None:
        self.model = model
        self.remember(model)

    def remember(self, model: str) -> None:
        if model in self.recent:
            self.recent.remove(model)
        self.recent.insert(0, model)

    def record(self, prompt: str, outcome: Outcome, images: Sequence[str] = ()) -> None:
        """Add an exchange: the whole answer, or what streamed before Ctrl-C; failed calls
        leave the conversation as it was."""
        from hfgate.types import Message

        result = outcome.result
        answered = result is not None and outcome.error is None
        if answered or (outcome.interrupted and outcome.partial):
            self.undo_stack.append(
                Exchange(prompt, tuple(images), list(self.history), len(self.transcript))
            )
        if result is not None and outcome.error is None:
            self.history = [m for m in result.messages if m.role != "system"]
            self.transcript += [
                Turn("user", prompt),
                Turn("assistant", result.text, outcome.model, result.provider),
            ]
            self.stats.setdefault(outcome.model, ModelStats()).add(result.usage, outcome.estimate)
            self.remember(outcome.model)
        elif outcome.interrupted and outcome.partial:
            self.history += [Message("user", prompt), Message("assistant", outcome.partial)]
            self.transcript += [
                Turn("user", prompt),
                Turn("assistant", outcome.partial + "\n\n_(stopped)_", outcome.model),
            ]

    def clear(self) -> None:
        self.history = []
        self.transcript = []
        self.undo_stack = []

    def undo(self) -> Exchange | None:
        """Take the last exchange back out of the conversation (its cost stays counted)."""
        if not self.undo_stack:
            return None
        last = self.undo_stack.pop()
        self.history = last.history_before
        del self.transcript[last.transcript_before :]
        return last

    def markdown(self) -> str:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [f"# Chat with {self.model_name}", "", f"_Saved by hfgate on {when}._", ""]
        if self.system:
            lines += ["**System:**", "", self.system, ""]
        for turn in self.transcript:
            if turn.role == "user":
                lines += ["## You", "", turn.text, ""]
            else:
                via = f" via {turn.provider}" if turn.provider else ""
                lines += [f"## {turn.model or 'Assistant'}{via}", "", turn.text, ""]
        return "\n".join(lines)


def cost_table(stats: dict[str, ModelStats]) -> Table:
    from rich.table import Table

    table = Table(title="This session", title_justify="left")
    table.add_column("model", overflow="fold")
    for name in ("calls", "in", "cached", "out", "reasoning", "cache hit", "cost", "saved"):
        table.add_column(name, justify="right", no_wrap=True)
    rows = list(stats.items())
    if len(rows) > 1:
        total = ModelStats()
        for _, one in rows:
            total.merge(one)
        rows.append(("total", total))
    for model, s in rows:
        table.add_row(
            model,
            str(s.calls),
            count(s.input_tokens),
            count(s.cached_tokens),
            count(s.output_tokens),
            count(s.reasoning_tokens),
            _rate(s.cache_hit_rate),
            _cost(s),
            _saved(s),
        )
    return table


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _cost(s: ModelStats) -> str:
    if s.unpriced == s.calls:
        return "unknown"
    return usd(s.cost) + (f" (+{s.unpriced} unpriced)" if s.unpriced else "")


def _saved(s: ModelStats) -> str:
    if not s.cached_tokens:
        return "-"
    if s.saved_unknown and not s.saved:
        return "unknown"
    return usd(s.saved) + (" (partly unknown)" if s.saved_unknown else "")
