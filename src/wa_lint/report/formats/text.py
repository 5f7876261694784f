"""Human-readable output in the style of ruff: one line per finding, the Lens tag, the fix, a summary."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from wa_lint.pipeline import RunResult
from wa_lint.report.findings import Evidence, Severity
from wa_lint.report.formats import display_path, one_line

_SEVERITY_COLOUR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _evidence(item: Evidence) -> str:
    """`REPORT Max Memory Used Maximum 90 MB over 14 days (cloudwatch-logs)`."""
    what = item.metric or (display_path(item.path) if item.path else item.source)
    unit = f" {item.unit}" if item.unit else ""
    window = f" over {item.window}" if item.window else ""
    return f"{what} {item.statistic} {item.value}{unit}{window} ({item.source})"


def coverage(result: RunResult) -> str:
    """What was read and linked: `2 templates, 1 serverless.yml and 3 Python files; 5 functions, 4 with local code`."""
    stats, functions = result.stats, result.project.functions
    read = [_plural(stats.templates, "template")]
    read += [_plural(count, _FRAMEWORK_FILES.get(name, name)) for name, count in sorted(stats.frameworks.items())]
    text = ", ".join(read) + f" and {_plural(stats.python_files, 'Python file')}"
    if functions:
        linked = sum(1 for function in functions if function.handler is not None and function.handler.file is not None)
        text += f"; {_plural(len(functions), 'function')}, {linked} with local code"
    return text


_FRAMEWORK_FILES = {"serverless": "serverless.yml", "cdk": "cdk.json"}


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    for finding in result.findings:
        span = finding.span
        where = _paint(f"{display_path(span.path)}:{span.line}:{span.column}:", "1", colour)
        code = _paint(finding.code, "1;" + _SEVERITY_COLOUR[finding.severity], colour)
        out.write(f"{where} {code} [{finding.name}] {one_line(finding.message)}\n")
        lens = finding.lens
        out.write(_paint(f"  {lens.question} · {lens.best_practice} ({lens.pillar})", "2", colour) + "\n")
        out.write(f"  {_paint('fix:', '32', colour)} {one_line(finding.fix)}\n")
        if finding.evidence:
            shown = "; ".join(_evidence(item) for item in finding.evidence)
            out.write(_paint(f"  evidence: {one_line(shown)}", "2", colour) + "\n")
    for diagnostic in result.diagnostics:
        where = f"{display_path(diagnostic.path)}: " if diagnostic.path else ""
        label, paint = {"error": ("error", "1;31"), "warning": ("warning", "1;33")}.get(diagnostic.kind, ("note", "2"))
        out.write(_paint(f"{label}: {where}{one_line(diagnostic.message)}", paint, colour) + "\n")
    stats = result.stats
    read = coverage(result)
    if not result.findings and any(d.kind == "warning" and d.path is None for d in result.diagnostics):
        out.write(_paint("Nothing checked", "1;33", colour) + f": no findings because nothing was read ({read}, "
                  f"{stats.seconds:.2f}s).\n")
        return
    if not result.findings:
        out.write(_paint("All checks passed", "1;32", colour) + f": no findings in {read} ({stats.seconds:.2f}s).\n")
        return
    counts = Counter(finding.severity for finding in result.findings)
    by_severity = ", ".join(
        _plural(counts[severity], str(severity)) for severity in sorted(counts, reverse=True)
    )
    if result.findings:
        out.write("\n")
    total = _paint(f"Found {_plural(len(result.findings), 'finding')}", "1", colour)
    out.write(f"{total} ({by_severity}) in {read} ({stats.seconds:.2f}s).\n")
