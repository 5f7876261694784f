"""REL006 api-without-throttling: a REST API stage without default method throttling, or an HTTP/WebSocket
API stage without default route throttling (explicit stages, SAM APIs, and the implicit APIs SAM creates)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import (
    NO_VALUE,
    branches,
    functions_in,
    key_span,
    lookup,
    references,
    resources_in,
)
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Span, Violation

CODE = "REL006"
_LIMITS = ("ThrottlingRateLimit", "ThrottlingBurstLimit")
_WHY = ("it takes whatever arrives up to the account's Regional limit (10,000 requests/s shared by every API), so "
        "one client or a retry storm can exhaust the concurrency of the functions behind it and throttle other APIs")
_REST_FIX = ("MethodSettings: [{HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: <steady rate>, "
             "ThrottlingBurstLimit: <burst>}], with the rates found by load testing")
_HTTP_FIX = ("DefaultRouteSettings: {ThrottlingRateLimit: <steady rate>, ThrottlingBurstLimit: <burst>}, with the "
             "rates found by load testing")


def _limits_set(template: Template, settings: Any) -> bool:
    return isinstance(settings, dict) and all(
        any(b.value is not NO_VALUE for b in branches(template, settings[key])) if key in settings else False
        for key in _LIMITS)


def _default_method_throttled(template: Template, method_settings: Any) -> tuple[bool, str | None]:
    """(throttled, the `!If` branch that is not) for a REST stage's MethodSettings."""
    if method_settings is None:
        return False, None
    for branch in branches(template, method_settings):
        entries = branch.value if isinstance(branch.value, list) else []
        if not any(_limits_set(template, entry) and entry.get("HttpMethod") == "*"
                   and entry.get("ResourcePath") == "/*" for item in entries
                   for entry in (b.value for b in branches(template, item))):
            return False, branch.note
    return True, None


def _default_route_throttled(template: Template, route_settings: Any) -> tuple[bool, str | None]:
    if route_settings is None:
        return False, None
    for branch in branches(template, route_settings):
        if not _limits_set(template, branch.value):
            return False, branch.note
    return True, None


def _usage_plan_throttled(project: Project, template: Template) -> set[str]:
    """APIs and stages a throttling usage plan names (it throttles every request made with its keys)."""
    covered: set[str] = set()
    for plan in resources_in(project, template, "AWS::ApiGateway::UsagePlan"):
        stages = plan.properties.get("ApiStages")
        if "Throttle" in plan.properties or any(isinstance(s, dict) and "Throttle" in s for s in stages or []):
            covered |= references(stages)
    return covered


def _violation(where: Span, name: str, kind: str, when: str | None, fix: str) -> Violation:
    problem = f"{kind} has no default throttling{f' {when}' if when else ''}: {_WHY}"
    return Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name)


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        yield from _template(project, template)


def _template(project: Project, template: Template) -> Iterator[Violation]:
    covered = _usage_plan_throttled(project, template)
    for api in resources_in(project, template, "AWS::Serverless::Api"):
        props = api.properties
        if api.logical_id in covered or lookup(props, "Auth", "UsagePlan", "Throttle") is not None:
            continue
        ok, when = _default_method_throttled(template, props.get("MethodSettings"))
        if not ok:
            where = key_span(template, props, "MethodSettings", api.span) if when else api.span
            yield _violation(where, api.logical_id, f"REST API {api.logical_id}", when,
                             f"add {_REST_FIX} to {api.logical_id}'s Properties (or to Globals.Api)")
    for stage in resources_in(project, template, "AWS::ApiGateway::Stage"):
        props = stage.properties
        if stage.logical_id in covered or references(props.get("RestApiId")) & covered:
            continue
        ok, when = _default_method_throttled(template, props.get("MethodSettings"))
        if not ok:
            where = key_span(template, props, "MethodSettings", stage.span) if when else stage.span
            yield _violation(where, stage.logical_id, f"REST API stage {stage.logical_id}", when,
                             f"add {_REST_FIX} to {stage.logical_id}")
    for deployment in resources_in(project, template, "AWS::ApiGateway::Deployment"):
        props = deployment.properties
        if "StageName" not in props or references(props.get("RestApiId")) & covered:
            continue  # without StageName a deployment creates no stage
        description = props.get("StageDescription")
        ok, when = _default_method_throttled(template, lookup(description, "MethodSettings"))
        if not ok and not _limits_set(template, description):
            yield _violation(deployment.span, deployment.logical_id,
                             f"the stage REST API deployment {deployment.logical_id} creates", when,
                             f"add ThrottlingRateLimit and ThrottlingBurstLimit to {deployment.logical_id}'s "
                             "StageDescription, or declare an AWS::ApiGateway::Stage with " + _REST_FIX)
    for api in resources_in(project, template, "AWS::Serverless::HttpApi"):
        props = api.properties
        ok, when = _default_route_throttled(template, props.get("DefaultRouteSettings"))
        if not ok:
            where = key_span(template, props, "DefaultRouteSettings", api.span) if when else api.span
            yield _violation(where, api.logical_id, f"HTTP API {api.logical_id}", when,
                             f"add {_HTTP_FIX} to {api.logical_id}'s Properties (or to Globals.HttpApi)")
    for stage in resources_in(project, template, "AWS::ApiGatewayV2::Stage"):
        props = stage.properties
        ok, when = _default_route_throttled(template, props.get("DefaultRouteSettings"))
        if not ok:
            where = key_span(template, props, "DefaultRouteSettings", stage.span) if when else stage.span
            yield _violation(where, stage.logical_id, f"API Gateway v2 stage {stage.logical_id}", when,
                             f"add {_HTTP_FIX} to {stage.logical_id}")
    yield from _implicit_apis(project, template, covered)


def _implicit_apis(project: Project, template: Template, covered: set[str]) -> Iterator[Violation]:
    """SAM creates ServerlessRestApi / ServerlessHttpApi for Api / HttpApi events that name no API."""
    first: dict[str, Span] = {}
    for function in functions_in(project, template):
        events = function.properties.get("Events")
        if not isinstance(events, DictNode):
            continue
        for name, event in events.items():
            kind = event.get("Type") if isinstance(event, dict) else None
            if not isinstance(kind, str):
                continue
            owner = {"Api": "RestApiId", "HttpApi": "ApiId"}.get(kind)
            if owner and lookup(event, "Properties", owner) is None and kind not in first:
                first[kind] = key_span(template, events, name, function.span)
    global_api = lookup(template.data, "Globals", "Api")
    if "Api" in first and "ServerlessRestApi" not in covered and lookup(global_api, "Auth", "UsagePlan", "Throttle") is None:
        ok, when = _default_method_throttled(template, lookup(global_api, "MethodSettings"))
        if not ok:
            yield _violation(first["Api"], "ServerlessRestApi", "the REST API SAM creates for this Api event "
                             "(ServerlessRestApi)", when, f"add Globals.Api.{_REST_FIX}, or declare an "
                             "AWS::Serverless::Api with them and set RestApiId on the events")
    if "HttpApi" in first:
        ok, when = _default_route_throttled(template, lookup(template.data, "Globals", "HttpApi", "DefaultRouteSettings"))
        if not ok:
            yield _violation(first["HttpApi"], "ServerlessHttpApi", "the HTTP API SAM creates for this HttpApi "
                             "event (ServerlessHttpApi)", when, f"add Globals.HttpApi.{_HTTP_FIX}, or declare an "
                             "AWS::Serverless::HttpApi with them and set ApiId on the events")
