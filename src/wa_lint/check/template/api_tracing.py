"""OPS002 api-tracing-disabled: a REST API stage that does not trace requests with X-Ray."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._apis import Stage, stages
from wa_lint.check.template._settings import describe, origin, place
from wa_lint.check.template._values import MISSING, truthy
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "OPS002"


def how_to_fix(stage: Stage) -> str:
    if stage.implicit:
        return ("add TracingEnabled: true to Globals.Api (SAM's implicit API takes its settings from there), "
                "or declare an AWS::Serverless::Api with TracingEnabled: true and point the event's RestApiId at it")
    if stage.sam:
        return f"add TracingEnabled: true to {stage.resource}'s Properties or to Globals.Api"
    if stage.prefix:
        return f"add StageDescription: {{TracingEnabled: true}} to deployment {stage.resource}"
    return f"add TracingEnabled: true to {stage.resource}'s Properties"


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for stage in stages(project):
        if stage.protocol != "REST":
            continue  # HTTP and WebSocket APIs cannot send traces to X-Ray
        for branch in stage.values("TracingEnabled"):
            value = branch.value
            if value is not MISSING and (truthy(value) or not isinstance(value, (str, bool))):
                continue  # enabled, or decided at deploy time
            state = describe(f"{stage.prefix}TracingEnabled", value, branch.note,
                             origin(stage.template, stage.settings, "TracingEnabled", stage.section))
            problem = (f"{stage.label} does not trace requests with AWS X-Ray: {state}, so a slow or failing "
                       "request cannot be followed from the API into the functions and services behind it")
            where = place(stage.template, stage.settings, "TracingEnabled", stage.span)
            yield Violation(CODE, where, {"problem": problem, "fix": how_to_fix(stage)}, resource=stage.resource)
            break
