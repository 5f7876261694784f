"""SEC102 event-logged: the whole invocation event written to the logs.

Three ways: Powertools `@logger.inject_lambda_context(log_event=True)` on the handler; the
`POWERTOOLS_LOGGER_LOG_EVENT=true` environment variable on a function whose handler uses that decorator;
or the handler passing its event parameter whole to a log call or `print` (`logger.info(event)`,
`print(json.dumps(event))`, `logger.info(f"event: {event}")`), itself or in a function it hands the whole
event to (`log_request(event)`), a few calls deep. `logger.debug(...)` is left alone: below the
default level it is not written.

Severity follows what the event can carry: a function whose only triggers are schedules, secret
rotations, alarms or S3 notifications, or that answers custom resource requests at deployment, logs
events with no request data in them (ticks, object keys, resource properties), so it is reported as info.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from wa_lint.analyse.python.arguments import arguments_of
from wa_lint.analyse.python.callgraph import Graph, Node, Target, argument_params
from wa_lint.analyse.python.construction import receiver
from wa_lint.analyse.python.facts_model import Call, ModuleFacts, Origin
from wa_lint.check.code._invocation import entries
from wa_lint.check.contract import subject
from wa_lint.link.cadence import occasional_reason
from wa_lint.link.deploy_time import entry_deploy_time
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Severity, Span, Violation

CODE = "SEC102"
_LOG_METHODS = frozenset({"info", "warning", "warn", "error", "exception", "critical", "log"})
_LOGGERS = ("logging.getLogger", "logging.Logger", "aws_lambda_powertools.Logger", "aws_lambda_powertools.logging")
_LOGGER_NAMES = frozenset({"logger", "log", "_logger", "_log", "logging"})
# How far the event is followed into the functions it is handed to, whole (`log_request(event)`).
_MAX_DEPTH = 4
_FIX_CODE = ("log the fields you need (an order ID, a request ID), or `logger.debug(...)` with sensitive fields "
             "removed; Powertools' data masking utility can redact them")


def _dataless_event(project: Project, entry: Entry) -> str | None:
    """Why the entry's events carry no request data (for the message), or None when they may."""
    function = entry.function
    if function is not None and function.triggers and all(trigger.type == "S3" for trigger in function.triggers):
        return "its only triggers are S3 notifications, which carry the bucket and object key, not request data"
    occasional = occasional_reason(project, function)
    if occasional:
        return f"{occasional}, and those events carry no request data"
    deploy_time = entry_deploy_time(project, entry)
    if deploy_time:
        return f"{deploy_time}: its event is the resource's properties, once per deployment"
    return None


def _event_param(entry: Entry) -> str | None:
    function = entry.facts.functions.get(entry.qualname)
    if function is None:
        return None
    params = list(function.params)
    if function.class_name is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    return params[0] if params else None


def _is_log_call(facts: ModuleFacts, call: Call) -> bool:
    if call.callee == "print":
        return True
    head, _, name = call.callee.rpartition(".")
    if name not in _LOG_METHODS or not head or "(" in head:
        return False
    made = receiver(facts, call)
    if made is not None:
        return made.callee.startswith(_LOGGERS)
    return (call.qualified or "").startswith("logging.") or head.split(".")[-1].lower() in _LOGGER_NAMES


def _uses_inject(facts: ModuleFacts, qualname: str) -> tuple[str, str | None] | None:
    """(decorator name, its literal log_event) when the function is decorated with inject_lambda_context."""
    for decorator in facts.decorators.get(qualname, ()):
        if decorator.name.endswith("inject_lambda_context"):
            return decorator.name, dict(decorator.keywords).get("log_event")
    return None


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for violation, dataless in _findings(project):
        if dataless is None:
            yield violation
        else:
            yield replace(violation, severity=Severity.INFO, detail=f" (reported as info: {dataless})")


def _findings(project: Project) -> Iterator[tuple[Violation, str | None]]:
    reported: set[tuple[object, ...]] = set()
    for entry in entries(project):
        facts, function = entry.facts, entry.facts.functions.get(entry.qualname)
        if function is None:
            continue
        dataless = _dataless_event(project, entry)
        resource = entry.function.logical_id if entry.function else None
        inject = _uses_inject(facts, entry.qualname)
        location = function.location
        if inject and inject[1] == "True" and (id(facts), entry.qualname) not in reported:
            reported.add((id(facts), entry.qualname))
            yield Violation(CODE, Span(facts.path, location.line, location.column, location.end_line,
                                       location.end_column),
                            {"problem": f"`@{inject[0]}(log_event=True)` on `{entry.qualname}` writes every event "
                                        "to the logs, whole",
                             "fix": "remove log_event=True (or set it only while debugging, from an environment "
                                    "variable that is off in production)"},
                            resource=resource, function=entry.label), dataless
        variable = entry.function.environment.get("POWERTOOLS_LOGGER_LOG_EVENT") if entry.function else None
        if variable is not None and str(variable.value).strip().lower() == "true" and inject and inject[1] is None and (id(variable), "env") not in reported:
            reported.add((id(variable), "env"))
            yield Violation(CODE, variable.span,
                            {"problem": f"POWERTOOLS_LOGGER_LOG_EVENT is true for {resource} and its handler "
                                        f"`{entry.qualname}` uses `@{inject[0]}`: every event is written to the "
                                        "logs, whole",
                             "fix": "remove POWERTOOLS_LOGGER_LOG_EVENT (or set it to false) outside debugging"},
                            resource=resource, function=entry.label), dataless
        event = _event_param(entry)
        if event is None or entry.qualname not in facts.bodies:
            continue
        for site_facts, call, name, route in _whole_event_log_calls(project, entry, event):
            key = (id(site_facts), call.line, call.column)
            if key in reported:
                continue
            reported.add(key)
            held = f"the whole event `{event}`" if name == event else f"the whole event (`{name}` here)"
            yield Violation(CODE, Span(site_facts.path, call.line, call.column, call.end_line, call.end_column),
                            {"problem": f"`{call.callee}` writes {held} to the logs on every invocation{route}",
                             "fix": _FIX_CODE},
                            resource=resource, function=entry.label), dataless


def _whole_event_log_calls(project: Project, entry: Entry,
                           event: str) -> Iterator[tuple[ModuleFacts, Call, str, str]]:
    """(module, log call, the name the event has there, " (handler → helper)") for each log call given
    the whole event, in the handler or in a function the handler passes the whole event to."""
    graph = Graph(project, entry)
    start = graph.node(entry.facts, entry.qualname)
    queue: deque[tuple[Node, str, tuple[str, ...]]] = deque([(start, event, (entry.qualname,))])
    seen = {(start, event)}
    while queue:
        node, name, path = queue.popleft()
        facts, body = graph.facts(node), graph.body(node)
        if body is None:
            continue
        for call in body.calls:
            if call.guarded or name not in arguments_of(facts, node.qualname, call).whole:
                continue
            if _is_log_call(facts, call):
                yield facts, call, name, f" ({' → '.join(path)})" if len(path) > 1 else ""
                continue
            if len(path) > _MAX_DEPTH:
                continue
            for target in graph.callees(node, call):
                # Only the function the call names (or the class it builds): a resolver's routes
                # (`app.resolve(event, context)`) are called with path parameters, not the event.
                called = target.qualname.rsplit(".", 1)[-1]
                if called != call.callee.rsplit(".", 1)[-1] and called not in ("__init__", "__call__"):
                    continue
                param = _receiving_param(target, call, name)
                next_node = graph.node(target.facts, target.qualname)
                if param is not None and (next_node, param) not in seen:
                    seen.add((next_node, param))
                    queue.append((next_node, param, (*path, target.qualname)))


def _receiving_param(target: Target, call: Call, name: str) -> str | None:
    """The callee's parameter that receives `name`, when exactly one argument carries it."""
    params = argument_params(target)
    if params is None:
        return None
    carried = Origin.param(name)
    receiving = [params[index] for index, origins in enumerate(call.args)
                 if carried in origins and index < len(params)]
    receiving += [keyword for keyword, origins in call.keywords if carried in origins and keyword in params]
    carriers = sum(carried in origins for origins in call.args) + sum(carried in o for _, o in call.keywords)
    return receiving[0] if len(receiving) == 1 and carriers == 1 else None
