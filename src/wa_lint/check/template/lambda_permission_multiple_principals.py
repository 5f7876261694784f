"""SEC002 lambda-permission-multiple-principals: one function that several services (principals) may
invoke, through `AWS::Lambda::Permission` resources and the permissions SAM events create."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import lookup, resources_in, truthy
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Function, Project
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Violation

CODE = "SEC002"
# The principal of the permission SAM creates for each event type; polled sources (SQS, Kinesis, DynamoDB,
# Kafka, MQ) and EventBridge Scheduler (a role) create none.
_SAM_PRINCIPALS = {"Api": "apigateway.amazonaws.com", "HttpApi": "apigateway.amazonaws.com",
                   "S3": "s3.amazonaws.com", "SNS": "sns.amazonaws.com", "EventBridgeRule": "events.amazonaws.com",
                   "CloudWatchEvent": "events.amazonaws.com", "Schedule": "events.amazonaws.com",
                   "IoTRule": "iot.amazonaws.com", "CloudWatchLogs": "logs.amazonaws.com",
                   "Cognito": "cognito-idp.amazonaws.com", "AlexaSkill": "alexa-appkit.amazon.com"}


def principal_text(value: Any) -> str | None:
    """A principal as written: a service or account string, or the text of an `!Sub`."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        value = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) and value["Fn::Sub"] else value["Fn::Sub"]
    return value.strip().lower() if isinstance(value, str) else None


def principals(function: Function, project: Project) -> dict[str, list[str]]:
    """Principal → where each grant comes from (SAM events, permission resources)."""
    found: dict[str, list[str]] = {}
    events = function.properties.get("Events")
    if isinstance(events, DictNode):
        for name, event in events.items():
            kind = event.get("Type") if isinstance(event, dict) else None
            principal = _SAM_PRINCIPALS.get(kind) if isinstance(kind, str) else None
            if kind == "SNS" and truthy(lookup(event, "Properties", "SqsSubscription")):
                principal = None  # the topic delivers to a queue that Lambda polls
            if principal:
                found.setdefault(principal, []).append(f"{kind} event {name}")
    for permission in resources_in(project, function.template, "AWS::Lambda::Permission"):
        if ref_target(permission.properties.get("FunctionName")) != function.logical_id:
            continue
        principal = principal_text(permission.properties.get("Principal"))
        if principal:
            found.setdefault(principal, []).append(f"permission {permission.logical_id}")
    return found


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    granted = principals(function, project)
    if len(granted) < 2:
        return
    name = function.logical_id
    listed = "; ".join(f"{principal} ({', '.join(sources)})" for principal, sources in sorted(granted.items()))
    problem = (f"{name} may be invoked by {len(granted)} principals — {listed}: each sends a different event "
               "shape, so one handler must tell them apart and validate each, and its resource policy and "
               "execution role grow to serve them all")
    fix = ("give each invoking service its own function (a handler per event source, sharing code as a "
           "library), so each resource policy names one principal")
    yield Violation(CODE, function.span, {"problem": problem, "fix": fix}, resource=name, function=name)
