"""One walk over a module's `ast`, shared by every collector of facts.

A collector is a small class: `visit_<Node>(node)` before and `leave_<Node>(node)` after a node's
children, `visit_<Def>_body(node)` / `leave_<Def>_body(node)` around the body of a `def`, `async def` or
`class` (its decorators, defaults and bases run where it is defined, so they are walked outside it),
and `finish()` once the walk is done. Collectors run in the order given at every node, so a later one
sees what an earlier one recorded about the code before it (the definitions collector records imports
and classes first). A rule that needs a new fact adds a collector; it never edits another one.

The walk is iterative, in source order: CPython's parser bounds how deep a tree can be, but a few
thousand levels still overflow a recursive visitor.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from wa_lint.analyse.python.positions import SourceMap

if TYPE_CHECKING:
    from wa_lint.analyse.python.facts_model import ModuleFacts

# Fields that hold only operator and context singletons (`Load`, `Add`, `Eq`): nothing to visit.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores"})
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
C = TypeVar("C", bound="Collector")


@dataclass
class Context:
    """What every collector of one file shares: the facts being built, positions, and the scope."""

    facts: ModuleFacts
    source: SourceMap
    # The bodies the walk is in, outermost first: ("class" | "function", name).
    scope: list[tuple[str, str]] = field(default_factory=list)
    # The collectors of this walk by class, for the ones that build on another (listed after it).
    collectors: dict[type, Collector] = field(default_factory=dict)
    # Kept by the walk beside `scope`, one per body, as collectors ask at almost every node: the
    # qualified name of each body, and of the innermost function around it (None: none).
    qualnames: list[str] = field(default_factory=list)
    functions: list[str | None] = field(default_factory=list)

    def collector(self, kind: type[C]) -> C:
        """The running collector of this class; it must be listed before the one asking."""
        found = self.collectors.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"{kind.__name__} must run before the collectors that use it")  # noqa: TRY004
        return found

    def qualname(self, name: str) -> str:
        qualnames = self.qualnames
        return f"{qualnames[-1]}.{name}" if qualnames else name

    def enclosing_function(self) -> str | None:
        """Qualified name of the innermost function around the walk, None at module level."""
        functions = self.functions
        return functions[-1] if functions else None

    def enter(self, kind: str, name: str) -> None:
        """The walk enters the body of a `def` or `class`."""
        qualname = self.qualname(name)
        self.scope.append((kind, name))
        self.qualnames.append(qualname)
        self.functions.append(qualname if kind == "function" else self.enclosing_function())

    def leave(self) -> None:
        self.scope.pop()
        self.qualnames.pop()
        self.functions.pop()


class Collector:
    """Base of the collectors (optional: any class with the methods will do)."""

    @staticmethod
    def wants(text: str) -> bool:
        """A cheap test on the file's text: when it says no, the collector is not run at all."""
        return True

    def __init__(self, context: Context) -> None:
        self.context = context

    def finish(self) -> None:
        """Called once after the walk: write what was collected into `context.facts`."""


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


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` (and the callee of `a.b.c(...)`) as text; None for anything else."""
    parts, base = chain(node)
    return None if base is not None else ".".join(part for part in parts if part != "()")


# Fields that never hold a node (names, operators, flags, raw constants): never looked at.
_SCALAR_FIELDS = frozenset({"id", "attr", "arg", "name", "module", "level", "kind", "asname", "conversion", "simple",
                            "is_async", "tag", "kwd_attrs", "rest"}) | _SKIPPED_FIELDS
# Lists that may hold None (`{**d}` keys, keyword-only arguments without defaults): filtered.
_SPARSE_LISTS = frozenset({"keys", "kw_defaults"})
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Global, ast.Nonlocal, ast.Pass, ast.Break, ast.Continue,
                     ast.alias, ast.MatchSingleton})


@functools.cache
def _plan(kind: type) -> tuple[tuple[str, bool], ...]:
    """The fields of a node type that may hold nodes, with whether a list there may hold None."""
    if kind in _LEAVES:
        return ()
    return tuple((name, name in _SPARSE_LISTS) for name in kind._fields  # type: ignore[attr-defined]
                 if name not in _SCALAR_FIELDS and not (name == "value" and kind is ast.Constant))


def children(node: ast.AST) -> list[ast.AST]:
    """A node's children in source order (ast's field order differs for a few node types)."""
    kind = type(node)
    if kind is ast.IfExp:
        return [node.body, node.test, node.orelse]  # type: ignore[attr-defined]
    if kind is ast.Dict:
        found: list[ast.AST] = []
        for key, value in zip(node.keys, node.values):  # type: ignore[attr-defined]
            if key is not None:
                found.append(key)
            found.append(value)
        return found
    found = []
    for name, sparse in _plan(kind):  # type: ignore[arg-type]
        value = getattr(node, name)
        if type(value) is list:
            found += [item for item in value if item is not None] if sparse else value
        elif value is not None:
            found.append(value)
    return found


def _methods(classes: tuple[type, ...], name: str) -> list[tuple[int, Callable[..., Any]]]:
    return [(index, getattr(klass, name)) for index, klass in enumerate(classes) if callable(getattr(klass, name, None))]


# How the walk finds a node's children: none, one field, several fields, a definition (its body is
# walked inside its scope), or `children` (fields out of source order).
_LEAF, _ONE, _FIELDS, _DEFINITION, _REORDERED = range(5)


class _Dispatch:
    """What the walk does at a node of one type: the collectors' methods, and where its children are."""

    def __init__(self, kind: type, classes: tuple[type, ...]) -> None:
        name = kind.__name__
        self.visit = _methods(classes, f"visit_{name}")
        self.leave = _methods(classes, f"leave_{name}")
        self.body_visit = _methods(classes, f"visit_{name}_body")
        self.body_leave = _methods(classes, f"leave_{name}_body")
        self.scope_kind = "class" if kind is ast.ClassDef else "function"
        plan = _plan(kind)
        # The fields in reverse order, pushed so that the first child is popped first.
        self.fields = tuple(reversed(plan))
        self.getter = operator.attrgetter(*(field_name for field_name, _ in self.fields)) if plan else None
        if kind in DEFINITIONS:
            self.shape = _DEFINITION
        elif kind is ast.IfExp or kind is ast.Dict:
            self.shape = _REORDERED
        elif not plan:
            self.shape = _LEAF
        elif len(plan) == 1 and not plan[0][1]:
            self.shape = _ONE
        else:
            self.shape = _FIELDS
        # Nothing to call here and nothing below: the walk drops such a node as soon as it meets it.
        self.inert = not (self.visit or self.leave) and self.shape == _LEAF
        # What the walk reads at every node, in one tuple.
        self.step = (self.visit, self.leave, self.shape, self.getter, self.fields)


@functools.cache
def _dispatch(kind: type, classes: tuple[type, ...]) -> _Dispatch:
    return _Dispatch(kind, classes)


_ENTER, _EXIT = object(), object()


def walk(tree: ast.AST, context: Context, collectors: Sequence[Any]) -> None:
    """Call each collector's methods over the whole tree, collectors in the order given."""
    classes = tuple(type(collector) for collector in collectors)
    tables: dict[type, _Dispatch] = {}
    steps: dict[type, tuple[Any, ...]] = {}
    # Node types with nothing to do (names, constants, `pass`... unless a collector visits them).
    inert: set[type] = set()
    # Nodes to visit, and (node, action) tuples: its leave methods, or entering/leaving its body.
    stack: list[Any] = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        kind: type = type(node)
        if kind in inert:
            continue
        if kind is tuple:
            node, action = node
            if action is _ENTER:
                table = tables[type(node)]
                context.enter(table.scope_kind, node.name)
                for index, method in table.body_visit:
                    method(collectors[index], node)
            elif action is _EXIT:
                for index, method in tables[type(node)].body_leave:
                    method(collectors[index], node)
                context.leave()
            else:
                for index, method in action:
                    method(collectors[index], node)
            continue
        step = steps.get(kind)
        if step is None:
            table = tables[kind] = _dispatch(kind, classes)
            if table.inert:
                inert.add(kind)
                continue
            step = steps[kind] = table.step
        visit, leave, shape, getter, fields = step
        for index, method in visit:
            method(collectors[index], node)
        if leave:
            push((node, leave))
        if shape == _ONE:
            value = getter(node)
            if type(value) is list:
                extend(reversed(value))
            elif value is not None:
                push(value)
        elif shape == _FIELDS:
            for (_, sparse), value in zip(fields, getter(node)):
                if type(value) is list:
                    if value:
                        extend(reversed([item for item in value if item is not None]) if sparse else reversed(value))
                elif value is not None:
                    push(value)
        elif shape == _DEFINITION:
            push((node, _EXIT))
            extend(reversed(node.body))
            push((node, _ENTER))
            outside: list[ast.AST] = list(node.decorator_list)
            if kind is ast.ClassDef:
                outside += [*node.bases, *node.keywords]
            else:
                outside.append(node.args)
                if node.returns is not None:
                    outside.append(node.returns)
            extend(reversed(outside))
        elif shape == _REORDERED:
            below = children(node)
            below.reverse()
            extend(below)
