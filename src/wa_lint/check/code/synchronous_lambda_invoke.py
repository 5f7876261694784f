"""PERF104 synchronous-lambda-invoke: a handler that invokes another function and waits for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.arguments import arguments_of, literal
from wa_lint.check.code._invocation import SiteKey, entries, invocation_calls, service
from wa_lint.check.contract import subject
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "PERF104"
# InvocationType values that do not wait for the callee's result.
_NOT_WAITING = frozenset({"'Event'", "'DryRun'"})
_INVOKE = frozenset({"invoke"})


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    reported: set[SiteKey] = set()
    for entry in entries(project):
        for site in invocation_calls(project, entry, methods=_INVOKE):
            call = site.call
            if site.key in reported or service(site) != "lambda":
                continue
            arguments = arguments_of(site.facts, site.qualname, call)
            invocation_type = literal(arguments, "InvocationType")
            given = any(name == "InvocationType" for name, _ in call.keywords)
            if invocation_type in _NOT_WAITING or (given and invocation_type is None) or arguments.unpacked:
                continue  # asynchronous, or decided at run time where we cannot see
            reported.add(site.key)
            how = f"InvocationType={invocation_type}" if invocation_type else "no InvocationType (RequestResponse)"
            yield Violation(CODE, site.span,
                            {"call": call.callee, "how": how, "path": site.route(call.callee)},
                            resource=entry.function.logical_id if entry.function else None, function=entry.label)
