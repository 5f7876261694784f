"""GitLab Code Quality report (the Code Climate subset GitLab reads) for merge request widgets."""

from __future__ import annotations

from typing import Any, TextIO

from wa_lint.report.findings import Severity
from wa_lint.report.fingerprints import fingerprints
from wa_lint.report.formats import dump_json
from wa_lint.result import RunResult

# GitLab's scale is info < minor < major < critical < blocker; wa-lint's errors are real defects but
# none blocks a deploy by itself, so they map to major.
SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def document(result: RunResult) -> list[dict[str, Any]]:
    in_project = result.names.in_project
    return [
        {
            "type": "issue",
            "check_name": finding.code,
            "description": f"{finding.code} [{finding.name}] {finding.message}",
            "content": {"body": f"Fix: {finding.fix}"},
            "categories": ["Security" if finding.lens.pillar == "Security" else "Performance"
                           if finding.lens.pillar == "Performance efficiency" else "Bug Risk"],
            "fingerprint": fingerprint,
            "severity": SEVERITIES[finding.severity],
            "location": {
                "path": in_project(finding.span.path),
                "lines": {"begin": finding.span.line, "end": max(finding.span.end_line, finding.span.line)},
            },
        }
        for finding, fingerprint in zip(result.findings, fingerprints(result.findings, result.project, in_project),
                                        strict=True)
    ]


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    dump_json(document(result), out)
