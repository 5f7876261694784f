"""What PERF101 and PERF102 share: report constructor calls on per-invocation paths."""

from __future__ import annotations

from collections.abc import Iterator

from wa_lint.findings import Span, Violation
from wa_lint.model import Entry, Project
from wa_lint.python.callgraph import ConstructorSite, constructor_sites, describe, first_reports
from wa_lint.python.constructors import display


def violations(code: str, entry: Entry, project: Project, names: frozenset[str]) -> Iterator[Violation]:
    found = first_reports(project, entry, constructor_sites(project, entry, names),
                          lambda other: constructor_sites(project, other, names))
    for site in found.values():
        yield _violation(code, entry, site)


def _violation(code: str, entry: Entry, site: ConstructorSite) -> Violation:
    call = site.call
    name = display(site.name)
    path = f" ({describe(site.path, name)})" if len(site.path) > 1 else ""
    if call.text:
        suggestion = f"{call.assigned_to} = {call.text}" if call.assigned_to else call.text
    else:
        suggestion = f"{call.assigned_to or 'client'} = {name}(...)"
    return Violation(
        code,
        Span(site.facts.path, call.line, call.column, call.end_line, call.end_column),
        {"constructor": name, "path": path, "suggestion": suggestion},
        resource=entry.function.logical_id if entry.function else None,
        function=entry.label,
    )
