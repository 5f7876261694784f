"""REL003 sqs-queue-without-dlq: an SQS queue without a `RedrivePolicy`, unless it is itself a dead-letter queue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._fixes import (
    add_property,
    add_resource,
    free_logical_id,
    is_intrinsic,
    not_fixed,
    unsafe_fix,
    written,
)
from wa_lint.check.template._values import NO_VALUE, branches, key_span, references, resources_in
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.report.findings import Fix, Violation

CODE = "REL003"
# Properties whose value names a dead-letter queue or an on-failure destination, on any resource
# (queues, SNS subscriptions, EventBridge targets, functions, event source mappings, pipes, schedules).
_DLQ_KEYS = frozenset({"RedrivePolicy", "DeadLetterConfig", "DeadLetterQueue", "OnFailure",
                       "deadLetterTargetArn", "DeadLetterTargetArn"})
# A queue named as a dead-letter or failure queue is one, even when what feeds it lives in another stack.
_DLQ_NAME = re.compile(r"dlq|dead-?_?letter|failed|failure", re.IGNORECASE)
_MAX_NODES = 50_000
# The skeleton the fix writes: five receives before a message is moved aside (a transient failure gets
# retries; a poison message stops blocking the queue), and the DLQ keeps messages for the 14-day
# maximum, so they outlive the source queue's retention and can be inspected and redriven.
MAX_RECEIVE_COUNT = 5
DLQ_RETENTION_SECONDS = 1_209_600


def dead_letter_targets(template: Template) -> set[str]:
    """Names referenced under a dead-letter or on-failure property anywhere in the template (Globals too)."""
    found: set[str] = set()
    stack: list[Any] = [template.data.get("Resources"), template.data.get("Globals")]
    seen = 0
    while stack and seen < _MAX_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            for key, inner in item.items():
                if key in _DLQ_KEYS:
                    found |= references(inner)
                else:
                    stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def redrive_fix(template: Template, name: str) -> tuple[Fix | None, str | None]:
    """A dead-letter queue `<name>DLQ` declared above the queue, and the queue's RedrivePolicy naming it."""
    fifo = written(template, name, "FifoQueue")
    if is_intrinsic(fifo):
        return None, not_fixed("FifoQueue is decided at deploy time, and a FIFO queue needs a FIFO dead-letter queue")
    dlq = free_logical_id(template, f"{name}DLQ", f"{name}DeadLetterQueue")
    if dlq is None:
        return None, None
    properties: dict[str, object] = {"MessageRetentionPeriod": DLQ_RETENTION_SECONDS}
    if fifo is True or (isinstance(fifo, str) and fifo.strip().lower() == "true"):
        properties["FifoQueue"] = True
    policy = {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": MAX_RECEIVE_COUNT}
    queue = {"Type": "AWS::SQS::Queue", "Properties": properties}
    return unsafe_fix(template, lambda: add_resource(template, dlq, queue, beside=name),
                      lambda: add_property(template, name, "RedrivePolicy", policy)), None


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        queues = resources_in(project, template, "AWS::SQS::Queue")
        if not queues:
            continue
        dead_letter = dead_letter_targets(template)
        for queue in queues:
            name = queue.logical_id
            props = queue.properties
            queue_name = props.get("QueueName")
            if name in dead_letter or "RedriveAllowPolicy" in props or _DLQ_NAME.search(name):
                continue  # a dead-letter queue needs no dead-letter queue of its own
            if isinstance(queue_name, str) and _DLQ_NAME.search(queue_name):
                continue
            if "RedrivePolicy" not in props:
                when = None
            else:
                missing = [b for b in branches(template, props["RedrivePolicy"]) if b.value in (NO_VALUE, None)]
                if not missing:
                    continue
                when = missing[0].note
            where = key_span(template, props, "RedrivePolicy", queue.span) if when else queue.span
            problem = (f"SQS queue {name} has no RedrivePolicy{f' {when}' if when else ''}: a message its "
                       "consumer keeps failing on is received again and again until MessageRetentionPeriod "
                       "expires, and is then deleted without a trace")
            fix = (f"add a queue {name}DLQ and set RedrivePolicy: {{deadLetterTargetArn: !GetAtt "
                   f"{name}DLQ.Arn, maxReceiveCount: 5}} on {name}, with an alarm on the DLQ's "
                   "ApproximateNumberOfMessagesVisible")
            if when:
                machine_fix: Fix | None = None
                note: str | None = not_fixed(f"the RedrivePolicy is removed at deploy time, {when}; set it on "
                                             "that branch")
            else:
                machine_fix, note = redrive_fix(template, name)
            yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name, fix=machine_fix,
                            detail=note)
