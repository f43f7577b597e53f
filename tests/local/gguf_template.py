"""A copy of a GGUF file with another chat template, for tests that need a model whose template
behaves like one we do not ship (the `gguf` package is not a dependency, and the format's
header is small enough to rewrite here).

GGUF (v2 and v3): magic, version, tensor and key-value counts, the key-values, the tensor
infos, padding to the alignment, then the tensor data, whose offsets are relative to its own
start. Only the key-values change, so the tensor infos and data are copied as they are.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path
from typing import BinaryIO

TEMPLATE_KEY = "tokenizer.chat_template"
_STRING, _ARRAY = 8, 9
_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
"""Bytes of each fixed-size value type (uint8 ... float64)."""


def with_chat_template(source: Path, target: Path, template: str) -> Path:
    """Write `source` to `target` with `template` as its `tokenizer.chat_template`."""
    with source.open("rb") as src:
        magic, version, tensors, count = struct.unpack("<4sIQQ", src.read(24))
        if magic != b"GGUF" or version not in (2, 3):
            raise ValueError(f"{source} is not a GGUF v2/v3 file")
        pairs = [_key_value(src) for _ in range(count)]
        infos_start = src.tell()
        for _ in range(tensors):
            _tensor_info(src)
        infos = _slice(src, infos_start, src.tell())
        alignment = next(
            (struct.unpack("<I", raw[-4:])[0] for key, raw in pairs if key == "general.alignment"),
            32,
        )
        data_start = _aligned(src.tell(), alignment)
        encoded = template.encode()
        value = struct.pack("<IQ", _STRING, len(encoded)) + encoded
        pairs = [(k, v) for k, v in pairs if k != TEMPLATE_KEY] + [(TEMPLATE_KEY, value)]
        header = struct.pack("<4sIQQ", magic, version, tensors, len(pairs))
        header += b"".join(_string(key) + raw for key, raw in pairs) + infos
        with target.open("wb") as out:
            out.write(header + b"\0" * (_aligned(len(header), alignment) - len(header)))
            src.seek(data_start)
            shutil.copyfileobj(src, out, 1 << 20)
    return target


def _key_value(src: BinaryIO) -> tuple[str, bytes]:
    """A key and its value's raw bytes (type tag included)."""
    key = _read_string(src).decode()
    start = src.tell()
    (kind,) = struct.unpack("<I", src.read(4))
    _skip_value(src, kind)
    return key, _slice(src, start, src.tell())


def _skip_value(src: BinaryIO, kind: int) -> None:
    if kind == _STRING:
        _read_string(src)
    elif kind == _ARRAY:
        inner, length = struct.unpack("<IQ", src.read(12))
        if inner in _SIZES:
            src.seek(_SIZES[inner] * length, 1)
        else:
            for _ in range(length):
                _skip_value(src, inner)
    else:
        src.seek(_SIZES[kind], 1)


def _tensor_info(src: BinaryIO) -> None:
    _read_string(src)
    (dims,) = struct.unpack("<I", src.read(4))
    src.seek(8 * dims + 4 + 8, 1)  # the dimensions, the type, the offset


def _read_string(src: BinaryIO) -> bytes:
    (length,) = struct.unpack("<Q", src.read(8))
    return src.read(length)


def _string(text: str) -> bytes:
    return struct.pack("<Q", len(text.encode())) + text.encode()


def _slice(src: BinaryIO, start: int, end: int) -> bytes:
    here = src.tell()
    src.seek(start)
    data = src.read(end - start)
    src.seek(here)
    return data


def _aligned(offset: int, alignment: int) -> int:
    return offset + (-offset % alignment)
