"""Per-file facts about DynamoDB reads: which table name each read uses, and whether it is consistent.

A read is `get_item`, `batch_get_item`, `query` or `scan` on a boto3 `Table` resource object
(`boto3.resource("dynamodb").Table(name)`) or with a `TableName=` / `RequestItems={name: …}` argument
(a boto3 client). The table name is followed through simple assignments in the same file (function,
then module scope; `self.x` within a class; a local function that returns a `Table`) back to its
origin: an environment variable (`os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`) or a
string literal. Anything else (f-strings, parameters, values from other modules) is not followed.

A read is per user when its partition key (the first attribute of `Key=`, or the first condition of
`KeyConditionExpression=`) is the caller: the attribute is named for a user (`userId`, `user_id`,
`username`, `sub`, `owner`…), or its value comes from the caller's identity (the authorizer's context
or claims, the `sub` claim, `cognitoIdentityId`, `principalId`) or from a variable named for a user.

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
# Names (lower case, without `_`/`-`) that say an attribute, a path parameter or a variable is the caller.
_USER_NAMES = frozenset({"user", "userid", "username", "usersub", "sub", "owner", "ownerid", "customerid",
                         "memberid", "cognitoid", "identityid", "cognitoidentityid", "principalid", "callerid"})
# Keys of the event (or of a token's claims) that hold the caller's identity.
_IDENTITY_KEYS = frozenset({"authorizer", "claims", "sub", "cognito:username", "cognitoIdentityId", "principalId",
                            "jwt"})
_CONDITION_NAME = re.compile(r"^\s*#?([A-Za-z0-9_.\-]+)")


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
        self.scopes: dict[tuple[tuple[str, str], ...], _Scope] = {}

    def scope(self) -> _Scope:
        # The same few scopes are asked for at every assignment, return and call of a body.
        key = tuple(self.stack)
        found = self.scopes.get(key)
        if found is None:
            found = self.scopes[key] = self._scope()
        return found

    def _scope(self) -> _Scope:
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

    # -- per-user keys ---------------------------------------------------------------------------
    def partition_key(self, call: ast.Call, operation: str) -> tuple[str | None, ast.expr | None]:
        """(attribute name, value expression) of the read's partition key, as far as written here."""
        if operation == "get_item":
            key = _keyword(call, "Key")
            if isinstance(key, ast.Dict) and key.keys and key.keys[0] is not None:
                return _string(key.keys[0]), key.values[0]
            return None, None
        if operation != "query":
            return None, None
        condition = _keyword(call, "KeyConditionExpression")
        if condition is None:
            return None, None
        text = _string(condition)
        if text is not None:
            # `"userId = :uid"` with the value in ExpressionAttributeValues (`{":uid": {"S": uid}}` or `uid`).
            match = _CONDITION_NAME.match(text)
            name = match.group(1) if match else None
            placeholder = re.search(r":[A-Za-z0-9_]+", text)
            values = _keyword(call, "ExpressionAttributeValues")
            if isinstance(values, ast.Dict) and placeholder:
                for key, value in zip(values.keys, values.values):
                    if key is not None and _string(key) == placeholder.group(0):
                        return name, value
            return name, None
        # `Key("userId").eq(uid) & Key("sk").begins_with(...)`: the leftmost condition.
        current: ast.expr = condition
        while isinstance(current, ast.BinOp):
            current = current.left
        if (isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute)
                and isinstance(current.func.value, ast.Call) and current.func.value.args):
            return _string(current.func.value.args[0]), current.args[0] if current.args else None
        return None, None

    def from_caller(self, node: ast.expr, scope: _Scope, depth: int = 0,
                    seen: set[tuple[str, str | None]] | None = None) -> bool:
        """The value is the caller's identity, or a variable named for the user (followed through
        assignments in this file, each name once)."""
        if depth > _MAX_DEPTH:
            return False
        seen = set() if seen is None else seen
        for current in ast.walk(node):
            if isinstance(current, ast.Constant) and isinstance(current.value, str):
                if current.value in _IDENTITY_KEYS:
                    return True
                if _user_name(current.value) and self.is_lookup_key(node, current):
                    return True
            elif isinstance(current, ast.Attribute) and _user_name(current.attr):
                return True
            elif isinstance(current, ast.Name):
                if _user_name(current.id):
                    return True
                if (current.id, scope.function) in seen:
                    continue
                seen.add((current.id, scope.function))
                if any(self.from_caller(value, where, depth + 1, seen)
                       for value, where in self.lookup(current.id, scope)):
                    return True
        return False

    @staticmethod
    def is_lookup_key(node: ast.expr, constant: ast.Constant) -> bool:
        """`event["pathParameters"]["userId"]` / `params.get("userId")`: the string selects a value."""
        for current in ast.walk(node):
            if isinstance(current, ast.Subscript) and current.slice is constant:
                return True
            if (isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute)
                    and current.func.attr == "get" and current.args and current.args[0] is constant):
                return True
        return False

    def per_user(self, call: ast.Call, operation: str, scope: _Scope) -> bool:
        name, value = self.partition_key(call, operation)
        if name is not None and _user_name(name):
            return True
        return value is not None and self.from_caller(value, scope)

    def reads(self) -> list[DynamoRead]:
        reads = []
        for call, scope, line in self.calls:
            assert isinstance(call.func, ast.Attribute)
            operation = call.func.attr
            consistent = _is_true(_keyword(call, "ConsistentRead"))
            per_user = self.per_user(call, operation, scope)
            receiver = self.value(call.func.value, scope)
            if isinstance(receiver, _TableObject):
                reads.append(DynamoRead(operation, receiver.name, consistent, line, scope.function, per_user))
                continue
            table = self.table_name(_keyword(call, "TableName"), scope)
            if table:
                reads.append(DynamoRead(operation, table, consistent, line, scope.function, per_user))
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


def _user_name(name: str) -> bool:
    return name.lower().replace("_", "").replace("-", "") in _USER_NAMES


def _request_consistent(node: ast.expr) -> bool:
    if not isinstance(node, ast.Dict):
        return False
    return any(key is not None and _string(key) == "ConsistentRead" and _is_true(value)
               for key, value in zip(node.keys, node.values))


def may_read(text: str) -> bool:
    return _MAY_READ.search(text) is not None

