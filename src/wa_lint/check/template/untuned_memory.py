"""PERF001 untuned-memory: memory set nowhere (Lambda's 128 MB default), set to a value the team calls
untuned, or different from what AWS Lambda Power Tuning measured as optimal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.report.findings import Violation
from wa_lint.link.model import Function, Project, Setting
from wa_lint.link.cadence import CADENCE_SEVERITY, occasional_reason, severity_note
from wa_lint.link.deploy_time import function_deploy_time
from wa_lint.link.linker import literal_int

CODE = "PERF001"


def shown(path: Path, root: Path) -> str:
    """The result file relative to the project, so a message does not depend on the current folder."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def where_set(setting: Setting) -> str:
    place = "Globals.Function.MemorySize" if setting.source == "globals" else "the function's MemorySize"
    if setting.parameter:
        place = f"the default of parameter {setting.parameter}, used by {place}"
    return f"{place} (line {setting.span.line})"


def how_to_change(function: Function, setting: Setting, value: int) -> str:
    if setting.parameter:
        return (f"set the default of parameter {setting.parameter} to {value} (or pass {value} when deploying; "
                "check which other functions use it)")
    if setting.source == "globals":
        return f"add MemorySize: {value} to {function.logical_id}'s Properties (it overrides Globals)"
    return f"set MemorySize: {value} on {function.logical_id}"


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    name = function.logical_id
    if function_deploy_time(project, function):
        return  # memory sized for a per-deployment run costs nothing per request
    setting = function.memory
    if setting is None:
        where = "its Properties or Globals.Function" if function.type.startswith("AWS::Serverless") else "its Properties"
        problem = f"{name} sets no MemorySize, so it runs with the Lambda default of 128 MB"
        fix = f"add MemorySize to {where}, chosen by measuring {name} with AWS Lambda Power Tuning"
    else:
        configured = literal_int(setting.value)
        tuned = project.power_tuning.get((function.template.path, name))
        if configured is None:
            return  # `!If` or a parameter without default: the value is decided at deploy time
        if tuned is not None and tuned.power != configured:
            problem = (f"{name} is configured with {configured} MB, set in {where_set(setting)}, but AWS Lambda "
                       f"Power Tuning measured {tuned.summary()} in {shown(tuned.path, project.root)}")
            fix = how_to_change(function, setting, tuned.power) + ", or re-run Power Tuning if the code changed"
        elif tuned is None and configured in options.get("untuned-values", []):
            problem = (f"{name} runs with {configured} MB, set in {where_set(setting)}, a value this project "
                       "lists as untuned (untuned-values)")
            fix = (f"measure {name} with AWS Lambda Power Tuning and set the optimum, or pass the result "
                   "with --power-tuning to confirm this value")
        else:
            return
    occasional = occasional_reason(project, function)
    yield Violation(CODE, function.span, {"problem": problem, "fix": fix}, resource=name, function=name,
                    detail=severity_note(occasional) if occasional else None,
                    severity=CADENCE_SEVERITY if occasional else None)
