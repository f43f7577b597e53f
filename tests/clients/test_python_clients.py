"""The Python clients against the gateway, each asked the same things (python_clients.py): the
openai SDK (chat completions and Responses), the anthropic SDK, huggingface_hub's
InferenceClient, LiteLLM (`openai/`, `anthropic/`, `huggingface/` with `api_base`) and
LangChain's ChatOpenAI (chat and Responses) and ChatAnthropic."""

from __future__ import annotations

import pytest
from client_fixtures import ANSWER, CITY, WEATHER, Matrix, final_answer
from python_clients import DRIVERS, INSTALLED_BY_SCRIPT, Driver

pytestmark = [  # LiteLLM's own pydantic use, on its first call: not about the gateway
    pytest.mark.filterwarnings(
        "ignore:Item '.*' on TypedDict class .* is using the `ReadOnly` qualifier:UserWarning"
    ),
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince211"),
]


@pytest.fixture(params=list(DRIVERS))
def client(
    request: pytest.FixtureRequest, matrix: Matrix, monkeypatch: pytest.MonkeyPatch
) -> Driver:
    if request.param in INSTALLED_BY_SCRIPT:
        request.getfixturevalue("installed_clients")  # skips, saying why, when never installed
    # The suite sets HF_HUB_OFFLINE (read once, at import) so that nothing reaches the Hub;
    # huggingface_hub then refuses every request, loopback included. Loopback stays the only
    # way out (the suite's `no_network`).
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    return DRIVERS[request.param](matrix)


def test_text_and_usage(client: Driver) -> None:
    assert client.text() == (ANSWER, (11, 6))


def test_stream_and_usage(client: Driver) -> None:
    pieces, usage = client.stream()
    assert "".join(pieces) == ANSWER
    assert len(pieces) > 1  # streamed, not one piece at the end
    assert usage == (11, 6)


def test_tool_loop_sends_the_result_back(client: Driver) -> None:
    loop = client.tool_loop()
    assert loop.arguments == {"city": "Paris"}
    assert loop.answer == final_answer(WEATHER)


def test_structured_output(client: Driver) -> None:
    assert client.structured() == CITY


def test_wrong_key_is_a_401(client: Driver) -> None:
    assert client.wrong_key() == 401
