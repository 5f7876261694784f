"""The JSON report: a public contract, documented in README.md ("JSON output")."""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from wa_lint import __version__
from wa_lint.report.findings import Edit, Evidence, Finding, Fix
from wa_lint.report.formats import dump_json
from wa_lint.result import RunResult, relative


def edit_dict(edit: Edit) -> dict[str, Any]:
    return {
        "path": relative(edit.path),
        "start": edit.start,
        "end": edit.end,
        "line": edit.line,
        "column": edit.column,
        "end_line": edit.end_line,
        "end_column": edit.end_column,
        "replacement": edit.replacement,
    }


def fix_dict(fix: Fix) -> dict[str, Any]:
    return {"title": fix.title, "applicability": str(fix.applicability), "edits": [edit_dict(e) for e in fix.edits]}


def evidence_dict(evidence: Evidence) -> dict[str, Any]:
    return {
        "source": evidence.source,
        "metric": evidence.metric,
        "path": relative(evidence.path) if evidence.path else None,
        "statistic": evidence.statistic,
        "window": evidence.window,
        "value": evidence.value,
        "unit": evidence.unit,
    }


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
        # A deferred fix the template turned out not to allow has no edits: nothing to offer.
        "fixes": [fix_dict(fix) for fix in finding.fixes if fix.edits],
        "evidence": [evidence_dict(item) for item in finding.evidence],
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
            "framework_files": dict(sorted(result.stats.frameworks.items())),
            "functions": result.stats.functions,
            "functions_with_code": result.stats.functions_with_code,
            "findings": len(result.findings),
            "by_severity": {name: severities.get(name, 0) for name in ("error", "warning", "info")},
            "by_code": dict(sorted(codes.items())),
            "seconds": round(result.stats.seconds, 3),
        },
    }


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    dump_json(document(result), out)
