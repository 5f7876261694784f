"""OPS006 state-machine-tracing-disabled: a Step Functions state machine without X-Ray tracing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._settings import describe, origin, place
from wa_lint.check.template._values import MISSING, branches_at, truthy
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "OPS006"


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for machine in project.resources_of_type("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
        template, properties, name = machine.template, machine.properties, machine.logical_id
        # Both kinds are checked: serverless-rules 0.3.6 ignores AWS::Serverless::StateMachine.
        sam = machine.type == "AWS::Serverless::StateMachine"
        key = "Tracing" if sam else "TracingConfiguration"
        for branch in branches_at(template, properties, key, "Enabled"):
            value = branch.value
            if value is not MISSING and (truthy(value) or not isinstance(value, (str, bool))):
                continue  # enabled, or decided at deploy time
            state = describe(f"{key}.Enabled", value, branch.note, origin(template, properties, key, "StateMachine"))
            problem = (f"state machine {name} does not send traces to AWS X-Ray: {state}, so an execution "
                       "cannot be followed into the functions and services its states call")
            if sam:
                fix = f"add Tracing: {{Enabled: true}} to {name}'s Properties or to Globals.StateMachine"
            else:
                fix = (f"add TracingConfiguration: {{Enabled: true}} to {name}'s Properties and allow "
                       "xray:PutTraceSegments, xray:PutTelemetryRecords and xray:GetSamplingRules in its role")
            yield Violation(CODE, place(template, properties, key, machine.span),
                            {"problem": problem, "fix": fix}, resource=name)
            break
