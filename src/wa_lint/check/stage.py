"""The check stage: every enabled rule's check, called per subject as check/contract.py describes.

A check that raises loses only that subject: it becomes one WA002 finding there, and the rule's
findings for every other subject are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wa_lint.analyse.python.callgraph import entry_order, release_walks
from wa_lint.check.index import Index
from wa_lint.check.registry import Rule, wants_index
from wa_lint.check.tool import internal_error
from wa_lint.config import Config
from wa_lint.link.cadence import entry_occasional_reason
from wa_lint.link.model import Project
from wa_lint.report.findings import Diagnostic, Violation


def subjects(project: Project, kind: str) -> list[Any]:
    if kind == "entry":
        # The order in which entries claim the sites they share (see the contract). Entries that only run
        # on a schedule, a rotation or an alarm come last: a site a request path also reaches is reported
        # for that path, with the rule's severity.
        return sorted(project.entries, key=lambda entry: (entry_occasional_reason(project, entry) is not None,
                                                          entry_order(entry)))
    by_kind: dict[str, list[Any]] = {
        "template": project.templates,
        "function": project.functions,
        "table": project.tables,
        "project": [project],
    }
    return by_kind[kind]


# The subjects of the rules that follow an entry's calls (the call-graph walks the rules share): the
# template and function rules only read the template and the facts.
_CALL_FOLLOWERS = ("entry", "table", "project")


def _kind(rule: Rule) -> str:
    return getattr(rule.check, "subject", "project")


def check_stage(project: Project, rules: dict[str, Rule], enabled: Iterable[str], config: Config,
                debug: bool = False) -> list[Violation]:
    index = Index()
    violations: list[Violation] = []
    # The rules that follow calls run first, and the walks they share are let go before the others run,
    # whose findings (and their template fixes) then take that room: the run's peak memory is lower.
    # The order of the rules changes no finding (the report stage sorts them).
    ordered = sorted(enabled, key=lambda code: (_kind(rules[code]) not in _CALL_FOLLOWERS, code))
    walking = True
    for code in ordered:
        rule = rules[code]
        check = rule.check
        if check is None:
            continue
        options = {**rule.default_options(), **config.rules.get(code, {})}
        kind = _kind(rule)
        if walking and kind not in _CALL_FOLLOWERS:
            release_walks(project)  # a later rule that follows calls after all works its walk out again
            walking = False
        extra = {"index": index} if wants_index(check) else {}
        # An entry check reports a site reached from several entries once, for the first of them.
        reported: set[tuple[Any, int, int]] | None = set() if kind == "entry" else None
        for subject in subjects(project, kind):
            try:
                found = list(check(subject, project, options, **extra))
            except Exception as error:  # noqa: BLE001 - one failing rule never stops the run
                violations.append(internal_error(code, subject, error, project, debug))
                continue
            if reported is None:
                violations.extend(found)
                continue
            for violation in found:
                site = (violation.span.path, violation.span.line, violation.span.column)
                if site not in reported:
                    reported.add(site)
                    violations.append(violation)
    release_walks(project)
    return violations


def check_notes(project: Project) -> list[Diagnostic]:
    """Bounds the checks' call-graph walks reached (callgraph.note_bound): their findings may be incomplete."""
    bounds = project.lookups.get("bound-notes")
    return [Diagnostic(path, message) for path, message in (bounds if isinstance(bounds, dict) else ())]
