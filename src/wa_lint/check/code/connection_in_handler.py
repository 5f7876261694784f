"""PERF102 connection-in-handler: a database connection or HTTP pool opened on every invocation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.constructors import CONNECTIONS, matcher
from wa_lint.check.code._constructors import violations
from wa_lint.check.contract import subject
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Violation

CODE = "PERF102"


@subject("entry")
def check(entry: Entry, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    names = matcher([*CONNECTIONS, *options.get("extend-constructors", ())])
    yield from violations(CODE, entry, project, names)
