from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hfgate.errors import ConfigError
from hfgate.inputs.messages import build_messages, image, to_message, user
from hfgate.types import ImagePart, Message, TextPart

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_image_from_bytes_path_and_url(tmp_path: Path) -> None:
    from_bytes = image(PNG)
    assert from_bytes.url == "data:image/png;base64," + base64.b64encode(PNG).decode()
    jpg = tmp_path / "cat.jpg"
    jpg.write_bytes(b"\xff\xd8\xff" + b"\x00" * 4)
    assert image(jpg).url.startswith("data:image/jpeg;base64,")
    assert image(str(jpg)).url == image(jpg).url
    assert image("https://example.com/cat.png").url == "https://example.com/cat.png"
    assert image("data:image/gif;base64,R0lG").url == "data:image/gif;base64,R0lG"


def test_missing_image_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read image"):
        image(tmp_path / "nope.png")


def test_user_message_with_images() -> None:
    msg = user("What is this?", images=[PNG])
    assert isinstance(msg.content, tuple)
    assert msg.content[0] == TextPart("What is this?")
    assert isinstance(msg.content[1], ImagePart)
    assert user("plain") == Message("user", "plain")


def test_openai_style_dicts_normalise() -> None:
    msg = to_message(
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "hi"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "high"}},
                {"type": "image", "image": PNG},
            ],
        }
    )
    assert isinstance(msg.content, tuple)
    assert msg.content[1] == ImagePart("https://x/y.png", "high")
    assert isinstance(msg.content[2], ImagePart) and msg.content[2].url.startswith("data:image/png")
    assert to_message({"role": "developer", "content": "rules"}).role == "system"
    tool_turn = to_message(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": '{"a":1}'}}],
        }
    )
    assert tool_turn.tool_calls[0].arguments == {"a": 1}


def test_build_messages_orders_system_history_prompt() -> None:
    msgs = build_messages(
        prompt="now", messages=[{"role": "user", "content": "before"}], system="sys"
    )
    assert [m.role for m in msgs] == ["system", "user", "user"]
    assert msgs[-1].text == "now"


def test_bad_messages_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="Pass `prompt` or `messages`"):
        build_messages(prompt=None, messages=None, system=None)
    with pytest.raises(ConfigError, match="role 'robot'"):
        to_message({"role": "robot", "content": "x"})
    with pytest.raises(ConfigError, match="unsupported content part"):
        to_message({"role": "user", "content": [{"type": "audio"}]})
