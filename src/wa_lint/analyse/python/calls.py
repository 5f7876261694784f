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

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from wa_lint.analyse.python.constructors import CREDENTIAL_KEYWORDS
from wa_lint.analyse.python.facts_model import EVENT_ORIGIN, Body, Call, Origins, Write
from wa_lint.analyse.python.positions import Region

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

def chain(node: cst.BaseExpression) -> tuple[list[str], cst.BaseExpression | None]:
    """`a.b().c` → (["a", "b", "()", "c"], None); the non-name base, if any, is returned instead."""
    parts: list[str] = []
    current: cst.BaseExpression = node
    while True:
        if isinstance(current, cst.Attribute):
            parts.append(current.attr.value)
            current = current.value
        elif isinstance(current, cst.Call):
            parts.append("()")
            current = current.func
        elif isinstance(current, cst.Name):
            parts.append(current.value)
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


def _root_name(node: cst.BaseExpression) -> str | None:
    """The name at the bottom of `a.b[c].d`, if it is a plain name."""
    current = node
    while True:
        if isinstance(current, (cst.Attribute, cst.Subscript)):
            current = current.value
        elif isinstance(current, cst.Name):
            return current.value
        else:
            return None


Children = dict[int, list[cst.CSTNode]]  # by id(node)
# Node types whose bodies are not part of an enclosing expression. Concrete libcst node types are
# final, so the hot walks below compare types exactly: `isinstance` on libcst's ABCs is several times
# slower, and these walks visit every node of every expression.
_OPAQUE = frozenset({cst.Lambda, cst.FunctionDef, cst.ClassDef})


def _descendants(children: Children, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node and everything below it, iteratively; an attribute's name is not a variable, and the
    bodies of nested lambdas, functions and classes are not part of the expression."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        yield current
        kind = type(current)
        if kind is cst.Attribute:
            stack.append(current.value)  # type: ignore[attr-defined]
        elif kind not in _OPAQUE:
            stack.extend(children.get(id(current), ()))


def _atoms(children: Children, node: cst.CSTNode) -> set[str]:
    """Names read by an expression (`n:<name>`), plus direct invocation-data markers."""
    found: set[str] = set()
    for current in _descendants(children, node):
        kind = type(current)
        if kind is cst.Name:
            found.add("n:" + current.value)
        elif kind is cst.Attribute:
            if current.attr.value == "current_event":
                found.add(EVENT_ORIGIN)
            elif current.attr.value in ("identity", "client_context") and isinstance(current.value, cst.Name):
                found.add("ctxuser:" + current.value.value)
    return found


def _tested(children: Children, node: cst.CSTNode) -> set[str]:
    """Names and dotted attributes a condition looks at: `_c is None` → {"_c"}, `self.x` → {"self", "self.x"}."""
    found: set[str] = set()
    for current in _descendants(children, node):
        if isinstance(current, (cst.Name, cst.Attribute)):
            parts, base = chain(current)
            if base is None and "()" not in parts:
                for index in range(1, len(parts) + 1):
                    found.add(".".join(parts[:index]))
        elif isinstance(current, cst.Call) and isinstance(current.func, cst.Name) and current.func.value == "hasattr":
            # hasattr(self, "_client")
            args = current.args
            if len(args) == 2 and isinstance(args[1].value, cst.SimpleString):
                base_parts, base_rest = chain(args[0].value)
                value = args[1].value.evaluated_value
                if base_rest is None and isinstance(value, str):
                    found.add(f"{join(base_parts)}.{value}")
    return found


# -- the collector -----------------------------------------------------------------------------------

@dataclass
class _PendingCall:
    call: cst.Call
    callee: str
    qualified: str | None
    position: tuple[int, int, int, int]
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
    position: tuple[int, int, int, int]
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
    assign_keys: list[tuple[str | None, str | None]] = field(default_factory=list)  # (guard key, target name)


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


class CallCollector(cst.BatchableCSTVisitor):
    """Runs batched after the definitions collector (facts.collect): for each node, the definitions,
    imports and classes seen so far are already in `facts`."""

    def __init__(self, facts: ModuleFacts, module: cst.Module, positions: dict[int, Region],
                 children: Children) -> None:
        super().__init__()
        self.facts = facts
        self.module = module
        self.positions = positions
        self.children = children
        self.aliases: dict[str, str] = {}
        self.scope: list[str] = []
        self.functions: list[_Function] = []
        self.class_depth: list[int] = []  # len(functions) when each class was entered
        self.receivers: set[int] = set()  # id() of calls that are the receiver of another call
        self.assign_stack: list[tuple[str | None, str | None]] = []
        self.assigned_value = 0  # id() of the value of the innermost assignment

    # positions --------------------------------------------------------------------------------------
    def position(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        start_line, start_column, end_line, end_column = self.positions[id(node)]
        offset_line, offset_column = self.facts.line_offset, self.facts.column_offset
        return (start_line + offset_line, start_column + 1 + offset_column,
                end_line + offset_line, end_column + 1 + offset_column)

    @property
    def current(self) -> _Function | None:
        # Code in a class body nested in a function belongs to no function we follow.
        if not self.functions or (self.class_depth and self.class_depth[-1] == len(self.functions)):
            return None
        return self.functions[-1]

    # scopes -----------------------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.append(node.name.value)
        self.class_depth.append(len(self.functions))
        bases = []
        for base in node.bases:
            parts, rest = chain(base.value)
            if base.keyword is None and rest is None and "()" not in parts:
                name = join(parts)
                head = parts[0]
                bases.append(self.aliases.get(head, head) + name[len(head):])
        if bases:
            self.facts.bases[".".join(self.scope)] = tuple(bases)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope.pop()
        self.class_depth.pop()
        function = self.current
        if function is not None:
            function.assigned.setdefault(original_node.name.value, set())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.current
        if outer is not None:
            outer.assigned.setdefault(node.name.value, set())

    # Decorators and default values run where the function is defined, so the function's own
    # state starts with its body.
    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.scope.append(node.name.value)
        params = node.params
        names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                names.append(star.name.value)
        self.functions.append(_Function(".".join(self.scope), names))

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        state = self.functions.pop()
        self.scope.pop()
        self.facts.bodies[state.qualname] = self.finish(state, node)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        function = self.current
        if function is not None:
            for param in node.params.params:
                function.assigned.setdefault(param.name.value, set())

    # statements -------------------------------------------------------------------------------------
    def visit_Global(self, node: cst.Global) -> None:
        function = self.current
        if function is not None:
            function.globals.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        function = self.current
        if function is not None:
            function.nonlocals.update(item.name.value for item in node.names)

    def _record_test(self, node: cst.If | cst.While | cst.IfExp | cst.Assert) -> None:
        if self.current is not None:
            self.current.tested |= _tested(self.children, node.test)

    visit_If = visit_While = visit_IfExp = visit_Assert = _record_test

    def visit_Try(self, node: cst.Try) -> None:
        # try: return CACHE[key] / except KeyError: CACHE[key] = make() is a lazy cache too.
        if self.current is not None and node.handlers:
            for statement in node.body.body:
                for sub in _subscript_roots(self.children, statement):
                    self.current.tested.add(sub)

    def _bind(self, function: _Function, target: cst.BaseExpression, atoms: set[str]) -> None:
        stack: list[cst.BaseExpression] = [target]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name):
                function.assigned.setdefault(current.value, set()).update(atoms)
            elif isinstance(current, (cst.Tuple, cst.List)):
                stack.extend(element.value for element in current.elements)
            elif isinstance(current, cst.StarredElement):
                stack.append(current.value)

    def _persistent_key(self, function: _Function, target: cst.BaseExpression) -> str | None:
        """The sentinel a lazy initialisation would test, when the target outlives the call."""
        if isinstance(target, cst.Name):
            return target.value if target.value in function.globals | function.nonlocals else None
        root = _root_name(target)
        if root is None:
            return None
        if root in ("self", "cls") and isinstance(target, cst.Attribute):
            parts, base = chain(target)
            return join(parts) if base is None else None
        if root in function.assigned and root not in function.globals or root in function.params:
            return None
        if isinstance(target, cst.Subscript):
            return root
        parts, base = chain(target) if isinstance(target, cst.Attribute) else ([root], None)
        return join(parts) if base is None else root

    def _record_store(self, function: _Function, target: cst.BaseExpression, value: cst.BaseExpression | None,
                      atoms: set[str], node: cst.CSTNode, guard_key: str | None) -> None:
        value_callee = self._qualify(function, join(chain(value.func)[0])) if isinstance(value, cst.Call) else None
        stack: list[cst.BaseExpression] = [target]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.Tuple, cst.List)):
                stack.extend(element.value for element in current.elements)
                continue
            if isinstance(current, cst.StarredElement):
                stack.append(current.value)
                continue
            position = self.position(node)
            if isinstance(current, cst.Name):
                if current.value in function.globals:
                    function.writes.append(_PendingWrite("global", current.value, current.value, position, atoms,
                                                         set(), value_callee, guard_key))
                continue
            root = _root_name(current)
            if root is None:
                continue
            if isinstance(current, cst.Subscript):
                keys: set[str] = set()
                for element in current.slice:
                    keys |= _atoms(self.children, element)
                text = self._short(current.value) + "[...]"
                function.writes.append(_PendingWrite("item", root, text, position, atoms, keys, value_callee,
                                                     guard_key))
            elif isinstance(current, cst.Attribute):
                function.writes.append(_PendingWrite("attribute", root, self._short(current), position, atoms,
                                                     set(), value_callee, guard_key))

    def _short(self, node: cst.CSTNode) -> str:
        text = self.module.code_for_node(node).strip()
        return text if len(text) <= 60 and "\n" not in text else text[:57] + "..."

    def _module_binding(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        if self.scope:
            return
        if isinstance(value, (cst.Dict, cst.List, cst.Set, cst.DictComp, cst.ListComp, cst.SetComp)):
            kind = "container"
        elif isinstance(value, cst.Call):
            parts, base = chain(value.func)
            callee = join(parts) if base is None else ""
            head = callee.split(".")[0]
            qualified = self.aliases.get(head, head) + callee[len(head):] if callee else ""
            kind = "container" if qualified in CONTAINER_CALLS else f"call:{qualified}"
        else:
            kind = "value"
        for target in targets:
            if isinstance(target, cst.Name):
                self.facts.module_names[target.value] = kind

    def visit_Assign(self, node: cst.Assign) -> None:
        function = self.current
        if function is None:
            self._module_binding([target.target for target in node.targets], node.value)
            return
        atoms = _atoms(self.children, node.value)
        key = None
        name = None
        for target in node.targets:
            self._bind(function, target.target, atoms)
            key = key or self._persistent_key(function, target.target)
            if isinstance(target.target, cst.Name):
                name = target.target.value
        if key and isinstance(node.value, cst.BooleanOperation) and isinstance(node.value.operator, cst.Or):
            function.tested |= _tested(self.children, node.value.left)  # _c = _c or make()
        self.assign_stack.append((key, name))
        self.assigned_value = id(node.value)
        for target in node.targets:
            self._record_store(function, target.target, node.value, atoms, node, key)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        function = self.current
        if function is None:
            return
        self.assign_stack.pop()
        value = original_node.value
        if isinstance(value, cst.Call):
            for target in original_node.targets:
                if isinstance(target.target, cst.Name):
                    qualified = self._qualify(function, join(chain(value.func)[0]))
                    if qualified is not None:
                        creds = _has_credentials(value) or self._receiver_credentials(function, value)
                        function.types[target.target.value] = (qualified + "()", creds)
                    else:
                        function.types.pop(target.target.value, None)
        else:
            for target in original_node.targets:
                if isinstance(target.target, cst.Name):
                    function.types.pop(target.target.value, None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        function = self.current
        if node.value is None:
            return
        if function is None:
            self._module_binding([node.target], node.value)
            return
        atoms = _atoms(self.children, node.value)
        self._bind(function, node.target, atoms)
        key = self._persistent_key(function, node.target)
        self.assign_stack.append((key, node.target.value if isinstance(node.target, cst.Name) else None))
        self.assigned_value = id(node.value)
        self._record_store(function, node.target, node.value, atoms, node, key)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if self.current is not None and original_node.value is not None:
            self.assign_stack.pop()

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        function = self.current
        if function is None:
            return
        atoms = _atoms(self.children, node.value)
        self._bind(function, node.target, atoms)
        self._record_store(function, node.target, None, atoms, node, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self.current is not None:
            self._bind(self.current, node.target, _atoms(self.children, node.value))

    def visit_For(self, node: cst.For) -> None:
        if self.current is not None:
            self._bind(self.current, node.target, _atoms(self.children, node.iter))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if self.current is not None:
            self._bind(self.current, node.target, _atoms(self.children, node.iter))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self.current is not None and node.asname is not None:
            self._bind(self.current, node.asname.name, _atoms(self.children, node.item))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self.current is not None and node.name is not None:
            self._bind(self.current, node.name.name, set())

    def visit_Import(self, node: cst.Import) -> None:
        if self.current is not None:
            for alias in node.names:
                local = alias.evaluated_alias or alias.evaluated_name.split(".")[0]
                self.current.assigned.setdefault(local, set())
        self._imported()

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if self.current is not None and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self.current.assigned.setdefault(alias.evaluated_alias or alias.evaluated_name, set())
        self._imported()

    def _imported(self) -> None:
        # The definitions collector has just recorded this import.
        function = self.current
        if function is not None:
            function.imports = import_aliases(self.facts, function.qualname)
        elif not self.scope:
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

    def _receiver_credentials(self, function: _Function, call: cst.Call) -> bool:
        parts, base = chain(call.func)
        if base is None and parts and parts[0] in function.types:
            return function.types[parts[0]][1]
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        if isinstance(receiver, cst.Call):
            return _has_credentials(receiver) or self._receiver_credentials(function, receiver)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        function = self.current
        if function is None:
            return
        parts, base = chain(node.func)
        if base is not None:
            return
        callee = join(parts)
        # Mark the calls inside the callee chain: `boto3.Session().client` — the Session() call.
        inner: cst.BaseExpression = node.func
        while isinstance(inner, (cst.Attribute, cst.Call)):
            if isinstance(inner, cst.Call):
                self.receivers.add(id(inner))
                inner = inner.func
            else:
                inner = inner.value
        args: list[set[str]] = []
        keywords: list[tuple[str, set[str]]] = []
        references: list[str] = []
        for arg in node.args:
            atoms = _atoms(self.children, arg.value)
            if arg.star == "**":
                keywords.append(("**", atoms))
            elif arg.keyword is not None:
                keywords.append((arg.keyword.value, atoms))
            elif arg.star != "*":
                args.append(atoms)
            if isinstance(arg.value, (cst.Name, cst.Attribute)):
                ref_parts, ref_base = chain(arg.value)
                if ref_base is None:
                    references.append(join(ref_parts))
        qualified = self._qualify(function, callee)
        credentials = _has_credentials(node) or self._receiver_credentials(function, node)
        guard_key, assigned_to = self.assign_stack[-1] if self.assign_stack else (None, None)
        if assigned_to is not None and id(node) != self.assigned_value:
            assigned_to = None  # `x = make().method()`: x is not what make() returns
        text = ""
        head = parts[0]
        # Source text feeds fix suggestions for constructors, which are always imported names.
        if head in function.imports or head in function.types or head in self.aliases:
            text = self.module.code_for_node(node)
            if len(text) > _TEXT_LIMIT or "\n" in text:
                text = ""
        function.calls.append(_PendingCall(node, callee, qualified, self.position(node), args, keywords,
                                           guard_key, credentials, id(node) in self.receivers, text,
                                           assigned_to, references))
        # Mutating a container that is not local, or Powertools logger keys.
        method = parts[-1] if len(parts) >= 2 else None
        if method in MUTATORS or method == "append_keys":
            receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
            root = _root_name(receiver) if receiver is not None else None
            if root is not None:
                atoms_all: set[str] = set().union(*(a for a in args), *(a for _, a in keywords)) if (args or keywords) else set()
                kind = "append_keys" if method == "append_keys" else "method"
                target = f"{self._short(receiver)}.{method}(...)" if receiver is not None else callee
                function.writes.append(_PendingWrite(kind, root, target, self.position(node), atoms_all, set(),
                                                     None, guard_key))

    # finishing --------------------------------------------------------------------------------------
    def finish(self, state: _Function, node: cst.FunctionDef) -> Body:
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
        decorators = [dec.decorator for dec in node.decorators]
        for decorator in decorators:
            parts, base = chain(decorator.func if isinstance(decorator, cst.Call) else decorator)
            if base is not None:
                continue
            name = join(parts)
            qualified = self.aliases.get(name.split(".")[0], name.split(".")[0]) + name[len(name.split(".")[0]):]
            if qualified in CACHE_DECORATORS:
                body.cached = True
            if isinstance(decorator, cst.Call) and any(
                arg.keyword is not None and arg.keyword.value == "clear_state"
                and isinstance(arg.value, cst.Name) and arg.value.value == "True"
                for arg in decorator.args
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


def _has_credentials(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.star == "**":
            return True  # credentials may be in there; precision first
        if arg.keyword is not None and arg.keyword.value in CREDENTIAL_KEYWORDS:
            return True
    return False


def _subscript_roots(children: Children, node: cst.CSTNode) -> set[str]:
    roots = (_root_name(current) for current in _descendants(children, node) if isinstance(current, cst.Subscript))
    return {root for root in roots if root}
