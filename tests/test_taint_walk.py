"""Invocation data followed through calls (callgraph.taint_params): by position, by keyword, and the
context object handed on, whose `.identity` is the caller in the callee too."""

from __future__ import annotations

from pathlib import Path

from conftest import SAM_FUNCTION

from wa_lint.config import Config
from wa_lint.pipeline import run

APP = """\
SEEN = {}


def by_context(ctx, unused=None):
    SEEN["who"] = ctx.identity.cognito_identity_id


def by_keyword(first, data):
    SEEN["last"] = data["body"]


def by_position(first, data):
    SEEN["first"] = data["body"]


def not_carried(first, data):
    SEEN["static"] = first


def by_event(ctx):
    SEEN["event"] = ctx.identity


def handler(event, context):
    by_event(event)
    by_context(context)
    by_keyword(1, data=event)
    by_position(1, event)
    not_carried("x", data=event)
    by_context(ctx="literal")
    return 1
"""


def test_invocation_data_reaches_callees_by_position_keyword_and_context(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(SAM_FUNCTION.format(code_uri="src/", handler="app.handler"))
    (tmp_path / "src" / "app.py").write_text(APP)
    (tmp_path / ".git").mkdir()
    result = run([tmp_path], Config(select=("SEC101",)), use_cache=False)
    messages = {f.span.line: f.message.split(" is written")[0] for f in result.findings}
    assert messages == {5: "The caller's identity from the Lambda context", 9: "Event data", 13: "Event data",
                        21: "Event data"}, "an event handed on is not the context, whatever its name"


CALLS_ON_THE_PATH = '''\
import boto3

ssm = boto3.client("ssm")
table = boto3.resource("dynamodb").Table("t")


def load(name):
    return ssm.get_parameter(Name=name)["Parameter"]["Value"]


_token = None


def handler(event, context):
    global _token
    if _token is None:
        _token = ssm.get_parameter(Name="/app/token")  # lazily, once per environment
    value = load("/app/key")
    table.get_item(Key={"id": event["id"]})
    table.put_item(Item={"id": value})
    print(value.upper())
    return ssm.get_parameters_by_path(Path="/app")
'''


def test_asking_for_some_methods_gives_exactly_those_calls_of_the_invocation_path(tmp_path: Path) -> None:
    from wa_lint.check.code._invocation import invocation_calls, method

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(CALLS_ON_THE_PATH)
    (tmp_path / "template.yaml").write_text(SAM_FUNCTION.format(code_uri="src/", handler="app.handler"))
    project = run([tmp_path], Config()).project
    (entry,) = project.entries
    every = [(site.call.callee, site.call.line, site.route(site.call.callee)) for site in invocation_calls(project, entry)]
    asked = frozenset({"get_parameter", "put_item", "upper"})
    some = [(site.call.callee, site.call.line, site.route(site.call.callee))
            for site in invocation_calls(project, entry, methods=asked)]
    assert some == [(site.call.callee, site.call.line, site.route(site.call.callee))
                    for site in invocation_calls(project, entry) if method(site.call) in asked]
    assert {method_name.rpartition(".")[2] for method_name, _, _ in some} == asked, "one call of each, none lost"
    assert ("ssm.get_parameter", 8, " (handler → load → ssm.get_parameter)") in some
    assert not any(line == 17 for _, line, _ in every), "a lazily initialised call does not run per invocation"
    assert not list(invocation_calls(project, entry, methods=frozenset({"delete_item"})))
    assert method(next(invocation_calls(project, entry, methods=frozenset({"get_item"}))).call) == "get_item"
