"""The check stage: every enabled rule's check, called per subject as check/contract.py describes.

A check that raises loses only that subject: it becomes one WA002 finding there, and the rule's
findings for every other subject are kept. On a large project the entry rules' subjects are shared
with child processes (check/processes.py); the findings are the same, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from wa_lint.analyse.python.callgraph import entry_order, release_walks
from wa_lint.check.index import Index, Survey
from wa_lint.check.registry import CheckFunction, Rule, wants_index
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


@dataclass(frozen=True)
class Step:
    """One enabled rule's check over its subjects."""

    code: str
    check: CheckFunction
    options: dict[str, Any]
    kind: str
    subjects: list[Any]
    # What a table or project check asks its index of every entry (check/contract.py).
    survey: Survey | None = None


@dataclass
class StepFindings:
    """What one step's checks yielded for a run of its subjects, in subject order; `failures`: the
    positions of the WA002s of subjects whose check raised (kept whatever else a site reports)."""

    violations: list[Violation]
    failures: set[int]


def check_stage(project: Project, rules: dict[str, Rule], enabled: Iterable[str], config: Config,
                debug: bool = False, jobs: int = 1) -> list[Violation]:
    """The enabled rules' violations; `jobs` above one lets a large project's entries be shared with
    child processes."""
    # The rules that follow calls run first, and the walks they share are let go before the others run,
    # whose findings (and their template fixes) then take that room: the run's peak memory is lower.
    # The order of the rules changes no finding (the report stage sorts them).
    ordered = sorted(enabled, key=lambda code: (_kind(rules[code]) not in _CALL_FOLLOWERS, code))
    steps = []
    by_kind: dict[str, list[Any]] = {}  # (the entries sorted once for every entry rule)
    for code in ordered:
        rule = rules[code]
        if rule.check is not None:
            kind = _kind(rule)
            if kind not in by_kind:
                by_kind[kind] = subjects(project, kind)
            options = {**rule.default_options(), **config.rules.get(code, {})}
            steps.append(Step(code, rule.check, options, kind, by_kind[kind], getattr(rule.check, "survey", None)))
    shares = None
    if jobs > 1 and not debug:  # --debug keeps one process, for tracebacks and debuggers
        from wa_lint.check.processes import check_in_processes

        wants_surveys = any(step.survey for step in steps)
        entries = by_kind.get("entry") or (subjects(project, "entry") if wants_surveys else [])
        shares = check_in_processes(steps, project, jobs, entries)
    if shares is None:
        shares = [run_checks(steps, [range(len(step.subjects)) for step in steps], project, debug)]
    return merged(steps, shares)


def run_checks(steps: Sequence[Step], ranges: Sequence[range], project: Project,
               debug: bool, index: Index | None = None) -> list[StepFindings]:
    """Each step's checks over the subjects at `ranges[i]` of its list (with `index`: the memo tables
    and surveys worked out so far)."""
    index = index or Index()
    found: list[StepFindings] = []
    walking = True
    for step, share in zip(steps, ranges, strict=True):
        if walking and step.kind not in _CALL_FOLLOWERS:
            release_walks(project)  # a later rule that follows calls after all works its walk out again
            walking = False
        check, options = step.check, step.options
        extra = {"index": index} if wants_index(check) else {}
        violations: list[Violation] = []
        failures: set[int] = set()
        for position in share:
            subject = step.subjects[position]
            try:
                yielded = list(check(subject, project, options, **extra))
            except Exception as error:  # noqa: BLE001 - one failing rule never stops the run
                failures.add(len(violations))
                violations.append(internal_error(step.code, subject, error, project, debug))
                continue
            violations.extend(yielded)
        found.append(StepFindings(violations, failures))
    release_walks(project)
    return found


def surveys(steps: Sequence[Step]) -> dict[str, Survey]:
    """The surveys the steps declare, each once, by the code of the first step that declares it."""
    found: dict[str, Survey] = {}
    for step in steps:
        if step.survey is not None and step.survey not in found.values():
            found[step.code] = step.survey
    return found


def survey_ahead(steps: Sequence[Step], entries: Sequence[Any], share: range, project: Project,
                 index: Index) -> dict[str, dict[int, Any]]:
    """The steps' surveys of the entries at the positions in `share`, worked out into `index` and
    returned by survey (`surveys`) and position. An entry whose survey raises is left out: the check
    that asks for it then fails as it would have."""
    found: dict[str, dict[int, Any]] = {}
    for code, survey in surveys(steps).items():
        values = found[code] = {}
        for position in share:
            try:
                values[position] = index.survey(survey, entries[position], project)
            except Exception:  # noqa: BLE001, S112 - asked again by the check, which then reports it
                continue
    return found


def merged(steps: Sequence[Step], shares: Sequence[Sequence[StepFindings]]) -> list[Violation]:
    """The steps' violations, from shares of their subjects taken in order: an entry check reports a
    site reached from several entries once, for the first of them."""
    violations: list[Violation] = []
    for position, step in enumerate(steps):
        reported: set[tuple[Any, int, int]] | None = set() if step.kind == "entry" else None
        for share in shares:
            found = share[position]
            if reported is None:
                violations.extend(found.violations)
                continue
            for place, violation in enumerate(found.violations):
                site = (violation.span.path, violation.span.line, violation.span.column)
                if place in found.failures:
                    violations.append(violation)
                elif site not in reported:
                    reported.add(site)
                    violations.append(violation)
    return violations


def check_notes(project: Project) -> list[Diagnostic]:
    """Bounds the checks' call-graph walks reached (callgraph.note_bound): their findings may be
    incomplete. In a stable order: which check walked an entry first depends on how they were shared."""
    bounds = project.lookups.get("bound-notes")
    found = sorted(bounds if isinstance(bounds, dict) else (), key=lambda note: (note[0].as_posix(), note[1]))
    return [Diagnostic(path, message) for path, message in found]
