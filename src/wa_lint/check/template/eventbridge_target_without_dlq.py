"""REL005 eventbridge-target-without-dlq: an EventBridge rule or schedule target without a dead-letter queue,
in plain CloudFormation and in the rules and schedules SAM events create."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import NO_VALUE, branches, key_span, lookup, resources_in
from wa_lint.link.linker import span
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Span, Violation

CODE = "REL005"
# SAM event types that create an EventBridge rule (or an EventBridge Scheduler schedule) for their resource.
_SAM_RULE_EVENTS = frozenset({"EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2"})
_WHY = ("EventBridge retries a delivery that fails (throttling, a missing permission, a deleted target) for up "
        "to 24 hours and 185 times, then drops the event")


def _without_dlq(template: Template, holder: Any) -> tuple[bool, str | None]:
    """(no dead-letter queue, in which !If branch) for a target or a SAM event's properties."""
    config = holder.get("DeadLetterConfig") if isinstance(holder, dict) else None
    if config is None:
        return True, None
    for branch in branches(template, config):
        value = branch.value
        # Plain CloudFormation needs an Arn; SAM also accepts `Type: SQS` (it creates the queue).
        if value is NO_VALUE or not isinstance(value, dict) or not ("Arn" in value or "Type" in value):
            return True, branch.note
    return False, None


def _rule_targets(template: Template, rule: Any) -> Iterator[tuple[Any, Span, str | None]]:
    """(target, where, condition note) for each target a rule can have."""
    targets = rule.properties.get("Targets")
    if not isinstance(targets, list):
        return
    for item in targets:
        where = span(template, item.pos) if isinstance(item, DictNode) else rule.span
        for branch in branches(template, item):
            if isinstance(branch.value, dict):
                yield branch.value, where, branch.note


def _when(*notes: str | None) -> str:
    text = ", ".join(note for note in notes if note)
    return f" {text}" if text else ""


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        for rule in resources_in(project, template, "AWS::Events::Rule"):
            if rule.properties.get("State") == "DISABLED":
                continue
            for target, where, note in _rule_targets(template, rule):
                missing, when = _without_dlq(template, target)
                if not missing:
                    continue
                target_id = target.get("Id") if isinstance(target.get("Id"), str) else "?"
                problem = (f"target {target_id} of EventBridge rule {rule.logical_id} has no DeadLetterConfig"
                           f"{_when(note, when)}: {_WHY}")
                fix = (f"add DeadLetterConfig: {{Arn: !GetAtt {rule.logical_id}DLQ.Arn}} to target {target_id}, "
                       f"with an SQS queue {rule.logical_id}DLQ whose policy lets events.amazonaws.com send to it")
                yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=rule.logical_id)
        for schedule in resources_in(project, template, "AWS::Scheduler::Schedule"):
            target = schedule.properties.get("Target")
            missing, when = _without_dlq(template, target)
            if missing and isinstance(target, dict):
                name = schedule.logical_id
                problem = f"EventBridge Scheduler schedule {name} has no Target.DeadLetterConfig{_when(when)}: {_WHY}"
                fix = f"add DeadLetterConfig: {{Arn: !GetAtt {name}DLQ.Arn}} to {name}'s Target"
                where = key_span(template, schedule.properties, "Target", schedule.span)
                yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name)
        for owner in resources_in(project, template, "AWS::Serverless::StateMachine"):
            yield from _sam_events(template, owner.logical_id, owner.properties, owner.span)
    for function in project.functions:
        if function.type == "AWS::Serverless::Function":
            yield from _sam_events(function.template, function.logical_id, function.properties, function.span)


def _sam_events(template: Template, name: str, properties: DictNode, fallback: Span) -> Iterator[Violation]:
    events = properties.get("Events")
    if not isinstance(events, DictNode):
        return
    for event_name, event in events.items():
        if not isinstance(event, dict) or event.get("Type") not in _SAM_RULE_EVENTS:
            continue
        if lookup(event, "Properties", "State") == "DISABLED" or lookup(event, "Properties", "Enabled") is False:
            continue
        missing, when = _without_dlq(template, event.get("Properties"))
        if not missing:
            continue
        kind = "schedule" if event["Type"] == "ScheduleV2" else "rule"
        problem = (f"the EventBridge {kind} SAM creates for {name}'s {event['Type']} event {event_name} has no "
                   f"DeadLetterConfig{_when(when)}: {_WHY}, so {name} never sees it")
        fix = (f"add DeadLetterConfig: {{Type: SQS}} (SAM creates the queue) or DeadLetterConfig: {{Arn: "
               f"!GetAtt <Queue>.Arn}} to the Properties of event {event_name}")
        where = key_span(template, events, event_name, fallback)
        yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name)
