"""PERF001 untuned-memory: memory set nowhere (Lambda's 128 MB default), set to a value the team calls
untuned, different from what AWS Lambda Power Tuning measured as optimal, or (with `--aws`) measured as
over- or under-provisioned by the function's own peak memory and duration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.check.contract import subject
from wa_lint.check.template._measured import deployed_note, evidence_of, expected_direction, memory_verdict
from wa_lint.link.cadence import CADENCE_SEVERITY, function_occasional_reason, severity_note
from wa_lint.link.deploy_time import function_deploy_time
from wa_lint.link.linker import literal_int
from wa_lint.link.model import Function, Project, Setting
from wa_lint.load.template.edit import insert_entry, replace_value
from wa_lint.report.findings import Applicability, Evidence, Fix, Violation

if TYPE_CHECKING:
    from wa_lint.evidence.power_tuning import TuningResult

CODE = "PERF001"


def shown(path: Path, root: Path) -> str:
    """The result file relative to the project, so a message does not depend on the current folder."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def where_set(setting: Setting) -> str:
    place = {"globals": "Globals.Function.MemorySize", "provider": "provider.memorySize",
             "function": "the function's memorySize"}.get(setting.source, "the function's MemorySize")
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


def memory_fix(function: Function, setting: Setting, value: int, title: str) -> Fix | None:
    """The edit `how_to_change` describes, when the template can be edited there safely.

    The function's own MemorySize is replaced (safe: only this function changes). A Globals value is
    left alone and the function gets its own MemorySize, as the fix text says (safe for the same
    reason). A parameter's default is replaced, which is unsafe: other functions may use it, and a
    deployment may pass another value.
    """
    template, name = function.template, function.logical_id
    if setting.parameter:
        edit = replace_value(template, ("Parameters", setting.parameter, "Default"), value)
        applicability = Applicability.UNSAFE
    elif setting.source == "globals":
        resource = template.resources.get(name)
        if isinstance(resource, dict) and "Properties" in resource:
            edit = insert_entry(template, ("Resources", name, "Properties"), "MemorySize", value)
        else:
            edit = insert_entry(template, ("Resources", name), "Properties", {"MemorySize": value})
        applicability = Applicability.SAFE
    else:
        edit = replace_value(template, ("Resources", name, "Properties", "MemorySize"), value)
        applicability = Applicability.SAFE
    return Fix(title, (edit,), applicability) if edit else None


def tuning_evidence(tuned: TuningResult) -> Evidence:
    return Evidence("power-tuning", "optimum power", tuned.power, unit="MB", path=tuned.path)


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    name = function.logical_id
    if function_deploy_time(project, function):
        return  # memory sized for a per-deployment run costs nothing per request
    setting = function.memory
    fix: Fix | None = None
    evidence: tuple[Evidence, ...] = ()
    configured = literal_int(setting.value) if setting else 128
    verdict = memory_verdict(function, project, configured, options)
    tuned = project.power_tuning.get((function.template.path, name))
    if setting is None:
        where = "its Properties or Globals.Function" if function.type.startswith("AWS::Serverless") else "its Properties"
        problem = f"{name} sets no MemorySize, so it runs with the Lambda default of 128 MB"
        prose = f"add MemorySize to {where}, chosen by measuring {name} with AWS Lambda Power Tuning"
    elif setting.source == "framework-default" and (tuned is None or tuned.power != configured):
        # The Serverless Framework deploys 1024 MB when neither the function nor the provider says: a
        # value nobody chose for this code, eight times Lambda's own default.
        problem = (f"{name} sets no memorySize (nor does provider), so it runs with the Serverless Framework "
                   f"default of {configured} MB")
        if tuned is not None:
            problem += f", but AWS Lambda Power Tuning measured {tuned.summary()} in {shown(tuned.path, project.root)}"
            evidence = (tuning_evidence(tuned),)
        prose = (f"add memorySize to {name} in serverless.yml (or to provider for every function), chosen by "
                 f"measuring {name} with AWS Lambda Power Tuning")
    else:
        if configured is None:
            return  # `!If` or a parameter without default: the value is decided at deploy time
        if tuned is not None and tuned.power != configured:
            problem = (f"{name} is configured with {configured} MB, set in {where_set(setting)}, but AWS Lambda "
                       f"Power Tuning measured {tuned.summary()} in {shown(tuned.path, project.root)}")
            prose = how_to_change(function, setting, tuned.power) + ", or re-run Power Tuning if the code changed"
            fix, evidence = memory_fix(function, setting, tuned.power, prose), (tuning_evidence(tuned),)
        elif tuned is None and configured in options.get("untuned-values", []):
            problem = (f"{name} runs with {configured} MB, set in {where_set(setting)}, a value this project "
                       "lists as untuned (untuned-values)")
            prose = (f"measure {name} with AWS Lambda Power Tuning and set the optimum, or pass the result "
                     "with --power-tuning to confirm this value")
        elif tuned is None and verdict is not None and verdict.direction:
            problem = (f"{name} is configured with {configured} MB{deployed_note(function, project, configured)}, "
                       f"set in {where_set(setting)}; {verdict.sentence}")
            prose = (f"measure {name} with AWS Lambda Power Tuning (`wa-lint tune --function {name}` writes the "
                     f"execution input) and set MemorySize to its optimum; {expected_direction(verdict)}")
        else:
            return
    if verdict is not None:
        if verdict.sentence not in problem:
            problem += f"; {verdict.sentence}"
            if verdict.direction and tuned is None:
                prose += f"; {expected_direction(verdict)}"
        evidence += tuple(evidence_of(measured) for measured in verdict.measurements)
    occasional = function_occasional_reason(project, function)
    yield Violation(CODE, function.span, {"problem": problem, "fix": prose}, resource=name, function=name,
                    fix=fix, evidence=evidence, detail=severity_note(occasional) if occasional else None,
                    severity=CADENCE_SEVERITY if occasional else None)
