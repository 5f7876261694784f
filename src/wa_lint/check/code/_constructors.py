"""What PERF101 and PERF102 share: report constructor calls on per-invocation paths."""

from __future__ import annotations

from collections.abc import Iterator

from wa_lint.analyse.python.callgraph import (
    ConstructorSite,
    constructor_sites,
    custom_resource_handler,
    describe,
)
from wa_lint.analyse.python.constructors import display
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Span, Violation

# A variable name for the fix snippet when the call is not assigned to one.
_VARIABLES = {"resource": "resource", "Session": "session", "session": "session", "connect": "connection",
              "create_engine": "engine", "PoolManager": "http"}
_CREATE = {"PERF101": "create it once at module scope",
           "PERF102": "open it once at module scope (or lazily, into a module-level variable)"}


def violations(code: str, entry: Entry, project: Project, names: frozenset[str]) -> Iterator[Violation]:
    """The entry's per-invocation calls to one of `names` (a site several entries reach is reported once,
    for the first of them, by the check stage)."""
    if custom_resource_handler(project, entry):
        return
    for site in constructor_sites(project, entry, names).values():
        yield _violation(code, entry, site)


def _violation(code: str, entry: Entry, site: ConstructorSite) -> Violation:
    call = site.call
    name = display(site.name)
    path = f" ({describe(site.path, name)})" if len(site.path) > 1 else ""
    variable = call.assigned_to or _VARIABLES.get(site.name.rsplit(".", 1)[-1], "client")
    text = f"{variable} = {call.text}" if call.text else f"{variable} = {name}(...)"
    if site.from_event:
        advice = (f"it is configured from the event, so keep one per configuration in a module-level dict: "
                  f"`if key not in _clients: _clients[key] = {call.text or name + '(...)'}`")
    else:
        advice = f"{_CREATE[code]} and reuse it: `{text}` above the handler"
    return Violation(
        code,
        Span(site.facts.path, call.line, call.column, call.end_line, call.end_column),
        {"constructor": name, "path": path, "advice": advice},
        resource=entry.function.logical_id if entry.function else None,
        function=entry.label,
    )
