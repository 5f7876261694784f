"""What PERF101 and PERF102 share: report constructor calls on per-invocation paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from wa_lint.analyse.python.callgraph import (
    ConstructorSite,
    SiteKey,
    constructor_sites,
    custom_resource_handler,
    describe,
    first_reports,
)
from wa_lint.analyse.python.constructors import display
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Span, Violation

# A variable name for the fix snippet when the call is not assigned to one.
_VARIABLES = {"resource": "resource", "Session": "session", "session": "session", "connect": "connection",
              "create_engine": "engine", "PoolManager": "http"}
_CREATE = {"PERF101": "create it once at module scope",
           "PERF102": "open it once at module scope (or lazily, into a module-level variable)"}


def violations(code: str, project: Project, names: frozenset[str]) -> Iterator[Violation]:
    def sites(entry: Entry) -> dict[SiteKey, ConstructorSite]:
        return {} if custom_resource_handler(project, entry) else constructor_sites(project, entry, names)

    texts: dict[Path, str | None] = {}
    for entry, site in first_reports(project, sites):
        violation = _violation(code, entry, site)
        yield _with_fix(violation, site, texts)


def _with_fix(violation: Violation, site: ConstructorSite, texts: dict[Path, str | None]) -> Violation:
    """The hoisting fix, or why there is none (a finding in inline template code has none)."""
    path = site.facts.path
    if path.suffix != ".py":
        return violation
    from wa_lint.fix.python import NotFixable, Target, hoist

    if path not in texts:
        texts[path] = _text(path)
    text = texts[path]
    if text is None:
        return violation
    call = site.call
    target = Target(call.line, call.column, call.end_line, call.end_column, site.name, site.from_event)
    try:
        fix = hoist(path, text, target)
    except NotFixable as reason:
        if site.from_event:
            return violation  # the advice already says why and what to do
        return replace(violation, detail=(violation.detail or "") + f" (not fixed automatically: {reason})")
    except (ValueError, RecursionError):
        return violation
    return replace(violation, fix=fix)


def _text(path: Path) -> str | None:
    # Until the source store lands, the file is read and decoded as the analysis decoded it; the
    # fixer checks the bytes are unchanged before it writes.
    from wa_lint.fix.apply import FixFailure, read_source

    try:
        return read_source(path).text
    except (OSError, FixFailure):
        return None


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
