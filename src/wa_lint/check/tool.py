"""The tool rules: what wa-lint could not do, reported like any other rule's findings.

WA001 parse-error: a file (or inline code) that does not load or parse, as the stages recorded it.
WA002 internal-error: wa-lint itself failed, on a file's analysis or in a check (the check stage calls
`internal_error` for the subject a check raised on).
WA005 handler-not-found: a Python function whose `Handler` names a module or function its code folder
does not have.
WA003/WA004 judge suppressions and are reported by report/suppressions.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.files import has_file_below, is_dir, is_file
from wa_lint.link.model import Function, Project
from wa_lint.report.findings import Span, Violation

PARSE_ERROR = "WA001"
INTERNAL_ERROR = "WA002"
HANDLER_NOT_FOUND = "WA005"


@subject("project")
def parse_errors(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for problem in project.problems:
        if not problem.internal:
            yield Violation(PARSE_ERROR, Span.point(problem.path, problem.line, problem.column),
                            {"reason": problem.reason, "fix": problem.fix})


@subject("project")
def analysis_failures(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for problem in project.problems:
        if problem.internal:
            yield Violation(INTERNAL_ERROR, Span.point(problem.path),
                            {"rule": "python-analysis", "error": problem.reason})


@subject("function")
def handler_not_found(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    handler, code = function.handler, function.code
    # Only what was searched and not found: a code folder that does not exist yet or holds no
    # Python at all (built or fetched by a script) says nothing about the handler, nor does a
    # runtime that is not known to be Python.
    if handler is None or not handler.missing or code.root is None or not is_dir(code.root):
        return
    if not (function.runtime or "").startswith("python") or not has_file_below(code.root, ".py"):
        return
    # A wrapper (Lambda Web Adapter's `Handler: run.sh`) starts something other than a Python module.
    if "AWS_LAMBDA_EXEC_WRAPPER" in function.environment or is_file(code.root / handler.text.strip()):
        return
    pos = function.properties.key_pos("Handler")
    where = Span(function.template.path, pos.line, pos.column, pos.end_line, pos.end_column)
    yield Violation(HANDLER_NOT_FOUND, where, {"problem": f"{function.logical_id}: {handler.problem}"},
                    resource=function.logical_id, function=function.logical_id)


def internal_error(code: str, subject: Any, error: BaseException, project: Project, debug: bool) -> Violation:
    """WA002 for a check that raised on one subject: where the subject is, and what went wrong."""
    span = getattr(subject, "span", None)
    if span is None and hasattr(subject, "facts"):
        span = Span.point(subject.facts.path)
    if span is None:
        span = Span.point(project.templates[0].path if project.templates else project.root)
    detail = f"{type(error).__name__}: {error}"
    if debug:
        import traceback  # only when a rule failed and --debug asks for its traceback

        detail += "\n" + "".join(traceback.format_exception(error))
    return Violation(INTERNAL_ERROR, span, {"rule": code, "error": detail}, resource=getattr(subject, "logical_id", None))


CHECKS: dict[str, Callable[..., Iterable[Violation]]] = {PARSE_ERROR: parse_errors, INTERNAL_ERROR: analysis_failures, HANDLER_NOT_FOUND: handler_not_found}
