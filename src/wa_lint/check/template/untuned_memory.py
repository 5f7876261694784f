"""PERF001 untuned-memory: memory set nowhere (Lambda's 128 MB default), set to a value the team calls
untuned, different from what AWS Lambda Power Tuning measured as optimal, or (with `--aws`) measured as
over- or under-provisioned by the function's own peak memory and duration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._measured import deployed_note, expected_direction, memory_verdict
from wa_lint.report.findings import Violation
from wa_lint.link.model import Function, Project, Setting
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
    setting = function.memory
    configured = literal_int(setting.value) if setting else 128
    verdict = memory_verdict(function, project, configured, options)
    tuned = project.power_tuning.get((function.template.path, name))
    if setting is None:
        where = "its Properties or Globals.Function" if function.type.startswith("AWS::Serverless") else "its Properties"
        problem = f"{name} sets no MemorySize, so it runs with the Lambda default of 128 MB"
        fix = f"add MemorySize to {where}, chosen by measuring {name} with AWS Lambda Power Tuning"
    else:
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
        elif tuned is None and verdict is not None and verdict.direction:
            problem = (f"{name} is configured with {configured} MB{deployed_note(function, project, configured)}, "
                       f"set in {where_set(setting)}; {verdict.sentence}")
            fix = (f"measure {name} with AWS Lambda Power Tuning (`wa-lint tune --function {name}` writes the "
                   f"execution input) and set MemorySize to its optimum; {expected_direction(verdict)}")
        else:
            return
    if verdict is not None and verdict.sentence not in problem:
        problem += f"; {verdict.sentence}"
        if verdict.direction and tuned is None:
            fix += f"; {expected_direction(verdict)}"
    yield Violation(CODE, function.span, {"problem": problem, "fix": fix}, resource=name, function=name)
