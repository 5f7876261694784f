"""Source lines around a finding, with its range highlighted, and the diff of a fix's edits.

Templates' text is already in the model; a Python file is read again here (it was read by the run,
and only the few files with findings are), bounded, and decoded as the analysis decodes it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.report.findings import Span
from wa_lint.report.formats.html.markup import Markup, el, join

if TYPE_CHECKING:
    from wa_lint.link.model import Project

CONTEXT = 2  # lines shown before and after the range
MOST_LINES = 14  # a longer range shows its start and its end
MOST_BYTES = 2 * 1024 * 1024
MOST_LINE_CHARACTERS = 400


class Sources:
    """The text of each file a finding points at, read once."""

    def __init__(self, project: Project) -> None:
        self._text: dict[Path, str | None] = {template.path: template.text for template in project.templates}
        self._lines: dict[Path, list[str] | None] = {}  # split once per file, not once per finding

    def text(self, path: Path) -> str | None:
        if path not in self._text:
            self._text[path] = _read(path)
        return self._text[path]

    def lines(self, path: Path) -> list[str] | None:
        if path not in self._lines:
            text = self.text(path)
            self._lines[path] = text.splitlines() if text is not None else None
        return self._lines[path]

    def excerpt(self, span: Span) -> Markup | None:
        source = self.lines(span.path)
        if source is None:
            return None
        if not 1 <= span.line <= len(source):
            return None
        end_line = min(max(span.end_line, span.line), len(source))
        first, last = max(1, span.line - CONTEXT), min(len(source), end_line + CONTEXT)
        shown = list(range(first, last + 1))
        if len(shown) > MOST_LINES:
            half = MOST_LINES // 2
            shown = [*shown[:half], 0, *shown[-half:]]  # 0: the lines left out
        rows = []
        for number in shown:
            if number == 0:
                rows.append(el("span", el("span", "⋮", class_="ln"), "", class_="line gap"))
                continue
            rows.append(_line(number, source[number - 1], span, end_line))
        return el("pre", el("code", join(rows)), class_="source")  # the spans are blocks: no newlines


def _read(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MOST_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MOST_BYTES or b"\0" in raw:
        return None
    return raw.decode("utf-8-sig", errors="replace")


def _clip(text: str) -> str:
    return text if len(text) <= MOST_LINE_CHARACTERS else text[:MOST_LINE_CHARACTERS] + " …"


def _line(number: int, text: str, span: Span, end_line: int) -> Markup:
    number_cell = el("span", number, class_="ln")
    if not span.line <= number <= end_line:
        return el("span", number_cell, _clip(text), class_="line")
    # Columns are 1-based; the end column is exclusive. A point (no width) marks its whole line.
    start = span.column - 1 if number == span.line else 0
    end = span.end_column - 1 if number == end_line and span.end_line >= span.line else len(text)
    if number == span.line == end_line and end <= start:
        start, end = 0, len(text)
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    return el("span", number_cell, _clip(text[:start]), el("mark", _clip(text[start:end])), _clip(text[end:]),
              class_="line hit")


# -- fixes ----------------------------------------------------------------------------------------------
def fixes_of(finding: Any) -> tuple[str | None, list[Any]]:
    """The fix's prose and its Fix objects, whichever shape the finding has.

    Today `Finding.fix` is the prose; a finding may instead carry a `Fix` (title, edits,
    applicability) in `fix`, or a list of them in `fixes`.
    """
    fix = getattr(finding, "fix", None)
    listed = [item for item in getattr(finding, "fixes", None) or () if item is not None]
    objects = listed or ([fix] if fix is not None and not isinstance(fix, str) else [])
    prose = fix if isinstance(fix, str) else next((str(o.title) for o in objects if getattr(o, "title", None)), None)
    return (prose or None), objects


def diff(sources: Sources, fix: Any, relative: Callable[[Path], str] | None = None) -> Markup | None:
    """A unified diff of the fix's edits (character offsets into each file's decoded text); `relative`
    names the files (RunResult.names.relative)."""
    edits = [edit for edit in getattr(fix, "edits", None) or () if getattr(edit, "path", None) is not None]
    if not edits:
        return None
    if relative is None:
        from wa_lint.result import relative as plain

        relative = plain
    rows: list[Markup] = []
    for path in dict.fromkeys(Path(edit.path) for edit in edits):
        text = sources.text(path)
        if text is None:
            continue
        changed = _apply(text, [edit for edit in edits if Path(edit.path) == path])
        if changed is None:
            continue
        name = relative(path)
        for row in difflib.unified_diff(sources.lines(path) or [], changed.splitlines(), f"a/{name}", f"b/{name}",
                                        n=CONTEXT, lineterm=""):
            kind = ("file" if row.startswith(("---", "+++")) else "hunk" if row.startswith("@@")
                    else "add" if row.startswith("+") else "del" if row.startswith("-") else "same")
            rows.append(el("span", _clip(row), class_=f"line {kind}"))
    return el("pre", el("code", join(rows)), class_="diff") if rows else None


def _apply(text: str, edits: Sequence[Any]) -> str | None:
    """The text with the edits applied, or None when they overlap or fall outside it."""
    try:
        ordered = sorted(edits, key=lambda edit: (int(edit.start), int(edit.end)))
    except (TypeError, ValueError, AttributeError):
        return None
    pieces, position = [], 0
    for edit in ordered:
        start, end = int(edit.start), int(edit.end)
        if start < position or end < start or end > len(text):
            return None
        pieces += [text[position:start], str(edit.replacement)]
        position = end
    return "".join(pieces) + text[position:]
