"""OPS001 lambda-tracing-disabled: a function that does not send X-Ray traces (`Tracing: Active`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._fixes import (
    MISSING_VALUE,
    add_property,
    is_intrinsic,
    not_fixed,
    set_scalar,
    unsafe_fix,
    written,
)
from wa_lint.check.template._settings import describe, origin, place
from wa_lint.check.template._values import MISSING, Branch, branches_at
from wa_lint.link.model import Function, Project
from wa_lint.load.template.edit import Proposal, propose_entry
from wa_lint.report.findings import Fix, Violation

CODE = "OPS001"


def tracing_edit(function: Function) -> Proposal | None:
    """`Tracing: Active` (SAM) or `TracingConfig: {Mode: Active}` on the function itself.

    A SAM value inherited from Globals is overridden on this function only (the Globals line, which
    other functions share, is left as it is).
    """
    template, name = function.template, function.logical_id
    if function.type == "AWS::Serverless::Function":
        if written(template, name, "Tracing") is MISSING_VALUE:
            return add_property(template, name, "Tracing", "Active")
        return set_scalar(template, name, ("Tracing",), "Active")
    config = written(template, name, "TracingConfig")
    if config is MISSING_VALUE:
        return add_property(template, name, "TracingConfig", {"Mode": "Active"})
    if not isinstance(config, dict) or is_intrinsic(config):
        return None
    if "Mode" in config:
        return set_scalar(template, name, ("TracingConfig", "Mode"), "Active")
    return propose_entry(template, ("Resources", name, "Properties", "TracingConfig"), "Mode", "Active")


def tracing_fix(function: Function, branch: Branch) -> tuple[Fix | None, str | None]:
    """The fix, or the note saying why there is none: a value decided at deploy time is not overwritten."""
    if branch.note:
        return None, not_fixed(f"the value is decided at deploy time, {branch.note}; set Active where it is decided")
    return unsafe_fix(function.template, lambda: tracing_edit(function)), None


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
        machine_fix, note = tracing_fix(function, branch)
        yield Violation(CODE, place(template, properties, key, function.span), {"problem": problem, "fix": fix},
                        resource=name, function=name, fix=machine_fix, detail=note)
        return
