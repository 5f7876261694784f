"""REL007 api-timeout-over-integration-limit: a function behind API Gateway whose Timeout exceeds the API's
integration timeout (29 s for REST and WebSocket APIs, 30 s for HTTP APIs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import branches, lookup, references
from wa_lint.link.linker import literal_int
from wa_lint.link.model import Function, Project, Trigger
from wa_lint.load.template.document import Template
from wa_lint.report.findings import Violation

CODE = "REL007"
# The integration timeout each trigger kind is bound by. A plain `AWS::Lambda::Permission` for API Gateway
# may serve any API type, so it is held to the larger limit.
_LIMITS = {"Api": (29, "REST API"), "HttpApi": (30, "HTTP API")}
_PERMISSION_LIMIT = (30, "API Gateway")
_MAX_NODES = 50_000
_V2_TARGETS = {"AWS::ApiGatewayV2::Integration": "IntegrationUri", "AWS::ApiGatewayV2::Authorizer": "AuthorizerUri"}


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    if function.timeout is None:
        return  # without Timeout, Lambda's 3 s default is well inside every limit
    apis = [(*_limit(function, trigger), trigger) for trigger in function.triggers
            if trigger.type in _LIMITS and not _websocket(project, function.template, function, trigger)]
    if not apis:
        return
    limit, api_kind, from_sam, trigger = min(apis, key=lambda api: api[0])
    for branch in branches(function.template, function.properties.get("Timeout")):
        seconds = literal_int(branch.value)
        if seconds is None or seconds <= limit:
            continue
        # Asked only now: it walks the whole template (once per template, but most have no function
        # whose Timeout is over the limit).
        if function.logical_id in _not_waited_for(project, function.template):
            return
        name = function.logical_id
        when = f" {branch.note}" if branch.note else ""
        source = f"its {trigger.type} event {trigger.name}" if from_sam else f"permission {trigger.name}"
        problem = (f"{name} has Timeout: {seconds}{when}, set in {_where(function)}, but is called through "
                   f"{source}: the {api_kind} gives up after {limit} s and answers 504, while the function "
                   f"keeps running (and is billed) for up to {seconds} s, and a client that retries adds "
                   "another invocation")
        fix = (f"set Timeout to at most {limit - 1} on {name} (headroom below the {limit} s integration limit), or return "
               "202 at once and do the long work asynchronously (a queue, Step Functions)")
        where = function.timeout.span if function.timeout.source == "resource" else trigger.span
        yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name, function=name)
        return


def _not_waited_for(project: Project, template: Template) -> set[str]:
    """Functions an API integration invokes without waiting for the whole answer: asynchronously
    (`X-Amz-Invocation-Type: 'Event'`) or with response streaming (`responseTransferMode: STREAM`, which
    API Gateway lets run for up to 15 minutes). Walked once per template and shared through `lookups`."""
    key = f"{CODE}-not-waited-for-{id(template)}"
    cached = project.lookups.get(key)
    if isinstance(cached, set):
        return cached
    found: set[str] = set()
    project.lookups[key] = found
    stack: list[Any] = [template.data.get("Resources")]
    seen = 0
    while stack and seen < _MAX_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            parameters = item.get("requestParameters", item.get("RequestParameters"))
            invocation = [v for k, v in parameters.items() if "x-amz-invocation-type" in str(k).lower()] \
                if isinstance(parameters, dict) else []
            streaming = str(item.get("responseTransferMode", item.get("ResponseTransferMode", ""))).upper()
            if any("event" in str(value).lower() for value in invocation) or streaming == "STREAM":
                found |= references(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _websocket_apis(project: Project, template: Template) -> set[str]:
    """The template's WebSocket APIs: found once per template (every API-triggered function asked again)."""
    key = f"{CODE}-websocket-apis-{id(template)}"
    cached = project.lookups.get(key)
    if isinstance(cached, set):
        return cached
    found = project.lookups[key] = {
        str(name) for name, resource in template.resources.items()
        if isinstance(resource, dict) and lookup(resource, "Properties", "ProtocolType") == "WEBSOCKET"}
    return found


def _websocket(project: Project, template: Template, function: Function, trigger: Trigger) -> bool:
    """A WebSocket route's function may outlive its integration and keep talking over @connections.

    Known by the permission naming a WebSocket API (SourceArn, DependsOn), or by a WebSocket API's
    integration or authorizer naming the function."""
    sockets = _websocket_apis(project, template)
    if not sockets:
        return False
    permission = template.resources.get(trigger.name)
    if isinstance(permission, dict):
        depends = permission.get("DependsOn")
        named = references(lookup(permission, "Properties", "SourceArn"))
        named |= {str(name) for name in (depends if isinstance(depends, list) else [depends]) if name}
        if named & sockets:
            return True
    for resource in template.resources.values():
        if not isinstance(resource, dict) or resource.get("Type") not in _V2_TARGETS:
            continue
        properties = resource.get("Properties")
        if isinstance(properties, dict) and references(properties.get("ApiId")) & sockets and \
                function.logical_id in references(properties.get(_V2_TARGETS[resource["Type"]])):
            return True
    return False


def _limit(function: Function, trigger: Trigger) -> tuple[int, str, bool]:
    """(integration limit, API kind, declared by a SAM event) for one API trigger."""
    resource = function.template.resources.get(trigger.name)
    if isinstance(resource, dict) and resource.get("Type") == "AWS::Lambda::Permission":
        return (*_PERMISSION_LIMIT, False)
    return (*_LIMITS[trigger.type], True)


def _where(function: Function) -> str:
    setting = function.timeout
    assert setting is not None
    place = "Globals.Function.Timeout" if setting.source == "globals" else "its Properties"
    if setting.parameter:
        place += f" from parameter {setting.parameter}"
    return f"{place} (line {setting.span.line})"
