"""Functions that run now and then, not per request: on a schedule, a secret rotation or an alarm.

Per-invocation waste in them (a client built per call, memory left untuned) costs once per run, so the
rules that judge per-request cost report it as info, saying why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wa_lint.analyse.python.facts_model import ROTATION_STEP_MARKERS
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Entry, Function, Project
from wa_lint.report.findings import Severity

if TYPE_CHECKING:
    from wa_lint.analyse.python.facts_model import ModuleFacts

SAM_SCHEDULES = frozenset({"Schedule", "ScheduleV2"})
CADENCE_SEVERITY = Severity.INFO


def occasional_reason(project: Project, function: Function | None, facts: ModuleFacts | None = None) -> str | None:
    """Why the function runs only occasionally (for messages), or None when it may serve requests.

    `facts`, the handler's module, lets code say it too when no template here says who invokes the
    function: a handler that dispatches on the secret rotation steps is a rotation function."""
    if function is not None:
        if function.triggers:
            if all(trigger.type in SAM_SCHEDULES for trigger in function.triggers):
                return "it runs only on a schedule"
            return None
        invokers = _invokers(project)
        key = (id(function.template), function.logical_id)
        if key in invokers:
            return invokers[key] or None
    if facts is not None and rotates_a_secret(facts):
        return "it runs only to rotate a secret, as its dispatch on the rotation steps shows"
    return None


def entry_occasional_reason(project: Project, entry: Entry) -> str | None:
    return occasional_reason(project, entry.function, entry.facts)


def function_occasional_reason(project: Project, function: Function) -> str | None:
    """As occasional_reason, also asking the code of the function's handler when it was analysed."""
    for entry in project.entries:
        if entry.function is function:
            return occasional_reason(project, function, entry.facts)
    return occasional_reason(project, function)


def rotates_a_secret(facts: ModuleFacts) -> bool:
    """The module names at least two of Secrets Manager's rotation steps (`createSecret`, `setSecret`,
    `testSecret`, `finishSecret`): the dispatch every rotation function has on `event["Step"]`."""
    named: set[str] = set()
    for found in facts.mentions.values():
        named.update(ROTATION_STEP_MARKERS.intersection(found))
    return len(named) >= 2


def severity_note(reason: str) -> str:
    return f" (reported as info: {reason}, so its cost is per run, not per request)"


def _invokers(project: Project) -> dict[tuple[int, str], str]:
    """Functions with no event trigger that a schedule rule, a rotation schedule or an alarm invokes."""
    found = project.lookups.get("occasional-invokers")
    if isinstance(found, dict):
        return found
    result: dict[tuple[int, str], str] = {}
    project.lookups["occasional-invokers"] = result
    for resource in project.resources:
        properties = resource.properties if isinstance(resource.properties, dict) else {}
        key = id(resource.template)
        if resource.type == "AWS::Events::Rule":
            # A rule with an event pattern invokes per event: its targets are not occasional.
            reason = "it runs only on a schedule" if properties.get("ScheduleExpression") else ""
            for target in _dicts(properties.get("Targets")):
                _mark(result, key, ref_target(target.get("Arn")), reason)
        elif resource.type == "AWS::Scheduler::Schedule" and isinstance(properties.get("Target"), dict):
            _mark(result, key, ref_target(properties["Target"].get("Arn")), "it runs only on a schedule")
        elif resource.type == "AWS::SecretsManager::RotationSchedule":
            _mark(result, key, ref_target(properties.get("RotationLambdaARN")), "it runs only to rotate a secret")
        elif resource.type == "AWS::CloudWatch::Alarm":
            for action in properties.get("AlarmActions") or []:
                _mark(result, key, ref_target(action), "it runs only when an alarm fires")
    return result


def _mark(result: dict[tuple[int, str], str], key: int, target: str | None, reason: str) -> None:
    """Record an invoker; "" (an invoker that is not occasional) wins over every reason."""
    if target:
        result[(key, target)] = reason if result.get((key, target), reason) else ""


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
