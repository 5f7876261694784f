"""PERF001 untuned-memory: a function whose MemorySize is set nowhere runs at Lambda's 128 MB default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.checks.base import subject
from wa_lint.findings import Violation
from wa_lint.model import Function, Project

CODE = "PERF001"


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    if function.memory is not None:
        return
    where = "its Properties or Globals.Function" if function.type.startswith("AWS::Serverless") else "its Properties"
    yield Violation(
        CODE,
        function.span,
        {
            "problem": f"{function.logical_id} sets no MemorySize, so it runs with the Lambda default of 128 MB",
            "fix": f"add MemorySize to {where}, chosen by measuring {function.logical_id} "
            "with AWS Lambda Power Tuning",
        },
        resource=function.logical_id,
        function=function.logical_id,
    )
