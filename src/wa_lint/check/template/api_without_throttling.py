"""REL006 api-without-throttling: a REST API stage without default method throttling, or an HTTP/WebSocket
API stage without default route throttling (explicit stages, SAM APIs, and the implicit APIs SAM creates).

The stages are the ones `_apis.stages` enumerates for the observability rules (OPS002-OPS004), so every
API rule sees the same stages, located alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._apis import Stage, stages
from wa_lint.check.template._values import NO_VALUE, branches, key_span, lookup, references, resources_in
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
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
    covered: dict[int, set[str]] = {}
    for stage in stages(project):
        key = id(stage.template)
        if key not in covered:
            covered[key] = _usage_plan_throttled(project, stage.template)
        violation = _judge(stage, covered[key])
        if violation is not None:
            yield violation


def _judge(stage: Stage, covered: set[str]) -> Violation | None:
    template, props, name = stage.template, stage.properties, stage.resource
    if stage.kind == "AWS::Serverless::Api" and stage.implicit:
        # SAM creates ServerlessRestApi for Api events that name no API; only Globals.Api configures it.
        if name in covered or lookup(props, "Auth", "UsagePlan", "Throttle") is not None:
            return None
        ok, when = _default_method_throttled(template, lookup(props, "MethodSettings"))
        return None if ok else _violation(
            stage.span, name, "the REST API SAM creates for this Api event (ServerlessRestApi)", when,
            f"add Globals.Api.{_REST_FIX}, or declare an AWS::Serverless::Api with them and set RestApiId on the "
            "events")
    if stage.kind == "AWS::Serverless::HttpApi" and stage.implicit:
        ok, when = _default_route_throttled(template, lookup(props, "DefaultRouteSettings"))
        return None if ok else _violation(
            stage.span, name, "the HTTP API SAM creates for this HttpApi event (ServerlessHttpApi)", when,
            f"add Globals.HttpApi.{_HTTP_FIX}, or declare an AWS::Serverless::HttpApi with them and set ApiId on "
            "the events")
    if stage.kind == "AWS::Serverless::Api":
        if name in covered or lookup(props, "Auth", "UsagePlan", "Throttle") is not None:
            return None
        ok, when = _default_method_throttled(template, props.get("MethodSettings"))
        where = key_span(template, props, "MethodSettings", stage.span) if when else stage.span
        return None if ok else _violation(where, name, f"REST API {name}", when,
                                          f"add {_REST_FIX} to {name}'s Properties (or to Globals.Api)")
    if stage.kind == "AWS::ApiGateway::Stage":
        if name in covered or references(props.get("RestApiId")) & covered:
            return None
        ok, when = _default_method_throttled(template, props.get("MethodSettings"))
        where = key_span(template, props, "MethodSettings", stage.span) if when else stage.span
        return None if ok else _violation(where, name, f"REST API stage {name}", when, f"add {_REST_FIX} to {name}")
    if stage.kind == "AWS::ApiGateway::Deployment":
        if references(props.get("RestApiId")) & covered:
            return None
        description = props.get("StageDescription")
        ok, when = _default_method_throttled(template, lookup(description, "MethodSettings"))
        if ok or _limits_set(template, description):
            return None
        return _violation(stage.span, name, f"the stage REST API deployment {name} creates", when,
                          f"add ThrottlingRateLimit and ThrottlingBurstLimit to {name}'s StageDescription, or "
                          "declare an AWS::ApiGateway::Stage with " + _REST_FIX)
    if stage.kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Stage"):
        ok, when = _default_route_throttled(template, props.get("DefaultRouteSettings"))
        where = key_span(template, props, "DefaultRouteSettings", stage.span) if when else stage.span
        kind = f"HTTP API {name}" if stage.kind == "AWS::Serverless::HttpApi" else f"API Gateway v2 stage {name}"
        fix = (f"add {_HTTP_FIX} to {name}'s Properties (or to Globals.HttpApi)"
               if stage.kind == "AWS::Serverless::HttpApi" else f"add {_HTTP_FIX} to {name}")
        return None if ok else _violation(where, name, kind, when, fix)
    return None
