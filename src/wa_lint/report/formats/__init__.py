"""One module per output format; every reporter gets the same sorted RunResult."""

from __future__ import annotations

import json as _json  # the submodule reporters.json would shadow the name
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the CLI imports FORMATS at start-up; the engine loads only when a run happens
    from wa_lint.result import RunResult

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "html")

# Terminal controls (C0 but tab/newline, DEL, C1 such as the one-byte CSI), and the invisible
# characters that reorder or break what a reader sees: bidi overrides (Trojan Source) and the
# Unicode line separators.
UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{UNSAFE}]")
_JSON_UNSAFE = re.compile(f"[{UNSAFE}\ufeff]")
# Lines a CI runner reads as commands: GitHub's `::cmd::` and `##[cmd]`, after leading blanks.
_COMMAND_START = re.compile(r"\s*(::|##\[)")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    # U+DC80-U+DCFF is how Python spells an undecodable byte of a file name (surrogateescape).
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def text_only(text: str) -> str:
    """Lone surrogates (undecodable bytes in file names, `"\\ud800"` in a JSON template) as \\xNN or
    \\uXXXX, so output is always valid UTF-8 and no stream can fail to encode it."""
    if text.isascii():
        return text
    return _SURROGATE.sub(_surrogate, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Control characters (ANSI escapes, carriage returns) shown, never obeyed by a terminal."""
    if text.isascii() and text.isprintable():
        return text  # most texts: nothing to show differently (tabs and newlines take the long way)
    return _CONTROL.sub(_escaped, text_only(text))


def one_line(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text  # no line break, nothing to escape
    return printable(text.replace("\r\n", "\n").replace("\n", " ⏎ "))


def line_start_safe(shown: str) -> str:
    """A path that begins a line, never read as a CI workflow command (`::error::…`, `##[…]`)."""
    return f"./{shown}" if _COMMAND_START.match(shown) else shown


def display_path(path: Path) -> str:
    """A path for the start of a line: printable, and never read as a CI workflow command."""
    from wa_lint.result import relative

    return line_start_safe(one_line(relative(path)))


def json_safe(value: Any) -> Any:
    """Data a strict JSON parser accepts: no lone surrogates, no NaN/Infinity (YAML `.inf`, `1e999`)."""
    if isinstance(value, str):
        return text_only(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {text_only(str(key)): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def dump_json(value: Any, out: TextIO) -> None:
    """Readable UTF-8 JSON in which terminal controls and bidi characters stay escaped."""
    text = _indented(value)
    if text is None:  # a value json_safe leaves for the encoder to refuse, as it does
        text = _json.dumps(json_safe(value), indent=2, ensure_ascii=False, allow_nan=False)
    out.write(_JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n")


class _NotPlain(Exception):
    pass


def _indented(value: Any) -> str | None:
    """`json.dumps(json_safe(value), indent=2, ensure_ascii=False, allow_nan=False)`, or None when that
    would raise. The standard encoder writes indented JSON with a generator per nesting level, after
    json_safe has copied the data; one walk appending to one list does both in under half the time."""
    from json.encoder import encode_basestring

    parts: list[str] = []
    append = parts.append
    integer, real = int.__repr__, float.__repr__

    def walk(item: Any, indent: str) -> None:
        # json_safe's order of tests, then the standard encoder's, so every subclass is written as they write it.
        if isinstance(item, str):
            append(encode_basestring(text_only(item)))
        elif isinstance(item, float):
            append(real(item) if math.isfinite(item) else encode_basestring(str(item)))
        elif isinstance(item, dict):
            if not item:
                append("{}")
                return
            if all(type(key) is str and key.isascii() for key in item):
                pairs = item.items()
            else:  # keys json_safe rewrites, and may merge
                pairs = {text_only(str(key)): member for key, member in item.items()}.items()
            inner = indent + "  "
            append("{" + inner)
            for number, (key, member) in enumerate(pairs):
                append(("," + inner if number else "") + encode_basestring(key) + ": ")
                walk(member, inner)
            append(indent + "}")
        elif isinstance(item, (list, tuple)):
            if not item:
                append("[]")
                return
            inner = indent + "  "
            append("[" + inner)
            for number, member in enumerate(item):
                if number:
                    append("," + inner)
                walk(member, inner)
            append(indent + "]")
        elif item is None:
            append("null")
        elif item is True:
            append("true")
        elif item is False:
            append("false")
        elif isinstance(item, int):
            append(integer(item))
        else:
            raise _NotPlain

    try:
        walk(value, "\n")
    except (_NotPlain, RecursionError):
        return None
    return "".join(parts)


Reporter = Callable[["RunResult", TextIO, bool], None]


def get_reporter(name: str) -> Reporter:
    # Imported on demand, so a run pays only for the formats it writes.
    if name == "text":
        from wa_lint.report.formats.text import report
    elif name == "json":
        from wa_lint.report.formats.json import report
    elif name == "sarif":
        from wa_lint.report.formats.sarif import report
    elif name == "github":
        from wa_lint.report.formats.github import report
    elif name == "gitlab":
        from wa_lint.report.formats.gitlab import report
    elif name == "junit":
        from wa_lint.report.formats.junit import report
    elif name == "html":
        from wa_lint.report.formats.html import report
    else:
        raise KeyError(name)
    return report
