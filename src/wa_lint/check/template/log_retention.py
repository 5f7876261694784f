"""COST001 log-retention-unset: a function whose CloudWatch log group keeps logs forever.

A function writes to `/aws/lambda/<function name>` unless `LoggingConfig.LogGroup` names another
group. Lambda creates a missing group itself, with no retention; a template controls retention only
through an `AWS::Logs::LogGroup` (or CDK's `Custom::LogRetention`) of that name with `RetentionInDays`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._fixes import add_property, add_resource, free_logical_id, not_fixed, unsafe_fix
from wa_lint.check.template._values import MISSING, branches_at, key_span
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Function, Project
from wa_lint.load.template.document import Template
from wa_lint.report.findings import Fix, Span, Violation

CODE = "COST001"
LOG_GROUP_TYPES = ("AWS::Logs::LogGroup", "Custom::LogRetention")
_PREFIX = "/aws/lambda/"
_PLACEHOLDER = re.compile(r"\$\{([^}!]+)\}")
# What the fixes write, as the findings' fix text says: a month of logs, for debugging recent issues.
RETENTION_DAYS = 30


def name_text(value: Any) -> str | None:
    """A name as text with `${X}` for each reference, so two spellings of one name compare equal:
    `!Sub /aws/lambda/${Fn}`, `!Join ["", [/aws/lambda/, !Ref Fn]]` and `!Sub [/aws/lambda/${N}, {N: !Ref Fn}]`
    all read `/aws/lambda/${Fn}`. None for a value that cannot be read (`!GetAtt`, `!ImportValue`)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((key, inner),) = value.items()
    if key == "Ref" and isinstance(inner, str):
        return f"${{{inner}}}"
    if key == "Fn::Sub":
        if isinstance(inner, str):
            return inner
        if isinstance(inner, list) and len(inner) == 2 and isinstance(inner[0], str) and isinstance(inner[1], dict):
            variables = {str(k): name_text(v) for k, v in inner[1].items()}
            if any(text is None for text in variables.values()):
                return None
            return _PLACEHOLDER.sub(lambda m: variables.get(m.group(1)) or m.group(0), inner[0])
        return None
    if key == "Fn::Join" and isinstance(inner, list) and len(inner) == 2 and isinstance(inner[0], str) \
            and isinstance(inner[1], list):
        parts = [name_text(part) for part in inner[1]]
        return None if any(part is None for part in parts) else inner[0].join(p for p in parts if p is not None)
    return None


@dataclass
class Group:
    logical_id: str
    span: Span
    properties: Any
    name: str | None  # the LogGroupName as name_text, None when unnamed or unreadable
    users: list[str] = field(default_factory=list)


def _groups(project: Project) -> dict[int, dict[str, Group]]:
    """Every template's log groups by logical ID, keyed by the template's id (one pass over resources)."""
    found: dict[int, dict[str, Group]] = {}
    for resource in project.resources_of_type(*LOG_GROUP_TYPES):
        name = name_text(resource.properties.get("LogGroupName"))
        group = Group(resource.logical_id, resource.span, resource.properties, name)
        found.setdefault(id(resource.template), {})[resource.logical_id] = group
    return found


def _default_group(function: Function, groups: dict[str, Group]) -> Group | None:
    names = {f"{_PREFIX}${{{function.logical_id}}}"}
    own = name_text(function.properties.get("FunctionName"))
    if own is not None:
        names.add(_PREFIX + own)
    return next((group for group in groups.values() if group.name in names), None)


def _named_group(value: Any, groups: dict[str, Group]) -> Group | None | bool:
    """The group `LoggingConfig.LogGroup` names; False when it names one outside the template (unknown)."""
    target = ref_target(value)
    if target in groups and isinstance(value, dict) and "Ref" in value:
        return groups[target]
    text = name_text(value)
    match = next((group for group in groups.values() if text is not None and group.name == text), None)
    return match if match is not None else False


def _retained(group: Group, template: Template) -> tuple[bool, str | None]:
    """Whether every value RetentionInDays can take sets one; the branch that does not, if any."""
    for branch in branches_at(template, group.properties, "RetentionInDays"):
        if branch.value is MISSING:
            return False, branch.note
    return True, None


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    groups_by_template = _groups(project)
    unretained: dict[tuple[int, str], tuple[Group, Template, str | None]] = {}
    for function in project.functions:
        template, name = function.template, function.logical_id
        groups = groups_by_template.get(id(template), {})
        for branch in branches_at(template, function.properties, "LoggingConfig", "LogGroup"):
            if branch.value is MISSING:
                group: Group | None | bool = _default_group(function, groups)
                if group is None:
                    yield _no_group(function, branch.note)
                    break
            else:
                group = _named_group(branch.value, groups)
            if not isinstance(group, Group):
                continue  # a group declared elsewhere: its retention is not in this template
            retained, note = _retained(group, template)
            if not retained:
                entry = unretained.setdefault((id(template), group.logical_id), (group, template, note))
                if name not in entry[0].users:
                    entry[0].users.append(name)
    for group, template, note in unretained.values():
        yield _no_retention(group, template, note)


def log_group_fix(function: Function) -> Fix | None:
    """An `AWS::Logs::LogGroup` named `/aws/lambda/${Fn}` (the function's `Ref` is its name, whatever
    FunctionName says) with RetentionInDays, declared just above the function."""
    template, name = function.template, function.logical_id
    group_id = free_logical_id(template, f"{name}LogGroup", f"{name}Logs", f"{name}LogGroupRetained")
    if group_id is None:
        return None
    group = {"Type": "AWS::Logs::LogGroup",
             "Properties": {"LogGroupName": {"Fn::Sub": f"{_PREFIX}${{{name}}}"}, "RetentionInDays": RETENTION_DAYS}}
    return unsafe_fix(template, lambda: add_resource(template, group_id, group, beside=name))


def _no_group(function: Function, note: str | None) -> Violation:
    name = function.logical_id
    own = name_text(function.properties.get("FunctionName"))
    # CloudFormation names an unnamed function <stack>-<logical ID>-<suffix>.
    group_name = _PREFIX + (own if own and "$" not in own else f"<stack>-{name}-<suffix>")
    when = f" {note}" if note else ""
    problem = (f"{name} has no log group in this template{when}, so Lambda creates {group_name} on the first "
               "invocation with retention set to never expire: every log line is stored, and billed, forever")
    fix = (f"declare an AWS::Logs::LogGroup with LogGroupName: !Sub '/aws/lambda/${{{name}}}' and RetentionInDays: 30 "
           f"(or point {name}'s LoggingConfig.LogGroup at a group with a retention); if the function already ran, "
           "set the retention on the existing group or delete it first, as CloudFormation cannot adopt it")
    if note:
        return Violation(CODE, function.span, {"problem": problem, "fix": fix}, resource=name, function=name,
                         detail=not_fixed(f"the function's log group depends on a condition, {note}"))
    return Violation(CODE, function.span, {"problem": problem, "fix": fix}, resource=name, function=name,
                     fix=log_group_fix(function))


def _no_retention(group: Group, template: Template, note: str | None) -> Violation:
    users = ", ".join(group.users)
    when = f" {note}" if note else ""
    problem = (f"log group {group.logical_id}, where {users} write{'s' if len(group.users) == 1 else ''} logs, "
               f"sets no RetentionInDays{when}, so its logs never expire and their storage is billed forever")
    fix = f"add RetentionInDays (for example 30) to {group.logical_id}'s Properties"
    where = key_span(template, group.properties, "RetentionInDays", group.span)
    if note:
        return Violation(CODE, where, {"problem": problem, "fix": fix}, resource=group.logical_id,
                         function=group.users[0],
                         detail=not_fixed(f"the retention is decided at deploy time, {note}; set it on that branch"))
    machine_fix = unsafe_fix(template, lambda: add_property(template, group.logical_id, "RetentionInDays", RETENTION_DAYS))
    return Violation(CODE, where, {"problem": problem, "fix": fix}, resource=group.logical_id,
                     function=group.users[0], fix=machine_fix)
