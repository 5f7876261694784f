"""REL201 dax-client-outside-vpc: code that creates an `amazondax` client in a function that cannot reach a
DAX cluster (no VpcConfig, or subnets that share none with the cluster's subnet group)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.check.code._invocation import function_entries, place
from wa_lint.check.contract import subject
from wa_lint.check.project.hot_read_table import reachable_modules
from wa_lint.check.template._values import resources_in
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Violation

CODE = "REL201"


def dax_client_in(project: Project, modules: list[ModuleFacts]) -> str | None:
    for facts in modules:
        for made in [*facts.objects.values(), *facts.constructions.values()]:
            if made.callee.startswith("amazondax."):
                return f"`{made.callee}` ({place(project, facts, made.line)})"
    return None


def _subnets(value: Any) -> frozenset[str] | None:
    """Subnets as comparable text (literal IDs, `!Ref` names); None when any is only known at deploy time."""
    if not isinstance(value, list):
        return None
    found = set()
    for item in value:
        if isinstance(item, str):
            found.add(item)
        elif ref_target(item):
            found.add(f"!Ref {ref_target(item)}")
        else:
            return None
    return frozenset(found)


def _disjoint_subnet_groups(project: Project, function: Function, vpc: dict[str, Any]) -> list[str]:
    mine = _subnets(vpc.get("SubnetIds"))
    if not mine:
        return []
    return [group.logical_id for group in resources_in(project, function.template, "AWS::DAX::SubnetGroup")
            if (theirs := _subnets(group.properties.get("SubnetIds"))) and not mine & theirs]


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for entry, function in function_entries(project):
        client = dax_client_in(project, reachable_modules(entry, project))
        if client is None:
            continue
        name = function.logical_id
        vpc = function.properties.get("VpcConfig")
        if vpc is None:
            problem = (f"{name}'s code creates a DAX client ({client}) but {name} has no VpcConfig (nor Globals): "
                       "DAX is reachable only from inside its VPC, so every request times out")
        elif isinstance(vpc, dict) and (groups := _disjoint_subnet_groups(project, function, vpc)):
            problem = (f"{name}'s code creates a DAX client ({client}) but its VpcConfig.SubnetIds share no subnet "
                       f"with the DAX subnet group {', '.join(groups)}: the cluster's nodes may be unreachable")
        else:
            continue
        fix = (f"give {name} a VpcConfig with subnets of the DAX cluster's subnet group and a security group the "
               "cluster's security group admits on port 8111 (9111 with encryption in transit)")
        yield Violation(CODE, function.span, {"problem": problem, "fix": fix}, resource=name, function=name)
