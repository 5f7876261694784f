"""Finding handler code: template handler strings to files, and handler-looking functions elsewhere."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.config import DEFAULT_HANDLER_PATTERNS
from wa_lint.files import is_file
from wa_lint.link.imports import ImportResolver, is_test_file, module_file
from wa_lint.link.model import Handler

if TYPE_CHECKING:  # the analysis, which a run without Python code never needs
    from wa_lint.analyse.python.facts_model import FunctionFacts, ModuleFacts

__all__ = ["ImportResolver", "candidate_functions", "entry_qualname", "is_test_file", "looks_like_handler",
           "may_define_handler", "module_file", "package_roots", "resolve_handler"]

EVENT_PARAMS = ("event", "evt", "_event")
CONTEXT_PARAMS = ("context", "ctx", "_context", "_ctx", "lambda_context", "_")
_DEF = re.compile(r"^[ \t]*def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)


def resolve_handler(handler: Handler, roots: Iterable[Path]) -> Handler:
    """The handler with its module, file and qualified name filled in, or with why it cannot be found."""
    text = handler.text.strip()
    module, _, name = text.rpartition(".")
    if not module or not name:
        return replace(handler, problem=f"handler '{text}' is not of the form module.function", missing=True)
    # The Python runtime imports `dir/app` as `dir.app`.
    module = module.replace("/", ".").strip(".")
    roots = list(roots)
    for root in roots:
        found = module_file(root, module)
        if found:
            return replace(handler, module=module, file=found, qualname=name)
    # `app.Handler.handle`: a method of a class in app.py.
    outer, _, class_name = module.rpartition(".")
    for root in roots:
        found = module_file(root, outer) if outer else None
        if found:
            return replace(handler, module=outer, file=found, qualname=f"{class_name}.{name}")
    where = ", ".join(str(root) for root in roots) or "no local code folder"
    return replace(handler, problem=f"handler module '{module}' not found under {where}", missing=bool(roots))


def entry_qualname(facts: ModuleFacts, qualname: str) -> str | None:
    """The function that runs for a handler name: a function, or `__call__` of a module-level instance."""
    if qualname in facts.functions:
        return qualname
    class_name = facts.instances.get(qualname)
    if class_name and f"{class_name}.__call__" in facts.functions:
        return f"{class_name}.__call__"
    if class_name and facts.bases.get(class_name):
        # `__call__` inherited from a base class, maybe in another local module: the call graph finds it
        # from the instance's name when it walks.
        return qualname
    return None


def may_define_handler(text: str, patterns: Iterable[str] = DEFAULT_HANDLER_PATTERNS) -> bool:
    """Cheap text test before parsing a file no template references."""
    patterns = tuple(patterns)
    return any(any(fnmatch.fnmatchcase(m, p) for p in patterns) for m in _DEF.findall(text))


def looks_like_handler(function: FunctionFacts, patterns: Iterable[str] = DEFAULT_HANDLER_PATTERNS) -> bool:
    if not function.module_level or function.in_main_guard or len(function.params) != 2:
        return False
    name = function.qualname
    event, context = function.params
    return (
        any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
        and event in EVENT_PARAMS
        and context in CONTEXT_PARAMS
    )


def package_roots(path: Path) -> list[Path]:
    """Import roots for a file no template places: its folder, and above its outermost package."""
    roots = [path.parent]
    top = path.parent
    while is_file(top / "__init__.py") and top.parent != top:
        top = top.parent
    if top != path.parent:
        roots.append(top)
    return roots


def candidate_functions(facts: ModuleFacts, patterns: Iterable[str]) -> list[FunctionFacts]:
    return [function for function in facts.functions.values() if looks_like_handler(function, patterns)]
