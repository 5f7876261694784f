"""SEC003 function-url-without-auth: a Lambda function URL that anyone can call (`AuthType: NONE`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._settings import place
from wa_lint.check.template._values import branches_at, key_span
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.report.findings import Span, Violation

CODE = "SEC003"


@dataclass(frozen=True)
class Url:
    template: Template
    resource: str  # the logical ID reported: the function (SAM) or the AWS::Lambda::Url
    function: str  # the function the URL invokes, as the template names it
    config: Any  # the mapping holding AuthType
    span: Span
    sam: bool
    # Written on this resource (report on its AuthType) rather than inherited from Globals.Function.
    local: bool = True


def urls(project: Project) -> Iterator[Url]:
    for function in project.functions:
        config = function.properties.get("FunctionUrlConfig")
        if function.type == "AWS::Serverless::Function" and isinstance(config, dict):
            where = place(function.template, function.properties, "FunctionUrlConfig", function.span)
            yield Url(function.template, function.logical_id, function.logical_id, config, where, True,
                      local=where is not function.span)
    for url in project.resources_of_type("AWS::Lambda::Url"):
        target = ref_target(url.properties.get("TargetFunctionArn")) or "its target function"
        yield Url(url.template, url.logical_id, target, url.properties, url.span, False)


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for url in urls(project):
        for branch in branches_at(url.template, url.config, "AuthType"):
            if not isinstance(branch.value, str) or branch.value.strip().upper() != "NONE":
                continue
            note = f" {branch.note}" if branch.note else ""
            owner = f"{url.function}'s function URL" if url.sam else f"function URL {url.resource} (of {url.function})"
            problem = (f"{owner} has AuthType NONE{note}: anyone who learns the URL can invoke {url.function}, "
                       "and every call is billed to you. This is right only for a deliberately public endpoint: "
                       "confirm that the handler authenticates requests itself (a webhook signature, a token) "
                       "and limits what an anonymous caller can do, then suppress this finding with that reason")
            fix = (f"set AuthType: AWS_IAM on {'FunctionUrlConfig of ' + url.function if url.sam else url.resource} "
                   "and sign requests with SigV4 (CloudFront origin access control can sign for browsers), "
                   "or put the function behind API Gateway with an authorizer")
            where = key_span(url.template, url.config, "AuthType", url.span) if url.local else url.span
            yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=url.resource,
                            function=url.function)
            break
