"""OPS007 deprecated-runtime: a function on a Lambda runtime that is deprecated or soon will be."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._runtimes import AS_OF, DEPRECATION, SOURCE, successor
from wa_lint.check.template._settings import origin, place
from wa_lint.check.template._values import branches_at
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Violation

CODE = "OPS007"


def deprecation(runtime: str, today: datetime.date, warn_days: int) -> tuple[datetime.date, int] | None:
    """(deprecation date, days from today) when `runtime` is deprecated or will be within `warn_days`."""
    date = DEPRECATION.get(runtime.strip().lower())
    if date is None:
        return None
    days = (date - today).days
    return (date, days) if days <= warn_days else None


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    template, properties, name = function.template, function.properties, function.logical_id
    today = datetime.date.today()
    warn_days = int(options.get("warn-days", 90))
    for branch in branches_at(template, properties, "Runtime"):
        if not isinstance(branch.value, str):
            continue
        runtime = branch.value.strip()
        found = deprecation(runtime, today, warn_days)
        if found is None:
            continue
        date, days = found
        note = f" {branch.note}" if branch.note else ""
        where = origin(template, properties, "Runtime", "Function")
        if days <= 0:
            when = (f"was deprecated on {date.isoformat()}: Lambda no longer applies security patches to it, "
                    "functions on it get no technical support, and AWS then blocks creating and later updating "
                    "them, so a fix cannot be deployed")
        else:
            when = (f"will be deprecated on {date.isoformat()}, in {days} days: after that it gets no security "
                    "patches, and AWS then blocks creating and updating functions on it")
        problem = (f"{name} runs on {runtime}{note}{where}, which {when} (dates from {SOURCE}, as of "
                   f"{AS_OF.isoformat()})")
        target = successor(runtime, today)
        upgrade = f"change Runtime to {target}" if target else "move to a supported runtime"
        fix = (f"{upgrade} on {name}"
               + (" or in Globals.Function" if function.type == "AWS::Serverless::Function" else "")
               + ", then run its tests: a new major language version can change behaviour and dependencies")
        yield Violation(CODE, place(template, properties, "Runtime", function.span), {"problem": problem, "fix": fix},
                        resource=name, function=name)
        return
