"""Every API Gateway stage a project's templates create, with the mapping that configures it.

Stages come from five places: SAM `AWS::Serverless::Api` / `AWS::Serverless::HttpApi` (with their
Globals), the implicit `ServerlessRestApi` / `ServerlessHttpApi` that SAM creates for `Api` /
`HttpApi` events naming no API, plain `AWS::ApiGateway::Stage` / `AWS::ApiGatewayV2::Stage`, and an
`AWS::ApiGateway::Deployment` with a `StageName` (which creates that stage, configured by its
`StageDescription`). The observability rules (OPS002-OPS004) judge each stage's settings, REL006 its
throttling.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wa_lint.check.template._values import MISSING, Branch, branches_at
from wa_lint.link.linker import ref_target, span
from wa_lint.link.model import Project
from wa_lint.link.sam_globals import merged_properties
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode
from wa_lint.report.findings import Span

IMPLICIT = {"Api": ("ServerlessRestApi", "RestApiId", "AWS::Serverless::Api"),
            "HttpApi": ("ServerlessHttpApi", "ApiId", "AWS::Serverless::HttpApi")}


@dataclass(frozen=True)
class Stage:
    template: Template
    resource: str  # the logical ID the finding is about (the API, stage or deployment)
    label: str  # "REST API stage resource ProdStage", "SAM's implicit HTTP API ServerlessHttpApi (...)"
    protocol: str  # "REST" | "HTTP" | "WebSocket" | "HTTP or WebSocket" (a V2 stage whose API is elsewhere)
    settings: Any  # the mapping holding TracingEnabled / AccessLogSetting(s); None when absent
    access_log_key: str  # "AccessLogSetting" (REST) or "AccessLogSettings" (HTTP and WebSocket)
    prefix: str  # how a message names the settings mapping: "", "StageDescription."
    section: str  # the SAM Globals section that can supply the settings, "" for plain CloudFormation
    span: Span  # where the resource (or the event that creates an implicit API) is written
    sam: bool
    implicit: bool = False  # SAM's ServerlessRestApi / ServerlessHttpApi: configurable only through Globals
    kind: str = ""  # the resource type that creates the stage (for an implicit API, the SAM type SAM adds)
    properties: Any = None  # that resource's properties (for an implicit API, its Globals section)

    def values(self, *keys: str) -> list[Branch]:
        """Every value `settings[k1][k2]...` can take; `MISSING` when the settings mapping is absent."""
        if self.settings is None:
            return [Branch(MISSING)]
        return list(branches_at(self.template, self.settings, *keys))


def stages(project: Project) -> Iterator[Stage]:
    for resource in project.resources:
        template, properties, name, where = resource.template, resource.properties, resource.logical_id, resource.span
        if resource.type == "AWS::Serverless::Api":
            yield Stage(template, name, f"SAM REST API {name}", "REST", properties, "AccessLogSetting", "", "Api",
                        where, True, kind=resource.type, properties=properties)
        elif resource.type == "AWS::Serverless::HttpApi":
            yield Stage(template, name, f"SAM HTTP API {name}", "HTTP", properties, "AccessLogSettings", "", "HttpApi",
                        where, True, kind=resource.type, properties=properties)
        elif resource.type == "AWS::ApiGateway::Stage":
            yield Stage(template, name, f"REST API stage {name}", "REST", properties, "AccessLogSetting", "", "",
                        where, False, kind=resource.type, properties=properties)
        elif resource.type == "AWS::ApiGatewayV2::Stage":
            protocol = _v2_protocol(template, properties.get("ApiId"))
            yield Stage(template, name, f"{protocol} API stage {name}", protocol, properties, "AccessLogSettings", "",
                        "", where, False, kind=resource.type, properties=properties)
        elif resource.type == "AWS::ApiGateway::Deployment" and properties.get("StageName"):
            description = properties.get("StageDescription")
            stage_name = properties["StageName"]
            shown = f" {stage_name}" if isinstance(stage_name, str) else ""
            yield Stage(template, name, f"REST API stage{shown} created by deployment {name}",
                        "REST", description if isinstance(description, dict) else None, "AccessLogSetting",
                        "StageDescription.", "", where, False, kind=resource.type, properties=properties)
    yield from _implicit(project)


def _v2_protocol(template: Template, api: Any) -> str:
    target = template.resources.get(ref_target(api) or "")
    protocol = target.get("Properties", {}).get("ProtocolType") if isinstance(target, dict) else None
    if isinstance(protocol, str) and protocol.upper() in ("HTTP", "WEBSOCKET"):
        return "HTTP" if protocol.upper() == "HTTP" else "WebSocket"
    return "HTTP or WebSocket"


def _implicit(project: Project) -> Iterator[Stage]:
    """SAM's implicit APIs, once per template, located on the first event that creates each."""
    seen: set[tuple[int, str]] = set()
    for function in project.functions:
        template = function.template
        events = function.properties.get("Events") if function.type == "AWS::Serverless::Function" else None
        if not isinstance(events, DictNode):
            continue
        for event_name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") not in IMPLICIT:
                continue
            api_name, api_key, api_type = IMPLICIT[event["Type"]]
            event_properties = event.get("Properties")
            if isinstance(event_properties, dict) and event_properties.get(api_key) is not None:
                continue  # the event attaches to an API declared elsewhere, judged there
            if (id(template), api_name) in seen or api_name in template.resources:
                continue
            seen.add((id(template), api_name))
            settings = merged_properties(template.data.get("Globals"), api_type, None)
            rest = event["Type"] == "Api"
            kind = "REST" if rest else "HTTP"
            label = (f"SAM's implicit {kind} API {api_name} (created by event {event_name} of "
                     f"{function.logical_id})")
            yield Stage(template, api_name, label, kind, settings,
                        "AccessLogSetting" if rest else "AccessLogSettings", "", event["Type"],
                        span(template, events.key_pos(event_name)), True, implicit=True, kind=api_type,
                        properties=settings)
