"""REL001 async-without-failure-destination: a function invoked asynchronously (S3, SNS, EventBridge,
schedules, IoT, CloudWatch Logs, SES) with neither an on-failure destination nor a dead-letter queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import NO_VALUE, branches, key_span, lookup, resources_in, truthy
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Function, Project
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Span, Violation

CODE = "REL001"
# SAM event types whose service invokes the function with InvocationType=Event.
_ASYNC_EVENTS = frozenset({"S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2", "IoTRule",
                           "CloudWatchLogs"})
# Services that invoke asynchronously, by the principal their Lambda permission names.
_ASYNC_PRINCIPALS = frozenset({"s3", "sns", "events", "iot", "logs", "ses"})


def service_of(principal: Any) -> str | None:
    """`s3.amazonaws.com`, `!Sub s3.${AWS::URLSuffix}` → `s3`; None for an account or an unknown value."""
    if isinstance(principal, dict) and "Fn::Sub" in principal:
        principal = principal["Fn::Sub"]
    if not isinstance(principal, str) or "." not in principal:
        return None
    return principal.split(".", 1)[0].lower()


def _ses_invokes_asynchronously(function: Function, project: Project) -> bool:
    """SES invokes a receipt rule's function with the rule's `InvocationType`: `Event` by default, but a
    rule that accepts or rejects mail waits for the answer (`RequestResponse`). Only a rule in the project
    says which; without one the permission alone does not tell."""
    for rule in resources_in(project, function.template, "AWS::SES::ReceiptRule"):
        actions = lookup(rule.properties, "Rule", "Actions")
        for action in actions if isinstance(actions, list) else ():
            invoke = lookup(action, "LambdaAction")
            if isinstance(invoke, dict) and ref_target(invoke.get("FunctionArn")) == function.logical_id \
                    and invoke.get("InvocationType", "Event") == "Event":
                return True
    return False


def async_triggers(function: Function, project: Project) -> list[tuple[str, Span]]:
    """(description, where) for every asynchronous invoker of `function` the template declares."""
    found: list[tuple[str, Span]] = []
    template = function.template
    events = function.properties.get("Events")
    if isinstance(events, DictNode):
        for name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") not in _ASYNC_EVENTS:
                continue
            if event["Type"] == "SNS" and truthy(lookup(event, "Properties", "SqsSubscription")):
                continue  # SAM puts a queue between the topic and the function: polled, not invoked
            found.append((f"{event['Type']} event {name}", key_span(template, events, name, function.span)))
    authorizer = any(ref_target(resource.properties.get("AuthorizerFunctionArn")) == function.logical_id
                     for resource in resources_in(project, template, "AWS::IoT::Authorizer"))
    for permission in resources_in(project, template, "AWS::Lambda::Permission"):
        properties = permission.properties
        service = service_of(properties.get("Principal"))
        if service not in _ASYNC_PRINCIPALS or ref_target(properties.get("FunctionName")) != function.logical_id:
            continue
        # AWS IoT invokes a rule's function asynchronously but a custom authorizer synchronously.
        if service == "iot" and (authorizer or ":authorizer/" in str(properties.get("SourceArn", ""))):
            continue
        if service == "ses" and not _ses_invokes_asynchronously(function, project):
            continue
        found.append((f"permission {permission.logical_id} for {service}.amazonaws.com", permission.span))
    return found


def _has(template: Any, value: Any, *keys: str) -> bool:
    """`value` holds something at `keys` in every `!If` branch (one that removes it does not count).

    A parameter without a default is decided at deploy time: it counts, so the rule does not guess.
    """
    if value is None:
        return False
    return all(b.value not in (None, NO_VALUE) and (not keys or lookup(b.value, *keys) is not None)
               for b in branches(template, value))


def has_failure_handling(function: Function, project: Project) -> bool:
    template, properties = function.template, function.properties
    if _has(template, properties.get("DeadLetterQueue"), "TargetArn"):
        return True
    if _has(template, properties.get("DeadLetterConfig"), "TargetArn"):
        return True
    on_failure = lookup(properties, "EventInvokeConfig", "DestinationConfig", "OnFailure")
    if _has(template, on_failure):
        return True
    for config in resources_in(project, template, "AWS::Lambda::EventInvokeConfig"):
        if ref_target(config.properties.get("FunctionName")) == function.logical_id and _has(
                template, lookup(config.properties, "DestinationConfig", "OnFailure"), "Destination"):
            return True
    return False


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    triggers = async_triggers(function, project)
    if not triggers or has_failure_handling(function, project):
        return
    name = function.logical_id
    listed = ", ".join(text for text, _ in triggers[:3]) + (f" and {len(triggers) - 3} more" if len(triggers) > 3 else "")
    problem = (f"{name} is invoked asynchronously ({listed}) and has no on-failure destination or dead-letter "
               "queue: an event it fails on is retried twice and then dropped")
    if function.type == "AWS::Serverless::Function":
        fix = (f"add EventInvokeConfig: {{DestinationConfig: {{OnFailure: {{Type: SQS, Destination: !GetAtt "
               f"{name}FailureQueue.Arn}}}}}} to {name} (or to Globals.Function)")
    else:
        fix = (f"add an AWS::Lambda::EventInvokeConfig with FunctionName: !Ref {name}, Qualifier: $LATEST and "
               f"DestinationConfig: {{OnFailure: {{Destination: !GetAtt {name}FailureQueue.Arn}}}}")
    yield Violation(CODE, triggers[0][1], {"problem": problem, "fix": fix}, resource=name, function=name)
