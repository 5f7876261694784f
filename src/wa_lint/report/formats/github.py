"""GitHub Actions workflow commands: one annotation per finding, plus a Markdown step summary.

The runner parses `::level key=value,...::message`; the escaping below is the runner's own
(`%` first, then CR and LF; properties also `:` and `,`), so no text from a template, a file name
or a message can end the command early or start a new one. GitHub shows at most 10 annotations of
each level per step, hence the summary with every finding (`$GITHUB_STEP_SUMMARY`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from wa_lint.report.findings import Severity
from wa_lint.report.formats import printable, text_only
from wa_lint.result import RunResult
from wa_lint.words import plural

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    # Control characters (ANSI escapes) are shown, not obeyed, in the log; newlines stay newlines.
    text = text_only(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(text)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, properties: dict[str, object], message: str) -> str:
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{level} {rendered}::{escape_data(message)}\n" if rendered else f"::{level}::{escape_data(message)}\n"


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    in_project = result.names.in_project
    for finding in result.findings:
        span = finding.span
        properties: dict[str, object] = {"file": in_project(span.path), "line": span.line}
        if span.end_line > span.line:
            properties["endLine"] = span.end_line  # the runner rejects columns on multi-line ranges
        else:
            properties["col"] = span.column
            if span.end_column > span.column:
                properties["endColumn"] = span.end_column
        properties["title"] = f"{finding.code} {finding.name}"
        lens = finding.lens
        message = f"{finding.message}\nfix: {finding.fix}\n{lens.question} · {lens.best_practice} ({lens.pillar})"
        out.write(_command(LEVELS[finding.severity], properties, message))
    for diagnostic in result.diagnostics:
        properties = {"file": in_project(diagnostic.path)} if diagnostic.path else {}
        out.write(_command("error" if diagnostic.kind == "error" else "notice", properties,
                           f"wa-lint: {diagnostic.message}"))


def _cell(text: str) -> str:
    """Markdown table cell text: no HTML, no line breaks, no column breaks, no code-span escapes."""
    text = printable(text).replace("\r", " ").replace("\n", " ")
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("`", "'")):
        text = text.replace(raw, safe)
    return text


def summary_markdown(result: RunResult) -> str:
    in_project = result.names.in_project
    lines = ["## wa-lint", ""]
    if not result.findings:
        lines.append("No findings.")
    else:
        counts = {str(s): sum(1 for f in result.findings if f.severity == s) for s in reversed(Severity)}
        total = len(result.findings)
        lines.append(f"{plural(total, 'finding')}: "
                     + ", ".join(plural(n, name) for name, n in counts.items() if n))
        lines += ["", "| Severity | Code | Location | Message | Fix | Lens |", "| --- | --- | --- | --- | --- | --- |"]
        for finding in result.findings:
            span = finding.span
            where = f"{in_project(span.path)}:{span.line}"
            lens = finding.lens
            lines.append(
                f"| {finding.severity} | {finding.code} {finding.name} | `{_cell(where)}` | {_cell(finding.message)} "
                f"| {_cell(finding.fix)} | {_cell(f'{lens.question} · {lens.best_practice}')} |"
            )
    return "\n".join(lines) + "\n\n"


def write_step_summary(result: RunResult, environ: Mapping[str, str] = os.environ) -> None:
    """Append the summary to `$GITHUB_STEP_SUMMARY` (several steps share the file), when it is set."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(summary_markdown(result))
