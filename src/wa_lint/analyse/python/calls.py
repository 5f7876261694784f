"""Per-function facts for the handler-code rules: the calls a function makes and the state it writes.

For every function (and method) of a module we record:
- each call: the callee as written and as resolved through the module's imports and the function's
  local variables (`b3.client` → `boto3.client`, `session.client` → `boto3.Session().client`), whether
  it runs only under a lazy-initialisation guard, whether it passes explicit credentials, and which of
  the function's inputs flow into each argument;
- each write into state that may outlive the call: a `global` name, an item or mutating method of a
  non-local container, an attribute of a non-local object, Powertools `logger.append_keys`.

"Which inputs flow into a value" is a set of origins: `param:<name>` (a parameter), `ctxuser:<name>`
(`<name>.identity` / `<name>.client_context`) and `event` (Powertools `*.current_event`). The check
time analysis decides which origins carry invocation data. Everything here is plain data, a pure
function of the file's text; linking calls across files happens in `callgraph.py`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wa_lint.analyse.python.constructors import CREDENTIAL_KEYWORDS
from wa_lint.analyse.python.facts_model import EVENT_ORIGIN, Body, Call, Origins, Write
from wa_lint.analyse.python.walk import Collector, Context, children

if TYPE_CHECKING:
    from wa_lint.analyse.python.facts_model import ModuleFacts

__all__ = ["EVENT_ORIGIN", "Body", "Call", "CallCollector", "Origins", "Write"]

MUTATORS = frozenset({"append", "extend", "add", "update", "setdefault", "insert", "appendleft", "extendleft"})
CONTAINER_CALLS = frozenset({
    "dict", "list", "set", "collections.defaultdict", "collections.OrderedDict", "collections.Counter",
    "collections.deque", "defaultdict", "OrderedDict", "Counter", "deque",
})
CACHE_DECORATORS = frozenset({"functools.cache", "functools.lru_cache", "cachetools.cached", "cachetools.func.ttl_cache"})
_TEXT_LIMIT = 100


# -- expression helpers ------------------------------------------------------------------------------

def chain(node: ast.expr) -> tuple[list[str], ast.expr | None]:
    """`a.b().c` → (["a", "b", "()", "c"], None); the non-name base, if any, is returned instead."""
    parts: list[str] = []
    current = node
    while True:
        kind = type(current)
        if kind is ast.Attribute:
            parts.append(current.attr)  # type: ignore[attr-defined]
            current = current.value  # type: ignore[attr-defined]
        elif kind is ast.Call:
            parts.append("()")
            current = current.func  # type: ignore[attr-defined]
        elif kind is ast.Name:
            parts.append(current.id)  # type: ignore[attr-defined]
            parts.reverse()
            return parts, None
        else:
            parts.reverse()
            return parts, current


def join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if part == "()":
            text += "()"
        else:
            text = f"{text}.{part}" if text else part
    return text


def _root_name(node: ast.expr) -> str | None:
    """The name at the bottom of `a.b[c].d`, if it is a plain name."""
    current = node
    while True:
        kind = type(current)
        if kind is ast.Attribute or kind is ast.Subscript:
            current = current.value  # type: ignore[attr-defined]
        elif kind is ast.Name:
            return current.id  # type: ignore[attr-defined, no-any-return]
        else:
            return None


# Node types whose bodies are not part of an enclosing expression.
_OPAQUE = frozenset({ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


def _descendants(node: ast.AST) -> Iterator[ast.AST]:
    """The node and everything below it, iteratively; an attribute's name is not a variable, and the
    bodies of nested lambdas, functions and classes are not part of the expression."""
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        yield current
        kind = type(current)
        if kind is ast.Attribute:
            stack.append(current.value)  # type: ignore[attr-defined]
        elif kind not in _OPAQUE:
            stack.extend(children(current))


def _atoms(node: ast.AST) -> set[str]:
    """Names read by an expression (`n:<name>`), plus direct invocation-data markers."""
    found: set[str] = set()
    for current in _descendants(node):
        kind = type(current)
        if kind is ast.Name:
            found.add("n:" + current.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            attr = current.attr  # type: ignore[attr-defined]
            if attr == "current_event":
                found.add(EVENT_ORIGIN)
            elif attr in ("identity", "client_context") and type(current.value) is ast.Name:  # type: ignore[attr-defined]
                found.add("ctxuser:" + current.value.id)  # type: ignore[attr-defined]
    return found


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _tested(node: ast.AST) -> set[str]:
    """Names and dotted attributes a condition looks at: `_c is None` → {"_c"}, `self.x` → {"self", "self.x"}."""
    found: set[str] = set()
    for current in _descendants(node):
        kind = type(current)
        if kind is ast.Name or kind is ast.Attribute:
            parts, base = chain(current)  # type: ignore[arg-type]
            if base is None and "()" not in parts:
                for index in range(1, len(parts) + 1):
                    found.add(".".join(parts[:index]))
        elif kind is ast.Call and isinstance(current.func, ast.Name) and current.func.id == "hasattr":  # type: ignore[attr-defined]
            # hasattr(self, "_client")
            args = current.args  # type: ignore[attr-defined]
            value = _string(args[1]) if len(args) == 2 else None
            if value is not None:
                base_parts, base_rest = chain(args[0])
                if base_rest is None:
                    found.add(f"{join(base_parts)}.{value}")
    return found


# -- the collector -----------------------------------------------------------------------------------

Position = tuple[int, int, int, int]


@dataclass
class _PendingCall:
    callee: str
    qualified: str | None
    position: Position
    args: list[set[str]]
    keywords: list[tuple[str, set[str]]]
    guard_key: str | None
    credentials: bool
    receiver_of_call: bool
    text: str
    assigned_to: str | None
    references: list[str]


@dataclass
class _PendingWrite:
    kind: str
    root: str
    target: str
    position: Position
    atoms: set[str]
    key_atoms: set[str]
    value: str | None
    guard_key: str | None


@dataclass
class _Function:
    qualname: str
    params: list[str]
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    assigned: dict[str, set[str]] = field(default_factory=dict)  # local name -> atoms of what it holds
    types: dict[str, tuple[str, bool]] = field(default_factory=dict)  # local name -> (qualified call, creds)
    imports: dict[str, str] = field(default_factory=dict)
    tested: set[str] = field(default_factory=set)
    calls: list[_PendingCall] = field(default_factory=list)
    writes: list[_PendingWrite] = field(default_factory=list)


def import_aliases(facts: ModuleFacts, function: str | None) -> dict[str, str]:
    """Local name → what it stands for, for imports at module level (`function=None`) or in a function."""
    aliases: dict[str, str] = {}
    for item in facts.imports:
        if item.function != function:
            continue
        prefix = "." * item.level + item.module
        if not item.names:
            if item.alias:
                aliases[item.alias] = item.module
            else:
                head = item.module.split(".")[0]
                aliases[head] = head
            continue
        for name, local in item.names:
            if name == "*":
                continue
            if prefix.endswith(".") or not prefix:
                aliases[local] = prefix + name
            else:
                aliases[local] = f"{prefix}.{name}"
    return aliases


def _parameters(arguments: ast.arguments) -> list[str]:
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [star.arg for star in (arguments.vararg, arguments.kwarg) if star is not None]
    return names


class CallCollector(Collector):
    """Runs after the definitions collector (facts.py): at each node, the definitions, imports and
    classes seen so far are already in `facts`."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.facts = context.facts
        self.source = context.source
        self.aliases: dict[str, str] = {}
        self.functions: list[_Function] = []
        self.receivers: set[int] = set()  # id() of calls that are the receiver of another call
        self.assign_stack: list[tuple[str | None, str | None]] = []
        self.assigned_value = 0  # id() of the value of the innermost assignment

    @property
    def current(self) -> _Function | None:
        # Code in a class body (even one nested in a function) belongs to no function we follow.
        scope = self.context.scope
        if not self.functions or scope[-1][0] == "class":
            return None
        return self.functions[-1]

    # scopes -----------------------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = []
        for base in node.bases:
            parts, rest = chain(base)
            if rest is None and "()" not in parts:
                name = join(parts)
                head = parts[0]
                bases.append(self.aliases.get(head, head) + name[len(head):])
        if bases:
            self.facts.bases[self.context.qualname(node.name)] = tuple(bases)

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        function = self.current
        if function is not None:
            function.assigned.setdefault(node.name, set())

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.current
        if outer is not None:
            outer.assigned.setdefault(node.name, set())

    # Decorators and default values run where the function is defined, so the function's own
    # state starts with its body.
    def visit_FunctionDef_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        qualname = ".".join(name for _, name in self.context.scope)
        self.functions.append(_Function(qualname, _parameters(node.args)))

    def leave_FunctionDef_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        state = self.functions.pop()
        self.facts.bodies[state.qualname] = self.finish_function(state, node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_AsyncFunctionDef_body = visit_FunctionDef_body
    leave_AsyncFunctionDef_body = leave_FunctionDef_body

    def visit_Lambda(self, node: ast.Lambda) -> None:
        function = self.current
        if function is not None:
            for param in node.args.args:
                function.assigned.setdefault(param.arg, set())

    # statements -------------------------------------------------------------------------------------
    def visit_Global(self, node: ast.Global) -> None:
        function = self.current
        if function is not None:
            function.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        function = self.current
        if function is not None:
            function.nonlocals.update(node.names)

    def _record_test(self, node: ast.If | ast.While | ast.IfExp | ast.Assert) -> None:
        if self.current is not None:
            self.current.tested |= _tested(node.test)

    visit_If = visit_While = visit_IfExp = visit_Assert = _record_test

    def visit_Try(self, node: ast.Try) -> None:
        # try: return CACHE[key] / except KeyError: CACHE[key] = make() is a lazy cache too.
        if self.current is not None and node.handlers:
            for statement in node.body:
                for sub in _subscript_roots(statement):
                    self.current.tested.add(sub)

    visit_TryStar = visit_Try

    def _bind(self, function: _Function, target: ast.expr, atoms: set[str]) -> None:
        stack: list[ast.expr] = [target]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Name):
                function.assigned.setdefault(current.id, set()).update(atoms)
            elif isinstance(current, (ast.Tuple, ast.List)):
                stack.extend(current.elts)
            elif isinstance(current, ast.Starred):
                stack.append(current.value)

    def _persistent_key(self, function: _Function, target: ast.expr) -> str | None:
        """The sentinel a lazy initialisation would test, when the target outlives the call."""
        if isinstance(target, ast.Name):
            return target.id if target.id in function.globals | function.nonlocals else None
        root = _root_name(target)
        if root is None:
            return None
        if root in ("self", "cls") and isinstance(target, ast.Attribute):
            parts, base = chain(target)
            return join(parts) if base is None else None
        if root in function.assigned and root not in function.globals or root in function.params:
            return None
        if isinstance(target, ast.Subscript):
            return root
        parts, base = chain(target) if isinstance(target, ast.Attribute) else ([root], None)
        return join(parts) if base is None else root

    def _record_store(self, function: _Function, target: ast.expr, value: ast.expr | None,
                      atoms: set[str], node: ast.stmt, guard_key: str | None) -> None:
        value_callee = self._qualify(function, join(chain(value.func)[0])) if isinstance(value, ast.Call) else None
        stack: list[ast.expr] = [target]
        while stack:
            current = stack.pop()
            if isinstance(current, (ast.Tuple, ast.List)):
                stack.extend(current.elts)
                continue
            if isinstance(current, ast.Starred):
                stack.append(current.value)
                continue
            position = self.source.span(node)
            if isinstance(current, ast.Name):
                if current.id in function.globals:
                    function.writes.append(_PendingWrite("global", current.id, current.id, position, atoms,
                                                         set(), value_callee, guard_key))
                continue
            root = _root_name(current)
            if root is None:
                continue
            if isinstance(current, ast.Subscript):
                text = self._short(current.value) + "[...]"
                function.writes.append(_PendingWrite("item", root, text, position, atoms, _atoms(current.slice),
                                                     value_callee, guard_key))
            elif isinstance(current, ast.Attribute):
                function.writes.append(_PendingWrite("attribute", root, self._short(current), position, atoms,
                                                     set(), value_callee, guard_key))

    def _short(self, node: ast.AST) -> str:
        text = self.source.segment(node).strip()
        return text if len(text) <= 60 and "\n" not in text else text[:57] + "..."

    def _module_binding(self, targets: list[ast.expr], value: ast.expr) -> None:
        if self.context.scope:
            return
        if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
            kind = "container"
        elif isinstance(value, ast.Call):
            parts, base = chain(value.func)
            callee = join(parts) if base is None else ""
            head = callee.split(".")[0]
            qualified = self.aliases.get(head, head) + callee[len(head):] if callee else ""
            kind = "container" if qualified in CONTAINER_CALLS else f"call:{qualified}"
        else:
            kind = "value"
        for target in targets:
            if isinstance(target, ast.Name):
                self.facts.module_names[target.id] = kind

    def visit_Assign(self, node: ast.Assign) -> None:
        function = self.current
        if function is None:
            self._module_binding(node.targets, node.value)
            return
        atoms = _atoms(node.value)
        key = None
        name = None
        for target in node.targets:
            self._bind(function, target, atoms)
            key = key or self._persistent_key(function, target)
            if isinstance(target, ast.Name):
                name = target.id
        if key and isinstance(node.value, ast.BoolOp) and isinstance(node.value.op, ast.Or):
            for tested in node.value.values[:-1]:  # _c = _c or make()
                function.tested |= _tested(tested)
        self.assign_stack.append((key, name))
        self.assigned_value = id(node.value)
        for target in node.targets:
            self._record_store(function, target, node.value, atoms, node, key)

    def leave_Assign(self, node: ast.Assign) -> None:
        function = self.current
        if function is None:
            return
        self.assign_stack.pop()
        value = node.value
        for target in node.targets:
            if not isinstance(target, ast.Name):
                continue
            qualified = self._qualify(function, join(chain(value.func)[0])) if isinstance(value, ast.Call) else None
            if qualified is not None and isinstance(value, ast.Call):
                creds = _has_credentials(value) or self._receiver_credentials(function, value)
                function.types[target.id] = (qualified + "()", creds)
            else:
                function.types.pop(target.id, None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        function = self.current
        if node.value is None:
            return
        if function is None:
            self._module_binding([node.target], node.value)
            return
        atoms = _atoms(node.value)
        self._bind(function, node.target, atoms)
        key = self._persistent_key(function, node.target)
        self.assign_stack.append((key, node.target.id if isinstance(node.target, ast.Name) else None))
        self.assigned_value = id(node.value)
        self._record_store(function, node.target, node.value, atoms, node, key)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self.current is not None and node.value is not None:
            self.assign_stack.pop()

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        function = self.current
        if function is None:
            return
        atoms = _atoms(node.value)
        self._bind(function, node.target, atoms)
        self._record_store(function, node.target, None, atoms, node, None)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        if self.current is not None:
            self._bind(self.current, node.target, _atoms(node.value))

    def visit_For(self, node: ast.For | ast.AsyncFor | ast.comprehension) -> None:
        if self.current is not None:
            self._bind(self.current, node.target, _atoms(node.iter))

    visit_AsyncFor = visit_comprehension = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if self.current is not None and node.optional_vars is not None:
            self._bind(self.current, node.optional_vars, _atoms(node.context_expr))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if self.current is not None and node.name is not None:
            self.current.assigned.setdefault(node.name, set())

    def visit_Import(self, node: ast.Import) -> None:
        if self.current is not None:
            for alias in node.names:
                self.current.assigned.setdefault(alias.asname or alias.name.split(".")[0], set())
        self._imported()

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self.current is not None:
            for alias in node.names:
                if alias.name != "*":
                    self.current.assigned.setdefault(alias.asname or alias.name, set())
        self._imported()

    def _imported(self) -> None:
        # The definitions collector has just recorded this import.
        function = self.current
        if function is not None:
            function.imports = import_aliases(self.facts, function.qualname)
        elif not self.context.scope:
            self.aliases = import_aliases(self.facts, None)
            self.facts.aliases = dict(self.aliases)

    # calls ------------------------------------------------------------------------------------------
    def _qualify(self, function: _Function, callee: str) -> str | None:
        head, dot, rest = callee.partition(".")
        head, paren, after = head.partition("()")
        tail = paren + after + dot + rest
        if head in ("self", "cls"):
            return callee
        if head in function.types:
            qualified, _ = function.types[head]
            return qualified + tail
        if head in function.imports:
            return function.imports[head] + tail
        if head in function.params or head in function.assigned:
            return callee if f"{function.qualname}.{head}" in self.facts.functions or \
                f"{function.qualname}.{head}" in self.facts.classes else None
        if head in self.aliases:
            return self.aliases[head] + tail
        return callee

    def _receiver_credentials(self, function: _Function, call: ast.Call) -> bool:
        while True:
            parts, base = chain(call.func)
            if base is None and parts and parts[0] in function.types:
                return function.types[parts[0]][1]
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            if not isinstance(receiver, ast.Call):
                return False
            if _has_credentials(receiver):
                return True
            call = receiver

    def visit_Call(self, node: ast.Call) -> None:
        function = self.current
        if function is None:
            return
        parts, base = chain(node.func)
        if base is not None:
            return
        callee = join(parts)
        # Mark the calls inside the callee chain: `boto3.Session().client` — the Session() call.
        inner: ast.expr = node.func
        while True:
            kind = type(inner)
            if kind is ast.Call:
                self.receivers.add(id(inner))
                inner = inner.func  # type: ignore[attr-defined]
            elif kind is ast.Attribute:
                inner = inner.value  # type: ignore[attr-defined]
            else:
                break
        args: list[set[str]] = []
        keywords: list[tuple[str, set[str]]] = []
        references: list[str] = []
        for arg in node.args:
            if type(arg) is not ast.Starred:
                args.append(_atoms(arg))
            value = arg.value if type(arg) is ast.Starred else arg
            _reference(value, references)
        for keyword in node.keywords:
            keywords.append((keyword.arg or "**", _atoms(keyword.value)))
            _reference(keyword.value, references)
        qualified = self._qualify(function, callee)
        credentials = _has_credentials(node) or self._receiver_credentials(function, node)
        guard_key, assigned_to = self.assign_stack[-1] if self.assign_stack else (None, None)
        if assigned_to is not None and id(node) != self.assigned_value:
            assigned_to = None  # `x = make().method()`: x is not what make() returns
        text = ""
        head = parts[0]
        position = self.source.span(node)
        # Source text feeds fix suggestions for constructors, which are always imported names.
        if position[0] == position[2] and (head in function.imports or head in function.types or head in self.aliases):
            text = self.source.segment(node)
            if len(text) > _TEXT_LIMIT or "\n" in text:
                text = ""
        function.calls.append(_PendingCall(callee, qualified, position, args, keywords, guard_key, credentials,
                                           id(node) in self.receivers, text, assigned_to, references))
        # Mutating a container that is not local, or Powertools logger keys.
        method = parts[-1] if len(parts) >= 2 else None
        if method in MUTATORS or method == "append_keys":
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            root = _root_name(receiver) if receiver is not None else None
            if root is not None and receiver is not None:
                atoms_all: set[str] = set().union(*args, *(a for _, a in keywords))
                kind_ = "append_keys" if method == "append_keys" else "method"
                target = f"{self._short(receiver)}.{method}(...)"
                function.writes.append(_PendingWrite(kind_, root, target, position, atoms_all, set(), None,
                                                     guard_key))

    # finishing --------------------------------------------------------------------------------------
    def finish_function(self, state: _Function, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Body:
        resolved = self._resolve_locals(state)

        def origins(atoms: set[str]) -> Origins:
            return tuple(sorted(_expand(atoms, state, resolved)))

        locals_ = (set(state.assigned) | set(state.params)) - state.globals - state.nonlocals
        body = Body()
        for pending in state.calls:
            line, column, end_line, end_column = pending.position
            body.calls.append(Call(
                callee=pending.callee,
                qualified=pending.qualified,
                line=line, column=column, end_line=end_line, end_column=end_column,
                args=tuple(origins(a) for a in pending.args),
                keywords=tuple((name, origins(a)) for name, a in pending.keywords),
                guarded=pending.guard_key is not None and pending.guard_key in state.tested,
                credentials=pending.credentials,
                receiver_of_call=pending.receiver_of_call,
                text=pending.text,
                assigned_to=pending.assigned_to,
                references=tuple(pending.references),
            ))
        # `global RESULTS` + `RESULTS = []` on every call: a container created in this call too.
        rebound = {write.root for write in state.writes
                   if write.kind == "global" and not (write.guard_key and write.guard_key in state.tested)}
        for write in state.writes:
            if write.kind != "global" and (write.root in locals_ or write.root in rebound) \
                    and write.root not in ("self", "cls"):
                continue  # a container created in this call
            if write.kind != "global" and write.root in state.params and write.root not in ("self", "cls"):
                continue
            line, column, end_line, end_column = write.position
            body.writes.append(Write(
                write.kind, write.root, write.target, line, column, end_line, end_column,
                origins(write.atoms), origins(write.key_atoms), write.value,
                guarded=write.guard_key is not None and write.guard_key in state.tested,
                declared_global=write.root in state.globals,
            ))
        for decorator in node.decorator_list:
            parts, base = chain(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if base is not None:
                continue
            name = join(parts)
            head = name.split(".")[0]
            qualified = self.aliases.get(head, head) + name[len(head):]
            if qualified in CACHE_DECORATORS:
                body.cached = True
            if isinstance(decorator, ast.Call) and any(
                keyword.arg == "clear_state" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
                for keyword in decorator.keywords
            ):
                body.clear_state += (name,)
        return body

    @staticmethod
    def _resolve_locals(state: _Function) -> dict[str, set[str]]:
        """Origins of each local variable: a fixpoint over the (flow-insensitive) local assignments."""
        resolved: dict[str, set[str]] = {name: set() for name in state.assigned}
        changed = True
        rounds = 0
        while changed and rounds < 50:
            changed = False
            rounds += 1
            for name, atoms in state.assigned.items():
                current = resolved[name]
                before = len(current)
                current |= _expand(atoms - {"n:" + name}, state, resolved)
                if len(current) != before:
                    changed = True
        for name in state.params:
            if name in resolved:
                resolved[name].add("param:" + name)  # a parameter reassigned still may hold the argument
        return resolved


def _reference(value: ast.expr, references: list[str]) -> None:
    """A bare name or attribute passed as an argument: possibly a callback."""
    if type(value) is ast.Name or type(value) is ast.Attribute:
        parts, base = chain(value)
        if base is None:
            references.append(join(parts))


def _expand(atoms: set[str], state: _Function, resolved: dict[str, set[str]]) -> set[str]:
    """Origins of what an expression reads: a parameter never reassigned is itself an origin, a local
    brings the origins resolved for it so far, anything else (an invocation-data marker) stands."""
    result: set[str] = set()
    for atom in atoms:
        if atom.startswith("n:"):
            name = atom[2:]
            if name in state.params and name not in state.assigned:
                result.add("param:" + name)
            elif name in resolved:
                result |= resolved[name]
        else:
            result.add(atom)
    return result


def _has_credentials(call: ast.Call) -> bool:
    # `**kwargs`: credentials may be in there; precision first.
    return any(keyword.arg is None or keyword.arg in CREDENTIAL_KEYWORDS for keyword in call.keywords)


def _subscript_roots(node: ast.AST) -> set[str]:
    roots = (_root_name(current) for current in _descendants(node) if type(current) is ast.Subscript)
    return {root for root in roots if root}
