"""Per-file facts about DynamoDB reads: which table name each read uses, and whether it is consistent.

A read is `get_item`, `batch_get_item`, `query` or `scan` on a boto3 `Table` resource object
(`boto3.resource("dynamodb").Table(name)`) or with a `TableName=` / `RequestItems={name: …}` argument
(a boto3 client). The table name is followed through simple assignments in the same file (function,
then module scope; `self.x` within a class; a local function that returns a `Table`) back to its
origin: an environment variable (`os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`) or a
string literal. Anything else (f-strings, parameters, values from other modules) is not followed.

Like the other facts, these are plain values and a pure function of the file's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from wa_lint.analyse.python.facts import dotted_name
from wa_lint.analyse.python.facts_model import DynamoFacts, DynamoRead, TableName
from wa_lint.analyse.python.positions import Region

READ_OPERATIONS = ("get_item", "batch_get_item", "query", "scan")
_ENV_LOOKUPS = ("os.getenv", "getenv", "os.environ.get", "environ.get")
_ENVIRON = ("os.environ", "environ")
# A cheap text test first: most files never call a read operation, and the tree walk costs.
_MAY_READ = re.compile(r"\b(?:" + "|".join(READ_OPERATIONS) + r")\s*\(")
# Assignments followed at most this deep: `a = b`, `b = c`… (and cycles end here).
_MAX_DEPTH = 8


@dataclass(frozen=True)
class _TableObject:
    """A boto3 `Table` resource for the named table."""

    name: TableName


# What an expression evaluates to, as far as this module can tell: a table name or a Table object.
_Value = TableName | _TableObject


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index] if len(positional) > index else None


def _is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


@dataclass(frozen=True)
class _Scope:
    function: str | None  # qualname, None for the module
    class_name: str | None  # class of the enclosing method, for `self.x`


class _Collector(cst.CSTVisitor):
    def __init__(self, positions: dict[int, Region], line_offset: int) -> None:
        super().__init__()
        self.positions = positions
        self.line_offset = line_offset
        self.stack: list[tuple[str, str]] = []  # ("class" | "function", name)
        # Assigned expressions by scope key: function qualname, "" for the module, "self:Class" for `self.x`.
        # Each with the scope it was written in, where its own names are looked up.
        self.assigned: dict[str, dict[str, list[tuple[cst.BaseExpression, _Scope]]]] = {}
        self.returns: dict[str, list[tuple[cst.BaseExpression, _Scope]]] = {}
        self.calls: list[tuple[cst.Call, _Scope, int]] = []
        # Resolved values; also ends cycles (`a = b`, `b = a`) and keeps repeated names linear.
        self.memo: dict[tuple[int, _Scope], _Value | None] = {}

    def scope(self) -> _Scope:
        function = class_name = None
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == "function":
                function = ".".join(name for _, name in self.stack[: index + 1])
                if index and self.stack[index - 1][0] == "class":
                    class_name = self.stack[index - 1][1]
                break
        return _Scope(function, class_name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(("class", node.name.value))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(("function", node.name.value))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        scope = self.scope()
        if self.stack and self.stack[-1][0] == "class":
            return  # class attributes are not looked up by bare name
        if isinstance(target, cst.Name):
            key, name = scope.function or "", target.value
        elif (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
              and target.value.value == "self" and scope.class_name):
            key, name = f"self:{scope.class_name}", target.attr.value
        else:
            return
        self.assigned.setdefault(key, {}).setdefault(name, []).append((value, scope))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value)

    def visit_Return(self, node: cst.Return) -> None:
        scope = self.scope()
        if scope.function and node.value is not None:
            self.returns.setdefault(scope.function, []).append((node.value, scope))

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in READ_OPERATIONS:
            line = self.positions[id(node)][0] + self.line_offset
            self.calls.append((node, self.scope(), line))

    # -- resolution, after the whole file is seen ---------------------------------------------
    def lookup(self, name: str, scope: _Scope) -> list[tuple[cst.BaseExpression, _Scope]]:
        function = scope.function
        while function:
            found = self.assigned.get(function, {}).get(name)
            if found:
                return found
            function = function.rpartition(".")[0] or None
        return self.assigned.get("", {}).get(name, [])

    def value(self, node: cst.BaseExpression, scope: _Scope, depth: int = 0) -> _Value | None:
        key = (id(node), scope)
        if key not in self.memo:
            self.memo[key] = None
            self.memo[key] = self._value(node, scope, depth) if depth <= _MAX_DEPTH else None
        return self.memo[key]

    def _value(self, node: cst.BaseExpression, scope: _Scope, depth: int) -> _Value | None:
        text = _string(node)
        if text is not None:
            return TableName("literal", text)
        if isinstance(node, cst.Subscript) and dotted_name(node.value) in _ENVIRON and len(node.slice) == 1:
            index = node.slice[0].slice
            name = _string(index.value) if isinstance(index, cst.Index) else None
            return TableName("env", name) if name else None
        if isinstance(node, cst.Call):
            return self.call_value(node, scope, depth)
        if isinstance(node, cst.Name):
            return self.same(self.lookup(node.value, scope), depth)
        if (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"
                and scope.class_name):
            return self.same(self.assigned.get(f"self:{scope.class_name}", {}).get(node.attr.value, []), depth)
        return None

    def same(self, assignments: Sequence[tuple[cst.BaseExpression, _Scope]], depth: int) -> _Value | None:
        """The value all these assignments agree on, if they do."""
        values = {self.value(node, scope, depth + 1) for node, scope in assignments}
        return values.pop() if len(values) == 1 else None

    def call_value(self, call: cst.Call, scope: _Scope, depth: int) -> _Value | None:
        name = dotted_name(call.func)
        first = _positional(call, 0)
        if name in _ENV_LOOKUPS:
            key = _string(first) if first is not None else None
            return TableName("env", key) if key else None
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "Table":
            argument = first if first is not None else _keyword(call, "name")
            table = self.value(argument, scope, depth + 1) if argument is not None else None
            return _TableObject(table) if isinstance(table, TableName) else None
        if isinstance(call.func, cst.Name) and call.func.value in self.returns and not call.args:
            return self.same(self.returns[call.func.value], depth)
        return None

    def table_name(self, node: cst.BaseExpression | None, scope: _Scope) -> TableName | None:
        found = self.value(node, scope) if node is not None else None
        return found if isinstance(found, TableName) else None

    def reads(self) -> list[DynamoRead]:
        reads = []
        for call, scope, line in self.calls:
            assert isinstance(call.func, cst.Attribute)
            operation = call.func.attr.value
            consistent = _is_true(_keyword(call, "ConsistentRead"))
            receiver = self.value(call.func.value, scope)
            if isinstance(receiver, _TableObject):
                reads.append(DynamoRead(operation, receiver.name, consistent, line, scope.function))
                continue
            table = self.table_name(_keyword(call, "TableName"), scope)
            if table:
                reads.append(DynamoRead(operation, table, consistent, line, scope.function))
            items = _keyword(call, "RequestItems")
            if operation == "batch_get_item" and isinstance(items, cst.Dict):
                for element in items.elements:
                    if not isinstance(element, cst.DictElement):
                        continue
                    table = self.table_name(element.key, scope)
                    if table:
                        reads.append(DynamoRead(operation, table, _request_consistent(element.value), line,
                                                scope.function))
        return reads


def _request_consistent(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Dict):
        return False
    return any(isinstance(e, cst.DictElement) and _string(e.key) == "ConsistentRead" and _is_true(e.value)
               for e in node.elements)


def may_read(text: str) -> bool:
    return _MAY_READ.search(text) is not None


class DynamoCollector(_Collector):
    """Runs in facts.py's single walk of the tree; `facts()` once the walk is done."""

    def facts(self) -> DynamoFacts:
        return DynamoFacts(self.reads())

