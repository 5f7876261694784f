"""What every check module looks like, for type checkers and readers.

    CODE = "PERF001"

    @subject("function")            # "function" | "table" | "entry" | "project"
    def check(item, project, options) -> Iterable[Violation]: ...

The engine calls `check` once per subject and turns an exception into a WA002 finding for that
subject alone, so one odd resource never hides the rule's other findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
SUBJECTS = ("function", "table", "entry", "project")


def subject(kind: str) -> Callable[[F], F]:
    if kind not in SUBJECTS:
        raise ValueError(f"unknown check subject {kind!r}")

    def mark(function: F) -> F:
        function.subject = kind  # type: ignore[attr-defined]
        return function

    return mark
