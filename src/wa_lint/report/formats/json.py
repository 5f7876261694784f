"""The JSON report: a public contract, documented in README.md ("JSON output")."""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from wa_lint import __version__
from wa_lint.result import RunResult, relative
from wa_lint.report.findings import Finding
from wa_lint.report.formats import dump_json


def finding_dict(finding: Finding) -> dict[str, Any]:
    span = finding.span
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": str(finding.severity),
        "path": relative(span.path),
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "message": finding.message,
        "fix": finding.fix,
        "resource": finding.resource,
        "function": finding.function,
        "lens": finding.lens.as_dict(),
    }


def document(result: RunResult) -> dict[str, Any]:
    severities = Counter(str(finding.severity) for finding in result.findings)
    codes = Counter(finding.code for finding in result.findings)
    return {
        "version": __version__,
        "findings": [finding_dict(finding) for finding in result.findings],
        "errors": [
            {"path": relative(d.path) if d.path else None, "message": d.message, "kind": d.kind}
            for d in result.diagnostics
        ],
        "summary": {
            "templates": result.stats.templates,
            "python_files": result.stats.python_files,
            "findings": len(result.findings),
            "by_severity": {name: severities.get(name, 0) for name in ("error", "warning", "info")},
            "by_code": dict(sorted(codes.items())),
            "seconds": round(result.stats.seconds, 3),
        },
    }


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    dump_json(document(result), out)
