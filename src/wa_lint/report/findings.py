"""What a check reports (a Violation) and what the engine hands to reporters (a Finding).

A finding may carry machine-applicable fixes (`Fix`: text edits plus how safe they are to apply, in
ruff's sense) and the evidence it rests on (`Evidence`: what was measured or read).
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
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


class Applicability(enum.Enum):
    """How safe a fix is to apply, with ruff's meaning."""

    SAFE = "safe"  # keeps the intent of the code or template; applied without asking
    UNSAFE = "unsafe"  # may change behaviour the author relied on; applied only when asked
    DISPLAY_ONLY = "display-only"  # shown as a suggestion, never applied

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Edit:
    """Replace the characters ``text[start:end]`` of one file with ``replacement`` (start == end inserts).

    ``start`` and ``end`` are 0-based offsets in characters (code points) into the file's text as
    decoded: UTF-8, a leading byte order mark removed, line endings kept as they are in the file
    (``\r\n`` counts two). ``line``/``column`` and ``end_line``/``end_column`` are the same two
    places, 1-based in characters (end column exclusive), for display; build an Edit with `at`.
    """

    path: Path
    start: int
    end: int
    replacement: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def at(cls, path: Path, text: str, start: int, end: int, replacement: str) -> Edit:
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"edit range {start}..{end} is outside a text of {len(text)} characters")
        line, column = _line_column(text, start)
        end_line, end_column = _line_column(text, end)
        return cls(path, start, end, replacement, line, column, end_line, end_column)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


@dataclass(frozen=True)
class Fix:
    """Edits that resolve one finding, applied together or not at all. The engine sets the title to
    the rule's formatted fix text, so the prose a reader sees and the fix a tool applies agree."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability

    def titled(self, title: str) -> Fix:
        """This fix under another title (the engine gives each the finding's formatted fix text)."""
        return replace(self, title=title)


@dataclass(eq=False)
class Pending:
    """What a deferred fix and its titled copies share: how the edits are built, and once built, them."""

    build: Callable[[], tuple[Edit, ...]]
    edits: tuple[Edit, ...] | None = None
    # Builds this fix together with others (set by `DeferredFix.batch`), when the first of them is read.
    batch: Callable[[], None] | None = None


class DeferredFix(Fix):
    """A fix whose edits are computed the first time they are read (by `--fix`, a JSON or SARIF report,
    the editor): a checked template edit loads the edited template again, a cost a run that shows only
    messages should not pay. `build` returns the edits, () when the template cannot be edited there;
    it runs once, however many copies `titled` makes.

    The report stage hands the deferred fixes it reports to their class's `batch`, which may tie them
    together so that the first read builds them all and shares the work (a template fix: one load of
    the template checks the edits of every fix to it); a fix's edits are the same either way."""

    pending: Pending

    def __init__(self, build: Callable[[], tuple[Edit, ...]], applicability: Applicability, title: str = "") -> None:
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "applicability", applicability)
        object.__setattr__(self, "pending", Pending(build))

    @property  # read-only here: the edits are computed, not given
    def edits(self) -> tuple[Edit, ...]:
        pending = self.pending
        if pending.edits is None and pending.batch is not None:
            pending.batch()
        if pending.edits is None:
            pending.edits = pending.build()
        return pending.edits

    def titled(self, title: str) -> Fix:
        twin = copy.copy(self)  # the same class and the same Pending, so the edits are built once
        object.__setattr__(twin, "title", title)
        return twin

    @classmethod
    def batch(cls, fixes: Sequence[DeferredFix], cache_folder: Path | None = None) -> None:
        """Tie `fixes` (all of this class) together to be built at once, keeping what the building finds
        in the run's cache folder if there is one; by default each builds alone."""


@dataclass(frozen=True)
class Evidence:
    """One thing a finding rests on, measured or read: a Power Tuning optimum, a CloudWatch statistic.

    ``source`` is where it came from ("power-tuning", "cloudwatch", "template"); ``metric`` names what
    was measured and ``path`` the file it was read from (either or both); ``window`` the period the
    statistic covers, when it has one (e.g. "14 days").
    """

    source: str
    statistic: str
    value: int | float | str
    unit: str | None = None
    metric: str | None = None
    path: Path | None = None
    window: str | None = None


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
    fix: Fix | None = None
    evidence: tuple[Evidence, ...] = ()
    # This finding's own severity, over the rule's and the configuration's: a measurement can make one
    # finding of a rule matter less (PERF201 on a table the account measured as cold).
    severity: Severity | None = None


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
    # `fix` above is the prose every finding has; `fixes` are the machine-applicable ones, titled with it.
    fixes: tuple[Fix, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path.as_posix(), self.span.line, self.span.column, self.code, self.message)


@dataclass(frozen=True)
class Diagnostic:
    """A note about the run that is not a finding: a skipped file, a configuration problem."""

    path: Path | None
    message: str
    kind: str = "skipped"
    # The file a note that names none is about (one note for many CDK apps: the first), for the run's
    # parts (run_parts.py); not part of the note.
    about: Path | None = field(default=None, compare=False)
