"""PERF101 sdk-client-in-handler: an AWS SDK client or session built on every invocation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.constructors import SDK_CLIENTS, matcher
from wa_lint.check.code._constructors import violations
from wa_lint.check.contract import subject
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Violation

CODE = "PERF101"
_NAMES = matcher(SDK_CLIENTS)


@subject("entry")
def check(entry: Entry, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    yield from violations(CODE, entry, project, _NAMES)
