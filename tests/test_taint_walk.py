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
