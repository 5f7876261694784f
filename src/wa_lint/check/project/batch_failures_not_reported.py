"""REL202 batch-failures-not-reported: an SQS / Kinesis / DynamoDB stream trigger and its code disagree on
partial batch responses.

Lambda reads `batchItemFailures` from a batch handler's response only when the event source mapping sets
`FunctionResponseTypes: [ReportBatchItemFailures]`. With the code returning the list and the mapping not
asking for it, a single bad message makes the whole batch retry; with the mapping asking and the code
never returning it, every batch that returns normally counts as fully processed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wa_lint.analyse.python.callgraph import custom_resource_handler, taint_walk
from wa_lint.analyse.python.construction import receiver
from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.check.code._invocation import function_entries, place
from wa_lint.check.contract import subject
from wa_lint.check.project.hot_read_table import reachable_modules
from wa_lint.check.template._values import key_span, resources_in
from wa_lint.check.template.stream_mapping_without_failure_destination import stream_kind
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Entry, Function, Project
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Span, Violation

CODE = "REL202"
MARKER = "batchItemFailures"
REPORT = "ReportBatchItemFailures"
_BATCH = "aws_lambda_powertools.utilities.batch"
_SAM_EVENTS = {"SQS": "SQS queue", "Kinesis": "Kinesis stream", "DynamoDB": "DynamoDB stream"}


@dataclass(frozen=True)
class Source:
    name: str  # "the event Orders" / "event source mapping OrdersMapping"
    kind: str  # "SQS queue" | "Kinesis stream" | "DynamoDB stream"
    reports: bool | None  # FunctionResponseTypes includes ReportBatchItemFailures; None: not literal
    span: Span


def _reports(value: Any) -> bool | None:
    if value is None:
        return False
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return REPORT in value
    return None  # a condition or parameter: known at deploy time only


def _sources(project: Project, function: Function) -> list[Source]:
    found = []
    events = function.properties.get("Events")
    if isinstance(events, DictNode):
        for name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") not in _SAM_EVENTS:
                continue
            properties = event.get("Properties")
            value = properties.get("FunctionResponseTypes") if isinstance(properties, dict) else None
            found.append(Source(f"event {name}", _SAM_EVENTS[event["Type"]], _reports(value),
                                key_span(function.template, events, str(name), function.span)))
    template = function.template
    for mapping in resources_in(project, template, "AWS::Lambda::EventSourceMapping"):
        properties = mapping.properties
        if ref_target(properties.get("FunctionName")) != function.logical_id:
            continue
        source = properties.get("EventSourceArn")
        kind = stream_kind(template, source)
        target = ref_target(source)
        queue = template.resources.get(target) if target else None
        if kind is None and isinstance(queue, dict) and queue.get("Type") == "AWS::SQS::Queue":
            kind = "SQS queue"
        if kind is not None:
            found.append(Source(f"event source mapping {mapping.logical_id}", kind,
                                _reports(properties.get("FunctionResponseTypes")), mapping.span))
    return found


def _reporting_code(project: Project, entry: Entry) -> str | None:
    """Where the per-invocation code reports batch item failures, or None."""
    for graph, node, _live, _path in taint_walk(project, entry):
        facts = graph.facts(node)
        function = facts.functions.get(node.qualname)
        if MARKER in facts.mentions.get(node.qualname, ()) and function is not None:
            return f"`{node.qualname}` ({place(project, facts, function.location.line)}) returns {MARKER}"
        for decorator in facts.decorators.get(node.qualname, ()):
            if decorator.qualified.startswith(_BATCH):
                return f"`@{decorator.name}` on `{node.qualname}` reports them through Powertools"
        body = graph.body(node)
        for call in body.calls if body else ():
            made = receiver(facts, call)
            if (call.qualified or "").startswith(_BATCH) or (made is not None and made.callee.startswith(_BATCH)):
                return f"`{call.callee}` ({place(project, facts, call.line)}) reports them through Powertools"
    return None


def _never_reports(modules: list[ModuleFacts]) -> bool:
    """No reachable module mentions the response key or imports Powertools' batch utility: a response
    built anywhere in them (a variable returned later, a helper) would name one or the other."""
    for facts in modules:
        if any(MARKER in found for found in facts.mentions.values()):
            return False
        if any(item.module.startswith(_BATCH) or (item.module == "aws_lambda_powertools.utilities" and
               any(name == "batch" for name, _ in item.names)) for item in facts.imports):
            return False
    return True


_IGNORED = ("Lambda ignores the list it returns, so one failed record makes the whole batch retry "
            "(processed records again, and for a stream the shard waits behind it)")
_LOST = ("the setting does nothing: a normal return marks every record processed (deleted from the queue, "
         "passed on the stream) and a raised error still retries the whole batch")


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for entry, function in function_entries(project):
        sources = [source for source in _sources(project, function) if source.reports is not None]
        if not sources or custom_resource_handler(project, entry):
            continue
        name = function.logical_id
        code = _reporting_code(project, entry)
        for source in sources:
            if code and not source.reports:
                problem = (f"{name}'s code reports partial batch failures ({code}) but {source.name} "
                           f"({source.kind}) does not set FunctionResponseTypes: [{REPORT}]: {_IGNORED}")
                fix = f"add FunctionResponseTypes: [{REPORT}] to the properties of {source.name}"
            elif source.reports and code is None and _never_reports(reachable_modules(entry, project)):
                problem = (f"{source.name} of {name} ({source.kind}) sets FunctionResponseTypes: [{REPORT}] but "
                           f"the handler `{entry.qualname}` ({place(project, entry.facts, _line(entry))}) never "
                           f"returns {MARKER}: {_LOST}")
                fix = (f"return {{\"{MARKER}\": [{{\"itemIdentifier\": record_id}}, ...]}} for the records that failed "
                       "(Powertools `process_partial_response` builds it), or remove FunctionResponseTypes")
            else:
                continue
            yield Violation(CODE, source.span, {"problem": problem, "fix": fix}, resource=name, function=name)


def _line(entry: Entry) -> int:
    function = entry.facts.functions.get(entry.qualname)
    return function.location.line if function else 1
