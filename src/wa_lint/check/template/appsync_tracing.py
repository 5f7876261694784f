"""OPS005 appsync-tracing-disabled: an AppSync GraphQL API that does not send traces to X-Ray."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._settings import describe, origin, place
from wa_lint.check.template._values import MISSING, branches_at, truthy
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "OPS005"
TYPES = ("AWS::AppSync::GraphQLApi", "AWS::Serverless::GraphQLApi")


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for api in project.resources_of_type(*TYPES):
        template, properties, name = api.template, api.properties, api.logical_id
        for branch in branches_at(template, properties, "XrayEnabled"):
            value = branch.value
            if value is not MISSING and (truthy(value) or not isinstance(value, (str, bool))):
                continue  # enabled, or decided at deploy time
            kind = "SAM GraphQL API" if api.type.startswith("AWS::Serverless") else "AppSync GraphQL API"
            state = describe("XrayEnabled", value, branch.note, origin(template, properties, "XrayEnabled", ""))
            problem = (f"{kind} {name} does not send traces to AWS X-Ray: {state}, so the time spent in each "
                       "resolver and data source of a slow query cannot be seen")
            fix = f"add XrayEnabled: true to {name}'s Properties"
            yield Violation(CODE, place(template, properties, "XrayEnabled", api.span),
                            {"problem": problem, "fix": fix}, resource=name)
            break
