"""Per-file facts: what a Python module defines and imports.

Facts are a pure function of the file's text, made of plain values, so they can be computed in
worker processes and cached. Checks that need more than this (calls, creations, writes) extend
the collector; they never re-parse the file.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from wa_lint.analyse.python.calls import CallCollector
from wa_lint.analyse.python.facts_model import FunctionFacts, ImportFacts, Location, ModuleFacts
from wa_lint.analyse.python.parse import ParseFailure, parse
from wa_lint.analyse.python.positions import Region, build_tree, walk

__all__ = ["FunctionFacts", "ImportFacts", "Location", "ModuleFacts", "collect", "dotted_name", "module_facts"]


def dotted_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    if isinstance(node, cst.Call):
        return dotted_name(node.func)
    return None


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = [s.value for s in sides if isinstance(s, cst.Name)]
    strings = [s.evaluated_value for s in sides if isinstance(s, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]


class _Collector(cst.CSTVisitor):
    def __init__(self, facts: ModuleFacts, positions: dict[int, Region]) -> None:
        super().__init__()
        self.facts = facts
        self.positions = positions
        self.scope: list[tuple[str, str]] = []  # ("class" | "function", name)
        self.main_guard_depth = 0

    def location(self, node: cst.CSTNode) -> Location:
        start_line, start_column, end_line, end_column = self.positions[id(node)]
        return Location(
            start_line + self.facts.line_offset,
            start_column + 1 + self.facts.column_offset,
            end_line + self.facts.line_offset,
            end_column + 1 + self.facts.column_offset,
        )

    def qualname(self, name: str) -> str:
        return ".".join([*(part for _, part in self.scope), name])

    def enclosing_function(self) -> str | None:
        for index in range(len(self.scope) - 1, -1, -1):
            if self.scope[index][0] == "function":
                return ".".join(part for _, part in self.scope[: index + 1])
        return None

    def visit_If(self, node: cst.If) -> None:
        if not self.scope and _is_main_guard(node.test):
            self.main_guard_depth += 1

    def leave_If(self, original_node: cst.If) -> None:
        if not self.scope and _is_main_guard(original_node.test):
            self.main_guard_depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.facts.classes[self.qualname(node.name.value)] = self.location(node.name)
        self.scope.append(("class", node.name.value))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        names = [p.name.value for p in (*params.posonly_params, *params.params)]
        class_name = self.scope[-1][1] if self.scope and self.scope[-1][0] == "class" else None
        qualname = self.qualname(node.name.value)
        self.facts.functions[qualname] = FunctionFacts(
            qualname=qualname,
            params=names,
            location=self.location(node.name),
            decorators=[d for d in (dotted_name(dec.decorator) for dec in node.decorators) if d],
            class_name=class_name,
            is_async=node.asynchronous is not None,
            module_level=not self.scope,
            in_main_guard=self.main_guard_depth > 0,
        )
        self.scope.append(("function", node.name.value))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope.pop()

    def visit_Import(self, node: cst.Import) -> None:
        line = self.location(node).line
        for alias in node.names:
            module = dotted_name(alias.name) or ""
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
            self.facts.imports.append(ImportFacts(module, 0, [], local, line, self.enclosing_function()))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module else ""
        names: list[tuple[str, str]] = []
        if isinstance(node.names, cst.ImportStar):
            names.append(("*", "*"))
        else:
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
                names.append((name, local))
        line = self.location(node).line
        self.facts.imports.append(
            ImportFacts(module or "", len(node.relative), names, None, line, self.enclosing_function())
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.scope or not isinstance(node.value, cst.Call):
            return
        class_name = dotted_name(node.value.func)
        if class_name and class_name in self.facts.classes:
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.facts.instances[target.target.value] = class_name


def collect(module: cst.Module, path: Path, line_offset: int = 0, column_offset: int = 0,
            dynamodb: bool = True) -> ModuleFacts:
    from wa_lint.analyse.python.dynamodb import DynamoCollector, DynamoFacts  # imports this module's helpers

    facts = ModuleFacts(path, line_offset=line_offset, column_offset=column_offset)
    tree = build_tree(module)
    # One traversal; the definitions collector runs first at each node, so the call collector sees
    # every definition and import that precedes the code it reads.
    visitors: list[object] = [_Collector(facts, tree.positions),
                              CallCollector(facts, module, tree.positions, tree.children)]
    dynamo = DynamoCollector(tree.positions, line_offset) if dynamodb else None
    walk(tree, *visitors, *([dynamo] if dynamo else []))
    facts.dynamodb = dynamo.facts() if dynamo else DynamoFacts()
    return facts


def module_facts(text: str, path: Path, line_offset: int = 0, column_offset: int = 0) -> ModuleFacts:
    """Parse and collect; raises ParseFailure for code that cannot be analysed."""
    from wa_lint.analyse.python.dynamodb import may_read

    module = parse(text)
    try:
        return collect(module, path, line_offset, column_offset, dynamodb=may_read(text))
    except RecursionError:
        # The pre-check bounds nesting, but libcst's tree is deeper than the tokens show for some
        # shapes; the collector's recursion failing is the same verdict, found later.
        raise ParseFailure("code nested too deeply to analyse") from None
