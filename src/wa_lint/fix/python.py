"""PERF101/PERF102 fixes: move a client or connection built on every invocation to module scope.

The fix is computed from the stdlib `ast` of the text the finding was computed on and expressed as
character-offset edits, so every byte outside the moved statement (comments, formatting, line
endings) stays as it is; the result is checked to parse before anything is written.

Forms, in order of preference:
- `name = <call>` alone on its line(s) in the function: the statement moves to module scope as it is
  written (its trailing comment too) and the function's uses of `name` now read the module's.
- otherwise the call is replaced by a module-level name bound to it (`s3_client = boto3.client("s3")`).
- a connection that connects when it is built (`pymysql.connect`) is opened lazily, on the first
  invocation, into a module-level variable: the import of the module must not fail or wait on a
  database, and the connection's failure then surfaces where it did before (unsafe: a broken
  connection is kept for later invocations).
An existing module-level object built by the same call (same constructor, same arguments) is reused,
which is how several functions of one module come to share one client.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from wa_lint.analyse.python.positions import SourceMap, split_lines
from wa_lint.report.findings import Applicability, Edit, Fix

_ENV_READS = {"os.environ.get", "os.getenv", "environ.get", "getenv"}
_LIFETIME_METHODS = {"close", "shutdown", "dispose", "disconnect", "quit", "__exit__", "__aexit__"}
# Built without touching the network, or connecting lazily on first use: safe at module scope.
_LAZY_POOLS = {"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
               "httpx.AsyncClient", "urllib3.PoolManager", "redis.Redis", "redis.StrictRedis", "redis.from_url",
               "redis.Redis.from_url", "redis.StrictRedis.from_url", "sqlalchemy.create_engine",
               "sqlalchemy.ext.asyncio.create_async_engine", "opensearchpy.OpenSearch", "elasticsearch.Elasticsearch",
               "pymongo.MongoClient"}
_NAMES = {"resource": "resource", "Session": "session", "session": "session", "get_session": "session",
          "Redis": "redis", "StrictRedis": "redis", "from_url": "redis", "MongoClient": "mongo",
          "create_engine": "engine", "create_async_engine": "engine", "PoolManager": "http", "Client": "http",
          "AsyncClient": "http", "OpenSearch": "search", "Elasticsearch": "search"}


class NotFixable(Exception):
    """Why a finding has no fix; the text completes "not fixed automatically: ..."."""


@dataclass(frozen=True)
class Target:
    """The call a finding points at: 1-based lines, 1-based character columns (end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    qualified: str  # the constructor, e.g. "boto3.client"
    from_event: bool = False


def hoist(path: Path, text: str, target: Target, title: str = "") -> Fix:
    """The fix for one finding, or NotFixable saying why there is none."""
    if target.from_event:
        raise NotFixable("an argument comes from the event, so one object per value is needed")
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NotFixable("the file does not parse with this Python") from None
    return _Hoister(path, text, tree).fix(target, title)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _bound_names(node: ast.AST) -> set[str]:
    """Names a scope binds (assignments, imports, defs, loop and `with` targets), not looking into
    nested functions or classes."""
    names: set[str] = set()
    pending = list(ast.iter_child_nodes(node))
    while pending:
        child = pending.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(child.name)
            continue
        if isinstance(child, ast.Lambda):
            continue
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            names.add(child.id)
        elif isinstance(child, ast.alias):
            names.add((child.asname or child.name).split(".")[0])
        elif isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
        elif isinstance(child, ast.Global | ast.Nonlocal):
            names.update(child.names)
        pending.extend(ast.iter_child_nodes(child))
    return names


class _Hoister:
    def __init__(self, path: Path, text: str, tree: ast.Module) -> None:
        self.path, self.text, self.tree = path, text, tree
        self.map = SourceMap(text)
        self.lines = split_lines(text)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.parents = _parents(tree)
        self.newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or None] else "\n"
        self.module_bound = _bound_names(tree)
        self.declared_global = {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}

    # -- positions ---------------------------------------------------------------------------------
    def offset(self, line: int, byte_column: int) -> int:
        return self.starts[line - 1] + self.map.column(line, byte_column)

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def line_end(self, line: int) -> int:
        """The offset just after line `line`'s line end."""
        return self.starts[line]

    def edit(self, start: int, end: int, replacement: str) -> Edit:
        return Edit.at(self.path, self.text, start, end, replacement)

    # -- the fix -----------------------------------------------------------------------------------
    def fix(self, target: Target, title: str) -> Fix:
        call = self._find(target)
        function, chain = self._function(call)
        self._check_arguments(call, function)
        statement = chain[-1] if chain else call
        applicability = Applicability.SAFE
        if any(isinstance(node, ast.Await) for node in chain) or isinstance(self.parents.get(call), ast.Await):
            raise NotFixable("it is awaited; an asynchronous client is opened per event loop")
        if any(isinstance(node, ast.withitem) for node in chain):
            if isinstance(self.parents.get(call), ast.withitem) and any(
                    isinstance(node, ast.AsyncWith) for node in chain):
                raise NotFixable("it is opened by `async with`, which closes it at the end of the block")
            applicability = Applicability.UNSAFE  # the `with` block closes the shared object each time
        if any(isinstance(node, ast.Try) and node.handlers for node in chain):
            applicability = Applicability.UNSAFE  # a failure to build it no longer reaches this handler
        eager = target.qualified in _connecting()
        local = self._assigned_local(call, function, statement)
        if local is not None:
            self._check_lifetime(function, local)
        existing = self._existing(call, function)
        if eager:
            return self._lazy(call, function, existing, title)
        if existing is not None:
            name, anchor = existing, None
        elif local is not None and self._free_for_module(local, function):
            name, anchor = local, self._anchor(call, function)
        else:
            name, anchor = self._fresh(self._base_name(call, target)), self._anchor(call, function)
        edits = []
        if anchor is not None:
            edits.append(self._insert(anchor, f"{name} = {self._source(call)}", beside=self._beside(anchor, call)))
        if local is not None and name == local and self._alone(statement, function):
            first, last = statement.lineno, statement.end_lineno or statement.lineno  # type: ignore[attr-defined]
            edits.append(self.edit(self.starts[first - 1], self.line_end(last), ""))
            if anchor is not None:
                # The statement moves whole, with the comment that ends its line.
                edits[0] = self._insert(anchor, self._statement_text(statement), beside=self._beside(anchor, call))
        else:
            edits.append(self.edit(self.start(call), self.end(call), name))
        return Fix(title, tuple(edits), applicability)

    def _find(self, target: Target) -> ast.Call:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and node.lineno == target.line:
                _, column, end_line, end_column = self.map.span(node)
                if (column, end_line, end_column) == (target.column, target.end_line, target.end_column):
                    return node
        raise NotFixable("the call was not found in the file as it is now")

    def _function(self, call: ast.Call) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]]:
        """The function the call runs in, and the nodes between them (innermost first)."""
        chain: list[ast.AST] = []
        node: ast.AST = call
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                statement = next((n for n in reversed(chain) if isinstance(n, ast.stmt)), None)
                return node, [n for n in chain if n is not statement] + ([statement] if statement else [])
            if isinstance(node, ast.Lambda | ast.comprehension | ast.ListComp | ast.SetComp | ast.DictComp
                          | ast.GeneratorExp | ast.ClassDef):
                raise NotFixable("it is built inside a lambda, comprehension or class body")
            chain.append(node)
        raise NotFixable("it is not inside a function")

    def _check_arguments(self, call: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        function_locals = _bound_names(function)
        for node in ast.walk(call):
            if isinstance(node, ast.Starred) or (isinstance(node, ast.keyword) and node.arg is None):
                raise NotFixable("it is built from unpacked arguments")
            if isinstance(node, ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom | ast.Lambda):
                raise NotFixable("an argument is computed on each invocation")
            if isinstance(node, ast.Call) and node is not call and not self._is_harmless_call(node):
                raise NotFixable(f"an argument calls `{_dotted(node.func) or 'a function'}` on each invocation")
            if not isinstance(node, ast.Name):
                continue
            if node.id in function_locals:
                raise NotFixable(f"an argument depends on `{node.id}`, a variable of {function.name}; "
                                 "move it to module scope first")
            if node.id in self.declared_global:
                raise NotFixable(f"`{node.id}` is rebound with `global`, so its value may differ per invocation")
            if node.id not in self.module_bound and not hasattr(builtins, node.id):
                raise NotFixable(f"`{node.id}` is not defined at module scope")
            if node.id in self.module_bound and self._rebound_at_module(node.id):
                raise NotFixable(f"`{node.id}` is bound more than once at module scope")

    def _is_harmless_call(self, node: ast.Call) -> bool:
        """Calls whose result is fixed for an execution environment: environment reads, `Config(...)`,
        and the session a client is made from (`boto3.Session().client`)."""
        name = _dotted(node.func)
        if name in _ENV_READS or name.endswith(("Config", "Session", "session", "get_session")):
            return True
        return name in ("str", "int", "float", "bool")

    def _rebound_at_module(self, name: str) -> bool:
        count = 0
        for statement in self.tree.body:
            if name in _bound_names(ast.Module(body=[statement], type_ignores=[])):
                count += 1
        return count > 1

    def _assigned_local(self, call: ast.Call, function: ast.AST, statement: ast.AST) -> str | None:
        """`name = <call>`: the local it is bound to, when that is the whole statement."""
        if (isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            return statement.targets[0].id
        if isinstance(statement, ast.AnnAssign) and statement.value is call and isinstance(statement.target, ast.Name):
            return statement.target.id
        return None

    def _check_lifetime(self, function: ast.AST, name: str) -> None:
        assignments = 0
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.value.id == name and \
                    node.func.attr in _LIFETIME_METHODS:
                raise NotFixable(f"`{name}.{node.func.attr}()` ends it in the function; a shared one must stay open")
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id == name:
                raise NotFixable(f"`{name}` is re-configured in the function")
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store | ast.Del):
                assignments += 1
            if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Name) and \
                    node.context_expr.id == name:
                raise NotFixable(f"`{name}` is used in a `with` block, which may close it (pymysql does)")
            if isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
                raise NotFixable(f"`{name}` is declared global in the function")
        if assignments > 1:
            raise NotFixable(f"`{name}` is assigned more than once in the function")

    def _existing(self, call: ast.Call, function: ast.AST) -> str | None:
        """A module-level name already bound to the same call, before the function."""
        wanted = ast.dump(call)
        top = self._top(function)
        for statement in self.tree.body:
            if statement is top:
                break
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                    isinstance(statement.targets[0], ast.Name) and ast.dump(statement.value) == wanted and \
                    not self._rebound_at_module(statement.targets[0].id) and \
                    statement.targets[0].id not in self.declared_global:
                return statement.targets[0].id
        return None

    def _top(self, node: ast.AST) -> ast.stmt:
        while self.parents.get(node) is not self.tree:
            node = self.parents[node]
        assert isinstance(node, ast.stmt)
        return node

    def _kind_anchor(self, call: ast.Call) -> ast.stmt | None:
        top = self._top(call)
        callee = _dotted(call.func)
        found = None
        for statement in self.tree.body:
            if statement is top:
                break
            # "The same kind": built by the same library (`boto3.client` beside `boto3.resource`).
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) and callee and \
                    _root_name(statement.value.func) == _root_name(call.func):
                found = statement
        return found

    def _anchor(self, call: ast.Call, function: ast.AST) -> ast.stmt:
        """The module-level statement the new one goes after: the end of the module's preamble (its
        imports and settings before the first `def` or `class`), beside a client of the same kind when
        there is one, and in any case after every module-level name its arguments read."""
        root = _root_name(call.func)
        if root is not None and root not in self.module_bound and not hasattr(builtins, root):
            raise NotFixable(f"`{root}` is imported inside the function; import it at module scope first")
        top = self._top(function)
        needed = {node.id for node in ast.walk(call) if isinstance(node, ast.Name)}
        anchor: ast.stmt | None = None
        in_preamble = True
        for statement in self.tree.body:
            if statement is top:
                break
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                in_preamble = False
            if (in_preamble and not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)) \
                    or needed & _bound_names(ast.Module(body=[statement], type_ignores=[])):
                anchor = statement
        kind = self._kind_anchor(call)
        if kind is not None and (anchor is None or self._after_needed(kind, needed, top)):
            anchor = kind
        if anchor is None:
            raise NotFixable("the constructor is not imported at module scope")
        return anchor

    def _after_needed(self, kind: ast.stmt, needed: set[str], top: ast.stmt) -> bool:
        for statement in self.tree.body[self.tree.body.index(kind) + 1:]:
            if statement is top:
                return True
            if needed & _bound_names(ast.Module(body=[statement], type_ignores=[])):
                return False
        return True

    def _beside(self, anchor: ast.stmt, call: ast.Call) -> bool:
        return anchor is self._kind_anchor(call)

    def _insert(self, anchor: ast.stmt, statement: str, beside: bool) -> Edit:
        at = self.line_end(anchor.end_lineno or anchor.lineno)
        nl = self.newline
        if at == len(self.text) and not self.text.endswith(("\n", "\r")):
            return self.edit(at, at, nl + (nl if not beside else "") + statement)
        return self.edit(at, at, (statement + nl) if beside else (nl + statement + nl))

    def _alone(self, statement: ast.AST, function: ast.AST) -> bool:
        """The statement has its lines to itself and is not the only one of its block."""
        first, last = statement.lineno, statement.end_lineno  # type: ignore[attr-defined]
        before = self.lines[first - 1][: self.map.column(first, statement.col_offset)]  # type: ignore[attr-defined]
        after = self.lines[last - 1][self.map.column(last, statement.end_col_offset):]  # type: ignore[attr-defined]
        if before.strip() or (after.strip() and not after.strip().startswith("#")):
            return False
        parent = self.parents[statement]
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and statement in block:
                return len(block) > 1
        return False

    def _statement_text(self, statement: ast.AST) -> str:
        first, last = statement.lineno, statement.end_lineno  # type: ignore[attr-defined]
        indent = self.lines[first - 1][: self.map.column(first, statement.col_offset)]  # type: ignore[attr-defined]
        body = "".join(self.lines[first - 1:last]).rstrip("\r\n")
        lines = body.split(self.newline) if self.newline in body else body.split("\n")
        return self.newline.join(line.removeprefix(indent) for line in lines)

    def _source(self, call: ast.Call) -> str:
        """The call as written, its continuation lines dedented by its first line's indentation."""
        text = self.map.segment(call)
        first = self.lines[call.lineno - 1]
        indent = first[: len(first) - len(first.lstrip(" \t"))]
        lines = text.split("\n")
        return "\n".join([lines[0], *(line.removeprefix(indent) for line in lines[1:])])

    def _free_for_module(self, name: str, function: ast.AST) -> bool:
        """`name` can be a module-level variable: nothing else at module scope or in another function
        reads or binds it as a global."""
        if name in self.module_bound or name in self.declared_global or hasattr(builtins, name):
            return False
        return not self._used_globally(name, function)

    def _used_globally(self, name: str, skip: ast.AST | None = None) -> bool:
        for scope in [self.tree, *(n for n in ast.walk(self.tree)
                                   if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))]:
            if scope is skip:
                continue
            bound = set() if scope is self.tree else _bound_names(scope)
            if name in bound:
                continue
            for node in _own_nodes(scope):
                if isinstance(node, ast.Name) and node.id == name:
                    return True
        return False

    def _fresh(self, base: str) -> str:
        taken = {node.id for node in ast.walk(self.tree) if isinstance(node, ast.Name)} | self.module_bound
        taken |= {node.arg for node in ast.walk(self.tree) if isinstance(node, ast.arg)}
        name, number = base, 2
        while name in taken or keyword.iskeyword(name) or hasattr(builtins, name):
            name, number = f"{base}_{number}", number + 1
        return name

    def _base_name(self, call: ast.Call, target: Target) -> str:
        last = target.qualified.rsplit(".", 1)[-1]
        service = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg in ("service_name",)), None)
        if last in ("client", "create_client", "resource", "Table") and isinstance(service, ast.Constant) and \
                isinstance(service.value, str):
            cleaned = re.sub(r"\W", "_", service.value).strip("_").lower() or "aws"
            return f"{cleaned}_{'resource' if last == 'resource' else 'client'}"
        return _NAMES.get(last, "client" if target.qualified.startswith(("boto", "aioboto")) else "connection")

    def _lazy(self, call: ast.Call, function: ast.AST, existing: str | None, title: str) -> Fix:
        """A connection opened on the first invocation into a module-level variable."""
        base = self._base_name(call, Target(0, 0, 0, 0, _dotted(call.func)))
        variable = self._fresh(f"_{base}")
        getter = self._fresh(f"get_{base}")
        anchor = self._anchor(call, function)
        nl = self.newline
        indent = "    "
        body = self._source(call)
        helper = (f"{variable} = None{nl}{nl}{nl}def {getter}():{nl}"
                  f"{indent}# Opened on the first invocation and kept for the next ones in this environment.{nl}"
                  f"{indent}global {variable}{nl}{indent}if {variable} is None:{nl}"
                  f"{indent * 2}{variable} = {body}{nl}{indent}return {variable}")
        at = self.line_end(anchor.end_lineno or anchor.lineno)
        # Two blank lines after the helper `def`, counting those already there.
        following = 0
        for line in self.lines[anchor.end_lineno or anchor.lineno:]:
            if line.strip():
                break
            following += 1
        insertion = self.edit(at, at, f"{nl}{helper}{nl}" + nl * max(0, 2 - following))
        replacement = self.edit(self.start(call), self.end(call), f"{getter}()")
        return Fix(title, (insertion, replacement), Applicability.UNSAFE)


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of a scope, not those of the functions and lambdas nested in it."""
    found: list[ast.AST] = []
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(node.decorator_list if not isinstance(node, ast.Lambda) else [])
            continue
        found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _connecting() -> set[str]:
    """Constructors that open a network connection when called (everything PERF102 knows but the pools)."""
    from wa_lint.analyse.python.constructors import CONNECTIONS

    return {name for name in CONNECTIONS if name not in _LAZY_POOLS}
