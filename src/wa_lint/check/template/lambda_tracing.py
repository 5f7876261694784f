"""OPS001 lambda-tracing-disabled: a function that does not send X-Ray traces (`Tracing: Active`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._settings import describe, origin, place
from wa_lint.check.template._values import MISSING, branches_at
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Violation

CODE = "OPS001"


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    template, properties, name = function.template, function.properties, function.logical_id
    sam = function.type == "AWS::Serverless::Function"
    key, path = ("Tracing", ("Tracing",)) if sam else ("TracingConfig", ("TracingConfig", "Mode"))
    for branch in branches_at(template, properties, *path):
        value = branch.value
        if value is not MISSING and (not isinstance(value, str) or value.strip().lower() == "active"):
            continue  # Active, or a value only known at deploy time
        state = describe("Tracing" if sam else "TracingConfig.Mode", value, branch.note,
                         origin(template, properties, key, "Function"))
        problem = (f"{name} does not send traces to AWS X-Ray: {state}, so a slow or failing request "
                   "cannot be followed through this function to the services it calls")
        if sam:
            fix = (f"add Tracing: Active to {name}'s Properties or to Globals.Function "
                   "(SAM adds the X-Ray write permissions to the role it creates)")
        else:
            fix = (f"add TracingConfig: {{Mode: Active}} to {name}'s Properties and allow xray:PutTraceSegments "
                   "and xray:PutTelemetryRecords in its role (the AWSXRayDaemonWriteAccess managed policy)")
        yield Violation(CODE, place(template, properties, key, function.span), {"problem": problem, "fix": fix},
                        resource=name, function=name)
        return
