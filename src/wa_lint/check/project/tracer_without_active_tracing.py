"""OPS201 tracer-without-active-tracing: the code instruments X-Ray (Powertools `Tracer`, `aws_xray_sdk`)
but the function does not have active tracing, so no trace is ever recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.check.code._invocation import function_entries
from wa_lint.check.code._invocation import place as code_place
from wa_lint.check.contract import subject
from wa_lint.check.project.hot_read_table import reachable_modules
from wa_lint.check.template._settings import describe, origin, place
from wa_lint.check.template._values import MISSING, branches_at
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Violation

CODE = "OPS201"
_TRACERS = ("aws_lambda_powertools.Tracer", "aws_lambda_powertools.tracing.Tracer",
            "aws_lambda_powertools.tracing.tracer.Tracer")
_XRAY = "aws_xray_sdk"


def tracer_in(project: Project, facts: ModuleFacts) -> str | None:
    """`tracer = Tracer()` (src/app.py:5) or `import aws_xray_sdk.core` (src/app.py:2), the first found."""
    for name, made in facts.objects.items():
        if made.callee in _TRACERS:
            return f"`{name} = Tracer(...)` ({code_place(project, facts, made.line)})"
    for item in facts.imports:
        if item.level == 0 and item.module.split(".")[0] == _XRAY:
            return f"`aws_xray_sdk` imported ({code_place(project, facts, item.line)})"
    return None


def _tracing_state(function: Function) -> str | None:
    """How the template leaves tracing off ('Tracing is not set'), None when it is (or may be) Active."""
    template, properties = function.template, function.properties
    sam = function.type == "AWS::Serverless::Function"
    key, path = ("Tracing", ("Tracing",)) if sam else ("TracingConfig", ("TracingConfig", "Mode"))
    state = None
    for branch in branches_at(template, properties, *path):
        value = branch.value
        if value is not MISSING and (not isinstance(value, str) or value.strip().lower() == "active"):
            return None  # Active in some branch, or only known at deploy time
        state = state or describe("Tracing" if sam else "TracingConfig.Mode", value, branch.note,
                                  origin(template, properties, key, "Function"))
    return state


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for entry, function in function_entries(project):
        evidence = next(filter(None, (tracer_in(project, facts) for facts in reachable_modules(entry, project))), None)
        if evidence is None:
            continue
        state = _tracing_state(function)
        if state is None:
            continue
        name = function.logical_id
        sam = function.type == "AWS::Serverless::Function"
        key = "Tracing" if sam else "TracingConfig"
        fix = (f"add Tracing: Active to {name}'s Properties or to Globals.Function" if sam else
               f"add TracingConfig: {{Mode: Active}} to {name}'s Properties (and xray:PutTraceSegments to its role)")
        yield Violation(CODE, place(function.template, function.properties, key, function.span),
                        {"problem": f"{name}'s code traces with X-Ray ({evidence}) but {state}: Lambda samples no "
                                    "requests, so the subsegments and annotations it records are never sent",
                         "fix": fix},
                        resource=name, function=name)
