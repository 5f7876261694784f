"""One codegen pass over a libcst module gives every node's position and its children in source order.

Measured on realistic handler files, the usual way costs about six times the parse:
`MetadataWrapper(...).resolve(PositionProvider)` walks the whole tree as a visitor on top of its codegen
pass, and `module.visit(visitor)` rebuilds every node even for a read-only visitor. Here the codegen
pass (the same one, so positions are identical — tests/test_positions.py compares them with libcst's
provider) also records the tree, and `walk` dispatches `visit_<Node>` / `leave_<Node>` methods over it
without rebuilding anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst._position import CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState


class _RecordingState(PositionProvidingCodegenState):
    def _update_position(self, value: str) -> None:
        if "\r" in value:
            PositionProvidingCodegenState._update_position(self, value)
            return
        newlines = value.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - value.rfind("\n") - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        tree: Tree = self.provider  # type: ignore[assignment]
        if tree.open_nodes:
            tree.children.setdefault(tree.open_nodes[-1], []).append(node)
        tree.open_nodes.append(node)
        PositionProvidingCodegenState.before_codegen(self, node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.provider.open_nodes.pop()  # type: ignore[attr-defined]
        PositionProvidingCodegenState.after_codegen(self, node)


@dataclass
class Tree:
    root: cst.Module
    positions: dict[cst.CSTNode, CodeRange]
    children: dict[cst.CSTNode, list[cst.CSTNode]]
    open_nodes: list[cst.CSTNode]

    @property
    def _computed(self) -> dict[cst.CSTNode, CodeRange]:
        # The codegen state stores positions through `provider._computed`.
        return self.positions


def build_tree(module: cst.Module) -> Tree:
    tree = Tree(module, {}, {}, [])
    state: Any = _RecordingState(
        default_indent=module.default_indent, default_newline=module.default_newline, provider=tree  # type: ignore[arg-type]
    )
    module._codegen(state)
    return tree


def positions(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    return build_tree(module).positions


def walk(tree: Tree, visitor: Any) -> None:
    """Call `visitor.visit_<Node>(node)` before and `leave_<Node>(node)` after each node's children,
    in source order; a `visit_` that returns False skips the children, as in libcst."""
    handlers: dict[type, tuple[Any, Any]] = {}
    children = tree.children
    stack: list[tuple[cst.CSTNode, bool]] = [(tree.root, False)]
    while stack:
        node, leaving = stack.pop()
        kind = type(node)
        pair = handlers.get(kind)
        if pair is None:
            name = kind.__name__
            pair = handlers[kind] = (getattr(visitor, f"visit_{name}", None), getattr(visitor, f"leave_{name}", None))
        if leaving:
            if pair[1] is not None:
                pair[1](node)
            continue
        if pair[0] is not None and pair[0](node) is False:
            if pair[1] is not None:
                pair[1](node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children.get(node, ())))
