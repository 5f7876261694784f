"""Turning a Python file's bytes into text the way the interpreter would (PEP 263 cookies, BOM)."""

from __future__ import annotations

import codecs
import io
import tokenize

from wa_lint.errors import LocatedError


class SourceError(LocatedError):
    """Bytes that are not Python text (encoding, null bytes)."""


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def _second_line_end(raw: bytes) -> int:
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1) if first >= 0 else -1
    return len(raw) if second < 0 else second + 1


def decode_python(raw: bytes) -> str:
    """Decode as CPython does; raise SourceError with the position of the problem."""
    if b"\x00" in raw:
        raise SourceError("source contains a null byte; not Python text", *_position(raw, raw.index(b"\x00")))
    if raw.isascii() and b"coding" not in raw[: _second_line_end(raw)]:
        # No byte order mark and no encoding declaration (which only the first two lines may hold):
        # UTF-8, as the tokenizer would say, and ASCII text decodes the same.
        return raw.decode("ascii")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as error:
        raise SourceError(f"bad encoding declaration: {error.msg}", error.lineno or 1) from None
    try:
        codecs.lookup(encoding)
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise SourceError(
            f"invalid {encoding.upper()} (byte 0x{raw[error.start]:02x}); not read", line, column
        ) from None
    except LookupError:
        raise SourceError(f"unknown encoding '{encoding}'") from None
    except Exception:  # noqa: BLE001 - a codec that refuses every input (`undefined`) or is not text (`rot13`)
        raise SourceError(f"encoding '{encoding}' cannot decode Python source") from None
    return text.removeprefix("\ufeff")
