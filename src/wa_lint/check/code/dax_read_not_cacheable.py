"""PERF105 dax-read-not-cacheable: reads sent through DAX that DAX passes straight to DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.arguments import arguments_of, literal
from wa_lint.check.code._invocation import SiteKey, dynamodb_client, entries, invocation_calls, method
from wa_lint.check.contract import subject
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "PERF105"
_CONSISTENT_READS = frozenset({"get_item", "query", "scan", "batch_get_item"})
_TRANSACTIONS = frozenset({"transact_get_items"})
_JUDGED = _CONSISTENT_READS | _TRANSACTIONS


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    reported: set[SiteKey] = set()
    for entry in entries(project):
        for site in invocation_calls(project, entry, methods=_JUDGED):
            name = method(site.call)
            if site.key in reported or dynamodb_client(site) != "dax":
                continue
            if name in _TRANSACTIONS:
                why = f"`{name}` is a transaction, which DAX never caches"
            elif literal(arguments_of(site.facts, site.qualname, site.call), "ConsistentRead") == "True":
                why = "ConsistentRead=True makes DAX forward the read to DynamoDB, uncached"
            else:
                continue
            reported.add(site.key)
            call = site.call
            yield Violation(CODE, site.span,
                            {"call": call.callee, "why": why, "path": site.route(call.callee)},
                            resource=entry.function.logical_id if entry.function else None, function=entry.label)
