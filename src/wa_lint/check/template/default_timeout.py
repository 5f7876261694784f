"""PERF002 default-timeout: a function whose Timeout is set nowhere, so Lambda's 3-second default applies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._fixes import add_property, not_fixed, unsafe_fix
from wa_lint.check.template._measured import evidence_of
from wa_lint.check.template._settings import place
from wa_lint.check.template._values import MISSING, branches_at
from wa_lint.evidence.live.lookup import deployed_function, function_metrics
from wa_lint.link.linker import literal_int
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Fix, Violation

CODE = "PERF002"
# The value the fix writes: the rule doc's example (a p99 of 2 s with a margin for cold starts and a
# retry), well under API Gateway's 29 s integration limit (REL007).
FIX_TIMEOUT = 10
_SQS_VISIBILITY_DEFAULT = 30
_VISIBILITY_FACTOR = 6  # REL008: a queue's visibility timeout should be 6 times the function's timeout
_LAMBDA_DEFAULT_TIMEOUT = 3  # what the function runs with now: the fix never shortens it


def fix_timeout(function: Function) -> int:
    """FIX_TIMEOUT, lowered so that every queue of the template feeding the function keeps a visibility
    timeout of six times it (REL008), and never below the 3 s default the function runs with now."""
    limit = FIX_TIMEOUT
    for trigger in function.triggers:
        if trigger.type not in ("SQS", "EventSourceMapping") or not trigger.target:
            continue
        queue = function.template.resources.get(trigger.target)
        if not isinstance(queue, dict) or queue.get("Type") != "AWS::SQS::Queue":
            continue
        properties = queue.get("Properties")
        written = properties.get("VisibilityTimeout") if isinstance(properties, dict) else None
        visibility = _SQS_VISIBILITY_DEFAULT if written is None else literal_int(written)
        if visibility is not None:
            limit = min(limit, visibility // _VISIBILITY_FACTOR)
    return max(limit, _LAMBDA_DEFAULT_TIMEOUT)


def timeout_fix(function: Function, note: str | None) -> tuple[Fix | None, str | None]:
    """`Timeout: fix_timeout(function)` on the function, or, when the Timeout is dropped on a deploy-time
    branch (`note`), no fix and the note saying why."""
    if note:
        return None, not_fixed(f"the Timeout is removed at deploy time, {note}; set it on that branch")
    timeout = fix_timeout(function)
    return unsafe_fix(function.template, lambda: add_property(function.template, function.logical_id, "Timeout", timeout)), None


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
        machine_fix, not_fixed_note = timeout_fix(function, branch.note)
        yield Violation(CODE, place(template, properties, "Timeout", function.span),
                        {"problem": problem, "fix": fix}, resource=name, function=name,
                        evidence=tuple(evidence_of(m) for m in measured if m is not None),
                        fix=machine_fix, detail=not_fixed_note)
        return
