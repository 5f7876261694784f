"""PERF002 default-timeout: a function whose Timeout is set nowhere, so Lambda's 3-second default applies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._measured import evidence_of
from wa_lint.check.template._settings import place
from wa_lint.check.template._values import MISSING, branches_at
from wa_lint.evidence.live.lookup import deployed_function, function_metrics
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Violation

CODE = "PERF002"


def deployed_timing(function: Function, project: Project) -> str:
    """`; deployed: Timeout 3 s; measured over 14 days: average duration 900 ms, p99 2,750 ms` with `--aws`."""
    deployed, metrics = deployed_function(project, function), function_metrics(project, function)
    parts = []
    if deployed is not None and deployed.timeout is not None:
        parts.append(f"deployed: Timeout {deployed.timeout} s")
    durations = [f"{label} {m.value:,.0f} ms" for label, m in
                 (("average duration", metrics.duration_average), ("p99", metrics.duration_p99)) if m is not None] \
        if metrics else []
    if durations and project.live:
        parts.append(f"measured over {project.live.window_days} days: {', '.join(durations)}")
    return "".join(f"; {part}" for part in parts)


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    template, properties, name = function.template, function.properties, function.logical_id
    for branch in branches_at(template, properties, "Timeout"):
        if branch.value is not MISSING:
            continue
        sam = function.type == "AWS::Serverless::Function"
        where = "its Properties or Globals.Function" if sam else "its Properties"
        when = f" {branch.note}" if branch.note else ""
        problem = (f"{name} sets no Timeout{when}, so Lambda stops it after the default 3 seconds: a slow "
                   "downstream call or a cold start fails the invocation instead of finishing, and nobody "
                   "chose how long a stuck call may run")
        if template.framework == "serverless":
            default = template.defaults.get("Timeout", 6)
            problem = (f"{name} sets no timeout (nor does provider), so the Serverless Framework deploys it with "
                       f"its default of {default} seconds: a slow downstream call or a cold start fails the "
                       "invocation instead of finishing, and nobody chose how long a stuck call may run")
            where = "the function or provider in serverless.yml"
        problem += deployed_timing(function, project)
        fix = (f"add Timeout (seconds) to {where}, chosen from {name}'s measured duration with a margin, and "
               "shorter than its caller waits (API Gateway integrations end at 29 s; an SQS queue's visibility "
               "timeout should be 6 times the function's)")
        metrics = function_metrics(project, function)
        measured = (metrics.duration_average, metrics.duration_p99) if metrics else ()
        yield Violation(CODE, place(template, properties, "Timeout", function.span),
                        {"problem": problem, "fix": fix}, resource=name, function=name,
                        evidence=tuple(evidence_of(m) for m in measured if m is not None))
        return
