"""What a check reports (a Violation) and what the engine hands to reporters (a Finding)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based, end-inclusive-line / end-exclusive-column region of one file."""

    path: Path
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, path: Path, line: int = 1, column: int = 1) -> Span:
        return cls(path, line, column, line, column)


@dataclass(frozen=True)
class Violation:
    """What a check yields: where, the values for the rule's message template, and the context."""

    code: str
    span: Span
    args: dict[str, Any] = field(default_factory=dict)
    resource: str | None = None
    function: str | None = None
    # Extra text appended to the formatted message (e.g. the call path from the handler).
    detail: str | None = None
    # This finding's severity when it differs from the rule's (a scheduled function's waste costs per
    # run, not per request); the detail says why. The user's configured severity still wins.
    severity: str | None = None


@dataclass(frozen=True)
class LensRef:
    pillar: str
    question: str
    best_practice: str
    choice_id: str | None
    url: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "pillar": self.pillar,
            "question": self.question,
            "best_practice": self.best_practice,
            "choice_id": self.choice_id,
            "url": self.url,
        }


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    span: Span
    message: str
    fix: str
    lens: LensRef
    resource: str | None = None
    function: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path.as_posix(), self.span.line, self.span.column, self.code, self.message)


@dataclass(frozen=True)
class Diagnostic:
    """A note about the run that is not a finding: a skipped file, a configuration problem."""

    path: Path | None
    message: str
    kind: str = "skipped"
