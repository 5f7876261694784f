"""OPS004 api-access-log-unstructured: an API stage whose access log format is not JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._apis import Stage, stages
from wa_lint.check.template._settings import origin, place
from wa_lint.check.template._values import key_span
from wa_lint.link.model import Project
from wa_lint.report.findings import Span, Violation

CODE = "OPS004"
JSON_FORMAT = ('{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
               '"status":"$context.status","latency":"$context.responseLatency"}')
# `$context.x` / `$input.x` variables and `${Name}` (!Sub) placeholders become one JSON value each:
# a variable may be written unquoted (`"latency": $context.responseLatency`) and still log valid JSON.
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$(?:context|input|stageVariables)(?:\.[A-Za-z0-9_\-]+)+")


def format_text(value: Any) -> str | None:
    """The format string, from a literal, a `!Sub` or a `!Join` (intrinsic parts become a placeholder)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "Fn::Sub":
            text = inner[0] if isinstance(inner, list) and inner else inner
            return text if isinstance(text, str) else None
        if key == "Fn::Join" and isinstance(inner, list) and len(inner) == 2 and isinstance(inner[0], str) \
                and isinstance(inner[1], list):
            return inner[0].join(part if isinstance(part, str) else "${part}" for part in inner[1])
    return None


def json_problem(text: str) -> str | None:
    """Why `text` does not log one JSON object per request, or None when it does."""
    stripped = text.strip()
    try:
        parsed = json.loads(_VARIABLE.sub("0", stripped))
    except json.JSONDecodeError as error:
        if stripped.startswith("{"):
            return f"is not valid JSON ({error.msg} at character {error.pos})"
        return "is not JSON"
    return None if isinstance(parsed, dict) else "is not a JSON object"


def shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def location(stage: Stage) -> Span:
    key = stage.access_log_key
    where = place(stage.template, stage.settings, key, stage.span)
    if where is not stage.span:
        return key_span(stage.template, stage.settings.get(key), "Format", where)
    return where


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for stage in stages(project):
        key = stage.access_log_key
        for branch in stage.values(key, "Format"):
            text = format_text(branch.value)
            problem_text = json_problem(text) if text is not None else None
            if text is None or problem_text is None:
                continue  # JSON, unset (OPS003's concern), or only known at deploy time
            shown = f"{stage.prefix}{key}.Format"
            note = f" {branch.note}" if branch.note else ""
            where = origin(stage.template, stage.settings, key, stage.section)
            problem = (f"{stage.label} writes access logs that are not structured: {shown} "
                       f"'{shorten(text)}'{note}{where} {problem_text}, so CloudWatch Logs Insights cannot "
                       "query its fields and a log line cannot be joined to the function logs by request ID")
            fix = (f"set {shown} to a JSON object of $context variables, for example {JSON_FORMAT}")
            yield Violation(CODE, location(stage), {"problem": problem, "fix": fix}, resource=stage.resource)
            break
