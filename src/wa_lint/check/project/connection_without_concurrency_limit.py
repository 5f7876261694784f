"""REL204 connection-without-concurrency-limit: a database connection in a function that queues, streams or
asynchronous events can scale out without limit, with no RDS Proxy to pool the connections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.constructors import CONNECTIONS
from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.check.code._invocation import function_entries, place
from wa_lint.check.contract import subject
from wa_lint.check.project.hot_read_table import reachable_modules
from wa_lint.check.template._values import resources_in
from wa_lint.link.model import Function, Project
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Violation

CODE = "REL204"
# PERF102's constructors that open a database server's connection (HTTP pools, SQLite and search clients
# do not hold a slot of a server's connection limit).
_NOT_DATABASES = ("requests.", "httpx.", "urllib3.", "sqlite3.", "opensearchpy.", "elasticsearch.")
DATABASES = frozenset(name for name in CONNECTIONS if not name.startswith(_NOT_DATABASES))
_SCALING_TRIGGERS = frozenset({"SQS", "Kinesis", "DynamoDB", "MSK", "SelfManagedKafka", "MQ", "SNS", "S3",
                               "EventBridgeRule", "CloudWatchEvent", "IoTRule", "EventSourceMapping"})


def connection_in(project: Project, modules: list[ModuleFacts]) -> str | None:
    for facts in modules:
        for made in [*facts.objects.values(), *facts.constructions.values()]:
            if made.callee in DATABASES:
                return f"`{made.callee}` ({place(project, facts, made.line)})"
    return None


def _sqs_capped(function: Function, trigger_name: str) -> bool:
    events = function.properties.get("Events")
    event = events.get(trigger_name) if isinstance(events, DictNode) else None
    properties = event.get("Properties") if isinstance(event, dict) else None
    scaling = properties.get("ScalingConfig") if isinstance(properties, dict) else None
    return isinstance(scaling, dict) and "MaximumConcurrency" in scaling


def _mapping_capped(project: Project, function: Function, name: str) -> bool:
    for mapping in resources_in(project, function.template, "AWS::Lambda::EventSourceMapping"):
        if mapping.logical_id == name:
            scaling = mapping.properties.get("ScalingConfig")
            return isinstance(scaling, dict) and "MaximumConcurrency" in scaling
    return False


def _proxied(function: Function) -> bool:
    for name, setting in function.environment.items():
        resource = function.template.resources.get(setting.target) if setting.target else None
        if isinstance(resource, dict) and str(resource.get("Type", "")).startswith("AWS::RDS::DBProxy"):
            return True
        value = str(setting.value).lower() if isinstance(setting.value, str) else ""
        if "proxy" in name.lower() or ".proxy-" in value:
            return True
    return False


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for entry, function in function_entries(project):
        if "ReservedConcurrentExecutions" in function.properties:
            continue
        unlimited = [trigger for trigger in function.triggers if trigger.type in _SCALING_TRIGGERS
                     and not (trigger.type == "SQS" and _sqs_capped(function, trigger.name))
                     and not (trigger.type == "EventSourceMapping" and _mapping_capped(project, function, trigger.name))]
        if not unlimited or _proxied(function):
            continue
        connection = connection_in(project, reachable_modules(entry, project))
        if connection is None:
            continue
        name = function.logical_id
        triggers = ", ".join(f"{trigger.name} ({trigger.type})" for trigger in unlimited[:3])
        problem = (f"{name} opens a database connection ({connection}) and scales with {triggers} with no "
                   "concurrency limit and no RDS Proxy: a burst starts hundreds of environments, each holding its "
                   "own connection, until the database refuses new ones and the events fail and retry")
        fix = (f"cap {name}: ReservedConcurrentExecutions on the function, or ScalingConfig: {{MaximumConcurrency: N}} "
               "on its SQS event; or connect through an RDS Proxy endpoint")
        yield Violation(CODE, function.span, {"problem": problem, "fix": fix}, resource=name, function=name)
