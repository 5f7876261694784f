"""Per-file facts: what a Python module defines, imports, calls and writes.

Facts are a pure function of the file's text, made of plain values, so they can be computed in
worker processes and cached. The file is parsed once by the interpreter's own parser (`ast`) and
walked once; each kind of fact has its own collector (see walk.py), listed in COLLECTORS in the order
they run at each node. A rule that needs a new fact adds a collector there; none re-parses the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

from wa_lint.analyse.python.arguments import ArgumentCollector
from wa_lint.analyse.python.calls import CallCollector
from wa_lint.analyse.python.construction import ConstructionCollector
from wa_lint.analyse.python.decorators import DecoratorCollector
from wa_lint.analyse.python.dynamodb import DynamoCollector
from wa_lint.analyse.python.facts_model import FunctionFacts, ImportFacts, Location, ModuleFacts
from wa_lint.analyse.python.flow import FlowCollector
from wa_lint.analyse.python.parse import ParseFailure, parse
from wa_lint.analyse.python.positions import SourceMap
from wa_lint.analyse.python.returns import ReturnCollector
from wa_lint.analyse.python.walk import Collector, Context, dotted_name, walk
from wa_lint.analyse.python.writes import WriteCollector

__all__ = ["COLLECTORS", "FunctionFacts", "ImportFacts", "Location", "ModuleFacts", "collect", "dotted_name",
           "module_facts"]


def _is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    strings = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)]
    return names == ["__name__"] and strings == ["__main__"]


def _location(span: tuple[int, int, int, int]) -> Location:
    return Location(*span)


class DefinitionCollector(Collector):
    """Functions, classes, imports and module-level instances: what the other collectors build on."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.facts = context.facts
        self.main_guard_depth = 0

    def visit_If(self, node: ast.If) -> None:
        if not self.context.scope and _is_main_guard(node.test):
            self.main_guard_depth += 1

    def leave_If(self, node: ast.If) -> None:
        if not self.context.scope and _is_main_guard(node.test):
            self.main_guard_depth -= 1

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.facts.classes[self.context.qualname(node.name)] = _location(self.context.source.name_span(node))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        scope = self.context.scope
        arguments = node.args
        class_name = scope[-1][1] if scope and scope[-1][0] == "class" else None
        qualname = self.context.qualname(node.name)
        self.facts.functions[qualname] = FunctionFacts(
            qualname=qualname,
            params=[a.arg for a in (*arguments.posonlyargs, *arguments.args)],
            location=_location(self.context.source.name_span(node)),
            decorators=[d for d in (dotted_name(dec) for dec in node.decorator_list) if d],
            class_name=class_name,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            module_level=not scope,
            in_main_guard=self.main_guard_depth > 0,
        )

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node: ast.Import) -> None:
        line = self.context.source.line(node)
        function = self.context.enclosing_function()
        for alias in node.names:
            self.facts.imports.append(ImportFacts(alias.name, 0, [], alias.asname, line, function))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = [(alias.name, alias.asname or alias.name) for alias in node.names]
        self.facts.imports.append(ImportFacts(node.module or "", node.level, names, None,
                                              self.context.source.line(node), self.context.enclosing_function()))

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.context.scope or not isinstance(node.value, ast.Call):
            return
        class_name = dotted_name(node.value.func)
        if class_name and class_name in self.facts.classes:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.facts.instances[target.id] = class_name


# The collectors of every analysed file, in the order they run at each node: each sees what the ones
# before it recorded about the code so far (definitions first, then the flow of values that the call,
# write and construction collectors build on). A new rule that needs a new fact adds its collector here.
COLLECTORS: tuple[type[Collector], ...] = (
    DefinitionCollector,
    FlowCollector,
    CallCollector,  # PERF101, PERF102, and the call graph
    WriteCollector,  # SEC101
    ConstructionCollector,
    DecoratorCollector,
    ReturnCollector,
    DynamoCollector,  # PERF201
    ArgumentCollector,  # COST101, PERF104, REL202, SEC102
)


def collect(tree: ast.Module, text: str, path: Path, line_offset: int = 0, column_offset: int = 0,
            collectors: tuple[type[Collector], ...] = COLLECTORS) -> ModuleFacts:
    facts = ModuleFacts(path, line_offset=line_offset, column_offset=column_offset)
    context = Context(facts, SourceMap(text, line_offset, column_offset))
    running = []
    for kind in collectors:
        if kind.wants(text):
            context.collectors[kind] = collector = kind(context)
            running.append(collector)
    try:
        walk(tree, context, running)
        for collector in running:
            collector.finish()
    finally:
        # Collectors and their context refer to each other: without the cycle, all of this file's
        # state is freed as soon as it is done with, with no garbage collection (see workers.py).
        context.collectors.clear()
    return facts


def module_facts(text: str, path: Path, line_offset: int = 0, column_offset: int = 0) -> ModuleFacts:
    """Parse and collect; raises ParseFailure for code that cannot be analysed."""
    tree = parse(text)
    try:
        return collect(tree, text, path, line_offset, column_offset)
    except RecursionError:
        # The walk is iterative; a collector's own recursion failing on a deep tree is the same verdict.
        raise ParseFailure("code nested too deeply to analyse") from None
