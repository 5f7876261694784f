"""The state each function writes that may outlive the call (what SEC101 looks for).

A write is a store into a `global` name, an item or mutating method of a non-local container, an
attribute of a non-local object, or Powertools `logger.append_keys(...)` (v1:
`logger.structure_logs(append=True, ...)`); with the function's inputs
that flow into the stored value and into a subscript key, and whether a lazy-initialisation guard
covers it. Containers created in the call itself (locals, parameters, a global rebound on every call)
are left out. The flow of values is the FlowCollector's (flow.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from wa_lint.analyse.python.facts_model import Write
from wa_lint.analyse.python.flow import Atoms, FlowCollector, FunctionState, join, root_name
from wa_lint.analyse.python.walk import Collector, Context, chain

__all__ = ["MUTATORS", "Write", "WriteCollector"]

MUTATORS = frozenset({"append", "extend", "add", "update", "setdefault", "insert", "appendleft", "extendleft"})


@dataclass
class _PendingWrite:
    kind: str
    root: str
    target: str
    position: tuple[int, int, int, int]
    read: Atoms
    key_read: Atoms
    value: str | None
    guard_key: str | None


class WriteCollector(Collector):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.flow = context.collector(FlowCollector)
        self.pending: dict[int, list[_PendingWrite]] = {}  # by id() of the function's state

    def _add(self, function: FunctionState, write: _PendingWrite) -> None:
        self.pending.setdefault(id(function), []).append(write)

    def _store(self, function: FunctionState, target: ast.expr, read: Atoms, value_callee: str | None,
               node: ast.stmt, guard_key: str | None) -> None:
        position = self.context.source.span(node)
        stack: list[ast.expr] = [target]
        while stack:
            current = stack.pop()
            if isinstance(current, (ast.Tuple, ast.List)):
                stack.extend(current.elts)
                continue
            if isinstance(current, ast.Starred):
                stack.append(current.value)
                continue
            if isinstance(current, ast.Name):
                if current.id in function.globals:
                    self._add(function, _PendingWrite("global", current.id, current.id, position, read, set(),
                                                      value_callee, guard_key))
                continue
            root = root_name(current)
            if root is None:
                continue
            if isinstance(current, ast.Subscript):
                text = self.flow.short_text(current.value) + "[...]"
                self._add(function, _PendingWrite("item", root, text, position, read, self.flow.reads(current.slice),
                                                  value_callee, guard_key))
            elif isinstance(current, ast.Attribute):
                self._add(function, _PendingWrite("attribute", root, self.flow.short_text(current), position, read,
                                                  set(), value_callee, guard_key))

    def _value_callee(self, function: FunctionState, value: ast.expr) -> str | None:
        """The qualified callee when the stored value is a call (a lazily built client, say)."""
        return self.flow.qualify(function, join(chain(value.func)[0])) if isinstance(value, ast.Call) else None

    def visit_Assign(self, node: ast.Assign) -> None:
        function = self.flow.current
        if function is not None:
            key, _ = self.flow.assignment
            read, callee = self.flow.reads(node.value), self._value_callee(function, node.value)
            for target in node.targets:
                self._store(function, target, read, callee, node, key)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        function = self.flow.current
        if function is not None and node.value is not None:
            self._store(function, node.target, self.flow.reads(node.value), self._value_callee(function, node.value), node,
                        self.flow.assignment[0])

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        function = self.flow.current
        if function is not None:
            # `x += value` mixes the value into what is stored: never a lazily built client, never guarded.
            self._store(function, node.target, self.flow.reads(node.value), None, node, None)

    def visit_Call(self, node: ast.Call) -> None:
        # Mutating a container that is not local, or Powertools logger keys.
        function = self.flow.current
        if function is None or not isinstance(node.func, ast.Attribute):
            return
        method = node.func.attr
        # Powertools v1 spelled append_keys `structure_logs(append=True, ...)`.
        appends = method == "append_keys" or method == "structure_logs" and any(
            keyword.arg == "append" and type(keyword.value) is ast.Constant and keyword.value.value is True
            for keyword in node.keywords)
        if method not in MUTATORS and not appends:
            return
        _, base = chain(node.func)
        receiver = node.func.value
        root = root_name(receiver)
        if base is not None or root is None:
            return
        read: Atoms = set()
        for arg in node.args:
            if type(arg) is not ast.Starred:
                read |= self.flow.reads(arg)
        for keyword in node.keywords:
            if keyword.arg != "append":
                read |= self.flow.reads(keyword.value)
        kind = "append_keys" if appends else "method"
        target = f"{self.flow.short_text(receiver)}.{method}(...)"
        self._add(function, _PendingWrite(kind, root, target, self.context.source.span(node), read, set(), None,
                                          self.flow.assignment[0]))

    def leave_FunctionDef_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        state = self.flow.closing
        assert state is not None  # the flow collector runs first
        self.context.facts.bodies[state.qualname].writes = _finish(state, self.pending.pop(id(state), []))

    leave_AsyncFunctionDef_body = leave_FunctionDef_body


def _finish(state: FunctionState, pending: list[_PendingWrite]) -> list[Write]:
    locals_ = state.local_names()
    # `global RESULTS` + `RESULTS = []` on every call: a container created in this call too.
    rebound = {write.root for write in pending if write.kind == "global" and not state.is_guarded(write.guard_key)}
    writes = []
    for write in pending:
        if write.kind != "global" and (write.root in locals_ or write.root in rebound) \
                and write.root not in ("self", "cls"):
            continue  # a container created in this call
        if write.kind != "global" and write.root in state.params and write.root not in ("self", "cls"):
            continue
        line, column, end_line, end_column = write.position
        writes.append(Write(
            write.kind, write.root, write.target, line, column, end_line, end_column,
            state.origins(write.read), state.origins(write.key_read), write.value,
            guarded=state.is_guarded(write.guard_key),
            declared_global=write.root in state.globals,
        ))
    return writes
