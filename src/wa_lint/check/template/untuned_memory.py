"""PERF001 untuned-memory: memory set nowhere (Lambda's 128 MB default), set to a value the team calls
untuned, different from what AWS Lambda Power Tuning measured as optimal, or (with `--aws`) measured as
over- or under-provisioned by the function's own peak memory and duration."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.check.contract import subject
from wa_lint.check.template._fixes import add_property, checked, not_fixed
from wa_lint.check.template._measured import deployed_note, evidence_of, expected_direction, memory_verdict
from wa_lint.link.cadence import CADENCE_SEVERITY, function_occasional_reason, severity_note
from wa_lint.link.deploy_time import function_deploy_time
from wa_lint.link.linker import literal_int
from wa_lint.link.model import Function, Project, Setting
from wa_lint.load.template.edit import insert_entry, replace_value
from wa_lint.report.findings import Applicability, Edit, Evidence, Fix, Violation

if TYPE_CHECKING:
    from wa_lint.evidence.power_tuning import TuningResult

CODE = "PERF001"
_SAM_FUNCTION = "AWS::Serverless::Function"


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


@dataclass(frozen=True)
class Change:
    """What the finding tells the user to do, the fix that does it (if any), and why there is none."""

    prose: str
    fix: Fix | None = None
    not_fixed: str | None = None


def _sharing(function: Function, setting: Setting, project: Project) -> list[Function]:
    """The functions of the template that take their memory from where `function` takes its own."""
    same = [other for other in project.functions if other.template is function.template and other.memory]
    if setting.parameter:
        return [other for other in same if other.memory and other.memory.parameter == setting.parameter]
    return [other for other in same if other.memory and other.memory.source == "globals"
            and other.memory.parameter is None]


def _uncovered(function: Function, project: Project) -> list[Function]:
    """The template's SAM functions that set no MemorySize: what a Globals.Function value would reach."""
    return [other for other in project.functions if other.template is function.template
            and other.type == _SAM_FUNCTION and other.memory is None]


def _optima(functions: list[Function], project: Project) -> dict[str, int | None]:
    return {other.logical_id: (tuned.power if (tuned := project.power_tuning.get(
        (other.template.path, other.logical_id))) else None) for other in functions}


def _disagreement(optima: dict[str, int | None]) -> str | None:
    """"A, B whose tuned optima differ: 512 vs 1024", when the measured functions disagree."""
    measured = {name: power for name, power in optima.items() if power is not None}
    if len(set(measured.values())) < 2:
        return None
    values = " vs ".join(str(power) for power in sorted(set(measured.values())))
    return f"{', '.join(sorted(measured))} whose tuned optima differ: {values}"


def _all_agree(optima: dict[str, int | None], value: int) -> bool:
    return len(optima) > 1 and all(power == value for power in optima.values())


def memory_change(function: Function, setting: Setting | None, value: int, project: Project) -> Change:
    """The change that makes `function` run with `value` MB (its Power Tuning optimum), and its fix.

    - The function's own MemorySize is replaced: safe, only this function changes.
    - A Globals.Function value is replaced in place when the several functions it covers were all
      measured with this same optimum (unsafe: it is shared, and functions added later get it too).
      Otherwise the function gets its own MemorySize, which overrides Globals (safe), and the Globals
      value stays the template's default.
    - A parameter's Default is replaced (unsafe: a deployment may pass another value), unless functions
      that share the parameter were measured with different optima: then nothing is fixed.
    - Where no MemorySize is set, one is inserted under Globals.Function when the template has a Globals
      section and every SAM function it would cover has this optimum (unsafe: shared), else under the
      function's Properties (safe).
    """
    template, name = function.template, function.logical_id
    if setting is None:
        uncovered = _uncovered(function, project) if function.type == _SAM_FUNCTION else []
        if _all_agree(_optima(uncovered, project), value) and isinstance(template.data.get("Globals"), dict):
            names = ", ".join(sorted(other.logical_id for other in uncovered))
            prose = f"add MemorySize: {value} to Globals.Function ({names}, every function it covers, measured {value} MB)"
            if isinstance(template.data["Globals"].get("Function"), dict):
                edit = insert_entry(template, ("Globals", "Function"), "MemorySize", value)
            else:
                edit = insert_entry(template, ("Globals",), "Function", {"MemorySize": value})
            return _change(prose, edit, Applicability.UNSAFE)
        return _change(f"add MemorySize: {value} to {name}'s Properties", checked(add_property(template, name, "MemorySize", value)),
                       Applicability.SAFE)
    if setting.parameter:
        prose = how_to_change(function, setting, value)
        differ = _disagreement(_optima(_sharing(function, setting, project), project))
        if differ:
            return Change(f"set MemorySize: {value} on {name} itself, in place of the parameter {setting.parameter} "
                          "that functions with other optima share",
                          not_fixed=f"parameter {setting.parameter} is shared by {differ}; set MemorySize on "
                                    "each function")
        edit = replace_value(template, ("Parameters", setting.parameter, "Default"), value)
        return _change(prose, edit, Applicability.UNSAFE)
    if setting.source == "globals":
        sharing = _sharing(function, setting, project)
        optima = _optima(sharing, project)
        if _all_agree(optima, value):
            prose = (f"set Globals.Function.MemorySize to {value} ({', '.join(sorted(optima))}, every function it "
                     f"covers, measured {value} MB)")
            edit = replace_value(template, ("Globals", "Function", "MemorySize"), value)
            return _change(prose, edit, Applicability.UNSAFE)
        prose = how_to_change(function, setting, value)
        differ = _disagreement(optima)
        if differ:
            prose += f"; Globals.Function.MemorySize is shared by {differ}"
        return _change(prose, checked(add_property(template, name, "MemorySize", value)), Applicability.SAFE)
    edit = replace_value(template, ("Resources", name, "Properties", "MemorySize"), value)
    return _change(how_to_change(function, setting, value), edit, Applicability.SAFE)


def _change(prose: str, edit: Edit | None, applicability: Applicability) -> Change:
    if edit is None:
        return Change(prose, not_fixed="the template cannot be edited there safely (an alias, an anchor or "
                                       "a flow-style mapping)")
    return Change(prose, Fix(prose, (edit,), applicability))


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
    unfixed: str | None = None  # why the finding has no fix
    if setting is None and tuned is not None:
        problem = (f"{name} sets no MemorySize, so it runs with the Lambda default of 128 MB, but AWS Lambda "
                   f"Power Tuning measured {tuned.summary()} in {shown(tuned.path, project.root)}")
        change = memory_change(function, None, tuned.power, project)
        prose, fix, unfixed = change.prose, change.fix, change.not_fixed
        evidence = (tuning_evidence(tuned),)
    elif setting is None:
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
            change = memory_change(function, setting, tuned.power, project)
            prose, fix, unfixed = change.prose + ", or re-run Power Tuning if the code changed", change.fix, change.not_fixed
            evidence = (tuning_evidence(tuned),)
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
    detail = (severity_note(occasional) if occasional else "") + (not_fixed(unfixed) if unfixed else "")
    yield Violation(CODE, function.span, {"problem": problem, "fix": prose}, resource=name, function=name,
                    fix=fix, evidence=evidence, detail=detail or None,
                    severity=CADENCE_SEVERITY if occasional else None)
