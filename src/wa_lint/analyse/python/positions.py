"""One codegen pass over a libcst module gives every node's position and its children in source order.

Measured on realistic handler files, the usual way costs about six times the parse:
`MetadataWrapper(...).resolve(PositionProvider)` walks the whole tree as a visitor on top of its codegen
pass, and `module.visit(visitor)` rebuilds every node even for a read-only visitor. Here the codegen
pass (the same one, so positions are identical — tests/test_positions.py compares them with libcst's
provider) also records the tree, and `walk` dispatches `visit_<Node>` / `leave_<Node>` methods over it
without rebuilding anything.

The pass runs once per node of every analysed file, so its bookkeeping is kept minimal: tables keyed by
`id(node)` (a libcst node's `__hash__` is a Python call), positions as plain tuples, and a class-based
context manager instead of a generator-based one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

# (start line, start column, end line, end column): lines 1-based, columns 0-based, as libcst's provider.
Region = tuple[int, int, int, int]

# Whitespace, comments and punctuation: over half the nodes of a typical file, and no analysis reads
# them as nodes (their parents' attributes still hold them). They get no position and are not walked.
# Parentheses are not trivia: libcst ends a parenthesised `from a import (b)` at its `)`.
TRIVIA = frozenset({
    cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline,
    cst.Comment, cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual,
    cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
})


@dataclass
class Tree:
    root: cst.Module
    positions: dict[int, Region]  # by id(node)
    children: dict[int, list[cst.CSTNode]]  # by id(node), in source order


class _SyntacticRange:
    """`record_syntactic_position`: the node's range without the whitespace it owns, optionally
    hoisted from the child that starts or ends it."""

    __slots__ = ("column", "end_node", "line", "node", "start_node", "state")

    def __init__(self, state: _RecordingState, node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.line, self.column = self.state.line, self.state.column

    def __exit__(self, *exc_info: object) -> None:
        positions = self.state.positions
        start = positions[id(self.start_node)][:2] if self.start_node is not None else (self.line, self.column)
        end = positions[id(self.end_node)][2:] if self.end_node is not None else (self.state.line, self.state.column)
        positions[id(self.node)] = (*start, *end)


class _RecordingState(CodegenState):
    """libcst's codegen state, tracking line and column like its PositionProvider does."""

    def __init__(self, module: cst.Module, tree: Tree) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.positions = tree.positions
        self.children = tree.children
        self.line = 1
        self.column = 0
        self.open_nodes: list[tuple[cst.CSTNode, int, int]] = []

    def _update_position(self, value: str) -> None:
        newlines = value.count("\n") + value.count("\r") - value.count("\r\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._update_position(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            self._update_position(value)
        else:  # most tokens: no line break to count
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in TRIVIA:
            return
        if self.open_nodes:
            parent = id(self.open_nodes[-1][0])
            below = self.children.get(parent)
            if below is None:
                self.children[parent] = [node]
            else:
                below.append(node)
        self.open_nodes.append((node, self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in TRIVIA:
            return
        _, line, column = self.open_nodes.pop()
        # A syntactic position recorded inside the node's codegen takes precedence.
        key = id(node)
        if key not in self.positions:
            self.positions[key] = (line, column, self.line, self.column)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> Any:
        return _SyntacticRange(self, node, start_node, end_node)


def build_tree(module: cst.Module) -> Tree:
    """Positions and children of every node but TRIVIA."""
    tree = Tree(module, {}, {})
    module._codegen(_RecordingState(module, tree))
    return tree


@functools.cache
def _own_methods(visitor_class: type) -> frozenset[str]:
    """`visit_*` / `leave_*` methods the visitor defines itself: libcst's base classes declare a no-op
    stub for every node type and attribute, which would only cost time to call.

    A pure function of the class, computed once."""
    names: set[str] = set()
    for klass in visitor_class.__mro__:
        if klass.__module__.startswith("libcst"):
            continue
        names.update(n for n in vars(klass) if n.startswith(("visit_", "leave_")))
    return frozenset(names)


@functools.cache
def _attribute_hooks(visitor_class: type) -> dict[str, frozenset[str]]:
    """Node type name -> attributes with `visit_<Node>_<attribute>` / `leave_…` hooks on this class."""
    hooks: dict[str, set[str]] = {}
    for method in _own_methods(visitor_class):
        rest = method.partition("_")[2]
        node, _, attribute = rest.partition("_")
        if attribute:
            hooks.setdefault(node, set()).add(attribute)
    return {node: frozenset(attributes) for node, attributes in hooks.items()}


# A method to call: (index of the visitor in walk's arguments, the function its class defines).
_Hook = tuple[int, Callable[..., Any]]


def _hooks(classes: tuple[type, ...], name: str) -> list[_Hook]:
    return [(index, getattr(klass, name)) for index, klass in enumerate(classes) if name in _own_methods(klass)]


class _Dispatch:
    """The `visit_` / `leave_` methods of the visitors for one node type, and their attribute hooks
    (`visit_FunctionDef_body`, called around the children that make up that attribute)."""

    def __init__(self, kind: type, classes: tuple[type, ...]) -> None:
        name = kind.__name__
        self.visit = _hooks(classes, f"visit_{name}")
        self.leave = _hooks(classes, f"leave_{name}")
        attributes = {a for klass in classes for a in _attribute_hooks(klass).get(name, ())}
        self.attributes = [
            (attribute, _hooks(classes, f"visit_{name}_{attribute}"), _hooks(classes, f"leave_{name}_{attribute}"))
            for attribute in sorted(attributes)
        ]


@functools.cache
def _dispatch(kind: type, classes: tuple[type, ...]) -> _Dispatch:
    """Built once per node type and visitor classes, not per file."""
    return _Dispatch(kind, classes)


def walk(tree: Tree, *visitors: Any) -> None:
    """Call each visitor's `visit_<Node>(node)` before and `leave_<Node>(node)` after the node's children,
    for every node but TRIVIA, in source order, visitors in the order given (like libcst's batched
    visitors). With one visitor, a `visit_` that returns False skips the children, as in libcst."""
    dispatch: dict[type, _Dispatch] = {}
    classes = tuple(type(visitor) for visitor in visitors)
    children = tree.children
    single = len(visitors) == 1
    # Stack items: (node, False) to visit it, or (node, methods) to call those methods with it (its
    # leave methods, or the hooks around one of its attributes).
    stack: list[tuple[Any, Any]] = [(tree.root, False)]
    while stack:
        node, action = stack.pop()
        if action is not False:
            for index, function in action:
                function(visitors[index], node)
            continue
        kind = type(node)
        table = dispatch.get(kind)
        if table is None:
            table = dispatch[kind] = _dispatch(kind, classes)
        if table.visit:
            skip = False
            for index, function in table.visit:
                if function(visitors[index], node) is False and single:
                    skip = True
            if skip:
                for index, function in table.leave:
                    function(visitors[index], node)
                continue
        if table.leave:
            stack.append((node, table.leave))
        below = children.get(id(node), ())
        if not table.attributes:
            stack.extend(zip(reversed(below), repeat(False)))
            continue
        ordered: list[tuple[Any, Any]] = [(child, False) for child in below]
        for attribute, before, after in table.attributes:
            value = getattr(node, attribute, None)
            members = list(value) if isinstance(value, (list, tuple)) else [value]
            indexes = [i for i, item in enumerate(ordered) if item[1] is False and any(item[0] is m for m in members)]
            if indexes:
                ordered.insert(indexes[-1] + 1, (node, after))
                ordered.insert(indexes[0], (node, before))
            else:
                ordered[:0] = [(node, before), (node, after)]
        stack.extend(reversed(ordered))
