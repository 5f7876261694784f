"""OPS008 deployed-config-drift: a deployed function whose memory, timeout, architecture, runtime or
tracing differs from what the template says (`--aws` only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._settings import place
from wa_lint.evidence.live.lookup import deployed_function, stack_resource
from wa_lint.link.linker import literal_int, resolve
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Evidence, Violation

CODE = "OPS008"


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _template_values(function: Function) -> dict[str, tuple[str, Any]]:
    """Property shown → (template key, the value the template deploys), with Lambda's defaults for unset keys.

    A value known only at deploy time (a parameter without default, `!If`) is None and not compared.
    """
    template, properties = function.template, function.properties
    sam = function.type == "AWS::Serverless::Function"

    def literal(key: str, default: Any) -> Any:
        if key not in properties:
            return default
        value, _ = resolve(template, properties.get(key))
        return value if isinstance(value, (str, int, list, dict)) else None

    memory = literal_int(function.memory.value) if function.memory else 128
    timeout = literal_int(function.timeout.value) if function.timeout else 3
    architecture = _first(literal("Architectures", ["x86_64"]))
    if sam:
        tracing = literal("Tracing", "PassThrough")
    else:
        config = literal("TracingConfig", {})
        tracing = config.get("Mode", "PassThrough") if isinstance(config, dict) else None
    return {
        "MemorySize": ("MemorySize", memory),
        "Timeout": ("Timeout", timeout),
        "Architectures": ("Architectures", architecture if isinstance(architecture, str) else None),
        "Runtime": ("Runtime", function.runtime),
        "Tracing": ("Tracing" if sam else "TracingConfig", tracing if isinstance(tracing, str) else None),
    }


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    deployed = deployed_function(project, function)
    resource = stack_resource(project, function)
    if deployed is None or resource is None:
        return
    actual = {"MemorySize": deployed.memory, "Timeout": deployed.timeout, "Architectures": deployed.architecture,
              "Runtime": deployed.runtime, "Tracing": deployed.tracing}
    name = function.logical_id
    for shown, (key, expected) in _template_values(function).items():
        value = actual[shown]
        if expected is None or value is None or str(expected).lower() == str(value).lower():
            continue
        written = key in function.properties
        problem = (f"{name}'s {shown} is {expected} in the template{'' if written else ' (the default)'} but "
                   f"{value} in the deployed function {deployed.name} (stack {resource.stack}): the template "
                   "changed since the last deploy, or someone changed the function outside CloudFormation")
        fix = (f"deploy the template (sam deploy) to bring {shown} back to {expected}, or, if {value} is right, "
               f"write it in the template; `aws cloudformation detect-stack-drift` shows changes made outside it")
        yield Violation(CODE, place(function.template, function.properties, key, function.span),
                        {"problem": problem, "fix": fix}, resource=name, function=name,
                        evidence=(Evidence("lambda", "deployed", value if isinstance(value, int) else str(value),
                                           metric=f"GetFunctionConfiguration {shown}"),))
