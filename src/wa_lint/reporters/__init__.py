"""One module per output format; every reporter gets the same sorted RunResult."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the CLI imports FORMATS at start-up; the engine loads only when a run happens
    from wa_lint.engine import RunResult

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Control characters (ANSI escapes, carriage returns) shown, never obeyed by a terminal."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", encodable(text))


def one_line(text: str) -> str:
    return printable(text.replace("\r\n", "\n").replace("\n", " ⏎ "))


def encodable(text: str) -> str:
    """Lone surrogates (undecodable bytes in file names) written as escapes, so UTF-8 output never fails."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


Reporter = Callable[["RunResult", TextIO, bool], None]


def get_reporter(name: str) -> Reporter:
    if name not in FORMATS:
        raise KeyError(name)
    module = importlib.import_module(f"wa_lint.reporters.{name}")
    report: Reporter = module.report
    return report
