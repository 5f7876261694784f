"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Paths are relative to the project root (the git work tree) under the `SRCROOT` base, which is what
code scanning resolves against the checkout. Fingerprints are line-independent (see fingerprints.py),
so an alert survives edits above it. Columns and character offsets count Unicode code points
(`columnKind`), as wa-lint's positions do; offsets are into the text with a byte order mark removed.
A finding's machine-applicable fixes are `result.fixes[]` (their applicability, which SARIF has no
field for, in the fix's properties); what it rests on is `result.properties.evidence`.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any, TextIO

from wa_lint import __version__
from wa_lint.check.registry import Rule
from wa_lint.report.findings import Edit, Finding, Fix, Severity
from wa_lint.report.fingerprints import fingerprints
from wa_lint.report.formats import dump_json, text_only
from wa_lint.report.formats.json import evidence_dict
from wa_lint.result import RunResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/wa-lint/wa-lint"
RULE_DOC_URI = INFORMATION_URI + "/blob/main/rules/{code}.md"
FINGERPRINT_KEY = "waLintFingerprint/v1"
BASE_ID = "SRCROOT"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
_SECTION = re.compile(r"^## What it does\n(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def _what_it_does(rule: Rule) -> str:
    match = _SECTION.search(rule.doc)
    return " ".join(match.group(1).split()) if match else rule.summary


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    lens = rule.lens
    tags = ["well-architected", lens.pillar, lens.question, *(also.question for also in rule.also)]
    properties: dict[str, Any] = {}
    if lens.pillar == "Security":
        # GitHub files these as security alerts and ranks them by this CVSS-like score.
        tags.append("security")
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _what_it_does(rule)},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": RULE_DOC_URI.format(code=rule.code),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": list(dict.fromkeys(tags)), "lens": lens.as_dict(), **properties},
    }


def _uri(path: str) -> str:
    return urllib.parse.quote(text_only(path), safe="/")


def _artifact(path: Path, result: RunResult) -> dict[str, Any]:
    return {"uri": _uri(result.names.in_project(path)), "uriBaseId": BASE_ID}


def _replacement(edit: Edit) -> dict[str, Any]:
    return {
        "deletedRegion": {
            "charOffset": edit.start,
            "charLength": edit.end - edit.start,
            "startLine": edit.line,
            "startColumn": edit.column,
            "endLine": edit.end_line,
            "endColumn": edit.end_column,
        },
        "insertedContent": {"text": edit.replacement},
    }


def _fix(fix: Fix, result: RunResult) -> dict[str, Any]:
    by_path: dict[Path, list[Edit]] = {}
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {"artifactLocation": _artifact(path, result), "replacements": [_replacement(e) for e in edits]}
            for path, edits in by_path.items()
        ],
        "properties": {"applicability": str(fix.applicability)},
    }


def _evidence(finding: Finding, result: RunResult) -> list[dict[str, Any]]:
    # Paths as the rest of the log has them: relative to the project root.
    return [evidence_dict(item, result.names.in_project) for item in finding.evidence]


def _result(finding: Finding, index: int, fingerprint: str, result: RunResult) -> dict[str, Any]:
    span = finding.span
    end_line = max(span.end_line, span.line)
    region = {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": end_line,
        "endColumn": span.end_column if end_line > span.line else max(span.end_column, span.column),
    }
    properties: dict[str, Any] = {"fix": finding.fix}
    if finding.resource:
        properties["resource"] = finding.resource
    if finding.function:
        properties["function"] = finding.function
    if finding.evidence:
        properties["evidence"] = _evidence(finding, result)
    sarif_result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": _artifact(span.path, result),
                "region": region,
            }
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": properties,
    }
    # SARIF requires at least one change per fix: a fix without edits is the prose in `properties.fix`.
    fixes = [_fix(fix, result) for fix in finding.fixes if fix.edits]
    if fixes:
        sarif_result["fixes"] = fixes
    return sarif_result


def document(result: RunResult) -> dict[str, Any]:
    ran = {code for code in result.enabled if code in result.rules and result.rules[code].status != "planned"}
    codes = sorted(ran | {finding.code for finding in result.findings})
    rules = [result.rules[code] for code in codes if code in result.rules]
    index = {rule.code: position for position, rule in enumerate(rules)}
    notifications = []
    for diagnostic in result.diagnostics:
        notification: dict[str, Any] = {
            "level": "error" if diagnostic.kind == "error" else "note",
            "message": {"text": diagnostic.message},
        }
        if diagnostic.path:
            notification["locations"] = [{"physicalLocation": {"artifactLocation": {
                "uri": _uri(result.names.in_project(diagnostic.path)), "uriBaseId": BASE_ID}}}]
        notifications.append(notification)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "wa-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(rule) for rule in rules],
            }},
            "originalUriBaseIds": {BASE_ID: {"uri": result.project.root.resolve().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": not any(d.kind == "error" for d in result.diagnostics),
                "toolExecutionNotifications": notifications,
            }],
            "results": [
                _result(finding, index[finding.code], fingerprint, result)
                for finding, fingerprint in zip(result.findings, fingerprints(result.findings, result.project, result.names.in_project),
                                                strict=True)
            ],
        }],
    }


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    dump_json(document(result), out)
