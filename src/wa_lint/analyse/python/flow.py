"""The flow of values through each function: the core the call and write collectors build on.

For every function (and method) of a module this collector follows, during the shared walk:
- its parameters, `global`/`nonlocal` names, local variables and what each was assigned from;
- the local names bound to a call (`session = boto3.Session()`), and imports made inside it;
- the names its conditions test (a lazy-initialisation sentinel: `if _client is None:`);
- which assignment the walk is in, and the sentinel it would set.

From these it answers, for the collectors that run after it (calls.py, writes.py): what a callee name
stands for once imports and locals are resolved (`qualify`), whether a store is guarded, and which of
the function's inputs flow into an expression (`origins`: typed `Origin` values, see facts_model.py).
It also records the module-level facts that come with the walk: import aliases, base classes, and what
each module-level name holds (a container, a call, a value).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wa_lint.analyse.python.constructors import CREDENTIAL_KEYWORDS, SDK_SESSIONS
from wa_lint.analyse.python.facts_model import EVENT_ORIGIN, Body, Origin, Origins
from wa_lint.analyse.python.walk import Collector, Context, chain, children, dotted_name

if TYPE_CHECKING:
    from wa_lint.analyse.python.facts_model import ImportFacts, ModuleFacts

CONTAINER_CALLS = frozenset({
    "dict", "list", "set", "collections.defaultdict", "collections.OrderedDict", "collections.Counter",
    "collections.deque", "defaultdict", "OrderedDict", "Counter", "deque",
})


# -- expression helpers ------------------------------------------------------------------------------



def join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if part == "()":
            text += "()"
        else:
            text = f"{text}.{part}" if text else part
    return text


def root_name(node: ast.expr) -> str | None:
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


def descendants(node: ast.AST) -> Iterator[ast.AST]:
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


# What an expression reads: the names it reads (str) and the origins it names directly (Origin).
Atoms = set[str | Origin]


# HTTP fetches: what they return is the server's answer, not the request. Event data in the URL (a region,
# an issuer) chooses what to fetch; the response (a JSON Web Key Set an authorizer caches) is not user data.
_FETCH_FUNCTIONS = frozenset({"urlopen", "urllib.request.urlopen", "request.urlopen"})
_FETCH_MODULES = frozenset({"requests", "httpx", "urllib3"})
_FETCH_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "request"})


# The last name of every fetch function and verb: a callee ending otherwise is no fetch (most calls).
_FETCH_LAST = frozenset({name.rpartition(".")[2] for name in _FETCH_FUNCTIONS} | _FETCH_VERBS)


def is_fetch(func: ast.expr) -> bool:
    """`urlopen(url)`, `requests.get(url)`, `httpx.post(url)`, `urllib3.request("GET", url)`."""
    kind = type(func)
    if kind is ast.Attribute:
        last: str = func.attr  # type: ignore[attr-defined]
    elif kind is ast.Name:
        last = func.id  # type: ignore[attr-defined]
    else:
        return False
    if last not in _FETCH_LAST:
        return False
    name = dotted_name(func)
    if name is None:
        return False
    if name in _FETCH_FUNCTIONS:
        return True
    module, _, verb = name.rpartition(".")
    return module in _FETCH_MODULES and verb in _FETCH_VERBS


_CONTEXT_USER_ATTRIBUTES = frozenset({"identity", "client_context"})


def atoms(node: ast.AST) -> Atoms:
    """Names read by an expression, plus direct invocation-data markers; not the arguments of an HTTP
    fetch, whose result is the response (see is_fetch). The nodes `descendants` visits, less the
    arguments of fetches, walked here without a generator step per node: constants are dropped as they
    are met."""
    kind = type(node)
    if kind is ast.Constant:  # the commonest argument and value: nothing read
        return set()
    if kind is ast.Name:
        return {node.id}  # type: ignore[attr-defined]
    found: Atoms = set()
    add = found.add
    stack: list[ast.AST] = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    name, attribute, call, constant = ast.Name, ast.Attribute, ast.Call, ast.Constant
    while stack:
        current = pop()
        kind = type(current)
        if kind is name:
            add(current.id)  # type: ignore[attr-defined]
        elif kind is attribute:
            attr = current.attr  # type: ignore[attr-defined]
            value = current.value  # type: ignore[attr-defined]
            if attr == "current_event":
                add(EVENT_ORIGIN)
            elif attr in _CONTEXT_USER_ATTRIBUTES and type(value) is name:
                add(Origin.context_user(value.id))
            push(value)
        elif kind is constant:
            continue
        elif kind is call and is_fetch(current.func):  # type: ignore[attr-defined]
            push(current.func)  # type: ignore[attr-defined]
        elif kind not in _OPAQUE:
            extend(children(current))
    return found


def string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def tested(node: ast.AST) -> set[str]:
    """Names and dotted attributes a condition looks at: `_c is None` → {"_c"}, `self.x` → {"self", "self.x"}."""
    found: set[str] = set()
    for current in descendants(node):
        kind = type(current)
        if kind is ast.Name or kind is ast.Attribute:
            parts, base = chain(current)  # type: ignore[arg-type]
            if base is None and "()" not in parts:
                for index in range(1, len(parts) + 1):
                    found.add(".".join(parts[:index]))
        elif kind is ast.Call and isinstance(current.func, ast.Name) and current.func.id == "hasattr":  # type: ignore[attr-defined]
            # hasattr(self, "_client")
            args = current.args  # type: ignore[attr-defined]
            value = string(args[1]) if len(args) == 2 else None
            if value is not None:
                base_parts, base_rest = chain(args[0])
                if base_rest is None:
                    found.add(f"{join(base_parts)}.{value}")
    return found



@dataclass
class FunctionState:
    """What the walk has seen of one function's body so far."""

    qualname: str
    params: list[str]
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    assigned: dict[str, Atoms] = field(default_factory=dict)  # local name -> what it was assigned from
    types: dict[str, tuple[str, bool]] = field(default_factory=dict)  # local name -> (qualified call, creds)
    imports: dict[str, str] = field(default_factory=dict)
    tested: set[str] = field(default_factory=set)
    resolved: dict[str, set[Origin]] = field(default_factory=dict)  # filled when the body ends
    # Local names bound only to dict literals of non-credential constant keys, never written through.
    plain: dict[str, bool] = field(default_factory=dict)

    def plain_dicts(self) -> set[str]:
        return {name for name, ok in self.plain.items() if ok}

    def is_guarded(self, key: str | None) -> bool:
        """A store (or call) under this sentinel runs only while it is unset: lazy initialisation."""
        return key is not None and key in self.tested

    def origins(self, read: Atoms) -> Origins:
        """The function's inputs that flow into what an expression read (once the body has ended)."""
        if not read:
            return ()
        return tuple(sorted(_expand(read, self, self.resolved)))

    def local_names(self) -> set[str]:
        return (set(self.assigned) | set(self.params)) - self.globals - self.nonlocals


def import_aliases(facts: ModuleFacts, function: str | None) -> dict[str, str]:
    """Local name → what it stands for, for imports at module level (`function=None`) or in a function."""
    aliases: dict[str, str] = {}
    for item in facts.imports:
        if item.function == function:
            _add_aliases(aliases, item)
    return aliases


def _add_aliases(aliases: dict[str, str], item: ImportFacts) -> None:
    """The names one import binds, added to (or replacing those in) `aliases`."""
    prefix = "." * item.level + item.module
    if not item.names:
        if item.alias:
            aliases[item.alias] = item.module
        else:
            head = item.module.split(".")[0]
            aliases[head] = head
        return
    for name, local in item.names:
        if name == "*":
            continue
        if prefix.endswith(".") or not prefix:
            aliases[local] = prefix + name
        else:
            aliases[local] = f"{prefix}.{name}"


def _parameters(arguments: ast.arguments) -> list[str]:
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [star.arg for star in (arguments.vararg, arguments.kwarg) if star is not None]
    return names


def has_credentials(call: ast.Call, plain: frozenset[str] | set[str] = frozenset()) -> bool:
    # `**kwargs`: credentials may be in there; precision first, unless `kwargs` is a local dict literal
    # (`plain`) whose keys we can read and none of them is a credential.
    return any(keyword.arg in CREDENTIAL_KEYWORDS or keyword.arg is None and not (
        type(keyword.value) is ast.Name and keyword.value.id in plain) for keyword in call.keywords)


def may_pass_credentials(call: ast.Call) -> bool:
    """Whether `has_credentials` can say yes: a credential keyword or `**` is there (rarely)."""
    return any(keyword.arg is None or keyword.arg in CREDENTIAL_KEYWORDS for keyword in call.keywords)


def plain_options(value: ast.expr) -> bool:
    """A dict literal of constant, non-credential keys: `{"region_name": "eu-west-1"}`."""
    return type(value) is ast.Dict and all(
        type(key) is ast.Constant and isinstance(key.value, str) and key.value not in CREDENTIAL_KEYWORDS
        for key in value.keys)


class FlowCollector(Collector):
    """Runs right after the definitions collector (facts.py): at each node, the definitions, imports
    and classes seen so far are already in `facts`."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.facts = context.facts
        self.aliases: dict[str, str] = {}  # module-level imports so far
        self.functions: list[FunctionState] = []
        # The function whose body just ended: the collectors after this one finish theirs with it.
        self.closing: FunctionState | None = None
        self.assign_stack: list[tuple[str | None, str | None]] = []  # (sentinel key, target name)
        self.assigned_value = 0  # id() of the value of the innermost assignment
        # The function whose body the walk is in; None at module level and in a class body (even one
        # nested in a function): such code belongs to no function we follow. With what it was outside
        # each body the walk is in.
        self.current: FunctionState | None = None
        self.outer: list[FunctionState | None] = []
        # What each expression reads (`atoms`), by id() of its node: the collectors after this one ask
        # again about the values and arguments this one saw. Never changed once made.
        self.read: dict[int, Atoms] = {}
        self.callees: dict[int, tuple[list[str], str, str | None] | None] = {}
        # Import aliases so far, by the function they were made in (None: module level, class bodies
        # included), as `import_aliases` gives them; and how many of the imports recorded they cover.
        self.imported: dict[str | None, dict[str, str]] = {}
        self.imports_seen = 0

    def reads(self, node: ast.AST) -> Atoms:
        """`atoms(node)`, once per node; the set is shared: never change it."""
        found = self.read.get(id(node))
        if found is None:
            found = self.read[id(node)] = atoms(node)
        return found

    @property
    def assignment(self) -> tuple[str | None, str | None]:
        """(sentinel key, target name) of the assignment the walk is in, if any."""
        return self.assign_stack[-1] if self.assign_stack else (None, None)

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

    def visit_ClassDef_body(self, node: ast.ClassDef) -> None:
        self.outer.append(self.current)
        self.current = None

    def leave_ClassDef_body(self, node: ast.ClassDef) -> None:
        self.current = self.outer.pop()

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
        state = FunctionState(self.context.qualnames[-1], _parameters(node.args))
        self.functions.append(state)
        self.outer.append(self.current)
        self.current = state

    def leave_FunctionDef_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        state = self.functions.pop()
        self.current = self.outer.pop()
        state.resolved = _resolve_locals(state)
        self.closing = state
        self.facts.bodies[state.qualname] = Body()

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
            self.current.tested |= tested(node.test)

    visit_If = visit_While = visit_IfExp = visit_Assert = _record_test

    def visit_Try(self, node: ast.Try) -> None:
        # try: return CACHE[key] / except KeyError: CACHE[key] = make() is a lazy cache too.
        if self.current is not None and node.handlers:
            for statement in node.body:
                for sub in _subscript_roots(statement):
                    self.current.tested.add(sub)

    visit_TryStar = visit_Try

    def _bind(self, function: FunctionState, target: ast.expr, read: Atoms) -> None:
        stack: list[ast.expr] = [target]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Name):
                function.assigned.setdefault(current.id, set()).update(read)
            elif isinstance(current, (ast.Tuple, ast.List)):
                stack.extend(current.elts)
            elif isinstance(current, ast.Starred):
                stack.append(current.value)

    def _persistent_key(self, function: FunctionState, target: ast.expr) -> str | None:
        """The sentinel a lazy initialisation would test, when the target outlives the call."""
        if isinstance(target, ast.Name):
            return target.id if target.id in function.globals | function.nonlocals else None
        root = root_name(target)
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

    def _module_binding(self, targets: list[ast.expr], value: ast.expr) -> None:
        if self.context.scope:
            return
        if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
            kind = "container"
        elif isinstance(value, ast.Call):
            qualified = self.module_callee(value)
            kind = "container" if qualified in CONTAINER_CALLS else f"call:{qualified}"
        else:
            kind = "value"
        for target in targets:
            if isinstance(target, ast.Name):
                self.facts.module_names[target.id] = kind

    def module_callee(self, call: ast.Call) -> str:
        """A module-level call's callee through the module's imports ("" when it is not a name)."""
        parts, base = chain(call.func)
        callee = join(parts) if base is None else ""
        head = callee.split(".")[0]
        return self.aliases.get(head, head) + callee[len(head):] if callee else ""

    def visit_Assign(self, node: ast.Assign) -> None:
        function = self.current
        if function is None:
            self._module_binding(node.targets, node.value)
            return
        read = self.reads(node.value)
        key = None
        name = None
        for target in node.targets:
            self._bind(function, target, read)
            key = key or self._persistent_key(function, target)
            if isinstance(target, ast.Name):
                name = target.id
        if key and isinstance(node.value, ast.BoolOp) and isinstance(node.value.op, ast.Or):
            for operand in node.value.values[:-1]:  # _c = _c or make()
                function.tested |= tested(operand)
        self.assign_stack.append((key, name))
        self.assigned_value = id(node.value)

    def leave_Assign(self, node: ast.Assign) -> None:
        function = self.current
        if function is None:
            return
        self.assign_stack.pop()
        value = node.value
        for target in node.targets:
            if type(target) is ast.Subscript and type(target.value) is ast.Name:
                function.plain[target.value.id] = False  # `kwargs["aws_access_key_id"] = ...`
            if not isinstance(target, ast.Name):
                continue
            function.plain[target.id] = function.plain.get(target.id, True) and plain_options(value)
            qualified = None
            if type(value) is ast.Call:
                # The callee collector asked about this call as the walk went through it, in this state.
                called = self.callees.get(id(value))
                qualified = called[2] if called is not None else self.qualify(function, join(chain(value.func)[0]))
            if qualified is not None and isinstance(value, ast.Call):
                creds = may_pass_credentials(value) and has_credentials(value, function.plain_dicts()) or \
                    self.receiver_credentials(function, value)
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
        self._bind(function, node.target, self.reads(node.value))
        key = self._persistent_key(function, node.target)
        self.assign_stack.append((key, node.target.id if isinstance(node.target, ast.Name) else None))
        self.assigned_value = id(node.value)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self.current is not None and node.value is not None:
            self.assign_stack.pop()

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        function = self.current
        if function is not None:
            self._bind(function, node.target, self.reads(node.value))

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        if self.current is not None:
            self._bind(self.current, node.target, self.reads(node.value))

    def visit_For(self, node: ast.For | ast.AsyncFor | ast.comprehension) -> None:
        if self.current is not None:
            self._bind(self.current, node.target, self.reads(node.iter))

    visit_AsyncFor = visit_comprehension = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if self.current is not None and node.optional_vars is not None:
            self._bind(self.current, node.optional_vars, self.reads(node.context_expr))

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
        # The definitions collector has just recorded this import: what `import_aliases` would give,
        # kept up to date import by import rather than made again from all the imports each time.
        imports = self.facts.imports
        for item in imports[self.imports_seen:]:
            _add_aliases(self.imported.setdefault(item.function, {}), item)
        self.imports_seen = len(imports)
        function = self.current
        if function is not None:
            function.imports = dict(self.imported.get(function.qualname, {}))
        elif not self.context.scope:
            self.aliases = dict(self.imported.get(None, {}))
            self.facts.aliases = dict(self.aliases)

    # questions from the collectors after this one ---------------------------------------------------
    def callee(self, function: FunctionState, call: ast.Call) -> tuple[list[str], str, str | None] | None:
        """A call's callee: its chain of names, as written, and `qualify`'d; None when it is not made of
        names (`f()()`, `x[0]()`). Once per call: the collectors after this one ask about the same call."""
        key = id(call)
        if key in self.callees:
            return self.callees[key]
        parts, base = chain(call.func)
        if base is not None:
            found = None
        else:
            callee = join(parts)
            found = (parts, callee, self.qualify(function, callee))
        self.callees[key] = found
        return found

    def qualify(self, function: FunctionState, callee: str) -> str | None:
        """A callee as written, through imports and local variables; None when the receiver is unknown."""
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
        made = self.facts.module_names.get(head, "")
        if made[5:] in SDK_SESSIONS and dot:
            # A session kept at module scope still builds a new client on every `.client(...)` call.
            return f"{made[5:]}(){dot}{rest}" if not paren else None
        return callee

    def receiver_credentials(self, function: FunctionState, call: ast.Call, parts: list[str] | None = None) -> bool:
        """Whether the object a method is called on was built with explicit credentials (`parts`: the
        call's callee chain, when the caller has it)."""
        while True:
            if parts is not None:
                base = None
            else:
                parts, base = chain(call.func)
            if base is None and parts and parts[0] in function.types:
                return function.types[parts[0]][1]
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            if not isinstance(receiver, ast.Call):
                return False
            if has_credentials(receiver):
                return True
            call, parts = receiver, None

    def short_text(self, node: ast.AST) -> str:
        """A node's source for messages, cut to 60 characters."""
        text = self.context.source.segment(node).strip()
        return text if len(text) <= 60 and "\n" not in text else text[:57] + "..."


def _resolve_locals(state: FunctionState) -> dict[str, set[Origin]]:
    """Origins of each local variable: a fixpoint over the (flow-insensitive) local assignments."""
    resolved: dict[str, set[Origin]] = {name: set() for name in state.assigned}
    changed = True
    rounds = 0
    while changed and rounds < 50:
        changed = False
        rounds += 1
        for name, read in state.assigned.items():
            current = resolved[name]
            before = len(current)
            current |= _expand(read - {name}, state, resolved)
            if len(current) != before:
                changed = True
    for name in state.params:
        if name in resolved:
            resolved[name].add(Origin.param(name))  # a parameter reassigned still may hold the argument
    return resolved


def _expand(read: Atoms, state: FunctionState, resolved: dict[str, set[Origin]]) -> set[Origin]:
    """Origins of what an expression reads: a parameter never reassigned is itself an origin, a local
    brings the origins resolved for it so far, anything else (an invocation-data marker) stands."""
    result: set[Origin] = set()
    for atom in read:
        if type(atom) is str:
            if atom in state.params and atom not in state.assigned:
                result.add(Origin.param(atom))
            elif atom in resolved:
                result |= resolved[atom]
        else:
            result.add(atom)  # type: ignore[arg-type]
    return result


def _subscript_roots(node: ast.AST) -> set[str]:
    roots = (root_name(current) for current in descendants(node) if type(current) is ast.Subscript)
    return {root for root in roots if root}
