"""OPS101 powertools-metrics-not-flushed: Powertools metrics added but never written, or with no namespace.

Powertools' `Metrics` buffers what `add_metric` records and writes it (as EMF, to the logs) only when the
handler is decorated with `@metrics.log_metrics` or the code calls `metrics.flush_metrics()` (or prints
`metrics.serialize_metric_set()` itself); and it
raises `SchemaValidationError` on flush when no namespace is set (`namespace=` or
`POWERTOOLS_METRICS_NAMESPACE`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.arguments import module_call_keywords
from wa_lint.analyse.python.construction import receiver
from wa_lint.check.code._invocation import Site, SiteKey, entries, invocation_calls, method, place
from wa_lint.check.contract import subject
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Violation

CODE = "OPS101"
# `serialize_metric_set()` returns the EMF blob `flush_metrics` would print: code that prints it itself
# (with `clear_metrics()`, as some multi-tenant samples do) writes its metrics.
_FLUSHES = frozenset({"flush_metrics", "serialize_metric_set"})
_ASKED = _FLUSHES | {"add_metric"}  # the only calls this rule reads
_METRICS = ("aws_lambda_powertools.Metrics", "aws_lambda_powertools.metrics.Metrics",
            "aws_lambda_powertools.metrics.metrics.Metrics")


def _is_metrics(site: Site) -> bool:
    made = receiver(site.facts, site.call)
    return made is not None and made.callee in _METRICS


def _flushed(entry: Entry, sites: list[Site]) -> bool:
    decorators = entry.facts.decorators.get(entry.qualname, ())
    if any(decorator.name.endswith(".log_metrics") for decorator in decorators):
        return True
    return any(method(site.call) in _FLUSHES for site in sites)


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    reported: set[SiteKey] = set()
    for entry in entries(project):
        sites = list(invocation_calls(project, entry, methods=_ASKED))
        added = [site for site in sites if method(site.call) == "add_metric" and _is_metrics(site)]
        if not added:
            continue
        site = added[0]
        if site.key in reported:
            continue
        call = site.call
        made = receiver(site.facts, call)
        assert made is not None
        head = call.callee.split(".")[0]
        where = site.span
        if not _flushed(entry, sites):
            reported.add(site.key)
            yield Violation(CODE, where, {
                "problem": f"`{call.callee}` ({place(project, site.facts, call.line)}{site.route(call.callee)}) "
                           f"records a metric that is never written: `{entry.qualname}` is not decorated with "
                           f"`@{head}.log_metrics` and nothing calls `{head}.flush_metrics()`",
                "fix": f"decorate `{entry.qualname}` with `@{head}.log_metrics` (it flushes after every invocation)"},
                resource=entry.function.logical_id if entry.function else None, function=entry.label)
            continue
        function = entry.function
        if function is None or "namespace" in module_call_keywords(site.facts, made.line) \
                or "POWERTOOLS_METRICS_NAMESPACE" in function.environment:
            continue
        reported.add(site.key)
        yield Violation(CODE, where, {
            "problem": f"`{head} = Metrics()` ({place(project, site.facts, made.line)}) has no namespace and "
                       f"{function.logical_id}'s environment sets no POWERTOOLS_METRICS_NAMESPACE: the flush "
                       "raises SchemaValidationError and the invocation fails",
            "fix": f"set POWERTOOLS_METRICS_NAMESPACE in {function.logical_id}'s environment (or Globals), or pass "
                   "`Metrics(namespace=...)`"},
            resource=function.logical_id, function=entry.label)
