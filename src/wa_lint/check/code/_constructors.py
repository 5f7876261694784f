"""What PERF101 and PERF102 share: report constructor calls on per-invocation paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.analyse.python.callgraph import (
    ConstructorSite,
    constructor_sites,
    describe,
)
from wa_lint.analyse.python.constructors import display
from wa_lint.analyse.python.facts_model import Call, Origin
from wa_lint.link.cadence import CADENCE_SEVERITY, entry_occasional_reason, severity_note
from wa_lint.link.deploy_time import entry_deploy_time
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Span, Violation

if TYPE_CHECKING:
    from wa_lint.fix.cache import RunFixes

# A variable name for the fix snippet when the call is not assigned to one.
_VARIABLES = {"resource": "resource", "Session": "session", "session": "session", "connect": "connection",
              "create_engine": "engine", "PoolManager": "http"}
_CREATE = {"PERF101": "create it once at module scope",
           "PERF102": "open it once at module scope (or lazily, into a module-level variable)"}


def violations(code: str, entry: Entry, project: Project, names: frozenset[str], *,
               exempt_from_event: bool = False) -> Iterator[Violation]:
    """The entry's per-invocation calls to one of `names` (a site several entries reach is reported once,
    for the first of them, by the check stage; entries that only run now and then come last).

    `exempt_from_event`: a call configured from invocation data must stay per invocation (a database
    connection opened with the credentials a secret rotation is testing, or a tenant's own endpoint)."""
    if entry_deploy_time(project, entry):
        return
    for site in constructor_sites(project, entry, names).values():
        if not (exempt_from_event and site.from_event):
            yield _with_fix(_violation(code, project, entry, site), site, project)


def _with_fix(violation: Violation, site: ConstructorSite, project: Project) -> Violation:
    """The hoisting fix, or why there is none (a finding in inline template code has none)."""
    path = site.facts.path
    if path.suffix != ".py":
        # Edits to code embedded in a YAML or JSON string would have to re-escape it: not attempted.
        if site.from_event:
            return violation
        return replace(violation, detail=(violation.detail or "") + (
            " (not fixed automatically: the code is inline in the template)"))
    from wa_lint.fix.python import NotFixable, Target

    text = _text(project, path)
    if text is None:
        return violation
    call = site.call
    target = Target(call.line, call.column, call.end_line, call.end_column, site.name, site.from_event)
    try:
        fix = _fixes(project).hoist(path, text, target)
    except NotFixable as reason:
        if site.from_event:
            return violation  # the advice already says why and what to do
        return replace(violation, detail=(violation.detail or "") + f" (not fixed automatically: {reason})")
    except (ValueError, RecursionError):
        return violation
    return replace(violation, fix=fix)


def _fixes(project: Project) -> RunFixes:
    """The run's fixer and its answers, over the cache of fixes when there is one (one per run, kept with
    the call graph's memo tables)."""
    from wa_lint.fix.cache import FixCache, RunFixes

    fixes = project.lookups.get("fixes")
    if not isinstance(fixes, RunFixes):
        store = None
        if project.cache_folder:
            store = project.lookups["fix-cache"] = FixCache(project.cache_folder)
        fixes = project.lookups["fixes"] = RunFixes(store)
    return fixes


def _text(project: Project, path: Path) -> str | None:
    # The text the analysis read (the run's source store), so the edits land on exactly those bytes;
    # the fixer checks the file is unchanged before it writes.
    source = project.sources.get(path) if project.sources is not None else None
    if source is not None:
        return source.text
    from wa_lint.fix.apply import FixFailure, read_source

    try:
        return read_source(path).text
    except (OSError, FixFailure):
        return None


def _reads_self(call: Call) -> bool:
    """An argument comes from the method's instance (`region_name=self.region`)."""
    own = Origin.param("self")
    return any(own in origins for origins in call.args) or any(own in origins for _, origins in call.keywords)


def _violation(code: str, project: Project, entry: Entry, site: ConstructorSite) -> Violation:
    call = site.call
    name = display(site.name)
    path = f" ({describe(site.path, name)})" if len(site.path) > 1 else ""
    variable = call.assigned_to or _VARIABLES.get(site.name.rsplit(".", 1)[-1], "client")
    text = f"{variable} = {call.text}" if call.text else f"{variable} = {name}(...)"
    if site.from_event:
        advice = (f"it is configured from the event, so keep one per configuration in a module-level dict: "
                  f"`if key not in _clients: _clients[key] = {call.text or name + '(...)'}`")
    elif _reads_self(call):
        advice = (f"it is configured from the instance, so build it once per instance: `self._{variable} = "
                  f"{call.text or name + '(...)'}` in `__init__`, with the instance kept at module scope")
    else:
        advice = f"{_CREATE[code]} and reuse it: `{text}` above the handler"
    if site.factory is not None:
        advice += f" (or cache what {site.factory} returns inside it, e.g. with functools.lru_cache)"
    occasional = entry_occasional_reason(project, entry)
    return Violation(
        code,
        Span(site.facts.path, call.line, call.column, call.end_line, call.end_column),
        {"constructor": name, "path": path, "advice": advice},
        resource=entry.function.logical_id if entry.function else None,
        function=entry.label,
        detail=severity_note(occasional) if occasional else None,
        severity=CADENCE_SEVERITY if occasional else None,
    )
