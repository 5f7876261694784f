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
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator
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
          "Redis": "redis_client", "StrictRedis": "redis_client", "from_url": "redis_client",
          "MongoClient": "mongo_client", "create_engine": "engine", "create_async_engine": "engine",
          "PoolManager": "http", "Client": "http_client", "AsyncClient": "http_client",
          "OpenSearch": "opensearch_client", "Elasticsearch": "elasticsearch_client"}

# Local names that say nothing of the object: hoisted, the object gets a name from its service instead.
_GENERIC = {"client", "resource", "res", "conn", "c", "cli", "svc", "service", "aws_client", "boto_client",
            "sdk_client", "_client", "_resource"}


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
    return Hoisting(keep=0).hoist(path, text, target, title)


_UNPARSABLE = "the file does not parse with this Python"


class Hoisting:
    """The fixer for one run: each file is parsed (and its scopes, names and calls indexed) once for all
    its fix sites, not once per site; the `keep` files used last stay parsed. A fix reads the parsed
    file and never changes it, so every answer is the one `hoist` gives alone."""

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._parsed: OrderedDict[tuple[Path, str], _Hoister | None] = OrderedDict()

    def hoist(self, path: Path, text: str, target: Target, title: str = "") -> Fix:
        if target.from_event:
            raise NotFixable("an argument comes from the event, so one object per value is needed")
        hoister = self._hoister(path, text)
        if hoister is None:
            raise NotFixable(_UNPARSABLE)
        return hoister.fix(target, title)

    def _hoister(self, path: Path, text: str) -> _Hoister | None:
        key = (path, text)
        if key in self._parsed:
            self._parsed.move_to_end(key)
            return self._parsed[key]
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        # What the index raises (ValueError, RecursionError) is the caller's to handle, as for `hoist`.
        hoister = None if tree is None else _Hoister(path, text, tree)
        if self.keep:
            self._parsed[key] = hoister
            if len(self._parsed) > self.keep:
                self._parsed.popitem(last=False)
        return hoister


def _children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes(node)` as a list: the same nodes in the same order, without its two nested
    generators (most of the fixer's time went to them)."""
    found = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    found.append(item)
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(node)`: the same nodes in the same (breadth-first) order."""
    pending = deque([node])
    while pending:
        node = pending.popleft()
        pending.extend(_children(node))
        yield node


def _index(tree: ast.AST) -> tuple[list[ast.AST], dict[ast.AST, ast.AST]]:
    """Every node in `ast.walk` order and each node's parent, in one pass."""
    nodes: list[ast.AST] = []
    parents: dict[ast.AST, ast.AST] = {}
    pending = deque([tree])
    while pending:
        node = pending.popleft()
        nodes.append(node)
        for child in _children(node):
            parents[child] = node
            pending.append(child)
    return nodes, parents


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
    pending = _children(node)
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
        pending.extend(_children(child))
    return names


class _Hoister:
    def __init__(self, path: Path, text: str, tree: ast.Module) -> None:
        self.path, self.text, self.tree = path, text, tree
        self.map = SourceMap(text)
        self.lines = split_lines(text)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.nodes, self.parents = _index(tree)
        self.ascii = text.isascii()
        self.newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or None] else "\n"
        self.module_bound = _bound_names(tree)
        self.declared_global = {name for node in self.nodes if isinstance(node, ast.Global) for name in node.names}
        # What several fix sites of one file ask again, worked out once (keyed by id: the tree lives as long).
        self._bound: dict[int, frozenset[str]] = {}
        self._statement_names: dict[int, frozenset[str]] = {}
        self._dumps: dict[int, str] = {}
        self._calls_by_line: dict[int, list[ast.Call]] | None = None
        self._all_calls: list[ast.Call] | None = None
        self._module_bindings: Counter[str] | None = None
        self._scopes: list[tuple[ast.AST, frozenset[str], frozenset[str]]] | None = None
        self._globally_taken: frozenset[str] | None = None
        self._function_names: dict[int, frozenset[str]] = {}
        self._claimed: dict[tuple[int, str], bool] = {}

    # -- what several sites share ------------------------------------------------------------------
    def bound(self, node: ast.AST) -> frozenset[str]:
        """`_bound_names(node)`, once per node."""
        found = self._bound.get(id(node))
        if found is None:
            found = self._bound[id(node)] = frozenset(_bound_names(node))
        return found

    def statement_bound(self, statement: ast.stmt) -> frozenset[str]:
        """The names a module-level statement binds (a `def` its own name), once per statement."""
        found = self._statement_names.get(id(statement))
        if found is None:
            found = self._statement_names[id(statement)] = frozenset(
                _bound_names(ast.Module(body=[statement], type_ignores=[])))
        return found

    def dump(self, node: ast.AST) -> str:
        found = self._dumps.get(id(node))
        if found is None:
            found = self._dumps[id(node)] = ast.dump(node)
        return found

    def calls(self) -> list[ast.Call]:
        """Every call of the module, in `ast.walk` order."""
        if self._all_calls is None:
            self._all_calls = [node for node in self.nodes if isinstance(node, ast.Call)]
        return self._all_calls

    def calls_on_line(self, line: int) -> list[ast.Call]:
        if self._calls_by_line is None:
            self._calls_by_line = {}
            for node in self.calls():
                self._calls_by_line.setdefault(node.lineno, []).append(node)
        return self._calls_by_line.get(line, [])

    def scopes(self) -> list[tuple[ast.AST, frozenset[str], frozenset[str]]]:
        """The module and each function and lambda, with the names each binds (none for the module: a
        read there is a global's) and the names read or bound in its own nodes."""
        if self._scopes is None:
            self._scopes = [
                (scope, frozenset() if scope is self.tree else self.bound(scope),
                 frozenset(node.id for node in _own_nodes(scope) if isinstance(node, ast.Name)))
                for scope in [self.tree, *(n for n in self.nodes
                                           if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))]]
        return self._scopes

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
        rename: list[ast.Name] | None = None
        clear = self._base_name(call, target)
        if existing is None and local in _GENERIC and clear.endswith(("_client", "_resource")) and \
                self._fresh(clear, call, function) == clear:
            # `client = boto3.client("s3")` becomes `s3_client` at module scope, and so do its uses.
            rename = self._uses(function, local, statement)
        if existing is not None:
            name, anchor = existing, None
        elif rename is not None:
            name, anchor = clear, self._anchor(call, function)
        elif local is not None and self._free_for_module(local, function):
            name, anchor = local, self._anchor(call, function)
        else:
            name, anchor = self._fresh(self._base_name(call, target), call, function), self._anchor(call, function)
        moves = local is not None and (name == local or rename is not None) and self._alone(statement, function)
        edits = []
        if moves:
            # The statement moves whole, with the comment that ends its line and those directly above it.
            first = self._comments_above(statement)
            last = statement.end_lineno or statement.lineno  # type: ignore[attr-defined]
            edits.append(self._removal(first, last))
            if anchor is not None:
                moved = self._statement_text(statement, first)
                if name != local and local is not None:
                    moved = self._renamed_target(moved, statement, local, name)
                edits.insert(0, self._insert(anchor, moved))
            if name != local and local is not None:
                edits.extend(self.edit(self.start(use), self.end(use), name) for use in rename or ())
        else:
            if anchor is not None:
                edits.append(self._insert(anchor, f"{name} = {self._source(call)}"))
            edits.append(self.edit(self.start(call), self.end(call), name))
        return Fix(title, tuple(edits), applicability)

    def _find(self, target: Target) -> ast.Call:
        for node in self.calls_on_line(target.line):
            _, column, end_line, end_column = self.map.span(node)
            if (column, end_line, end_column) == (target.column, target.end_line, target.end_column):
                return node
        raise NotFixable("the call was not found in the file as it is now")

    def _function(self, call: ast.Call) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]]:
        """The function the call runs in, and the nodes between them (innermost first, but the statement
        the call is part of last)."""
        chain: list[ast.AST] = []
        node: ast.AST = call
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # The statement the call is part of (inside an `if`, a loop or a `try`, that inner one).
                statement = next((n for n in chain if isinstance(n, ast.stmt)), None)
                return node, [n for n in chain if n is not statement] + ([statement] if statement else [])
            if isinstance(node, ast.Lambda | ast.comprehension | ast.ListComp | ast.SetComp | ast.DictComp
                          | ast.GeneratorExp | ast.ClassDef):
                raise NotFixable("it is built inside a lambda, comprehension or class body")
            chain.append(node)
        raise NotFixable("it is not inside a function")

    def _check_arguments(self, call: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        function_locals = self.bound(function)
        for node in _walk(call):
            if isinstance(node, ast.Starred) or (isinstance(node, ast.keyword) and node.arg is None):
                raise NotFixable("it is built from unpacked arguments")
            if isinstance(node, ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom | ast.Lambda):
                raise NotFixable("an argument is computed on each invocation")
            if isinstance(node, ast.Call) and node is not call and not self._is_harmless_call(node):
                raise NotFixable(f"an argument calls `{_dotted(node.func) or 'a function'}` on each invocation")
            if not isinstance(node, ast.Name):
                continue
            if node.id in function_locals and self._is_instance(node.id, function):
                raise NotFixable(f"an argument reads `{node.id}`, so it may differ per instance; build it in "
                                 "`__init__` and make the instance once at module scope")
            if node.id in function_locals:
                raise NotFixable(f"an argument depends on `{node.id}`, a variable of {function.name}; "
                                 "move it to module scope first")
            if node.id in self.declared_global:
                raise NotFixable(f"`{node.id}` is rebound with `global`, so its value may differ per invocation")
            if node.id not in self.module_bound and not hasattr(builtins, node.id):
                raise NotFixable(f"`{node.id}` is not defined at module scope")
            if node.id in self.module_bound and self._rebound_at_module(node.id):
                raise NotFixable(f"`{node.id}` is bound more than once at module scope")

    def _is_instance(self, name: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """`name` is the `self` of a method."""
        arguments = [*function.args.posonlyargs, *function.args.args]
        return isinstance(self.parents.get(function), ast.ClassDef) and bool(arguments) and \
            arguments[0].arg == name and not any(_dotted(d) == "staticmethod" for d in function.decorator_list)

    def _is_harmless_call(self, node: ast.Call) -> bool:
        """Calls whose result is fixed for an execution environment: environment reads, `Config(...)`,
        and the session a client is made from (`boto3.Session().client`)."""
        name = _dotted(node.func)
        if name in _ENV_READS or name.endswith(("Config", "Session", "session", "get_session")):
            return True
        return name in ("str", "int", "float", "bool")

    def _rebound_at_module(self, name: str) -> bool:
        if self._module_bindings is None:
            self._module_bindings = Counter(name for statement in self.tree.body
                                            for name in self.statement_bound(statement))
        return self._module_bindings[name] > 1

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
        for node in _walk(function):
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
        wanted = self.dump(call)
        top = self._top(function)
        for statement in self.tree.body:
            if statement is top:
                break
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                    isinstance(statement.targets[0], ast.Name) and self.dump(statement.value) == wanted and \
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
        needed = {node.id for node in _walk(call) if isinstance(node, ast.Name)}
        anchor: ast.stmt | None = None
        in_preamble = True
        for statement in self.tree.body:
            if statement is top:
                break
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                in_preamble = False
            if (in_preamble and not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)) \
                    or needed & self.statement_bound(statement):
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
            if needed & self.statement_bound(statement):
                return False
        return True

    def _insert(self, anchor: ast.stmt, statement: str, definition: bool = False) -> Edit:
        """`statement` on its own lines after `anchor`, replacing the blank lines after it: one blank line
        after imports (none after an assignment, so hoisted objects form one block), and two before a
        following `def` or `class` or after a `definition` (PEP 8), else as many as were there."""
        nl = self.newline
        last = anchor.end_lineno or anchor.lineno
        at = self.line_end(last)
        # A statement that brings its comment starts a paragraph of its own.
        before = "" if _is_assignment(anchor) and not statement.startswith("#") else nl
        if at == len(self.text) and not self.text.endswith(("\n", "\r")):
            return self.edit(at, at, nl + before + statement)
        following = last
        while following < len(self.lines) and not self.lines[following].strip():
            following += 1
        blank_end = self.starts[following]
        if following == len(self.lines):
            return self.edit(at, blank_end, before + statement + nl)
        rest = next((line for line in self.lines[following:] if line.strip() and not line.lstrip().startswith("#")), "")
        before_definition = rest.startswith(("def ", "async def ", "class ", "@"))
        after = 2 if before_definition or definition else following - last
        return self.edit(at, blank_end, before + statement + nl + nl * after)

    def _comments_above(self, statement: ast.AST) -> int:
        """The first line of the statement with the comment lines directly above it (same indentation,
        no blank line between), which describe it and move with it."""
        first: int = statement.lineno  # type: ignore[attr-defined]
        indent = self.lines[first - 1][: self.map.column(first, statement.col_offset)]  # type: ignore[attr-defined]
        while first > 1:
            above = self.lines[first - 2]
            if not above.startswith(indent) or not above[len(indent):].startswith("#"):
                break
            first -= 1
        return first

    def _removal(self, first: int, last: int) -> Edit:
        """Lines `first`..`last` deleted, and a blank line after them too when it would otherwise follow a
        blank line or the block's opening line (no stray blank lines where the statement was)."""
        end = self.line_end(last)
        before = self.lines[first - 2].rstrip("\r\n") if first > 1 else ""
        after = self.lines[last] if last < len(self.lines) else None
        opener = before.split("#", 1)[0].rstrip().endswith(":")
        if after is not None and not after.strip() and (not before.strip() or opener):
            end = self.line_end(last + 1)
        return self.edit(self.starts[first - 1], end, "")

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

    def _statement_text(self, statement: ast.AST, first: int) -> str:
        """Lines `first` (a comment above the statement, or its own first line) to the statement's last,
        dedented to module scope."""
        last = statement.end_lineno  # type: ignore[attr-defined]
        line = statement.lineno  # type: ignore[attr-defined]
        indent = self.lines[line - 1][: self.map.column(line, statement.col_offset)]  # type: ignore[attr-defined]
        body = "".join(self.lines[first - 1:last]).rstrip("\r\n")
        lines = body.split(self.newline) if self.newline in body else body.split("\n")
        return self.newline.join(line.removeprefix(indent) for line in lines)

    def _renamed_target(self, moved: str, statement: ast.AST, old: str, new: str) -> str:
        """The moved statement's text with its target `old` (the start of its first line) named `new`."""
        lines = moved.split(self.newline) if self.newline in moved else moved.split("\n")
        index = statement.lineno - self._comments_above(statement)  # type: ignore[attr-defined]
        if not lines[index].startswith(old):
            raise NotFixable("the statement could not be renamed")
        lines[index] = new + lines[index][len(old):]
        return (self.newline if self.newline in moved else "\n").join(lines)

    def _uses(self, function: ast.AST, name: str, statement: ast.AST) -> list[ast.Name] | None:
        """Every use of the local `name` in the function (nested scopes that do not bind it included),
        when each can be renamed by its position; None when one cannot (inside an f-string, whose
        positions Python 3.11 does not always give)."""
        uses: list[ast.Name] = []
        pending = _children(function)
        while pending:
            node = pending.pop()
            if node is statement:
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef) and \
                    name in self.bound(node):
                continue
            if isinstance(node, ast.JoinedStr) and any(
                    isinstance(inner, ast.Name) and inner.id == name for inner in _walk(node)):
                return None
            if isinstance(node, ast.Name) and node.id == name:
                if self.text[self.start(node):self.end(node)] != name:
                    return None
                uses.append(node)
            pending.extend(_children(node))
        return uses

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
        return any(scope is not skip and name not in bound and name in names for scope, bound, names in self.scopes())

    def _taken(self, function: ast.AST) -> set[str]:
        """Names a new module-level name must not be: bound at module scope or declared global, read as a
        global anywhere, or bound or read in the function the object is used in."""
        if self._globally_taken is None:
            taken = set(self.module_bound) | self.declared_global
            for _, bound, names in self.scopes():
                taken.update(names - bound)
            self._globally_taken = frozenset(taken)
        local = self._function_names.get(id(function))
        if local is None:
            local = self._function_names[id(function)] = frozenset(
                [*(node.id for node in _walk(function) if isinstance(node, ast.Name)),
                 *(node.arg for node in _walk(function) if isinstance(node, ast.arg))])
        return set(self._globally_taken | local)

    def _fresh(self, base: str, call: ast.Call | None = None, function: ast.AST | None = None) -> str:
        """`base`, or `base_2`, ... when a real collision forces it: a name taken (see `_taken`), or the
        same name claimed by a different object hoisted from earlier in the module (two fixes of one round
        must not bind one name to two objects)."""
        scope = function or self.tree
        claimed = call is not None and any(self._claims(other, base) for other in self._calls_before(call))
        name, number = base, 2
        while self.is_taken(name, scope) or (claimed and name == base) or keyword.iskeyword(name) \
                or hasattr(builtins, name):
            name, number = f"{base}_{number}", number + 1
        return name

    def is_taken(self, name: str, function: ast.AST) -> bool:
        """`name in self._taken(function)`. Every name the tree holds is written in an ASCII text as it
        is (only non-ASCII identifiers are normalised), so a name the text does not contain is free
        without indexing the module's scopes: the usual case for a new `s3_client`."""
        if self.ascii and name not in self.text:
            return False
        return name in self._taken(function)

    def _calls_before(self, call: ast.Call) -> list[ast.Call]:
        wanted = self.dump(call)
        return [node for node in self.calls() if node is not call
                and (node.lineno, node.col_offset) < (call.lineno, call.col_offset) and self.dump(node) != wanted]

    def _claims(self, other: ast.Call, base: str) -> bool:
        """Whether hoisting `other` would bind `base` at module scope (once per call and name)."""
        key = (id(other), base)
        known = self._claimed.get(key)
        if known is None:
            known = self._claimed[key] = self._would_claim(other, base)
        return known

    def _would_claim(self, other: ast.Call, base: str) -> bool:
        try:
            if self._base_name(other, Target(0, 0, 0, 0, _dotted(other.func))) != base:
                return False
            function, chain = self._function(other)
            self._check_arguments(other, function)
        except NotFixable:
            return False
        statement = chain[-1] if chain else other
        local = self._assigned_local(other, function, statement)
        return local is None or local in _GENERIC

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
        insertion = self._insert(anchor, helper, definition=True)
        replacement = self.edit(self.start(call), self.end(call), f"{getter}()")
        return Fix(title, (insertion, replacement), Applicability.UNSAFE)


def _is_assignment(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign)


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of a scope, not those of the functions and lambdas nested in it."""
    found: list[ast.AST] = []
    pending = _children(scope)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(node.decorator_list if not isinstance(node, ast.Lambda) else [])
            continue
        found.append(node)
        pending.extend(_children(node))
    return found


def _connecting() -> set[str]:
    """Constructors that open a network connection when called (everything PERF102 knows but the pools)."""
    from wa_lint.analyse.python.constructors import CONNECTIONS

    return {name for name in CONNECTIONS if name not in _LAZY_POOLS}
