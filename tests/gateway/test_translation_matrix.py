"""The translation matrix: each of the gateway's three ingress APIs (chat completions, OpenAI
Responses, Anthropic Messages, driven by the real `openai` and `anthropic` SDKs) in front of
each of the three upstream wires (the same three APIs, as emulators), for everything a coding
agent's conversation carries: text, streams, parallel tool calls and their results, reasoning,
images, cached-token usage, upstream errors and streams cut short.

Every test asserts on both ends: what the client's SDK shows, and what the upstream received.
Where both APIs can say a thing it must cross unchanged; where one cannot, the test pins what
happens instead, and README.md's table "What cannot cross between APIs" says the same.

One gateway and one emulator per wire serve the whole module (on SQLite: the store has its
own tests), so the 9 cells cost seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gateway_harness import MASTER, Gateway, gateway_in_thread, usage_rows
from matrix_ends import (
    OPENAI_ERRORS,
    PNG_URL,
    REMOTE_IMAGE,
    WEATHER,
    ChatDialect,
    Dialect,
    MessagesDialect,
    ResponsesDialect,
    Wire,
    wires,
)

from hfgate.gateway.config import GatewayConfig
from hfgate.testing import AnthropicEmulator, OpenAIEmulator, Reply, RouterEmulator, ToolCallSpec

NAMES = ("chat", "responses", "messages")
CELLS = [(dialect, wire) for dialect in NAMES for wire in NAMES]
SIGNATURE = "EqQBCkYIBxgCKkDmatrix-signature"
WEATHER_SCHEMA = WEATHER["parameters"]


@dataclass
class Matrix:
    gateway: Gateway
    wires: dict[str, Wire]
    settings: Path


@dataclass
class Cell:
    """One ingress API in front of one upstream wire."""

    dialect: Dialect
    wire: Wire

    @property
    def both_anthropic(self) -> bool:
        return self.dialect.name == self.wire.name == "messages"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    folder = tmp_path_factory.mktemp("translation-matrix")
    with ExitStack() as stack:
        router = stack.enter_context(RouterEmulator(require_auth=True))
        openai_api = stack.enter_context(OpenAIEmulator(require_auth=True))
        claude = stack.enter_context(AnthropicEmulator(require_auth=True))
        upstreams = wires(router, openai_api, claude)
        settings = folder / "settings.json"
        entries = [w.settings_entry() for w in upstreams.values()]
        settings.write_text(json.dumps({"customModels": entries}))
        config = GatewayConfig(
            database_url=str(folder / "gateway.sqlite3"),
            master_key=MASTER,
            router_url=router.base_url,
            refresh_catalog=False,
            upstream_retries=0,  # an upstream error reaches the client at once
        )
        gateway = stack.enter_context(gateway_in_thread(config))
        yield Matrix(gateway, upstreams, settings)


@pytest.fixture(autouse=True)
def fresh_upstreams(matrix: Matrix, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings are read per request, from a clean environment per test; each test sees only
    its own requests, and a script a failed test left unused does not leak into the next."""
    monkeypatch.setenv("HFGATE_SETTINGS", str(matrix.settings))
    for wire in matrix.wires.values():
        wire.emulator.requests.clear()
    yield
    for wire in matrix.wires.values():
        while wire.emulator.pending:
            wire.emulator.next_reply({})


@pytest.fixture(params=CELLS, ids=[f"{d}-to-{w}" for d, w in CELLS])
def cell(request: pytest.FixtureRequest, matrix: Matrix) -> Cell:
    dialect_name, wire_name = request.param
    gateway = matrix.gateway
    dialect: Dialect = {
        "chat": lambda: ChatDialect(gateway.openai()),
        "responses": lambda: ResponsesDialect(gateway.openai()),
        "messages": lambda: MessagesDialect(gateway.anthropic()),
    }[dialect_name]()
    return Cell(dialect, matrix.wires[wire_name])


# --- text and streams -----------------------------------------------------------------------


def test_plain_text(cell: Cell) -> None:
    wire = cell.wire
    wire.emulator.push(Reply.text("Paris.", usage={"prompt_tokens": 11, "completion_tokens": 2}))

    seen = cell.dialect.ask(wire.model, "Capital of France?", system="Be terse.").seen

    assert (seen.text, seen.finish, seen.usage[:2]) == ("Paris.", "stop", (11, 2))
    assert seen.model == wire.model  # the name the client asked for, not the upstream's
    body = wire.received()
    assert (wire.system(body), wire.user_text(body)) == ("Be terse.", "Capital of France?")
    assert "stream" not in body or body["stream"] is False


def test_streaming(cell: Cell) -> None:
    wire = cell.wire
    usage = {"prompt_tokens": 7, "completion_tokens": 4}
    wire.emulator.push(Reply.text("one two three four", chunk_size=4, usage=usage))

    seen = cell.dialect.ask(wire.model, "Count to four.", stream=True).seen

    assert (seen.text, seen.finish, seen.usage[:2]) == ("one two three four", "stop", (7, 4))
    assert seen.deltas >= 4  # streamed as it came, not gathered into one piece
    body = wire.received()
    assert body["stream"] is True and wire.user_text(body) == "Count to four."


# --- tools ----------------------------------------------------------------------------------

CALLS = [
    ToolCallSpec("weather", {"city": "Paris"}, id="call_paris"),
    ToolCallSpec("weather", {"city": "Rome", "units": ["C", "F"]}, id="call_rome"),
]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_parallel_tool_calls_and_their_results(cell: Cell, streamed: bool) -> None:
    """Two calls in one answer, after a sentence; a chat upstream streams their fragments in
    turns (0, 1, 0, 1...), the others one call after the other. The second turn carries the
    assistant's sentence and calls and both results back in the upstream's own terms."""
    wire, dialect = cell.wire, cell.dialect
    preamble = "Checking both cities."
    wire.emulator.push(Reply.tool_calls(CALLS, text=preamble, split=3))

    turn = dialect.ask(wire.model, "Weather in Paris and Rome?", tools=True, stream=streamed)

    expected = [(c.id, c.name, c.arguments) for c in CALLS]
    assert (turn.seen.text, turn.seen.calls, turn.seen.finish) == (preamble, expected, "tool-calls")
    assert wire.tools(wire.received()) == [("weather", WEATHER["description"], WEATHER_SCHEMA)]

    wire.emulator.push(Reply.text("Sunny in Paris, rain in Rome."))
    results = {"call_paris": "sunny, 24 C", "call_rome": "rain, 18 C"}
    answer = dialect.answer_calls(turn, results, stream=streamed)

    assert answer.seen.text == "Sunny in Paris, rain in Rome."
    body = wire.received()
    assert wire.assistant_text(body) == preamble
    assert wire.calls(body) == expected
    assert wire.results(body) == list(results.items())


def test_one_call_at_a_time(cell: Cell) -> None:
    """Each API can ask for at most one tool call per answer (`parallel_tool_calls: false`,
    Anthropic's `disable_parallel_tool_use`), and the request crosses."""
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(Reply.tool_calls(CALLS[:1]))
    one_at_a_time: dict[str, Any] = {
        "chat": {"parallel_tool_calls": False},
        "responses": {"parallel_tool_calls": False},
        "messages": {"tool_choice": {"type": "auto", "disable_parallel_tool_use": True}},
    }[dialect.name]

    turn = dialect.ask(wire.model, "Weather in Paris?", tools=True, **one_at_a_time)

    assert turn.seen.calls == [("call_paris", "weather", {"city": "Paris"})]
    body = wire.received()
    if wire.name == "messages":
        assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    else:
        assert body["parallel_tool_calls"] is False


def test_a_failed_tool_result(cell: Cell) -> None:
    """Anthropic marks a failed tool's result (`is_error`), and the mark crosses to an
    Anthropic upstream; the OpenAI APIs have no mark, so there the text alone says it."""
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(Reply.tool_calls(CALLS[:1]))
    turn = dialect.ask(wire.model, "Weather in Paris?", tools=True)
    wire.emulator.push(Reply.text("The weather service is down."))

    dialect.answer_calls(turn, {"call_paris": "Error: service unavailable"}, failed=True)

    body = wire.received()
    assert wire.results(body) == [("call_paris", "Error: service unavailable")]
    assert wire.failed_results(body) == (["call_paris"] if cell.both_anthropic else [])


# --- reasoning ------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_reasoning_and_its_replay_in_a_tool_loop(cell: Cell, streamed: bool) -> None:
    """Signed thinking survives the round trip when both ends are Anthropic: the signature
    the client sends back is the upstream's own. No other pair can replay reasoning: a chat
    upstream has no field for it, the Responses wire carries no reasoning items back, and
    Anthropic refuses thinking without its signature, so the upstream gets none of it."""
    wire, dialect = cell.wire, cell.dialect
    thought = "The user wants the weather; call the tool."
    wire.emulator.push(Reply.tool_calls(CALLS[:1], reasoning=thought, thinking_signature=SIGNATURE))

    turn = dialect.ask(wire.model, "Weather in Paris?", tools=True, reasoning=True, stream=streamed)

    assert turn.seen.reasoning == thought
    if dialect.name == "messages":
        thinking = turn.seen.raw.content[0]
        assert thinking.type == "thinking"
        # Only Anthropic signs thinking; other upstreams' reasoning comes unsigned.
        assert thinking.signature == (SIGNATURE if cell.both_anthropic else "")
    asked = wire.reasoning_request(wire.received())
    assert asked == EXPECTED_REASONING_REQUEST[(dialect.name, wire.name)]

    wire.emulator.push(Reply.text("Sunny."))
    answer = dialect.answer_calls(turn, {"call_paris": "sunny"}, stream=streamed)

    assert answer.seen.text == "Sunny."
    body = wire.received()
    assert wire.results(body) == [("call_paris", "sunny")]
    replayed = wire.reasoning(body)
    if cell.both_anthropic:
        assert replayed == [{"type": "thinking", "thinking": thought, "signature": SIGNATURE}]
    else:
        assert replayed == []


EXPECTED_REASONING_REQUEST: dict[tuple[str, str], Any] = {
    # Anthropic's budget of 2000 tokens is the level "low" elsewhere (2048 tokens, its
    # smallest level that covers it); an Anthropic client's exact thinking object reaches an
    # Anthropic upstream unchanged.
    **{(d, "chat"): "low" for d in NAMES},
    **{(d, "responses"): "low" for d in NAMES},
    ("chat", "messages"): {"type": "enabled", "budget_tokens": 2048},
    ("responses", "messages"): {"type": "enabled", "budget_tokens": 2048},
    ("messages", "messages"): {"type": "enabled", "budget_tokens": 2000},
}


# --- images ---------------------------------------------------------------------------------


def test_images_in_the_request(cell: Cell) -> None:
    """An inline PNG and a remote image reach every upstream as the same bytes and URL.
    `detail` exists only in the two OpenAI APIs: it crosses between them (Responses writes
    "auto" where a chat client said nothing), and Anthropic neither sends nor takes it."""
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(Reply.text("A pixel and a cat."))

    seen = dialect.ask(wire.model, dialect.image_parts()).seen

    assert seen.text == "A pixel and a cat."
    body = wire.received()
    assert wire.user_text(body) == "What are these?"
    client_detail = {
        "chat": ("high", None),
        "responses": ("high", "auto"),
        "messages": (None, None),
    }
    detail = {
        "chat": client_detail[dialect.name],
        "responses": tuple(d or "auto" for d in client_detail[dialect.name]),
        "messages": (None, None),
    }[wire.name]
    assert wire.images(body) == [(PNG_URL, detail[0]), (REMOTE_IMAGE, detail[1])]


# --- usage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_cached_token_usage(cell: Cell, streamed: bool) -> None:
    """Cache reads and writes cross every pair (Anthropic counts them outside `input_tokens`,
    the OpenAI APIs inside; `Seen.usage` counts them inside). Reasoning tokens exist only in
    the OpenAI APIs: from Anthropic a chat client gets no count and a Responses client 0, the
    number its schema requires."""
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(
        Reply.text(
            "Hi.",
            usage={"prompt_tokens": 1000, "completion_tokens": 20},
            cached_tokens=800,
            cache_write_tokens=100,
            reasoning_tokens=5,
        )
    )

    seen = dialect.ask(wire.model, "Hello again.", stream=streamed).seen

    assert seen.usage == (1000, 20, 800, 100)
    if dialect.name == "messages":
        assert (seen.raw.usage.input_tokens, seen.raw.usage.cache_read_input_tokens) == (100, 800)
    if dialect.name != "messages":  # Messages has no such count at all
        from_anthropic = {"chat": None, "responses": 0}[dialect.name]
        assert seen.reasoning_tokens == (from_anthropic if wire.name == "messages" else 5)


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_an_answer_cut_by_its_token_limit_says_so(cell: Cell, streamed: bool) -> None:
    """The limit crosses, and so does the answer's reason for stopping (chat "length",
    Responses "incomplete" for "max_output_tokens", Anthropic "max_tokens"): an agent that
    reads it as a finished answer would act on half a sentence."""
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(Reply.text("Once upon a", finish_reason="length"))

    seen = dialect.ask(wire.model, "Tell a story.", max_tokens=3, stream=streamed).seen

    assert (seen.text, seen.finish) == ("Once upon a", "length")
    assert wire.received()[wire.max_tokens_field] == 3


def test_prompt_cache_breakpoints(cell: Cell) -> None:
    """An Anthropic upstream gets hfgate's own breakpoints, whoever the client: the system
    prompt and the last user turn (with tools, the last tool), so a growing conversation
    reads the cache; breakpoints an Anthropic client placed are not kept. The OpenAI APIs
    cache without being asked, and never see `cache_control`."""
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(Reply.text("Hi."))
    first = [{"type": "text", "text": "My name is Ada."}]
    if dialect.name == "messages":
        first[0]["cache_control"] = {"type": "ephemeral"}
    elif dialect.name == "responses":
        first[0]["type"] = "input_text"
    turn = dialect.ask(wire.model, first, system="Be terse.")
    wire.emulator.push(Reply.text("Ada."))

    dialect.follow_up(turn, "What is my name?")

    hfgates = ["system.0", "messages.2.content.0"]  # not messages.0, the client's
    assert breakpoints(wire.received()) == (hfgates if wire.name == "messages" else [])


def breakpoints(body: Any, at: str = "") -> list[str]:
    """Where a JSON body has `cache_control`, as dotted paths."""
    if isinstance(body, dict):
        here = [at.lstrip(".")] if "cache_control" in body else []
        return here + [p for k, v in body.items() for p in breakpoints(v, f"{at}.{k}")]
    if isinstance(body, list):
        return [p for i, v in enumerate(body) for p in breakpoints(v, f"{at}.{i}")]
    return []


STOPPING = [(d, w) for d, w in CELLS if d != "responses"]
STOP_FIELDS = {"chat": "stop", "messages": "stop_sequences"}


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("cell", STOPPING, ids=[f"{d}-to-{w}" for d, w in STOPPING], indirect=True)
def test_stop_sequences(cell: Cell, streamed: bool) -> None:
    """Chat completions and Messages have stop sequences, and they cross; the Responses API
    has none, so a request with them is refused with a 400 that says so, before any call
    (dropping them would let the model run past where the client wants it to stop). Only
    Anthropic says which sequence stopped the answer."""
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(Reply.text("one two ", stop_sequence="three"))
    field = STOP_FIELDS[dialect.name]

    if wire.name == "responses":
        with pytest.raises(dialect.status_error) as refused:
            dialect.ask(wire.model, "Count.", stream=streamed, **{field: ["three"]})
        status, _, message, _ = dialect.error_body(refused.value)
        assert status == 400 and "The OpenAI Responses API has no stop sequences" in message
        assert wire.emulator.requests == []
        return
    seen = dialect.ask(wire.model, "Count.", stream=streamed, **{field: ["three"]}).seen

    assert (seen.text, seen.finish) == ("one two ", "stop")
    assert wire.received()[STOP_FIELDS[wire.name]] == ["three"]
    if dialect.name == "messages":
        stopped_by = (seen.raw.stop_reason, seen.raw.stop_sequence)
        assert stopped_by == (
            ("stop_sequence", "three") if cell.both_anthropic else ("end_turn", None)
        )


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (429, "rate_limit_error", "Rate limit reached: 30000 input tokens per minute."),
        (400, "invalid_request_error", "prompt is too long: 212000 tokens > 200000 maximum"),
    ],
    ids=["429", "400"],
)
def test_an_upstream_error_reaches_the_client_in_its_own_format(
    cell: Cell, streamed: bool, status: int, kind: str, message: str
) -> None:
    wire, dialect = cell.wire, cell.dialect
    wire.emulator.push(wire.error(status, message))

    with pytest.raises(dialect.status_error) as caught:
        dialect.ask(wire.model, "Hello.", stream=streamed)

    status_seen, kind_seen, message_seen, code = dialect.error_body(caught.value)
    assert (status_seen, kind_seen, message_seen) == (status, kind, message)
    if dialect.name != "messages":  # OpenAI's code, or Anthropic's type where it has none
        assert code == (OPENAI_ERRORS[status][1] if wire.name != "messages" else kind)
    headers = caught.value.response.headers  # type: ignore[attr-defined]
    if status == 429:
        assert headers["retry-after"] == "7"
    assert wire.received()["model"] == wire.upstream_model


@pytest.mark.parametrize("how", ["hang-up", "error-event"])
def test_a_stream_cut_mid_answer_ends_in_an_error(cell: Cell, how: str, matrix: Matrix) -> None:
    """The client has the text that came before the cut, then an error in its own API's
    stream format, never its API's clean end (`[DONE]`, `response.completed`,
    `message_stop`), which would pass a half answer off as whole."""
    wire, dialect = cell.wire, cell.dialect
    if how == "hang-up":
        reply = Reply.text("one two three four", chunk_size=4, drop_after=wire.cut_after)
        said = f"The upstream of '{wire.model}' stopped in the middle of its answer."
    else:
        reply = Reply.stream_error("Overloaded, try again.", after_chunks=2, text="one two ")
        said = "Overloaded, try again."
    wire.emulator.push(reply)

    text, error = dialect.interrupted(wire.model, "Count to four.")

    assert (text, error) == ("one two ", said)
    assert wire.received()["stream"] is True
    row = usage_rows(matrix.gateway.database_url)[-1]
    assert row["model"] == wire.model and row["status"] >= 400
