"""The report stage: violations become findings (message templates filled in, severity and Lens mapping
from the rule), suppressed ones are dropped (and the suppressions judged), duplicates merged, and the
rest sorted for the reporters."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wa_lint.check.registry import Rule
from wa_lint.config import Config
from wa_lint.link.model import Project
from wa_lint.report.findings import DeferredFix, Diagnostic, Finding, Severity, Violation
from wa_lint.report.suppressions import Suppressor


class _Values(dict[str, Any]):
    """Message templates never fail: a missing value shows as its placeholder."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def finding(violation: Violation, rule: Rule, config: Config) -> Finding:
    args = _Values({"function": violation.function, "resource": violation.resource, **violation.args})
    message = rule.message.format_map(args)
    if violation.detail:
        message += violation.detail
    severity = config.severity.get(rule.code)
    fix = rule.fix.format_map(args)
    return Finding(
        code=rule.code,
        name=rule.name,
        # A measurement may set one finding's severity, over the rule's and the configuration's.
        severity=violation.severity or (Severity.parse(severity) if severity else rule.severity),
        span=violation.span,
        message=message,
        fix=fix,
        lens=rule.lens,
        resource=violation.resource,
        function=violation.function,
        fixes=(violation.fix.titled(fix),) if violation.fix else (),
        evidence=violation.evidence,
    )


def report_stage(violations: Iterable[Violation], project: Project, rules: dict[str, Rule], enabled: set[str],
                 config: Config) -> list[Finding]:
    def findings(found: Iterable[Violation]) -> list[Finding]:
        return [finding(violation, rules[violation.code], config) for violation in found
                if violation.code in enabled and project.is_reported(violation.span.path)]

    kept, problems = Suppressor(config, project, enabled, rules).apply(findings(violations))
    unique = {(f.code, f.span, f.message): f for f in [*kept, *findings(problems)]}
    reported = sorted(unique.values(), key=Finding.sort_key)
    _batch_fixes(reported, project.cache_folder)
    return reported


def _batch_fixes(findings: Iterable[Finding], cache_folder: Path | None) -> None:
    """The deferred fixes reported, handed to their classes to be built together when first read."""
    kinds: dict[type[DeferredFix], list[DeferredFix]] = {}
    for reported in findings:
        for fix in reported.fixes:
            if isinstance(fix, DeferredFix):
                kinds.setdefault(type(fix), []).append(fix)
    for kind, fixes in kinds.items():
        kind.batch(fixes, cache_folder)


def reported_diagnostics(diagnostics: Iterable[Diagnostic], project: Project) -> list[Diagnostic]:
    # A file skipped as a handler is met again as a handler candidate: one note is enough.
    return [d for d in dict.fromkeys(diagnostics)
            if d.path is None or d.kind == "error" or project.is_reported(d.path)]
