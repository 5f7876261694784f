"""PERF102 connection-in-handler: a database connection or HTTP pool opened on every invocation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.code._constructors import violations
from wa_lint.report.findings import Violation
from wa_lint.link.model import Project
from wa_lint.analyse.python.constructors import CONNECTIONS, matcher

CODE = "PERF102"


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    names = matcher([*CONNECTIONS, *options.get("extend-constructors", ())])
    yield from violations(CODE, project, names, exempt_from_event=True)
