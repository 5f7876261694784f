"""One module per output format; every reporter gets the same sorted RunResult."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

from wa_lint.engine import RunResult

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Control characters (ANSI escapes, carriage returns) shown, never obeyed by a terminal."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def one_line(text: str) -> str:
    return printable(text.replace("\r\n", "\n").replace("\n", " ⏎ "))


Reporter = Callable[[RunResult, TextIO, bool], None]


def get_reporter(name: str) -> Reporter:
    if name == "text":
        from wa_lint.reporters.text import report
    elif name == "json":
        from wa_lint.reporters.json import report
    else:
        raise KeyError(name)
    return report


FORMATS = ("text", "json")
