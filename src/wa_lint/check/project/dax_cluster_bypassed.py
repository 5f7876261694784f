"""PERF202 dax-cluster-bypassed: a table a DAX cluster in the project fronts, read (eventually
consistent) through boto3 on some function's per-invocation path, so the reads never reach the cache.

A cluster fronts a table when its `IAMRoleARN` role (inline policies, or policies in the template attached
to it) allows a DynamoDB read action on that table's ARN, or when one function's environment names both
the cluster (its endpoint) and the table. A read grant on `Resource: "*"` names no table: then (or when
the role is not in the template) the environment decides; when every read grant names its tables, DAX
can read no other table and the role decides alone.

The reads and the tables they read are PERF201's (`readers`); the client behind a read is the one
PERF105 uses (`dynamodb_client`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wa_lint.analyse.python.facts_model import DynamoRead, ModuleFacts
from wa_lint.check.code._invocation import Site, SiteKey, dynamodb_client, entries, invocation_calls, method
from wa_lint.check.contract import subject
from wa_lint.check.index import Index
from wa_lint.check.project import hot_read_table
from wa_lint.check.project.dax_client_outside_vpc import dax_client_in
from wa_lint.check.project.hot_read_table import TableKey, invocation_reads, reachable_modules, readers
from wa_lint.check.template._values import branches, references, resources_in
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Function, Project, Resource, Table
from wa_lint.load.template.document import Template
from wa_lint.report.findings import Violation

CODE = "PERF202"
# The reads DAX caches (eventually consistent GetItem / BatchGetItem, Query, Scan).
_READ_ACTIONS = ("dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:query", "dynamodb:scan")
_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")
_TABLE_ARN = re.compile(r":table/([A-Za-z0-9_.-]+)(?:/|$)")


@dataclass(frozen=True)
class Fronting:
    cluster: str  # the cluster's logical ID
    evidence: str  # how the template says it fronts the table


def _statements(document: Any) -> Iterator[Any]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    yield from statements if isinstance(statements, list) else [statements]


def _read_actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action")
    written = [a for a in (actions if isinstance(actions, list) else [actions]) if isinstance(a, str)]
    return [action for action in written
            if any(fnmatch.fnmatchcase(read, action.strip().lower()) for read in _READ_ACTIONS)]


def _resource_tables(template: Template, value: Any, tables: dict[str, Table],
                     by_name: dict[str, Table]) -> list[Table] | None:
    """The tables of this template one `Resource` entry names: `!GetAtt T.Arn` (and its `/index/*`),
    `!Sub`/`!Join` of `${T}` into a table ARN, or a literal ARN with the table's literal name. None when
    the entry may cover tables it does not name (`*`, a wildcard or parameter in the table part)."""
    if isinstance(value, str):
        match = _TABLE_ARN.search(value)
        if not match:
            return None
        table = by_name.get(match.group(1))
        return [table] if table else []  # another stack's table
    named = [tables[name] for name in sorted(references(value)) if name in tables]
    if named:
        return named
    text = value.get("Fn::Sub") if isinstance(value, dict) else None
    text = text[0] if isinstance(text, list) and text else text
    return _resource_tables(template, text, tables, by_name) if isinstance(text, str) else None


@dataclass
class _Grants:
    """What a role's policies let DAX read: the tables they name, and whether some read grant may cover
    tables it does not name (then the role is not the whole story)."""

    tables: list[tuple[Table, str, str]]  # (table, the read actions, where the policy is)
    open: bool = False


def _granted(template: Template, document: Any, where: str, tables: dict[str, Table],
             by_name: dict[str, Table], grants: _Grants) -> None:
    for item in _statements(document):
        for branch in branches(template, item):
            statement = branch.value
            if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
                continue
            actions = _read_actions(statement)
            if not actions:
                continue
            resources = statement.get("Resource")
            for resource in resources if isinstance(resources, list) else [resources]:
                named = _resource_tables(template, resource, tables, by_name)
                if named is None:
                    grants.open = True
                for table in named or []:
                    grants.tables.append((table, ", ".join(actions), where))


def _role_documents(project: Project, template: Template, role: Resource) -> Iterator[tuple[Any, str]]:
    """(policy document, where it is) for the role's inline policies and the template's policies attached
    to it."""
    policies = role.properties.get("Policies")
    for policy in policies if isinstance(policies, list) else []:
        if isinstance(policy, dict):
            name = policy.get("PolicyName")
            yield policy.get("PolicyDocument"), f"inline policy {name}" if isinstance(name, str) else "inline policy"
    managed = references(role.properties.get("ManagedPolicyArns"))
    for policy in resources_in(project, template, *_POLICY_TYPES):
        attached = references(policy.properties.get("Roles")) | references(policy.properties.get("RoleName"))
        if role.logical_id in attached or policy.logical_id in managed:
            yield policy.properties.get("PolicyDocument"), f"{policy.type.rsplit('::', 1)[-1]} {policy.logical_id}"


def fronted_tables(project: Project) -> dict[TableKey, list[Fronting]]:
    """Each table some DAX cluster of its template fronts, with the evidence."""
    found: dict[TableKey, list[Fronting]] = {}

    def add(table: Table, cluster: Resource, evidence: str) -> None:
        key = (table.template.path, table.logical_id)
        fronting = Fronting(cluster.logical_id, evidence)
        if fronting not in found.setdefault(key, []):
            found[key].append(fronting)

    by_template: dict[int, list[Table]] = {}
    for table in project.tables:
        by_template.setdefault(id(table.template), []).append(table)
    for template in project.templates:
        clusters = resources_in(project, template, "AWS::DAX::Cluster")
        if not clusters:
            continue
        tables = {table.logical_id: table for table in by_template.get(id(template), [])}
        by_name = {table.table_name: table for table in tables.values() if isinstance(table.table_name, str)}
        roles = {role.logical_id: role for role in resources_in(project, template, "AWS::IAM::Role")}
        # A role whose read grants all name tables is the whole story: DAX can read no other table, whatever
        # a function's environment says. Otherwise a function naming both the cluster and a table counts.
        open_clusters = []
        for cluster in clusters:
            role = roles.get(ref_target(cluster.properties.get("IAMRoleARN")) or "")
            grants = _Grants([])
            for document, where in _role_documents(project, template, role) if role else ():
                _granted(template, document, where, tables, by_name, grants)
            for table, actions, where in grants.tables:
                add(table, cluster, f"its role {role.logical_id if role else ''} allows {actions} on it in {where}")
            if grants.open or not grants.tables:
                open_clusters.append(cluster)
        for function in project.functions:
            if function.template is not template:
                continue
            named = {variable.target: variable.name for variable in function.environment.values() if variable.target}
            for cluster in open_clusters:
                if cluster.logical_id not in named:
                    continue
                for target, variable in named.items():
                    if target in tables:
                        add(tables[target], cluster, f"{function.logical_id}'s environment names both, as "
                                                     f"`{named[cluster.logical_id]}` and `{variable}`")
    return found


def _bypassing_reads(project: Project, fronted: dict[TableKey, list[Fronting]], tables: dict[TableKey, Table],
                     index: Index) -> dict[tuple[int, DynamoRead], list[Table]]:
    """(id of the function, the read) → the fronted tables an eventually consistent read reads (a read
    by its value: PERF201's table may hold copies, and equal reads read the same tables)."""
    found: dict[tuple[int, DynamoRead], list[Table]] = {}
    # PERF201's table of readers, shared on purpose: the same reads, walked once per run.
    by_table = index.memo(f"{hot_read_table.CODE}.readers", lambda: readers(project, index))
    for key, by_function in by_table.items():
        if key not in fronted:
            continue
        for function, reads in by_function.values():
            for read in reads:
                if not read.consistent:
                    found.setdefault((id(function), read), []).append(tables[key])
    return found


def _reads_at(facts: ModuleFacts, site: Site) -> list[DynamoRead]:
    return [read for read in facts.dynamodb.reads
            if read.function == site.qualname and read.line == site.call.line and read.operation == method(site.call)]


def _table_text(read: DynamoRead, function: Function, table: Table) -> str:
    if read.table.kind == "env":
        return f"{table.logical_id} (`{read.table.value}` in {function.logical_id}'s environment)"
    return f"{table.logical_id} (`{read.table.value}`)"


def _may_use_dax(project: Project, modules: list[ModuleFacts]) -> bool:
    """The code creates an amazondax client, or imports the package (a client chosen at run time)."""
    return dax_client_in(project, modules) is not None or any(
        item.module.split(".")[0] == "amazondax" for facts in modules for item in facts.imports)


def _through_boto3(site: Site, code_has_dax: bool) -> str | None:
    """Why the read goes through boto3, or None when it may go through DAX. Reads are recorded only for
    boto3-shaped calls (a `Table`, `TableName=`), so in code that creates no amazondax client an unknown
    receiver is boto3's too."""
    client = dynamodb_client(site)
    if client == "boto3":
        return "through boto3"
    if client is None and not code_has_dax:
        return "through boto3 (the function's code never imports amazondax)"
    return None


@subject("project", survey=invocation_reads)
def check(project: Project, _: Project, options: dict[str, Any], *, index: Index) -> Iterator[Violation]:
    fronted = fronted_tables(project)
    if not fronted:
        return
    tables = {(table.template.path, table.logical_id): table for table in project.tables}
    bypassing = _bypassing_reads(project, fronted, tables, index)
    reported: set[SiteKey] = set()
    for entry in entries(project):
        function = entry.function
        if function is None:
            continue
        code_has_dax: bool | None = None
        for site in invocation_calls(project, entry):
            if site.key in reported:
                continue
            for read in _reads_at(site.facts, site):
                read_tables = bypassing.get((id(function), read), [])
                if not read_tables:
                    continue
                if code_has_dax is None:
                    code_has_dax = _may_use_dax(project, reachable_modules(entry, project))
                how = _through_boto3(site, code_has_dax)
                if how is None:
                    continue
                reported.add(site.key)
                table = read_tables[0]
                fronting = fronted[(table.template.path, table.logical_id)][0]
                call = site.call
                yield Violation(CODE, site.span,
                                {"call": call.callee, "table": _table_text(read, function, table), "how": how,
                                 "cluster": fronting.cluster, "evidence": fronting.evidence,
                                 "path": site.route(call.callee)},
                                resource=function.logical_id, function=entry.label)
                break
