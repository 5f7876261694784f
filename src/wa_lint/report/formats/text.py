"""Human-readable output in the style of ruff: `concise` (one location line per finding, the Lens tag,
the fix) and `full` (the same, with the offending source line(s) and a caret range under the span).

Findings and the summary go to `out`; notes about the run (skipped files, errors) go to `notes`
(the CLI passes standard error, as ruff does), or to `out` when no separate stream is given.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from wa_lint.report.findings import Evidence, Finding, LensRef, Severity
from wa_lint.report.formats import display_path, line_start_safe, one_line, printable
from wa_lint.result import RunResult
from wa_lint.words import plural

_SEVERITY_COLOUR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
# A finding's source is shown up to this many lines; longer spans show their start and end.
_MAX_LINES = 6
# Lines longer than this (minified JSON templates) are shown as a window around the span.
_MAX_WIDTH = 120
_TAB = 4
# A file is read for its snippet only up to this size: the run itself skips larger ones.
_MAX_SOURCE_BYTES = 8 * 1024 * 1024
# What a terminal would obey rather than show, among ASCII characters (a tab is expanded).
_ASCII_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _evidence(item: Evidence) -> str:
    """`REPORT Max Memory Used Maximum 90 MB over 14 days (cloudwatch-logs)`."""
    what = item.metric or (display_path(item.path) if item.path else item.source)
    unit = f" {item.unit}" if item.unit else ""
    window = f" over {item.window}" if item.window else ""
    return f"{what} {item.statistic} {item.value}{unit}{window} ({item.source})"


class Sources:
    """The lines of each reported file, split once and only for files with a finding: a template's text
    as the run loaded it, other files from disk (invalid UTF-8 replaced; a file that vanished or
    cannot be read has no snippet). `latest_only`: only the last file asked for is kept, for a reader
    that takes the findings in order, file by file (every Python file's lines held at once were a
    tenth of a 10,000-function run's memory)."""

    def __init__(self, result: RunResult, latest_only: bool = False) -> None:
        self.lines: dict[Path, list[str] | None] = {}
        self.store = result.project.sources
        self.latest_only = latest_only

    def get(self, path: Path) -> list[str] | None:
        if path not in self.lines:
            if self.latest_only:
                self.lines.clear()
            self.lines[path] = self._read(path)
        return self.lines[path]

    def _read(self, path: Path) -> list[str] | None:
        known = self.store.get(path) if self.store is not None else None
        if known is not None and path.suffix != ".py":
            return known.text.splitlines()  # a template, as it was loaded
        return self._read_file(path)

    @staticmethod
    def _read_file(path: Path) -> list[str] | None:
        try:
            with path.open("rb") as handle:
                raw = handle.read(_MAX_SOURCE_BYTES + 1)
        except OSError:
            return None
        if len(raw) > _MAX_SOURCE_BYTES:
            return None
        from wa_lint.analyse.python.source import SourceError, decode_python

        try:
            # As the analysis decoded it (coding cookies, BOM), so columns line up.
            text = decode_python(raw) if path.suffix == ".py" else raw.decode("utf-8-sig")
        except (SourceError, UnicodeDecodeError):
            text = raw.decode("utf-8", errors="replace")
        return text.splitlines()


def _cells(line: str) -> tuple[str, Sequence[int]]:
    """What a terminal shows for `line` (tabs expanded, controls escaped), and the display column at
    which each character (and the end of the line) starts."""
    if line.isascii() and _ASCII_CONTROL.search(line) is None:
        return line, range(len(line) + 1)  # most lines: one column per character, shown as written
    shown: list[str] = []
    starts: list[int] = []
    column = 0
    for char in line:
        starts.append(column)
        if char == "\t":
            text = " " * (_TAB - column % _TAB)
        else:
            text = printable(char)
        shown.append(text)
        width = 2 if len(text) == 1 and unicodedata.east_asian_width(text) in "WF" else len(text)
        column += width
    starts.append(column)
    return "".join(shown), starts


def _marked(line: str, start: int, end: int) -> tuple[str, str]:
    """The line as shown, and the carets under characters [start, end) (at least one caret)."""
    if len(line) > _MAX_WIDTH:
        left = max(0, min(start - 20, len(line) - _MAX_WIDTH))
        right = min(len(line), max(left + _MAX_WIDTH, min(end, left + _MAX_WIDTH)))
        prefix, suffix = ("…" if left else ""), ("…" if right < len(line) else "")
        line, start, end = line[left:right], start - left, min(end, right) - left
        shown, starts = _cells(line)
        offset = 1 if prefix else 0
        text = prefix + shown + suffix
    else:
        text, starts = _cells(line)
        offset = 0
    start = min(max(start, 0), len(line))
    end = min(max(end, start), len(line))
    carets = max(starts[end] - starts[start], 1)
    return text.rstrip(), " " * (starts[start] + offset) + "^" * carets


def snippet(finding: Finding, lines: list[str] | None, colour: bool) -> list[str]:
    """The source lines of the finding's span with carets under it, ruff-style; [] when unavailable."""
    span = finding.span
    last = max(span.end_line, span.line)
    if lines is None or not 1 <= span.line <= len(lines):
        return []
    last = min(last, len(lines))
    numbers = list(range(span.line, last + 1))
    if len(numbers) > _MAX_LINES:
        numbers = numbers[: _MAX_LINES - 2] + [0] + numbers[-1:]  # 0: the elision mark
    gutter = len(str(last))
    bar = " " * gutter + " |"
    paint = "1;" + _SEVERITY_COLOUR[finding.severity]
    out = [_paint(bar, "34", colour)]
    for number in numbers:
        if number == 0:
            out.append(_paint(" " * (gutter - 1) + "… |", "34", colour))
            continue
        line = lines[number - 1]
        start = span.column - 1 if number == span.line else len(line) - len(line.lstrip())
        end = span.end_column - 1 if number == span.end_line and span.end_line >= span.line else len(line)
        if number == span.line == span.end_line and span.end_column <= span.column:
            end = start + 1  # a point: one caret
        text, carets = _marked(line, start, end)
        out.append(_paint(f"{number:>{gutter}} |", "34", colour) + (f" {text}" if text else ""))
        label = f" {finding.code}" if number == numbers[-1] else ""
        out.append(_paint(bar, "34", colour) + " " + _paint(carets + label, paint, colour))
    out.append(_paint(bar, "34", colour))
    return out


def coverage(result: RunResult) -> str:
    """What was read and linked: `2 templates, 1 serverless.yml and 3 Python files; 5 functions, 4 with local code`."""
    stats = result.stats
    read = [plural(stats.templates, "template")]
    read += [plural(count, _FRAMEWORK_FILES.get(name, name)) for name, count in sorted(stats.frameworks.items())]
    text = ", ".join(read) + f" and {plural(stats.python_files, 'Python file')}"
    if stats.functions:
        text += f"; {plural(stats.functions, 'function')}, {stats.functions_with_code} with local code"
    return text


_FRAMEWORK_FILES = {"serverless": "serverless.yml", "cdk": "cdk.json"}


def write(result: RunResult, out: TextIO, colour: bool, *, notes: TextIO | None = None, full: bool = False,
          quiet: bool = False, took: str | None = None) -> None:
    """`quiet`: findings and errors only (no skip notes, no summary), as ruff's `-q`; `took`: what the
    summary says in place of the run's duration, `(0.42s)`."""
    notes = notes or out
    sources = Sources(result, latest_only=True) if full else None  # the findings come file by file
    file_names: dict[Path, str] = {}  # each file's name as shown, worked out once
    # A rule's findings share their best practice and mostly their fix: each line is made once.
    lens_lines: dict[LensRef, str] = {}
    fix_lines: dict[str, str] = {}
    for index, finding in enumerate(result.findings):
        span = finding.span
        name = file_names.get(span.path)
        if name is None:
            name = file_names[span.path] = line_start_safe(one_line(result.names.relative(span.path)))
        where = _paint(f"{name}:{span.line}:{span.column}:", "1", colour)
        code = _paint(finding.code, "1;" + _SEVERITY_COLOUR[finding.severity], colour)
        # One write per finding, of its lines as they are: the CLI keeps a report as the pieces written,
        # and a line of ASCII costs a byte a character (the lens and fix lines, shared, cost nothing).
        lines = ["\n"] if full and index else []
        lines.append(f"{where} {code} [{finding.name}] {one_line(finding.message)}\n")
        if sources is not None:
            lines.extend(line + "\n" for line in snippet(finding, sources.get(span.path), colour))
        lens = finding.lens
        lens_line = lens_lines.get(lens)
        if lens_line is None:
            lens_line = lens_lines[lens] = _paint(
                f"  {lens.question} · {lens.best_practice} ({lens.pillar})", "2", colour) + "\n"
        fix_line = fix_lines.get(finding.fix)
        if fix_line is None:
            fix_line = fix_lines[finding.fix] = f"  {_paint('fix:', '32', colour)} {one_line(finding.fix)}\n"
        lines += (lens_line, fix_line)
        if finding.evidence:
            shown = "; ".join(_evidence(item) for item in finding.evidence)
            lines.append(_paint(f"  evidence: {one_line(shown)}", "2", colour) + "\n")
        out.writelines(lines)
    errors = 0
    if notes is not out:
        out.flush()  # what the user sees when both streams share a terminal: findings, notes, summary
    for diagnostic in result.diagnostics:
        is_error = diagnostic.kind == "error"
        errors += is_error
        if quiet and not is_error:
            continue
        where = f"{display_path(diagnostic.path)}: " if diagnostic.path else ""
        label, paint = {"error": ("error", "1;31"), "warning": ("warning", "1;33")}.get(diagnostic.kind, ("note", "2"))
        notes.write(_paint(f"{label}: {where}{one_line(diagnostic.message)}", paint, colour) + "\n")
    if notes is not out:
        notes.flush()
    if quiet:
        return
    stats = result.stats
    read = coverage(result)
    took = took or f"({stats.seconds:.2f}s)"
    if not result.findings:
        if any(d.kind == "warning" and d.path is None for d in result.diagnostics):
            # The run found nothing to check (ruff: "No Python files found"): not a clean bill of health.
            out.write(_paint("Nothing checked", "1;33", colour) + f": no findings because nothing was read "
                      f"({read}) {took}.\n")
        elif errors:  # something asked for was not checked: never "All checks passed"
            out.write(_paint(f"No findings in {read}, but {plural(errors, 'error')}", "1;31", colour)
                      + f" {took}.\n")
        else:
            out.write(_paint("All checks passed", "1;32", colour) + f": no findings in {read} {took}.\n")
        return
    counts = Counter(finding.severity for finding in result.findings)
    by_severity = ", ".join(plural(counts[severity], str(severity)) for severity in sorted(counts, reverse=True))
    total = _paint(f"Found {plural(len(result.findings), 'finding')}", "1", colour)
    out.write(f"\n{total} ({by_severity}) in {read} {took}.\n")


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    """The concise report, notes included (the `text` reporter)."""
    write(result, out, colour)


def report_full(result: RunResult, out: TextIO, colour: bool) -> None:
    write(result, out, colour, full=True)
