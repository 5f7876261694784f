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

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from wa_lint.analyse.python.facts_model import DynamoFacts, DynamoRead, TableName
from wa_lint.analyse.python.walk import Collector, Context, dotted_name

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


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _positional(call: ast.Call, index: int) -> ast.expr | None:
    positional = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    return positional[index] if len(positional) > index else None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


@dataclass(frozen=True)
class _Scope:
    function: str | None  # qualname, None for the module
    class_name: str | None  # class of the enclosing method, for `self.x`


class DynamoCollector(Collector):
    """Runs in facts.py's single walk of the tree, only on files that may read (see `wants`)."""

    @staticmethod
    def wants(text: str) -> bool:
        return may_read(text)

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.source = context.source
        # The walk's scope: ("class" | "function", name), the body the walk is in.
        self.stack = context.scope
        # Assigned expressions by scope key: function qualname, "" for the module, "self:Class" for `self.x`.
        # Each with the scope it was written in, where its own names are looked up.
        self.assigned: dict[str, dict[str, list[tuple[ast.expr, _Scope]]]] = {}
        self.returns: dict[str, list[tuple[ast.expr, _Scope]]] = {}
        self.calls: list[tuple[ast.Call, _Scope, int]] = []
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

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        scope = self.scope()
        if self.stack and self.stack[-1][0] == "class":
            return  # class attributes are not looked up by bare name
        if isinstance(target, ast.Name):
            key, name = scope.function or "", target.id
        elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
              and target.value.id == "self" and scope.class_name):
            key, name = f"self:{scope.class_name}", target.attr
        else:
            return
        self.assigned.setdefault(key, {}).setdefault(name, []).append((value, scope))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assign(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value)

    def visit_Return(self, node: ast.Return) -> None:
        scope = self.scope()
        if scope.function and node.value is not None:
            self.returns.setdefault(scope.function, []).append((node.value, scope))

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr in READ_OPERATIONS:
            self.calls.append((node, self.scope(), self.source.line(node)))

    # -- resolution, after the whole file is seen ---------------------------------------------
    def lookup(self, name: str, scope: _Scope) -> list[tuple[ast.expr, _Scope]]:
        function = scope.function
        while function:
            found = self.assigned.get(function, {}).get(name)
            if found:
                return found
            function = function.rpartition(".")[0] or None
        return self.assigned.get("", {}).get(name, [])

    def value(self, node: ast.expr, scope: _Scope, depth: int = 0) -> _Value | None:
        key = (id(node), scope)
        if key not in self.memo:
            self.memo[key] = None
            self.memo[key] = self._value(node, scope, depth) if depth <= _MAX_DEPTH else None
        return self.memo[key]

    def _value(self, node: ast.expr, scope: _Scope, depth: int) -> _Value | None:
        text = _string(node)
        if text is not None:
            return TableName("literal", text)
        if isinstance(node, ast.Subscript) and dotted_name(node.value) in _ENVIRON:
            name = _string(node.slice)
            return TableName("env", name) if name else None
        if isinstance(node, ast.Call):
            return self.call_value(node, scope, depth)
        if isinstance(node, ast.Name):
            return self.same(self.lookup(node.id, scope), depth)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
                and scope.class_name):
            return self.same(self.assigned.get(f"self:{scope.class_name}", {}).get(node.attr, []), depth)
        return None

    def same(self, assignments: Sequence[tuple[ast.expr, _Scope]], depth: int) -> _Value | None:
        """The value all these assignments agree on, if they do."""
        values = {self.value(node, scope, depth + 1) for node, scope in assignments}
        return values.pop() if len(values) == 1 else None

    def call_value(self, call: ast.Call, scope: _Scope, depth: int) -> _Value | None:
        name = dotted_name(call.func)
        first = _positional(call, 0)
        if name in _ENV_LOOKUPS:
            key = _string(first) if first is not None else None
            return TableName("env", key) if key else None
        if isinstance(call.func, ast.Attribute) and call.func.attr == "Table":
            argument = first if first is not None else _keyword(call, "name")
            table = self.value(argument, scope, depth + 1) if argument is not None else None
            return _TableObject(table) if isinstance(table, TableName) else None
        if isinstance(call.func, ast.Name) and call.func.id in self.returns and not call.args and not call.keywords:
            return self.same(self.returns[call.func.id], depth)
        return None

    def table_name(self, node: ast.expr | None, scope: _Scope) -> TableName | None:
        found = self.value(node, scope) if node is not None else None
        return found if isinstance(found, TableName) else None

    def reads(self) -> list[DynamoRead]:
        reads = []
        for call, scope, line in self.calls:
            assert isinstance(call.func, ast.Attribute)
            operation = call.func.attr
            consistent = _is_true(_keyword(call, "ConsistentRead"))
            receiver = self.value(call.func.value, scope)
            if isinstance(receiver, _TableObject):
                reads.append(DynamoRead(operation, receiver.name, consistent, line, scope.function))
                continue
            table = self.table_name(_keyword(call, "TableName"), scope)
            if table:
                reads.append(DynamoRead(operation, table, consistent, line, scope.function))
            items = _keyword(call, "RequestItems")
            if operation == "batch_get_item" and isinstance(items, ast.Dict):
                for key, value in zip(items.keys, items.values):
                    if key is None:
                        continue
                    table = self.table_name(key, scope)
                    if table:
                        reads.append(DynamoRead(operation, table, _request_consistent(value), line,
                                                scope.function))
        return reads

    def finish(self) -> None:
        self.context.facts.dynamodb = DynamoFacts(self.reads())


def _request_consistent(node: ast.expr) -> bool:
    if not isinstance(node, ast.Dict):
        return False
    return any(key is not None and _string(key) == "ConsistentRead" and _is_true(value)
               for key, value in zip(node.keys, node.values))


def may_read(text: str) -> bool:
    return _MAY_READ.search(text) is not None

