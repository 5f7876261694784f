"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Paths are relative to the project root (the git work tree) under the `SRCROOT` base, which is what
code scanning resolves against the checkout. Fingerprints are line-independent (see fingerprints.py),
so an alert survives edits above it.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, TextIO

from wa_lint import __version__
from wa_lint.result import RunResult
from wa_lint.report.findings import Finding, Severity
from wa_lint.report.fingerprints import fingerprints, project_path
from wa_lint.check.registry import Rule
from wa_lint.report.formats import dump_json, text_only

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
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(project_path(span.path, result.project.root)), "uriBaseId": BASE_ID},
                "region": region,
            }
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": properties,
    }


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
                "uri": _uri(project_path(diagnostic.path, result.project.root)), "uriBaseId": BASE_ID}}}]
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
            "invocations": [{
                "executionSuccessful": not any(d.kind == "error" for d in result.diagnostics),
                "toolExecutionNotifications": notifications,
            }],
            "results": [
                _result(finding, index[finding.code], fingerprint, result)
                for finding, fingerprint in zip(result.findings, fingerprints(result.findings, result.project),
                                                strict=True)
            ],
        }],
    }


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    dump_json(document(result), out)
