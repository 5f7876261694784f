"""REL002 stream-mapping-without-failure-destination: a Kinesis or DynamoDB stream event source (SAM event or
`AWS::Lambda::EventSourceMapping`) without `DestinationConfig.OnFailure`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import NO_VALUE, branches, key_span, lookup, resources_in
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Violation

CODE = "REL002"
_STREAM_EVENTS = {"Kinesis": "Kinesis stream", "DynamoDB": "DynamoDB stream"}
_STREAM_RESOURCES = {"AWS::Kinesis::Stream": "Kinesis stream", "AWS::Kinesis::StreamConsumer": "Kinesis stream",
                     "AWS::DynamoDB::Table": "DynamoDB stream", "AWS::DynamoDB::GlobalTable": "DynamoDB stream"}
_WHY = ("a batch the function keeps failing on is retried until its records expire from the stream (1 to 365 days) "
        "while the shard waits behind it, and is then skipped without a trace")


def stream_kind(template: Template, source: Any) -> str | None:
    """"Kinesis stream" / "DynamoDB stream" when an EventSourceArn names one, else None (queues, Kafka, unknown)."""
    target = ref_target(source)
    resource = template.resources.get(target) if target else None
    if isinstance(resource, dict) and resource.get("Type") in _STREAM_RESOURCES:
        return _STREAM_RESOURCES[resource["Type"]]
    for branch in branches(template, source):
        text = branch.value
        if isinstance(text, dict) and "Fn::Sub" in text:
            text = text["Fn::Sub"][0] if isinstance(text["Fn::Sub"], list) and text["Fn::Sub"] else text["Fn::Sub"]
        if isinstance(text, str):
            if ":kinesis:" in text:
                return "Kinesis stream"
            if ":dynamodb:" in text and "/stream/" in text:
                return "DynamoDB stream"
    return None


def _without_on_failure(template: Template, holder: Any) -> tuple[bool, str | None]:
    config = holder.get("DestinationConfig") if isinstance(holder, dict) else None
    if config is None:
        return True, None
    for branch in branches(template, config):
        if branch.value is NO_VALUE or lookup(branch.value, "OnFailure") in (None, NO_VALUE):
            return True, branch.note
    return False, None


def _message(source: str, kind: str, consumer: str, when: str | None, fix_target: str) -> dict[str, str]:
    problem = (f"{source} reads a {kind} into {consumer} without DestinationConfig.OnFailure"
               f"{f' {when}' if when else ''}: {_WHY}")
    fix = (f"add DestinationConfig: {{OnFailure: {{Destination: !GetAtt {fix_target}Failures.Arn}}}} (an SQS queue or "
           "SNS topic, which receives the failed batch's shard and sequence numbers), with MaximumRetryAttempts "
           "and BisectBatchOnFunctionError: true to isolate the bad record")
    return {"problem": problem, "fix": fix}


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        for mapping in resources_in(project, template, "AWS::Lambda::EventSourceMapping"):
            kind = stream_kind(template, mapping.properties.get("EventSourceArn"))
            if kind is None:
                continue
            missing, when = _without_on_failure(template, mapping.properties)
            if missing:
                consumer = ref_target(mapping.properties.get("FunctionName")) or "its function"
                args = _message(f"event source mapping {mapping.logical_id}", kind, consumer, when, mapping.logical_id)
                yield Violation(CODE, mapping.span, args, resource=mapping.logical_id)
    for function in project.functions:
        events = function.properties.get("Events")
        if not isinstance(events, DictNode):
            continue
        for event_name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") not in _STREAM_EVENTS:
                continue
            missing, when = _without_on_failure(function.template, event.get("Properties"))
            if missing:
                name = function.logical_id
                args = _message(f"the event source mapping SAM creates for {name}'s event {event_name}",
                                _STREAM_EVENTS[event["Type"]], name, when, event_name)
                where = key_span(function.template, events, event_name, function.span)
                yield Violation(CODE, where, args, resource=name, function=name)
