"""JUnit XML for CI test-report views: one testcase per rule × file, failing when it has findings.

Every rule that ran gets a testcase for every file it reads (template rules: templates, code rules:
Python files), so a clean run shows passing tests rather than an empty report. Built with
xml.etree; text that XML 1.0 cannot carry (control characters, lone surrogates) is shown escaped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from wa_lint.report.findings import Finding
from wa_lint.report.formats import line_start_safe, one_line, printable
from wa_lint.result import RunResult

_NOT_XML = re.compile("[\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda match: f"\\u{ord(match.group()):04x}", printable(text))


def _files(result: RunResult) -> dict[str, list[Path]]:
    project = result.project
    templates = [template.path for template in project.templates]
    python = sorted(set(project.modules) - set(templates))
    if project.reported_paths is not None:
        templates = [p for p in templates if project.is_reported(p)]
        python = [p for p in python if project.is_reported(p)]
    return {"template": templates, "code": python, "project": templates + python, "tool": templates + python}


def report(result: RunResult, out: TextIO, colour: bool) -> None:
    in_project = result.names.in_project
    by_case: dict[tuple[str, Path], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_case[(finding.code, finding.span.path)].append(finding)
    files = _files(result)
    cases = set(by_case)
    for code in result.enabled:
        rule = result.rules.get(code)
        if rule is not None and rule.status == "active":
            cases.update((code, path) for path in files.get(rule.target, []))

    suites = ET.Element("testsuites", name="wa-lint")
    suite = ET.SubElement(suites, "testsuite", name="wa-lint")
    failures = 0
    for code, path in sorted(cases, key=lambda case: (case[0], in_project(case[1]))):
        where = in_project(path)
        case = ET.SubElement(suite, "testcase", classname=xml_text(f"wa-lint.{code}"), name=xml_text(where),
                             file=xml_text(where))
        findings = by_case.get((code, path))
        if findings:
            failures += 1
            first = findings[0]
            failure = ET.SubElement(case, "failure", type=code,
                                    message=xml_text(f"{len(findings)} × {code} [{first.name}]: {first.message}"))
            failure.text = xml_text("\n".join(
                f"{line_start_safe(one_line(where))}:{f.span.line}:{f.span.column}: {f.code} [{f.name}] {one_line(f.message)}\n"
                f"  fix: {one_line(f.fix)}\n"
                f"  {f.lens.question} · {f.lens.best_practice} ({f.lens.pillar})"
                for f in findings
            ))
    errors = [d for d in result.diagnostics if d.kind == "error"]
    for diagnostic in errors:
        case = ET.SubElement(suite, "testcase", classname="wa-lint.run",
                             name=xml_text(in_project(diagnostic.path) if diagnostic.path else "run"))
        ET.SubElement(case, "error", message=xml_text(diagnostic.message))
    total = len(suite)
    for element in (suites, suite):
        element.set("tests", str(total))
        element.set("failures", str(failures))
        element.set("errors", str(len(errors)))
        element.set("time", f"{result.stats.seconds:.3f}")
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
