"""REL203 recursive-invocation: a function writes to the queue, topic, stream-enabled table, stream or bucket
that triggers it, so each invocation can trigger the next.

The write's target is matched to the trigger through the function's environment: the code reads the
queue URL, topic ARN, table, stream or bucket name from a variable the template sets from `!Ref` /
`!GetAtt` of the resource that triggers the function. For a bucket with an S3 key filter, only a literal
key that passes the filter is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.arguments import arguments_of, literal, variable
from wa_lint.check.code._invocation import Site, SiteKey, entries, invocation_calls, method, place, service
from wa_lint.check.contract import subject
from wa_lint.link.model import Function, Project, Trigger
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Violation

CODE = "REL203"
# (service, method) → (the argument naming the target as keyword, as position, what it is)
_WRITES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("sqs", "send_message"): ("QueueUrl", "-", "queue"),
    ("sqs", "send_message_batch"): ("QueueUrl", "-", "queue"),
    ("sns", "publish"): ("TopicArn", "-", "topic"),
    ("sns", "publish_batch"): ("TopicArn", "-", "topic"),
    ("dynamodb", "put_item"): ("TableName", "-", "table"),
    ("dynamodb", "update_item"): ("TableName", "-", "table"),
    ("dynamodb", "delete_item"): ("TableName", "-", "table"),
    ("kinesis", "put_record"): ("StreamName", "-", "stream"),
    ("kinesis", "put_records"): ("StreamName", "-", "stream"),
    ("s3", "put_object"): ("Bucket", "-", "bucket"),
    ("s3", "copy_object"): ("Bucket", "-", "bucket"),
    ("s3", "upload_file"): ("Bucket", "1", "bucket"),
    ("s3", "upload_fileobj"): ("Bucket", "1", "bucket"),
}
_KEYS = {"put_object": ("Key", "-"), "copy_object": ("Key", "-"), "upload_file": ("Key", "2"),
         "upload_fileobj": ("Key", "2")}
# Writes through a boto3 Table resource made from the environment (`table.put_item(...)`).
_TABLE_METHODS = frozenset({"put_item", "update_item", "delete_item"})
# The only calls `_written` can name a target for.
_WRITING = frozenset(name for _, name in _WRITES) | _TABLE_METHODS
_STREAM_KEYS = {"kinesis": ("StreamARN", "-")}
_TRIGGER_TYPES = frozenset({"SQS", "SNS", "DynamoDB", "Kinesis", "S3", "EventSourceMapping"})


def _written(site: Site) -> tuple[str, str] | None:
    """(environment variable, what) the call writes to."""
    call = site.call
    arguments = arguments_of(site.facts, site.qualname, call)
    name = method(call)
    client = service(site)
    if client is not None and (client, name) in _WRITES:
        keyword, position, what = _WRITES[(client, name)]
        found = variable(arguments, keyword) or variable(arguments, position)
        if found is None and client in _STREAM_KEYS:
            found = variable(arguments, _STREAM_KEYS[client][0])
        return (found, what) if found else None
    receiver = variable(arguments, "receiver")
    if receiver and name in _TABLE_METHODS:
        return receiver, "table"
    return None


def _event_filtered(function: Function, trigger: Trigger) -> bool:
    """The SQS, stream or mapping trigger has Lambda event filtering (`FilterCriteria`): the records the
    function writes may be filtered out, which the rule cannot evaluate, so it does not guess."""
    events = function.properties.get("Events")
    event = events.get(trigger.name) if isinstance(events, DictNode) else None
    if event is None:  # a plain AWS::Lambda::EventSourceMapping, named by its logical ID
        event = function.template.resources.get(trigger.name)
    properties = event.get("Properties") if isinstance(event, dict) else None
    return isinstance(properties, dict) and properties.get("FilterCriteria") is not None


def _s3_filter(function: Function, trigger: Trigger) -> list[tuple[str, str]] | None:
    """The S3 event's key filter rules [(prefix|suffix, value)], [] when none, None when not literal."""
    events = function.properties.get("Events")
    event = events.get(trigger.name) if isinstance(events, DictNode) else None
    properties = event.get("Properties") if isinstance(event, dict) else None
    rules: Any = properties
    for key in ("Filter", "S3Key", "Rules"):
        rules = rules.get(key) if isinstance(rules, dict) else None
    if rules is None:
        return []
    if not isinstance(rules, list):
        return None
    found = []
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("Value"), str):
            return None
        found.append((str(rule.get("Name", "")).lower(), rule["Value"]))
    return found


def _passes(key: str, rules: list[tuple[str, str]]) -> bool:
    return all(key.startswith(value) if name == "prefix" else key.endswith(value) for name, value in rules)


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    reported: set[tuple[int, str, SiteKey]] = set()
    for entry in entries(project):
        function = entry.function
        if function is None:
            continue
        triggers = {trigger.target: trigger for trigger in function.triggers
                    if trigger.target and trigger.type in _TRIGGER_TYPES}
        if not triggers:
            continue
        for site in invocation_calls(project, entry, methods=_WRITING):
            written = _written(site)
            if written is None:
                continue
            name, what = written
            setting = function.environment.get(name)
            if setting is None or not setting.target or setting.target not in triggers:
                continue
            trigger = triggers[setting.target]
            if trigger.type != "S3" and _event_filtered(function, trigger):
                continue
            key_text = ""
            if trigger.type == "S3":
                rules = _s3_filter(function, trigger)
                keyword, position = _KEYS.get(method(site.call), ("Key", "-"))
                arguments = arguments_of(site.facts, site.qualname, site.call)
                key = literal(arguments, keyword) or literal(arguments, position)
                if rules is None or (rules and (key is None or not _passes(key.strip("'\""), rules))):
                    continue  # the written key may fall outside the trigger's filter
                key_text = f" under key {key}" if key else ""
            marker = (id(function), function.logical_id, site.key)
            if marker in reported:
                continue
            reported.add(marker)
            call = site.call
            problem = (f"{function.logical_id} writes to the {what} that triggers it: `{call.callee}` "
                       f"({place(project, site.facts, call.line)}{site.route(call.callee)}) targets `{name}`{key_text}, "
                       f"which is `{setting.target}`, the source of its event {trigger.name}: each invocation "
                       "can trigger the next, without end and at full concurrency")
            fix = (f"write to a different {what} than the one that triggers {function.logical_id}, or guard the "
                   "loop (a key prefix the trigger filters out, a marker attribute the code skips, a depth counter)")
            yield Violation(CODE, trigger.span, {"problem": problem, "fix": fix},
                            resource=function.logical_id, function=function.logical_id)
