"""`hfgate.http.errors.loads`, which reads every JSON body and streamed event from a server:
orjson first, the stdlib for what orjson refuses, JSON as RFC 8259 defines it either way."""

from __future__ import annotations

import json

import pytest

from hfgate.http.errors import dumps, loads

SAME_AS_STDLIB = [
    '{"choices":[{"index":0,"delta":{"content":"abcd"},"finish_reason":null}]}',
    '{"text": "caf\\u00e9 \\ud83d\\ude00 \u00e9\u4e2d", "n": -0.5e-3, "ok": true, "x": null}',
    '  [1, 2.5, "a\\nb", {"nested": {"deep": []}}]  ',
    '"\\ud800 a lone surrogate escape"',  # orjson refuses it; the stdlib (and hfgate) take it
]


@pytest.mark.parametrize("text", SAME_AS_STDLIB)
def test_reads_what_the_stdlib_reads(text: str) -> None:
    assert loads(text) == json.loads(text)
    assert loads(text.encode("utf-8", "surrogatepass")) == json.loads(
        text.encode("utf-8", "surrogatepass")
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"temperature": NaN}', "NaN is not a JSON value"),
        ("[Infinity]", "Infinity is not a JSON value"),
        ("[-Infinity]", "-Infinity is not a JSON value"),
        ("[1e400]", "out of range"),
        ('{"a": 1', "Expecting"),
        ("[1] trailing", "Extra data"),
    ],
)
def test_refuses_what_json_does_not_allow_in_the_stdlibs_words(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        loads(text)


def test_a_byte_order_mark_is_read_past_in_bytes_and_refused_in_text() -> None:
    assert loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="BOM"):
        loads('\ufeff{"a": 1}')


def test_nesting_too_deep_is_a_recursion_error() -> None:
    with pytest.raises(RecursionError):
        loads("[" * 100_000 + "]" * 100_000)


def test_integers_beyond_64_bits_arrive_as_numbers_of_the_same_size() -> None:
    value = loads('{"n": 123456789012345678901234567890}')["n"]
    assert value == pytest.approx(123456789012345678901234567890)


@pytest.mark.parametrize(
    "value",
    [
        {"model": "org/m", "messages": [{"role": "user", "content": "héllo 🌍\u2028"}]},
        {"seed": 2**70, "n": -(2**65)},  # beyond orjson's 64 bits: the stdlib writes them
        {1: "a key that is not a string", "b": [1.5, None, True]},
    ],
)
def test_dumps_writes_json_that_reads_back_the_same(value: object) -> None:
    data = dumps(value)
    assert isinstance(data, bytes)
    assert json.loads(data) == json.loads(json.dumps(value))
    assert b"\\u00e9" not in data  # UTF-8 as it is, not escaped


def test_dumps_never_writes_nan_which_is_not_json() -> None:
    assert dumps({"t": float("nan"), "u": float("inf")}) == b'{"t":null,"u":null}'
