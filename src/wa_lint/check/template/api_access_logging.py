"""OPS003 api-access-logging-disabled: an API stage that writes no access logs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._apis import Stage, stages
from wa_lint.check.template._settings import describe, origin, place
from wa_lint.check.template._values import MISSING
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "OPS003"
JSON_FORMAT = '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","status":"$context.status"}'


def how_to_fix(stage: Stage) -> str:
    key = stage.access_log_key
    setting = f"{key}: {{DestinationArn: !GetAtt AccessLogs.Arn, Format: '{JSON_FORMAT}'}}"
    log_group = " with an AWS::Logs::LogGroup AccessLogs that sets RetentionInDays"
    if stage.protocol == "REST":
        log_group += " (REST APIs also need the account's CloudWatch Logs role, AWS::ApiGateway::Account)"
    if stage.implicit:
        return (f"add {setting} to Globals.{stage.section} (SAM's implicit API takes its settings from there)"
                f"{log_group}")
    if stage.sam:
        return f"add {setting} to {stage.resource}'s Properties or to Globals.{stage.section}{log_group}"
    if stage.prefix:
        return f"add StageDescription: {{{setting}}} to deployment {stage.resource}{log_group}"
    return f"add {setting} to {stage.resource}'s Properties{log_group}"


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for stage in stages(project):
        key = stage.access_log_key
        for branch in stage.values(key, "DestinationArn"):
            value = branch.value
            if value is not MISSING and not (isinstance(value, str) and not value.strip()):
                continue  # a destination, literal or from an intrinsic
            shown = f"{stage.prefix}{key}.DestinationArn"
            state = describe(shown, "empty" if value is not MISSING else value, branch.note,
                             origin(stage.template, stage.settings, key, stage.section))
            problem = (f"{stage.label} writes no access logs: {state}, so there is no record of who called "
                       "the API, what it answered and how long it took")
            where = place(stage.template, stage.settings, key, stage.span)
            yield Violation(CODE, where, {"problem": problem, "fix": how_to_fix(stage)}, resource=stage.resource)
            break
