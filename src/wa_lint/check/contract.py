"""The one contract every check follows (the registry, the check stage and the docs refer here).

A check module declares the code it checks and one `check` function marked with its subject kind:

    CODE = "PERF001"

    @subject("function")
    def check(function: Function, project: Project, options: Options) -> Iterable[Violation]: ...

The check stage calls `check` once per subject of that kind — each `Template`, `Function`, `Table` or
`Entry` of the project, or the `Project` itself once — with the rule's options (its defaults from
`rules/CODE.md`, then the configuration's). It turns an exception into one WA002 finding for that subject
and keeps the rule's findings for every other subject, so prefer the narrowest subject a rule can use:
a project-level check that fails loses the rule for the whole project.

An "entry" check reports code reached from one handler entry point; a site (the same code, line and
column) reached from several entries is reported once, for the first entry in a stable order.

A check that shares memo tables with other subjects or checks (lookups built once per run) declares a
keyword-only `index: Index` parameter and asks `index.memo(key, build)`; the model is never written to.
A table or project check that needs something of every entry's calls (PERF201: the tables each handler
reads) asks `index.survey(function, entry, project)` for each entry and declares the function on its
subject, `@subject("table", survey=function)`: the check stage then works it out for every entry ahead of
the check, on a large project in the child processes that check the entries' shares, where the entries'
walks already are. Its value must pickle, and a check compares what it holds by value: the objects may
be copies, sent back from a child.

Each kind is a `Protocol` below, for type checkers; `check/registry.py` validates a module's shape
(`CODE`, a `check` with a known subject and three positional parameters) when it loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from wa_lint.link.model import Entry, Function, Project, Table
    from wa_lint.load.template.document import Template
    from wa_lint.report.findings import Violation

F = TypeVar("F", bound=Callable[..., Any])
SUBJECTS = ("template", "function", "table", "entry", "project")
Options = dict[str, Any]


class TemplateCheck(Protocol):
    subject: str  # "template"

    def __call__(self, template: Template, project: Project, options: Options, /) -> Iterable[Violation]: ...


class FunctionCheck(Protocol):
    subject: str  # "function"

    def __call__(self, function: Function, project: Project, options: Options, /) -> Iterable[Violation]: ...


class TableCheck(Protocol):
    subject: str  # "table"

    def __call__(self, table: Table, project: Project, options: Options, /) -> Iterable[Violation]: ...


class EntryCheck(Protocol):
    subject: str  # "entry"

    def __call__(self, entry: Entry, project: Project, options: Options, /) -> Iterable[Violation]: ...


class ProjectCheck(Protocol):
    subject: str  # "project"

    def __call__(self, project: Project, same_project: Project, options: Options, /) -> Iterable[Violation]: ...


Check = TemplateCheck | FunctionCheck | TableCheck | EntryCheck | ProjectCheck


def subject(kind: str, survey: Callable[[Entry, Project], Any] | None = None) -> Callable[[F], F]:
    """Mark a module's `check` with the kind of subject it is called for (one of `SUBJECTS`), and the
    survey of every entry it asks its index for (a table or project check's)."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown check subject {kind!r}")
    if survey is not None and kind == "entry":
        raise ValueError("an entry check reads its own entry: a survey is for table and project checks")

    def mark(function: F) -> F:
        function.subject = kind  # type: ignore[attr-defined]
        if survey is not None:
            function.survey = survey  # type: ignore[attr-defined]
        return function

    return mark
