"""SEC001 lambda-role-wildcard-action: a role Lambda assumes that allows `*` or `service:*` actions, in its
inline policies, the policies in the template attached to it, AWS managed policies it names, or a SAM
function's `Policies`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import branches, key_span, lookup, references, resources_in
from wa_lint.link.linker import span
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Span, Violation

CODE = "SEC001"
_WILDCARD = re.compile(r"^(\*|[A-Za-z0-9-]+:\*|\*:\*)$")
# AWS managed policies that grant every action of a service (or of all of them).
_BROAD_MANAGED = re.compile(r"^(AdministratorAccess|PowerUserAccess|[A-Za-z0-9_-]*FullAccess(-v\d+)?)$")
_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")
_WHY = ("if the function's code or a dependency is compromised, or a bug calls the wrong API, the role lets it "
        "do far more than its job")


def _strings(value: Any, limit: int = 200) -> Iterator[str]:
    stack, seen = [value], 0
    while stack and seen < limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def assumed_by_lambda(role_properties: Any) -> bool:
    statements = lookup(role_properties, "AssumeRolePolicyDocument", "Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        service = lookup(statement, "Principal", "Service")
        if any(text.startswith(("lambda.", "edgelambda.")) for text in _strings(service)):
            return True
    return False


def wildcard_statements(template: Template, document: Any) -> Iterator[tuple[str, Any]]:
    """(what is too broad, the statement) for each Allow statement of a policy document with a wildcard."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    for item in statements if isinstance(statements, list) else [statements]:
        for branch in branches(template, item):
            statement = branch.value
            if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
                continue
            if "NotAction" in statement:
                excluded = statement["NotAction"]
                listed = ", ".join(a for a in (excluded if isinstance(excluded, list) else [excluded]) if isinstance(a, str))
                yield f"every action except NotAction {listed or '(…)'}", statement
                continue
            actions = statement.get("Action")
            broad = [a for a in (actions if isinstance(actions, list) else [actions])
                     if isinstance(a, str) and _WILDCARD.match(a.strip())]
            if broad:
                yield "Action " + ", ".join(f"'{a}'" for a in broad), statement


def managed_name(value: Any) -> str | None:
    """`AmazonS3FullAccess` from a policy name, an AWS managed policy ARN, or an `!Sub` of one."""
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        value = value["Fn::Sub"]
    if not isinstance(value, str):
        return None
    if ":iam::aws:policy/" in value:
        return value.rsplit("/", 1)[-1]
    return value if "/" not in value and ":" not in value else None


def _where(template: Template, holder: Any, key: str, fallback: Span) -> Span:
    return key_span(template, holder, key, fallback)


def _value_span(template: Template, value: Any, fallback: Span) -> Span:
    pos = getattr(value, "pos", None)
    return span(template, pos) if pos is not None and pos.line > 1 else fallback


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        yield from _roles(project, template)
    for function in project.functions:
        if function.type == "AWS::Serverless::Function" and "Role" not in function.properties:
            yield from _sam_policies(function.template, function.logical_id, function.properties, function.span)


def _violation(where: Span, resource: str, holder: str, broad: str, place: str, fix: str) -> Violation:
    problem = f"{holder} allows {broad} in {place}: {_WHY}"
    return Violation(CODE, where, {"problem": problem, "fix": fix}, resource=resource)


_STATEMENT_FIX = ("list the actions the function calls (e.g. dynamodb:GetItem, dynamodb:PutItem) in Action, "
                  "with the resources they act on in Resource")


def _roles(project: Project, template: Template) -> Iterator[Violation]:
    roles = {role.logical_id: role for role in resources_in(project, template, "AWS::IAM::Role")
             if assumed_by_lambda(role.properties)}
    if not roles:
        return
    policies = {p.logical_id: p for p in resources_in(project, template, *_POLICY_TYPES)}
    for name, role in roles.items():
        props = role.properties
        for policy in props.get("Policies") or []:
            document = policy.get("PolicyDocument") if isinstance(policy, dict) else None
            label = policy.get("PolicyName") if isinstance(policy, dict) else None
            for broad, statement in wildcard_statements(template, document):
                where = _where(template, statement, "NotAction" if "NotAction" in statement else "Action", role.span)
                yield _violation(where, name, f"role {name} (assumed by Lambda)", broad,
                                 f"its inline policy {label if isinstance(label, str) else ''}".rstrip(), _STATEMENT_FIX)
        for arn in props.get("ManagedPolicyArns") or []:
            target = set(references(arn)) & set(policies)
            managed = managed_name(arn)
            if managed and _BROAD_MANAGED.match(managed):
                yield _violation(_value_span(template, arn, role.span), name, f"role {name} (assumed by Lambda)",
                                 f"the wildcard actions of AWS managed policy {managed}", "ManagedPolicyArns",
                                 f"replace {managed} with a policy listing the actions the function calls")
            for policy_id in target:
                yield from _attached(template, policies[policy_id], name)
        for policy_id, policy in policies.items():
            attached = references(policy.properties.get("Roles")) | references(policy.properties.get("RoleName"))
            already = any(policy_id in references(arn) for arn in props.get("ManagedPolicyArns") or [])
            if name in attached and not already:
                yield from _attached(template, policy, name)


def _attached(template: Template, policy: Any, role: str) -> Iterator[Violation]:
    for broad, statement in wildcard_statements(template, policy.properties.get("PolicyDocument")):
        where = _where(template, statement, "NotAction" if "NotAction" in statement else "Action", policy.span)
        yield _violation(where, role, f"role {role} (assumed by Lambda)", broad,
                         f"{policy.type.rsplit('::', 1)[-1]} {policy.logical_id}", _STATEMENT_FIX)


def _sam_policies(template: Template, name: str, properties: DictNode, fallback: Span) -> Iterator[Violation]:
    policies = properties.get("Policies")
    items = policies if isinstance(policies, list) else [policies] if policies is not None else []
    holder = f"the role SAM creates for {name}"
    for item in items:
        managed = managed_name(item)
        if managed and _BROAD_MANAGED.match(managed):
            yield _violation(_value_span(template, item, _where(template, properties, "Policies", fallback)), name, holder,
                             f"the wildcard actions of AWS managed policy {managed}", "its Policies",
                             f"replace {managed} with a SAM policy template (e.g. DynamoDBReadPolicy) or a statement "
                             "listing the actions the function calls")
        elif isinstance(item, dict) and "Statement" in item:
            for broad, statement in wildcard_statements(template, item):
                where = _where(template, statement, "NotAction" if "NotAction" in statement else "Action", fallback)
                yield _violation(where, name, holder, broad, "its Policies",
                                 _STATEMENT_FIX + ", or use a SAM policy template (e.g. S3ReadPolicy)")
