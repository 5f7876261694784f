"""Per-invocation code: what runs each time a handler is invoked, found by following its calls.

Works on facts only (calls.py records each function's calls; here they are linked across modules).
From an entry, calls are followed transitively to functions of the same module and of local modules
imported through the entry's roots: plain calls, import aliases, methods of classes instantiated on
the way, `self.method()`, `super().method()`, methods on what a factory returns, methods on parameters
the caller bound to an object of a known class, module-level instances, Powertools route functions
when the handler calls `app.resolve(...)` (resolver and routers in any local module), functions an
app's own router decorates when it is resolved or dispatched, and functions passed as arguments
(callbacks such as a batch record handler).
Not followed: calls guarded by a lazy-initialisation sentinel and functions decorated with
functools.cache/lru_cache. All walks are iterative, with a visited set, so cycles and deep chains
are harmless.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple, TypeVar

from wa_lint.analyse.python.constructors import CONNECTIONS, CREDENTIAL_KEYWORDS, SDK_CLIENTS
from wa_lint.analyse.python.decorators import is_cached
from wa_lint.analyse.python.facts_model import EVENT_ORIGIN, Body, Call, ModuleFacts, Origin, OriginKind
from wa_lint.link.imports import ImportResolver, is_test_file
from wa_lint.link.model import Entry, Project

# Powertools event handlers whose route functions run inside `app.resolve(event, context)`.
RESOLVER_MODULE = "aws_lambda_powertools"
# Methods that dispatch an event to the registered route functions.
ROUTER_ENTRY_METHODS = frozenset({"resolve", "dispatch"})
# Libraries whose calls we match by name and never walk into, even when vendored next to the code.
EXTERNAL_PACKAGES = frozenset(name.split(".")[0] for name in (*SDK_CLIENTS, *CONNECTIONS)) | {RESOLVER_MODULE}
T = TypeVar("T")
_ALIAS_DEPTH = 8


# The walks create and hash these by the hundred thousand in a large app: named tuples, whose
# construction and hashing run in C, and module keys that are plain integers.
class Node(NamedTuple):
    """One function of one module (`key`: the module's key, see module_key)."""

    key: int
    qualname: str


class Step(NamedTuple):
    """One function on the path from the entry, with the name messages show for it."""

    node: Node
    label: str


class Target(NamedTuple):
    facts: ModuleFacts
    qualname: str
    bound: bool  # called on an instance or class: the first parameter (self/cls) takes no argument


def module_key(facts: ModuleFacts) -> int:
    """Tells modules apart for one run: each analysed module (inline code included, which shares its
    template's path) is one facts object that lives for the whole run."""
    return id(facts)


@functools.cache
def split(dotted: str) -> tuple[int, tuple[str, ...]]:
    """`..a.B().c` → (2, ("a", "B()", "c")). The same few names recur in every module: computed once each."""
    level = len(dotted) - len(dotted.lstrip("."))
    return level, tuple(part for part in dotted[level:].split(".") if part)


# Bounds on the walks below: a cut analysis may miss findings, so reaching one is a note, never silent.
MAX_WALK_STATES = 5000
MAX_BASES = 32


def note_bound(project: Project, path: Path, message: str) -> None:
    """Say that a bound cut the analysis of `path` (the run turns these into notes, one each)."""
    notes = project.lookups.setdefault("bound-notes", {})
    assert isinstance(notes, dict)
    notes[(path, message)] = None


class ModuleIndex:
    """The analysed modules by path text and the import resolver: built once per project, shared by
    every entry's graph (each module look-up is memoised, so the hot loop is string look-ups)."""

    def __init__(self, project: Project) -> None:
        self.by_path = {str(path): facts for path, facts in project.modules.items()}
        # The same resolver rules as the engine's when it chose which modules to analyse; only analysed
        # modules can be linked, so a dictionary look-up replaces the file system.
        self.resolver = ImportResolver(files=self._analysed_file)
        # What a call resolves to depends only on the import roots, its module and function: entries
        # that share a code folder, and every rule, reuse one answer. By import roots, then (function,
        # id(call)): facts live for the whole run.
        self.callees: dict[tuple[str, ...], dict[tuple[Node, int], list[Target]]] = {}
        # Each entry's walk, shared by the rules that read it.
        self.walks: dict[int, list[tuple[Graph, Node, frozenset[Origin], tuple[Step, ...]]]] = {}
        # (importer's folder or roots, level, dotted parts) → the module found, like `callees`.
        self.modules_found: dict[tuple[str, int, tuple[str, ...]], tuple[ModuleFacts, int] | None] = {}
        # (import roots, caller, callee) → whether a call between them hands over credentials, like `callees`.
        self.credentialed: dict[tuple[tuple[str, ...], Node, Node], bool] = {}
        # Live origin sets (few distinct ones in a run) → the names they hold as context users.
        self.context_users: dict[frozenset[Origin], frozenset[str]] = {}
        # For the run's parts (run_parts.py), what each look-up depended on: the modules that asked it and
        # the files it would have found had they been analysed, with the one it found. A call reaches a
        # module beyond the import graph (`pkg.sub.f()` after `import pkg`) when another entry had it
        # analysed, so what one app's code resolves to can depend on what another's imports.
        self.askers: dict[tuple[str, int, tuple[str, ...]], set[str]] = {}
        self.looked_at: dict[tuple[str, int, tuple[str, ...]], list[str]] = {}

    def _analysed_file(self, root: Path, dotted: str) -> Path | None:
        for candidate in module_files(root, dotted):
            if candidate in self.by_path:
                return Path(candidate)
        return None

    @staticmethod
    def of(project: Project) -> ModuleIndex:
        index = project.lookups.get("module-index")
        if not isinstance(index, ModuleIndex):
            index = project.lookups["module-index"] = ModuleIndex(project)
        return index


def module_files(root: Path, dotted: str) -> tuple[str, str]:
    """The files module `dotted` is under `root`, as analysed modules' paths are written (`str` of a
    path: with the system's separator, a backslash on Windows)."""
    separator = os.sep
    base = f"{root}{separator}{dotted.replace('.', separator)}"
    return base + ".py", f"{base}{separator}__init__.py"


def release_walks(project: Project) -> None:
    """Let go of the entries' walks and the call resolutions the checks shared (on 10,000 functions,
    a tenth of the run's memory, held through the reports); asked again, they are worked out again."""
    index = project.lookups.get("module-index")
    if isinstance(index, ModuleIndex):
        index.walks.clear()
        index.callees.clear()
        index.credentialed.clear()


class Graph:
    """Links calls to functions for one entry's import roots."""

    def __init__(self, project: Project, entry: Entry) -> None:
        self.project = project
        self.entry = entry
        self.modules: dict[int, ModuleFacts] = {module_key(entry.facts): entry.facts}
        self.index = ModuleIndex.of(project)
        self.roots = tuple(str(root) for root in entry.roots)
        self.root_paths = tuple(entry.roots)
        self._roots_key = "\0".join(self.roots)
        self._callees = self.index.callees.setdefault(self.roots, {})

    def facts(self, node: Node) -> ModuleFacts:
        return self.modules[node.key]

    def node(self, facts: ModuleFacts, qualname: str) -> Node:
        key = module_key(facts)
        self.modules.setdefault(key, facts)
        return Node(key, qualname)

    def entry_node(self) -> Node:
        """The function that runs; for a module-level handler instance, its (maybe inherited) `__call__`."""
        entry = self.entry
        if entry.qualname not in entry.facts.bodies:
            for target in self.resolve(entry.facts, "", entry.qualname):
                if target.qualname in target.facts.bodies:
                    return self.node(target.facts, target.qualname)
        return self.node(entry.facts, entry.qualname)

    # -- modules ---------------------------------------------------------------------------------------
    def find_module(self, facts: ModuleFacts, level: int, parts: Sequence[str]) -> tuple[ModuleFacts, int] | None:
        """The analysed local module named by the longest prefix of parts, and how many parts it used.

        Test modules are never linked: a handler does not run them (a test helper that builds a client
        per call is not per-invocation code)."""
        if not level and parts and parts[0] in EXTERNAL_PACKAGES:
            return None
        # Relative imports depend on the importing file's folder, absolute ones on the entry's roots.
        key = (str(facts.path.parent) if level else self._roots_key, level, tuple(parts))
        index = self.index
        askers = index.askers.get(key)
        if askers is not None:
            askers.add(str(facts.path))
            return index.modules_found[key]
        index.askers[key] = {str(facts.path)}
        missed: list[tuple[Path, str]] = []
        found = index.resolver.find(facts.path, level, parts, self.root_paths, missed=missed)
        index.looked_at[key] = [file for root, dotted in missed for file in module_files(root, dotted)]
        result = None
        if found is not None:
            index.looked_at[key].append(str(found.path))
            if not is_test_file(found.path.relative_to(found.root)):
                result = (index.by_path[str(found.path)], found.used)
        index.modules_found[key] = result
        return result

    # -- resolution ------------------------------------------------------------------------------------
    def resolve(self, facts: ModuleFacts, function: str, dotted: str) -> list[Target]:
        level, parts = split(dotted)
        if not parts:
            return []
        if not level and parts[0] == "super()" and len(parts) == 2:
            return self._super(facts, function, parts[1])
        if not level and parts[0] in ("self", "cls") and len(parts) == 2:
            owner = facts.functions.get(function)
            if owner is None or owner.class_name is None:
                return []
            class_qualname = function.rsplit(".", 1)[0]
            return self._method(facts, class_qualname, parts[1])
        if not level:
            # A function nested in this one (or in an enclosing one).
            scope = function
            while scope:
                nested = f"{scope}.{parts[0]}"
                if len(parts) == 1 and nested in facts.functions and nested in facts.bodies:
                    return [Target(facts, nested, False)]
                scope = scope.rpartition(".")[0]
        return self._symbol(facts, level, parts, 0)

    def _method(self, facts: ModuleFacts, class_qualname: str, name: str) -> list[Target]:
        """The method as the class defines or inherits it (first base that has it, depth-first)."""
        pending = [(facts, class_qualname)]
        seen: set[tuple[int, str]] = set()
        while pending:
            if len(seen) >= MAX_BASES:
                note_bound(self.project, facts.path, f"the bases of {class_qualname} were searched for "
                           f"'{name}' in {MAX_BASES} classes and no further; calls through it are not followed")
                break
            module, owner = pending.pop(0)
            if (module_key(module), owner) in seen:
                continue
            seen.add((module_key(module), owner))
            qualname = f"{owner}.{name}"
            if qualname in module.bodies:
                return [Target(module, qualname, True)]
            for base in module.bases.get(owner, ()):
                found = self._class(module, base)
                if found is not None:
                    pending.append(found)
        return []

    def _super(self, facts: ModuleFacts, function: str, name: str) -> list[Target]:
        """`super().name()` in a method: the first base (depth-first) that defines or inherits it."""
        owner = facts.functions.get(function)
        if owner is None or owner.class_name is None:
            return []
        class_qualname = function.rsplit(".", 1)[0]
        for base in facts.bases.get(class_qualname, ()):
            found = self._class(facts, base)
            targets = self._method(found[0], found[1], name) if found is not None else []
            if targets:
                return targets
        return []

    def _made_by(self, factories: list[Target], receiver: tuple[ModuleFacts, str] | None) -> tuple[ModuleFacts, str] | None:
        """The local class whose instance a factory returns (`return cls(...)`, `return Model(...)`):
        `Model.get(key).refresh()` runs Model.refresh. `cls` is the class the factory was called on."""
        for factory in factories:
            for callee in factory.facts.returned_calls.get(factory.qualname, ()):
                if callee == "cls":
                    owner = factory.qualname.rsplit(".", 1)[0]
                    if receiver is not None:
                        return receiver
                    if owner in factory.facts.classes:
                        return factory.facts, owner
                    continue
                found = self._class(factory.facts, callee)
                if found is not None:
                    return found
        return None

    def _class(self, facts: ModuleFacts, dotted: str) -> tuple[ModuleFacts, str] | None:
        """Where a base class named in `facts` is defined, if it is local code."""
        level, parts = split(dotted)
        for _ in range(_ALIAS_DEPTH):
            if not level and len(parts) == 1 and parts[0] in facts.classes:
                return facts, parts[0]
            if not level and parts and parts[0] in facts.aliases and len(parts) == 1:
                level, parts = split(facts.aliases[parts[0]])
            found = self.find_module(facts, level, parts)
            if found is None or found[1] >= len(parts):
                return None
            facts, parts, level = found[0], parts[found[1]:], 0
        return None

    def _symbol(self, facts: ModuleFacts, level: int, parts: Sequence[str], depth: int) -> list[Target]:
        if depth > _ALIAS_DEPTH:
            return []
        if not level:
            head = parts[0]
            name = head.removesuffix("()")
            instantiated = head.endswith("()")
            rest = parts[1:]
            if name in facts.classes:
                if not rest:
                    return [] if instantiated else self._method(facts, name, "__init__")
                if len(rest) == 1:
                    return self._method(facts, name, rest[0])
                if len(rest) == 2 and rest[0].endswith("()"):
                    made = self._made_by(self._method(facts, name, rest[0][:-2]), (facts, name))
                    return self._method(made[0], made[1], rest[1]) if made is not None else []
                return []
            if name in facts.instances and not instantiated:
                class_name = facts.instances[name]
                if not rest:
                    return self._method(facts, class_name, "__call__")
                if len(rest) == 1:
                    return self._method(facts, class_name, rest[0])
                return []
            if name in facts.functions and name in facts.bodies and not rest and not instantiated:
                return [Target(facts, name, False)]
            if name in facts.functions and name in facts.bodies and instantiated and len(rest) == 1:
                made = self._made_by([Target(facts, name, False)], None)  # `build().run()`
                return self._method(made[0], made[1], rest[0]) if made is not None else []
            if name in facts.aliases:
                level, alias_parts = split(facts.aliases[name])
                if instantiated and alias_parts:
                    alias_parts = (*alias_parts[:-1], alias_parts[-1] + "()")
                parts = [*alias_parts, *rest]
        return self._imported(facts, level, parts, depth)

    def _imported(self, facts: ModuleFacts, level: int, parts: Sequence[str], depth: int) -> list[Target]:
        found = self.find_module(facts, level, parts)
        if found is None:
            return []
        module, used = found
        rest = parts[used:]
        if not rest:
            # `from tools import lookup` names the submodule tools/lookup.py, unless the package binds the
            # name itself (`from .lookup import lookup` in tools/__init__.py), which is what Python returns.
            package = self.find_module(facts, level, parts[:-1]) if len(parts) > 1 else None
            if package is not None and package[1] == len(parts) - 1 and package[0] is not module:
                return self._symbol(package[0], 0, parts[-1:], depth + 1)
            return []
        return self._symbol(module, 0, rest, depth + 1)

    # -- Powertools ------------------------------------------------------------------------------------
    def routes(self, facts: ModuleFacts, call: Call) -> list[Target]:
        """Route functions behind `app.resolve(event, context)`: on a Powertools event handler, the
        routes of the resolver's module and of the modules it imports (`Router`s included with
        `include_router`); on a router of the app's own (`router.resolve(event)` or `.dispatch(event)`
        with `@router.route(...)`), the functions it decorates."""
        level, parts = split(call.callee)
        if level or len(parts) != 2 or parts[1] not in ROUTER_ENTRY_METHODS:
            return []
        home = self._object_home(facts, parts[0])
        if home is None:
            return []
        module, name = home
        if not _is_resolver(module, name):
            return _decorated_by(module, name)
        found = []
        seen: set[int] = set()
        for holder in (module, facts):
            if module_key(holder) in seen:
                continue
            seen.add(module_key(holder))
            found.extend(_decorated_routes(holder))
            for imported in self._imported_modules(holder):
                if module_key(imported) not in seen:
                    seen.add(module_key(imported))
                    found.extend(_decorated_routes(imported))
        return found

    def _object_home(self, facts: ModuleFacts, name: str) -> tuple[ModuleFacts, str] | None:
        """The module that binds a module-level object, and its name there (`from routes import app`)."""
        for _ in range(_ALIAS_DEPTH):
            if facts.module_names.get(name, "").startswith("call:"):
                return facts, name
            if name not in facts.aliases:
                return None
            level, parts = split(facts.aliases[name])
            found = self.find_module(facts, level, parts)
            if found is None or found[1] != len(parts) - 1:
                return None
            facts, name = found[0], parts[-1]
        return None

    def _imported_modules(self, facts: ModuleFacts) -> list[ModuleFacts]:
        """The local modules a module imports at module level (`import a.b`, `from a import b`, `from . import b`)."""
        found = []
        for item in facts.imports:
            if item.function is not None:
                continue
            base = [part for part in item.module.split(".") if part]
            candidates = [base] + [[*base, name] for name, _ in item.names if name != "*"]
            for parts in candidates:
                module = self.find_module(facts, item.level, parts) if parts else None
                if module is not None and module[1] == len(parts):
                    found.append(module[0])
        return found

    # -- walking ---------------------------------------------------------------------------------------
    def callees(self, node: Node, call: Call) -> list[Target]:
        key = (node, id(call))
        known = self._callees.get(key)
        if known is None:
            known = self._callees[key] = self._resolve_call(node, call)
        return known

    def _resolve_call(self, node: Node, call: Call) -> list[Target]:
        facts = self.facts(node)
        targets = []
        if call.qualified is not None:
            targets = self.resolve(facts, node.qualname, call.qualified)
        targets.extend(self.routes(facts, call))
        for reference in call.references:
            targets.extend(t for t in self.resolve(facts, node.qualname, reference) if not t.qualname.endswith(".__init__"))
        return targets

    def typed_callees(self, call: Call, types: ParamTypes) -> list[Target]:
        """`worker.run()` on a parameter the caller bound to `Worker()`: resolved where the caller named it."""
        head, _, rest = call.callee.partition(".")
        if not rest or "." in rest or "(" in rest:
            return []
        found: list[Target] = []
        for param, key, caller, made in types:
            if param == head and key in self.modules:
                found.extend(self.resolve(self.modules[key], caller, f"{made}.{rest}"))
        return found

    def body(self, node: Node) -> Body | None:
        return self.facts(node).bodies.get(node.qualname)


def _is_resolver(facts: ModuleFacts, name: str) -> bool:
    kind = facts.module_names.get(name, "")
    if not kind.startswith("call:"):
        return False
    qualified = kind[5:]
    last = qualified.rsplit(".", 1)[-1]
    return qualified.startswith(RESOLVER_MODULE) and last.endswith(("Resolver", "Router"))


def _decorated_by(facts: ModuleFacts, name: str) -> list[Target]:
    """Module-level functions registered on the object `name` with a decorator (`@router.route("/a")`)."""
    return [Target(facts, qualname, False) for qualname, function in facts.functions.items()
            if function.module_level and any(decorator.partition(".")[0] == name and "." in decorator
                                             for decorator in function.decorators)]


def _decorated_routes(facts: ModuleFacts) -> list[Target]:
    found = []
    for qualname, function in facts.functions.items():
        if not function.module_level:
            continue
        for decorator in function.decorators:
            head, _, method = decorator.partition(".")
            if method and _is_resolver(facts, head):
                found.append(Target(facts, qualname, False))
                break
    return found


def describe(path: tuple[Step, ...], last: str | None = None) -> str:
    names = [step.label for step in path]
    if last:
        names.append(last)
    return " → ".join(names)


def entry_order(entry: Entry) -> tuple[str, str, str]:
    return (str(entry.facts.path), str(entry.facts.line_offset), entry.qualname)


def argument_params(target: Target) -> list[str] | None:
    """The callee's parameters that take a call's arguments, in order (`self`/`cls` left out for a call
    on an instance or class); None when the function is not known."""
    function = target.facts.functions.get(target.qualname)
    if function is None:
        return None
    params = list(function.params)
    if target.bound and params and params[0] in ("self", "cls"):
        params = params[1:]
    return params


def taint_params(graph: Graph, target: Target, call: Call, live: frozenset[Origin]) -> frozenset[Origin]:
    """The origins that carry invocation data inside the callee, given the caller's live origins."""
    params = argument_params(target)
    if params is None:
        return frozenset({EVENT_ORIGIN})
    result = {EVENT_ORIGIN}
    contexts: frozenset[str] | None = None
    # Each argument with its parameter (positional ones in order, keywords by name): most carry nothing.
    for param, origins in [*zip(params, call.args), *((name, o) for name, o in call.keywords if name in params)]:
        if not origins:
            continue
        if any(origin in live for origin in origins):
            result.add(Origin.param(param))
        # Passing the context object on: its .identity in the callee is caller identity too.
        if contexts is None:
            contexts = _context_users(graph, live)
        if contexts and any(origin.kind is OriginKind.PARAM and origin.name in contexts for origin in origins):
            result.add(Origin.context_user(param))
    return frozenset(result)


def _context_users(graph: Graph, live: frozenset[Origin]) -> frozenset[str]:
    """The names whose `.identity` is live (`Origin.context_user(name) in live`), once per live set."""
    known = graph.index.context_users.get(live)
    if known is None:
        known = graph.index.context_users[live] = frozenset(
            origin.name for origin in live if origin.kind is OriginKind.CONTEXT_USER)
    return known


def entry_live(facts: ModuleFacts, qualname: str) -> frozenset[Origin]:
    """Invocation data at the entry: its event parameter, context.identity/client_context."""
    function = facts.functions.get(qualname)
    live = {EVENT_ORIGIN}
    if function is None:
        return frozenset(live)
    params = list(function.params)
    if function.class_name is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    if params:
        live.add(Origin.param(params[0]))
    if len(params) > 1:
        live.add(Origin.context_user(params[1]))
    return frozenset(live)


def taint_walk(project: Project, entry: Entry) -> list[tuple[Graph, Node, frozenset[Origin], tuple[Step, ...]]]:
    """Per-invocation functions with the origins that carry invocation data in each (one state per set).

    Computed once per entry and shared by the rules that read it."""
    walks = ModuleIndex.of(project).walks
    found = walks.get(id(entry))
    if found is None:
        found = walks[id(entry)] = list(_taint_walk(project, entry))
    return found


ParamTypes = frozenset[tuple[str, int, str, str]]  # (parameter, caller's module key, caller, "Worker()")


def param_types(target: Target, call: Call, caller: Node) -> ParamTypes:
    """The callee's parameters bound to objects of a known class at this call (`use(Worker())`)."""
    if not call.arg_types:
        return frozenset()
    params = argument_params(target)
    if params is None:
        return frozenset()
    found = set()
    for key, made in call.arg_types:
        name = params[int(key)] if key.isdigit() and int(key) < len(params) else key
        if name in params:
            found.add((name, caller.key, caller.qualname, made))
    return frozenset(found)


def _taint_walk(project: Project, entry: Entry) -> Iterator[tuple[Graph, Node, frozenset[Origin], tuple[Step, ...]]]:
    graph = Graph(project, entry)
    start = graph.entry_node()
    # A handler instance: `self` in its (maybe inherited) methods is the instance's class.
    instance = entry.facts.instances.get(entry.qualname)
    self_type: ParamTypes = frozenset({("self", module_key(entry.facts), "", f"{instance}()")}) if instance else frozenset()
    state: tuple[Node, frozenset[Origin], ParamTypes] = (start, entry_live(graph.facts(start), start.qualname), self_type)
    paths: dict[tuple[Node, frozenset[Origin], ParamTypes], tuple[Step, ...]] = {state: (Step(start, entry.qualname),)}
    queue = deque([state])
    while queue:
        node, live, types = queue.popleft()
        yield graph, node, live, paths[(node, live, types)]
        body = graph.body(node)
        if body is None:
            continue
        for call in body.calls:
            if call.guarded:
                continue
            targets = graph.callees(node, call)
            if types and (call.qualified is None or not targets):
                targets = [*targets, *graph.typed_callees(call, types)]
            for target in targets:
                next_body = target.facts.bodies.get(target.qualname)
                if next_body is None or is_cached(target.facts, target.qualname):
                    continue
                next_types = param_types(target, call, node)
                if target.bound and call.callee.startswith("self."):
                    next_types |= {item for item in types if item[0] == "self"}  # the same instance
                next_state = (graph.node(target.facts, target.qualname), taint_params(graph, target, call, live),
                              next_types)
                if next_state in paths:
                    continue
                if len(paths) > MAX_WALK_STATES:
                    note_bound(project, entry.facts.path, f"the calls from {entry.qualname} were followed through "
                               f"{MAX_WALK_STATES:,} states and no further; findings past them are not reported")
                    continue
                paths[next_state] = (*paths[(node, live, types)], Step(next_state[0], target.qualname))
                queue.append(next_state)


# -- helpers shared by the checks ----------------------------------------------------------------------

SiteKey = tuple[int, int, int]  # (module key, line, column)


@dataclass(frozen=True)
class ConstructorSite:
    facts: ModuleFacts
    call: Call
    name: str  # the constructor it matched, e.g. "boto3.Session().client"
    path: tuple[Step, ...]
    # Configured from invocation data (a region or endpoint from the event): cache one per value.
    from_event: bool
    # When `call` is a call to a shared factory that returns the client: the factory's name.
    factory: str | None = None


def constructor_sites(project: Project, entry: Entry, names: frozenset[str]) -> dict[SiteKey, ConstructorSite]:
    """Calls to one of `names` that run on every invocation of the entry, by call site.

    A constructor a shared factory returns (`lib/clients.py: def get_client(name): return
    boto3.client(name)`) is reported where another module calls the factory per invocation, once per
    caller, since the fix belongs there: keep what the factory returns at module scope. A helper of the
    caller's own module is reported inside it, as is a factory that is itself the entry."""
    found: dict[SiteKey, ConstructorSite] = {}
    factories: dict[tuple[int, str], tuple[Call, tuple[Step, ...]] | None] = {}
    for graph, node, live, path in taint_walk(project, entry):
        body = graph.body(node)
        if body is None or _through_credentials(graph, path):
            continue
        facts = graph.facts(node)
        for call in body.calls:
            if call.guarded or call.qualified in names:
                continue
            if _returned(facts, node, call) and _reported_at_caller(graph, path, names, factories):
                continue  # a factory returning another factory's client: reported at its own callers
            for target in graph.callees(node, call):
                if target.facts is facts:
                    continue  # a helper of the same module: its constructor is reported inside it
                made = _factory(graph, graph.node(target.facts, target.qualname), names, factories, 0)
                if made is None:
                    continue
                constructor, steps = made
                key = (node.key, call.line, call.column)
                if key not in found:
                    found[key] = ConstructorSite(facts, call, constructor.qualified or "", (*path, *steps),
                                                 _from_event(call, live), steps[0].label)
        for call in _constructor_calls(body, names):
            if _returned(facts, node, call) and _reported_at_caller(graph, path, names, factories):
                continue  # reported where the factory is called, in another module
            key = (node.key, call.line, call.column)
            from_event = _from_event(call, live)
            previous = found.get(key)
            if previous is None:
                found[key] = ConstructorSite(facts, call, call.qualified or "", path, from_event)
            elif from_event and not previous.from_event:
                found[key] = ConstructorSite(previous.facts, call, previous.name, previous.path, True)
    return found


# Keywords that hand a helper the credentials to build its clients with: the SDK's own, and `credentials=`
# (a dict from `sts.assume_role`). Not a session: a module-level session passed in is not per invocation.
_CREDENTIAL_ARGUMENTS = CREDENTIAL_KEYWORDS | {"credentials"}


def _through_credentials(graph: Graph, path: tuple[Step, ...]) -> bool:
    """The path enters a function through a call that passes it credentials (`Stacks(logger, region,
    credentials=assume_role(account))`): the clients it builds use the credentials of this invocation
    (another account, a tenant) and must be built per invocation, as explicit credentials are."""
    known = graph.index.credentialed
    roots = graph.roots
    for caller, callee in pairwise(path):
        pair = (roots, caller.node, callee.node)
        if pair not in known:
            body = graph.body(caller.node)
            known[pair] = body is not None and any(
                any(name in _CREDENTIAL_ARGUMENTS for name, _ in call.keywords)
                and any(graph.node(target.facts, target.qualname) == callee.node
                        for target in graph.callees(caller.node, call))
                for call in body.calls)
        if known[pair]:
            return True
    return False


def _reported_at_caller(graph: Graph, path: tuple[Step, ...], names: frozenset[str],
                        factories: dict[tuple[int, str], tuple[Call, tuple[Step, ...]] | None]) -> bool:
    """The path's last function is a factory, or one a chain of factories of its module returns, that
    another module called: the client it returns is reported at that caller."""
    index = len(path) - 1
    while index >= 1:
        if _factory(graph, path[index].node, names, factories, 0) is None:
            return False
        if path[index - 1].node.key != path[index].node.key:
            return True
        index -= 1
    return False


def _from_event(call: Call, live: frozenset[Origin]) -> bool:
    """Configured from invocation data: an argument carries the event (or the caller's identity)."""
    origins = [*call.args, *(origins for _, origins in call.keywords)]
    return any(origin in live and origin != EVENT_ORIGIN for group in origins for origin in group)


def _constructor_calls(body: Body, names: frozenset[str]) -> list[Call]:
    matched = [call for call in body.calls if call.qualified in names and not call.guarded]
    return [call for call in matched if not call.credentials  # credentials of this invocation (a tenant role)
            # `boto3.Session().client(...)`: the outer call is the one reported
            and not (call.receiver_of_call and any(_encloses(other, call) for other in matched if other is not call))]


def _returned(facts: ModuleFacts, node: Node, call: Call) -> bool:
    return call.callee in facts.returned_calls.get(node.qualname, ())


_FACTORY_DEPTH = 4


def _factory(graph: Graph, node: Node, names: frozenset[str],
             known: dict[tuple[int, str], tuple[Call, tuple[Step, ...]] | None], depth: int) -> tuple[Call, tuple[Step, ...]] | None:
    """The constructor call a function returns, directly or through another factory it returns the
    result of, with the steps from the function to it; None when it returns no new client."""
    key = (node.key, node.qualname)
    if key in known:
        return known[key]
    known[key] = None  # a cycle returns nothing new
    body = graph.body(node)
    facts = graph.facts(node)
    if body is None or depth > _FACTORY_DEPTH or is_cached(facts, node.qualname):
        return None
    result: tuple[Call, tuple[Step, ...]] | None = None
    for call in _constructor_calls(body, names):
        if _returned(facts, node, call):
            result = (call, (Step(node, node.qualname),))
            break
    if result is None:
        for call in body.calls:
            if call.guarded or not _returned(facts, node, call):
                continue
            for target in graph.callees(node, call):
                inner = _factory(graph, graph.node(target.facts, target.qualname), names, known, depth + 1)
                if inner is not None:
                    result = (inner[0], (Step(node, node.qualname), *inner[1]))
                    break
            if result is not None:
                break
    known[key] = result
    return result


def custom_resource_handler(project: Project, entry: Entry) -> bool:
    """The entry runs only at deployment time: a custom resource provider (also through nested stacks
    and exports, or code using cfnresponse/crhelper), a CodeDeploy hook. See link/deploy_time.py."""
    from wa_lint.link.deploy_time import entry_deploy_time  # link/deploy_time reads the model, not facts

    return entry_deploy_time(project, entry) is not None


def _encloses(outer: Call, inner: Call) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and \
        (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def first_reports(project: Project, compute: Callable[[Entry], dict[SiteKey, T]],
                  last: Callable[[Entry], bool] | None = None) -> Iterator[tuple[Entry, T]]:
    """Each site once, for the first entry (in a stable order) that reaches it; entries for which
    `last` is true come after the others (a site a request path reaches is reported for it). One pass
    over the entries: asking, per entry, whether an earlier one also reaches a site would cost
    O(entries²) walks in a large app whose functions share one code folder."""
    reported: set[SiteKey] = set()
    for entry in sorted(project.entries, key=lambda entry: (bool(last and last(entry)), entry_order(entry))):
        for key, site in compute(entry).items():
            if key not in reported:
                reported.add(key)
                yield entry, site
