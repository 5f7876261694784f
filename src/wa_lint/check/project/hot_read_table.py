"""PERF201 hot-read-table-without-dax: a DynamoDB table that is hot for reads, with no DAX anywhere.

Hot for reads: provisioned read capacity (table, GSI, global table replica) at or above `hot-read-rcu`;
an Application Auto Scaling target for its reads with MaxCapacity at or above it; or eventually
consistent reads, not keyed by the caller, by at least `hot-read-functions` functions behind a front door
(API Gateway, a function URL, a load balancer, AppSync). A function reads a table
when code its handler reaches on each invocation (through the call graph) reads the table's name, which arrives through an environment variable set from `!Ref Table` (or to the
table's literal name), or as the literal `TableName`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from wa_lint.analyse.python.callgraph import taint_walk
from wa_lint.analyse.python.facts_model import DynamoRead, ModuleFacts
from wa_lint.check.contract import subject
from wa_lint.check.index import Index
from wa_lint.check.template._measured import evidence_of
from wa_lint.evidence.live.lookup import deployed_table
from wa_lint.link.linker import literal_int, ref_target, resolve
from wa_lint.link.model import DAX_ELSEWHERE, Entry, Function, PartLink, Project, Resource, Table
from wa_lint.link.nested import ParentArguments, normal_path, parent_arguments
from wa_lint.report.findings import Evidence, Severity, Violation
from wa_lint.words import plural

CODE = "PERF201"
READ_DIMENSIONS = ("dynamodb:table:ReadCapacityUnits", "dynamodb:index:ReadCapacityUnits")
_RESOURCE_ID = re.compile(r"^table/(?P<table>[^/]+)(?:/index/(?P<index>[^/]+))?$")
_SUB_NAME = re.compile(r"^\$\{([A-Za-z0-9]+)\}$")
_SHOWN_READERS = 4

TableKey = tuple[Path, str]  # (template path, logical ID)


def _number(table_or_resource: Table | Resource, value: Any) -> int | None:
    return literal_int(resolve(table_or_resource.template, value)[0])


def _dicts(value: Any) -> list[Any]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def capacity_evidence(table: Table, limit: int) -> list[str]:
    """Provisioned read capacity (or a replica's autoscaling maximum) at or above the limit."""
    found: list[str] = []

    def consider(settings: Any, where: str) -> None:
        if not isinstance(settings, dict):
            return
        units = _number(table, settings.get("ReadCapacityUnits"))
        if units is not None and units >= limit:
            found.append(f"ReadCapacityUnits {units} on {where}")
        scaling = settings.get("ReadCapacityAutoScalingSettings")
        maximum = _number(table, scaling.get("MaxCapacity")) if isinstance(scaling, dict) else None
        if maximum is not None and maximum >= limit:
            found.append(f"read autoscaling MaxCapacity {maximum} on {where}")

    properties = table.properties
    consider(properties.get("ProvisionedThroughput"), "the table")
    for index in _dicts(properties.get("GlobalSecondaryIndexes")):
        consider(index.get("ProvisionedThroughput"), f"GSI {index.get('IndexName')}")
    # AWS::DynamoDB::GlobalTable sets read capacity per replica (and per replica GSI).
    for replica in _dicts(properties.get("Replicas")):
        region = replica.get("Region")
        consider(replica.get("ReadProvisionedThroughputSettings"), f"replica {region}")
        for index in _dicts(replica.get("GlobalSecondaryIndexes")):
            consider(index.get("ReadProvisionedThroughputSettings"), f"GSI {index.get('IndexName')} in {region}")
    return found


def _resource_id_text(value: Any) -> str | None:
    """`table/${Orders}/index/ByCustomer` from a literal, `!Sub` or `!Join` ResourceId."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (function, argument), = value.items()
    if function == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) and argument else argument
        return text if isinstance(text, str) else None
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        delimiter, parts = argument
        if not isinstance(delimiter, str) or not isinstance(parts, list):
            return None
        texts = []
        for part in parts:
            target = ref_target(part)
            if isinstance(part, str):
                texts.append(part)
            elif target:
                texts.append("${" + target + "}")  # read like the `!Sub` form
            else:
                return None
        return delimiter.join(texts)
    return None


def autoscaling_evidence(project: Project, limit: int) -> dict[TableKey | str, list[str]]:
    """Read scalable targets with a high maximum, by table key or by literal table name."""
    found: dict[TableKey | str, list[str]] = {}
    for target in project.resources_of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        properties = target.properties
        maximum = _number(target, properties.get("MaxCapacity"))
        if properties.get("ScalableDimension") not in READ_DIMENSIONS or maximum is None or maximum < limit:
            continue
        match = _scaled_table(target)
        if not match:
            continue
        name = match.group("table")
        reference = _SUB_NAME.match(name)
        key: TableKey | str = (target.template.path, reference.group(1)) if reference else name
        where = f"GSI {match.group('index')}" if match.group("index") else "the table"
        found.setdefault(key, []).append(
            f"read autoscaling MaxCapacity {maximum} on {where}, scalable target {target.logical_id}")
    return found


def _scaled_table(target: Resource) -> re.Match[str] | None:
    """A scalable target's `table/<name>[/index/<index>]` resource ID, matched."""
    return _RESOURCE_ID.match(_resource_id_text(target.properties.get("ResourceId")) or "")


def reachable_modules(entry: Entry, project: Project) -> list[ModuleFacts]:
    """The handler's module and the local modules it imports, transitively (as the engine followed them).
    Other rules use it; PERF201 counts reads per function instead (invocation_reads)."""
    roots = tuple(entry.roots)
    seen = {entry.facts.path: entry.facts}
    pending = [entry.facts.path]
    while pending:
        for path in project.imports.get((pending.pop(), roots), ()):
            facts = project.modules.get(path)
            if facts is not None and path not in seen:
                seen[path] = facts
                pending.append(path)
    return list(seen.values())


def invocation_reads(entry: Entry, project: Project) -> list[DynamoRead]:
    """The reads in the functions the handler reaches on each invocation, through the call graph.

    Per function, not per file: when several functions share one code folder, a module they all import
    holds every function's reads, and each function makes only those its own handler reaches. Reads at
    module scope run once per execution environment, not per request."""
    found: list[DynamoRead] = []
    seen: set[tuple[int, str]] = set()
    for graph, node, _live, _path in taint_walk(project, entry):
        if (node.key, node.qualname) in seen:
            continue
        seen.add((node.key, node.qualname))
        facts = graph.facts(node)
        found.extend(read for read in facts.dynamodb.reads if read.function == node.qualname)
    return found


class _Tables:
    """The project's tables by (template, logical ID) and by literal name: a large app has hundreds,
    and every read of every function looks one up."""

    def __init__(self, tables: list[Table], parents: ParentArguments) -> None:
        self.parents = parents
        self.by_id: dict[tuple[int, str], list[Table]] = {}
        self.by_name: dict[str, list[Table]] = {}
        for table in tables:
            self.by_id.setdefault((id(table.template), table.logical_id), []).append(table)
            if isinstance(table.table_name, str):
                self.by_name.setdefault(table.table_name, []).append(table)

    def read_by(self, read: DynamoRead, function: Function) -> list[Table]:
        name: Any = read.table.value
        if read.table.kind == "env":
            variable = function.environment.get(read.table.value)
            if variable is None:
                return []
            if variable.parameter and variable.target is None:
                # A nested stack's parameter: the table is the one its parent passes (`!Ref JobTable`).
                passed = self.parents.get((normal_path(function.template.path), variable.parameter), ())
                tables = [table for parent, target in passed for table in self.by_id.get((id(parent), target), [])]
                if tables:
                    return tables
            if variable.target:
                return self.by_id.get((id(function.template), variable.target), [])
            name = variable.value
        return self.by_name.get(name, []) if isinstance(name, str) else []


def readers(project: Project, index: Index) -> dict[TableKey, dict[str, tuple[Function, list[DynamoRead]]]]:
    """For each table: the template functions whose code reads it, with those reads (equal to the
    analysis's, not always the same objects: they may have been read in a child process)."""
    found: dict[TableKey, dict[str, tuple[Function, list[DynamoRead]]]] = {}
    tables = _Tables(project.tables, parent_arguments(project))
    for entry in project.entries:
        function = entry.function
        if function is None:
            continue
        for read in index.survey(invocation_reads, entry, project):
            for table in tables.read_by(read, function):
                by_function = found.setdefault((table.template.path, table.logical_id), {})
                by_function.setdefault(function.logical_id, (function, []))[1].append(read)
    return found


def has_dax(project: Project) -> bool:
    # A run of some parts of the project (run_parts.py) is told whether the others have DAX.
    return DAX_ELSEWHERE in project.elsewhere or next(dax_holders(project), None) is not None


def dax_holders(project: Project) -> Iterator[Path]:
    """The files that give the project DAX: templates with a cluster, code that imports amazondax."""
    for cluster in project.resources_of_type("AWS::DAX::Cluster"):
        yield cluster.template.path
    for modules in (project.modules.values(), project.inline_modules.values()):
        for facts in modules:
            if any(item.level == 0 and item.module.split(".")[0] == "amazondax" for item in facts.imports):
                yield facts.path


def part_links(project: Project) -> Iterator[PartLink]:
    """What relates the project's parts here (run_parts.py): a table is found by its literal name
    (`_Tables.read_by`, `autoscaling_evidence`) from any template's code, environment or scalable target.
    (file, key, whether the file holds the table.)"""
    for table in project.tables:
        if isinstance(table.table_name, str):
            yield table.template.path, f"table:{table.table_name}", True
    for target in project.resources_of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        match = _scaled_table(target)
        if match:
            yield target.template.path, f"table:{match.group('table')}", False
    for facts in (*project.modules.values(), *project.inline_modules.values()):  # inline code's path: its template
        for read in facts.dynamodb.reads:
            if read.table.kind != "env":
                yield facts.path, f"table:{read.table.value}", False
    for function in project.functions:
        for variable in function.environment.values():
            if variable.target is None and isinstance(variable.value, str):
                yield function.template.path, f"table:{variable.value}", False


def measured_evidence(table: Table, project: Project) -> tuple[Evidence, ...]:
    deployed = deployed_table(project, table)
    if deployed is None:
        return ()
    return tuple(evidence_of(m) for m in (deployed.reads_per_second, deployed.writes_per_second) if m is not None)


def measured_reads(table: Table, project: Project, options: dict[str, Any]) -> tuple[bool, str] | None:
    """(hot, what was measured) from the table's consumed capacity over the `--aws` window, when read."""
    deployed = deployed_table(project, table)
    if deployed is None or deployed.reads_per_second is None or project.live is None:
        return None
    reads = deployed.reads_per_second.value
    writes = deployed.writes_per_second.value if deployed.writes_per_second else 0.0
    ratio = reads / writes if writes else float("inf")
    shown_ratio = f"{ratio:,.0f}:1" if writes else "no writes"
    text = (f"measured over {project.live.window_days} days: {reads:,.1f} RCU/s consumed on average, "
            f"{writes:,.1f} WCU/s ({shown_ratio} reads to writes)")
    hot = reads >= float(options["measured-hot-rcu"]) and ratio >= float(options["read-write-ratio"])
    return hot, text


# What each synchronous trigger type is called in a message (see Trigger.synchronous_api).
_FRONT_DOORS = {"Api": "a REST API", "HttpApi": "an HTTP API", "WebSocket": "a WebSocket API",
                "ApiIntegration": "API Gateway", "FunctionUrl": "a function URL",
                "ALB": "an Application Load Balancer", "AppSync": "AppSync"}


def cacheable(read: DynamoRead) -> bool:
    """A read DAX could serve from its cache and that may hit a hot key: eventually consistent, and not
    keyed by the caller's own identity."""
    return not read.consistent and not read.per_user


def front_doors(functions: Iterable[Function]) -> str:
    """The front doors the readers sit behind, in a stable order: "a REST API and a function URL"."""
    found = sorted({_FRONT_DOORS.get(trigger.type, "API Gateway") for function in functions
                    for trigger in function.triggers if trigger.synchronous_api})
    if len(found) <= 1:
        return found[0] if found else "a front door"
    return ", ".join(found[:-1]) + " and " + found[-1]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN_READERS])
    return shown + (f" and {len(names) - _SHOWN_READERS} more" if len(names) > _SHOWN_READERS else "")


@subject("table", survey=invocation_reads)
def check(table: Table, project: Project, options: dict[str, Any], *, index: Index) -> Iterator[Violation]:
    if index.memo(f"{CODE}.has-dax", lambda: has_dax(project)):
        return
    rcu_limit, readers_limit = int(options["hot-read-rcu"]), int(options["hot-read-functions"])
    # What every table's verdict needs is computed once per run, not once per table.
    scaled = index.memo(f"{CODE}.autoscaling@{rcu_limit}", lambda: autoscaling_evidence(project, rcu_limit))
    reads_by_table = index.memo(f"{CODE}.readers", lambda: readers(project, index))
    key = (table.template.path, table.logical_id)
    reads = reads_by_table.get(key, {})
    if reads and all(read.consistent for _, table_reads in reads.values() for read in table_reads):
        return  # DAX passes strongly consistent reads through to the table
    evidence = capacity_evidence(table, rcu_limit) + scaled.get(key, [])
    if table.table_name:
        evidence += scaled.get(table.table_name, [])
    # Only readers DAX could serve: behind a front door, with at least one eventually consistent read
    # that is not keyed by the caller (each user reading their own partition gains little from a cache).
    api_readers = sorted(name for name, (function, table_reads) in reads.items()
                         if function.has_synchronous_api_trigger and any(cacheable(r) for r in table_reads))
    if len(api_readers) >= readers_limit:
        doors = front_doors(reads[name][0] for name in api_readers)
        evidence.append(f"read by {plural(len(api_readers), 'function')} behind {doors}: {_names(api_readers)}")
    measured = measured_reads(table, project, options)
    severity = None
    if measured is not None:
        hot, text = measured
        if hot:
            evidence.append(text)
        elif evidence:
            # The template suggested hot; the account says otherwise: still said, but as information.
            evidence.append(f"but {text}, below measured-hot-rcu {options['measured-hot-rcu']} RCU/s or "
                            f"read-write-ratio {options['read-write-ratio']}:1, so DAX may not pay off yet")
            severity = Severity.INFO
    if evidence:
        yield Violation(CODE, table.span, {"table": table.logical_id, "evidence": "; ".join(evidence)},
                        resource=table.logical_id, severity=severity,
                        evidence=measured_evidence(table, project) if measured else ())
