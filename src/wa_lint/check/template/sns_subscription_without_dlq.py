"""REL004 sns-subscription-without-dlq: an SNS subscription (a resource, a topic's inline list, or one a SAM
`SNS` event creates) without a `RedrivePolicy`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import NO_VALUE, branches, key_span, resources_in
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Violation
from wa_lint.words import plural

CODE = "REL004"
_WHY = ("SNS discards a message it cannot deliver (at once on a client-side error such as a missing "
        "permission, after its retry policy on server-side errors)")


def _missing(template: Template, holder: Any) -> tuple[bool, str | None]:
    """(no redrive policy, in which !If branch) for a subscription's properties."""
    if not isinstance(holder, dict) or "RedrivePolicy" not in holder:
        return True, None
    for branch in branches(template, holder["RedrivePolicy"]):
        if branch.value in (NO_VALUE, None):
            return True, branch.note
    return False, None


def _fix(holder: str) -> str:
    return (f"add RedrivePolicy: {{deadLetterTargetArn: !GetAtt {holder}DLQ.Arn}} to {holder}, with an SQS "
            f"queue {holder}DLQ whose policy lets sns.amazonaws.com send to it")


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        for subscription in resources_in(project, template, "AWS::SNS::Subscription"):
            missing, when = _missing(template, subscription.properties)
            if missing:
                name = subscription.logical_id
                where = key_span(template, subscription.properties, "RedrivePolicy", subscription.span) \
                    if when else subscription.span
                problem = (f"SNS subscription {name} has no RedrivePolicy{f' {when}' if when else ''}: {_WHY}, "
                           "so a message its endpoint could not take is lost")
                yield Violation(CODE, where, {"problem": problem, "fix": _fix(name)}, resource=name)
        for topic in resources_in(project, template, "AWS::SNS::Topic"):
            inline = topic.properties.get("Subscription")
            if isinstance(inline, list) and inline:
                name = topic.logical_id
                problem = (f"SNS topic {name} declares {plural(len(inline), 'subscription')} inline, and an inline "
                           f"subscription cannot have a RedrivePolicy: {_WHY}, so those messages are lost")
                fix = ("declare each subscription as an AWS::SNS::Subscription resource with TopicArn: "
                       f"!Ref {name} and RedrivePolicy: {{deadLetterTargetArn: !GetAtt <Queue>.Arn}}")
                where = key_span(template, topic.properties, "Subscription", topic.span)
                yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name)
    for function in project.functions:
        events = function.properties.get("Events")
        if not isinstance(events, DictNode):
            continue
        for event_name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") != "SNS":
                continue
            missing, when = _missing(function.template, event.get("Properties"))
            if not missing:
                continue
            name = function.logical_id
            problem = (f"the SNS subscription SAM creates for {name}'s event {event_name} has no RedrivePolicy"
                       f"{f' {when}' if when else ''}: {_WHY}, so an event {name} was never invoked with is lost")
            fix = (f"add RedrivePolicy: {{deadLetterTargetArn: !GetAtt {event_name}DLQ.Arn}} to the Properties of "
                   f"event {event_name}, with an SQS queue {event_name}DLQ whose policy lets sns.amazonaws.com "
                   "send to it")
            where = key_span(function.template, events, event_name, function.span)
            yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name, function=name)
