"""One `--aws` read: the stack, then each function's and table's configuration and measurements.

A failed call costs only what it would have read: its problem is recorded (once per IAM action) and
the rest goes on; only a fatal error (no credentials, no region, no such stack, no endpoint) stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from wa_lint.evidence.live.aws import Account, LiveError
from wa_lint.evidence.live.functions import deployed_function, report_lines
from wa_lint.evidence.live.match import match_templates
from wa_lint.evidence.live.measurements import DeployedTable, FunctionMetrics, LiveEvidence, Measured, Problem
from wa_lint.evidence.live.metrics import Query, statistics
from wa_lint.evidence.live.stack import stack_resources
from wa_lint.evidence.live.tables import dax_clusters, deployed_table
from wa_lint.evidence.live.target import LiveOptions, Target
from wa_lint.link.model import Project

FUNCTION_TYPES = ("AWS::Lambda::Function",)
TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
DAX_TYPES = ("AWS::DAX::Cluster",)

Progress = Callable[[str], None]


class _Problems:
    """Problems, one per IAM action (or message), with how many reads each cost."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[LiveError, int]] = {}

    def add(self, error: LiveError) -> None:
        key = error.action or error.message
        first, count = self.found.get(key, (error, 0))
        self.found[key] = (first, count + 1)

    def problems(self) -> list[Problem]:
        return [Problem(error.message + (f" ({count} reads skipped)" if count > 1 else ""), error.action)
                for error, count in self.found.values()]


def _function_queries(name: str) -> dict[str, Query]:
    lam, insights = "AWS/Lambda", "LambdaInsights"
    return {
        "invocations": Query(lam, "Invocations", "FunctionName", name, "Sum", "invocations"),
        "duration_average": Query(lam, "Duration", "FunctionName", name, "Average", "ms"),
        "duration_p99": Query(lam, "Duration", "FunctionName", name, "p99", "ms"),
        "throttles": Query(lam, "Throttles", "FunctionName", name, "Sum", "throttles"),
        "concurrency_max": Query(lam, "ConcurrentExecutions", "FunctionName", name, "Maximum"),
        "init_duration_average": Query(insights, "init_duration", "function_name", name, "Average", "ms"),
        "max_memory_used": Query(insights, "used_memory_max", "function_name", name, "Maximum", "MB"),
    }


def _table_queries(name: str) -> dict[str, Query]:
    ddb = "AWS/DynamoDB"
    return {
        "reads": Query(ddb, "ConsumedReadCapacityUnits", "TableName", name, "Sum"),
        "writes": Query(ddb, "ConsumedWriteCapacityUnits", "TableName", name, "Sum"),
        "read_throttles": Query(ddb, "ReadThrottleEvents", "TableName", name, "Sum", "events"),
    }


def _per_second(total: Measured | None, window_days: int) -> Measured | None:
    if total is None:
        return None
    return Measured(total.metric, "Sum per second", total.value / (window_days * 86_400), "units/s", window_days)


def collect(project: Project, target: Target, options: LiveOptions, progress: Progress | None = None) -> LiveEvidence:
    evidence = LiveEvidence(target.stack, target.region, options.window_days)
    problems = _Problems()
    say = progress or (lambda _: None)
    try:
        account = Account(target.region, target.profile, options.timeout)
        evidence.region = account.region
        say(f"reading stack {target.stack}")
        evidence.resources = stack_resources(account, target.stack)
        evidence.deployed = match_templates(project, evidence.resources)
        _read(account, evidence, options, problems, say)
    except LiveError as error:
        problems.add(error)
    evidence.problems = problems.problems()
    return evidence


def _read(account: Account, evidence: LiveEvidence, options: LiveOptions, problems: _Problems, say: Progress) -> None:
    deployed = {resource.physical_id: resource for resource in evidence.deployed.values()}
    functions = sorted(name for name, resource in deployed.items() if resource.type in FUNCTION_TYPES)
    tables = sorted(name for name, resource in deployed.items() if resource.type in TABLE_TYPES)
    clusters = sorted(name for name, resource in deployed.items() if resource.type in DAX_TYPES)
    window = options.window_days
    log_groups: dict[str, str] = {}
    for number, name in enumerate(functions, start=1):
        say(f"reading Lambda configuration {number}/{len(functions)}")
        try:
            evidence.functions[name], log_groups[name] = deployed_function(account, name)
        except LiveError as error:
            if error.fatal:
                raise
            problems.add(error)
    for number, name in enumerate(tables, start=1):
        say(f"reading DynamoDB tables {number}/{len(tables)}")
        try:
            evidence.tables[name] = deployed_table(account, name)
        except LiveError as error:
            if error.fatal:
                raise
            problems.add(error)
    if clusters:
        try:
            evidence.dax_clusters = dax_clusters(account, clusters)
        except LiveError as error:
            if error.fatal:
                raise
            problems.add(error)

    function_queries = {name: _function_queries(name) for name in functions}
    table_queries = {name: _table_queries(name) for name in tables}
    queries = [q for by_kind in [*function_queries.values(), *table_queries.values()] for q in by_kind.values()]
    say(f"reading CloudWatch metrics over {window} days")
    values = {}
    # Percentiles go in calls of their own: an endpoint that cannot compute them (moto cannot) then
    # costs only the p99 figures.
    for percentiles in (False, True):
        batch = [q for q in queries if q.percentile == percentiles]
        try:
            values.update(statistics(account, batch, window, say) if batch else {})
        except LiveError as error:
            if error.fatal:
                raise
            if percentiles and not error.action:
                error = LiveError(f"percentile statistics (p99 Duration) not read: {error.message}", code=error.code)
            problems.add(error)
    for name, by_kind in function_queries.items():
        measured = {kind: values.get(query) for kind, query in by_kind.items()}
        invocations = measured["invocations"]
        if measured["max_memory_used"] is None and name in log_groups and (invocations is None or invocations.value):
            say(f"reading REPORT lines of {log_groups[name]}")
            try:
                lines = report_lines(account, log_groups[name], window, options.max_log_events)
            except LiveError as error:
                if error.fatal:
                    raise
                problems.add(error)
            else:
                measured["max_memory_used"] = lines.max_memory_used
                measured["init_duration_average"] = measured["init_duration_average"] or lines.init_duration_average
        evidence.function_metrics[name] = FunctionMetrics(**measured)
    for name, by_kind in table_queries.items():
        # Consumption is worth having even when DescribeTable was denied.
        table = evidence.tables.get(name) or DeployedTable(name, None, None, None)
        evidence.tables[name] = replace(
            table,
            reads_per_second=_per_second(values.get(by_kind["reads"]), window),
            writes_per_second=_per_second(values.get(by_kind["writes"]), window),
            read_throttles=values.get(by_kind["read_throttles"]),
        )


def template_folders(project: Project) -> list[Path]:
    """Where samconfig may be: the project root, then each template's folder."""
    return [project.root, *(template.path.parent for template in project.templates)]
