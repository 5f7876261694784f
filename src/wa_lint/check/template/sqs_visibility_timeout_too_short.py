"""REL008 sqs-visibility-timeout-too-short: a queue feeding a function (SAM `SQS` event or event source
mapping) whose VisibilityTimeout is under six times the function's Timeout, as AWS recommends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import Branch, branches, key_span
from wa_lint.link.linker import literal_int
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Violation

CODE = "REL008"
_FACTOR = 6  # Lambda's guidance: "at least six times the timeout that you configure on your function"
_SQS_VISIBILITY_DEFAULT = 30
_LAMBDA_TIMEOUT_DEFAULT = 3


def _seconds(template: Any, value: Any, default: int) -> list[Branch]:
    if value is None:
        return [Branch(default, "the default")]
    return [Branch(seconds, b.note) for b in branches(template, value)
            if (seconds := literal_int(b.value)) is not None]


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    template = function.template
    timeouts = _seconds(template, function.properties.get("Timeout"), _LAMBDA_TIMEOUT_DEFAULT)
    for trigger in function.triggers:
        if trigger.type not in ("SQS", "EventSourceMapping") or not trigger.target:
            continue
        queue = template.resources.get(trigger.target)
        if not isinstance(queue, dict) or queue.get("Type") != "AWS::SQS::Queue":
            continue  # a queue in another stack: its visibility timeout is not in this template
        found = queue.get("Properties")
        properties: dict[str, Any] = found if isinstance(found, dict) else {}
        visibilities = _seconds(template, properties.get("VisibilityTimeout"), _SQS_VISIBILITY_DEFAULT)
        short = [(v, t) for v in visibilities for t in timeouts if v.value < _FACTOR * t.value]
        if not short:
            continue
        visibility, timeout = short[0]
        name, queue_name = function.logical_id, trigger.target
        needed = _FACTOR * timeout.value
        set_at = key_span(template, properties, "VisibilityTimeout", trigger.span).line
        v_text = (f"the SQS default of {visibility.value} s" if visibility.note == "the default" else
                  f"VisibilityTimeout {visibility.value} s (line {set_at}{', ' + visibility.note if visibility.note else ''})")
        t_text = (f"Lambda's default Timeout of {timeout.value} s" if timeout.note == "the default" else
                  f"its Timeout of {timeout.value} s{' ' + timeout.note if timeout.note else ''}")
        source = "SQS event" if trigger.type == "SQS" else "event source mapping"
        problem = (f"queue {queue_name} feeds {name} ({source} {trigger.name}) with {v_text}, under {_FACTOR} × "
                   f"{t_text} = {needed} s: a batch still being processed, or retried after a throttle, becomes "
                   "visible again and is delivered a second time, to another invocation")
        fix = (f"set VisibilityTimeout: {needed} (or more) on {queue_name}, or lower {name}'s Timeout to "
               f"{max(visibility.value // _FACTOR, 1)}")
        yield Violation(CODE, trigger.span, {"problem": problem, "fix": fix}, resource=name, function=name)
