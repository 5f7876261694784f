"""The calls each function makes: the call graph's edges, and what PERF101/PERF102 look for.

For each call in a function we record the callee as written and as resolved through the module's imports
and the function's local variables (`b3.client` → `boto3.client`, `session.client` →
`boto3.Session().client`), whether it runs only under a lazy-initialisation guard, whether it passes
explicit credentials, which of the function's inputs flow into each argument, and the bare names passed
as arguments (possible callbacks). The flow of values is the FlowCollector's (flow.py); linking calls
across files happens in callgraph.py.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from wa_lint.analyse.python.constructors import CREDENTIAL_KEYWORDS
from wa_lint.analyse.python.facts_model import Call
from wa_lint.analyse.python.flow import (
    Atoms,
    FlowCollector,
    FunctionState,
    has_credentials,
    join,
)
from wa_lint.analyse.python.walk import Collector, Context, chain

__all__ = ["Call", "CallCollector"]

_TEXT_LIMIT = 100


@dataclass
class _PendingCall:
    callee: str
    qualified: str | None
    position: tuple[int, int, int, int]
    args: list[Atoms]
    keywords: list[tuple[str, Atoms]]
    guard_key: str | None
    credentials: bool
    receiver_of_call: bool
    text: str
    assigned_to: str | None
    references: list[str]
    arg_types: list[tuple[str, str]]


class CallCollector(Collector):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.flow = context.collector(FlowCollector)
        self.source = context.source
        self.pending: dict[int, list[_PendingCall]] = {}  # by id() of the function's state
        self.receivers: set[int] = set()  # id() of calls that are the receiver of another call

    def visit_Call(self, node: ast.Call) -> None:
        flow = self.flow
        function = flow.current
        if function is None:
            return
        called = flow.callee(function, node)
        if called is None:
            return
        parts, callee, qualified = called
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
        reads = flow.reads
        args: list[Atoms] = []
        keywords: list[tuple[str, Atoms]] = []
        references: list[str] = []
        arg_types: list[tuple[str, str]] = []
        for index, arg in enumerate(node.args):
            kind = type(arg)
            if kind is ast.Starred:
                _reference(arg.value, references)  # type: ignore[attr-defined]
                continue
            args.append(reads(arg))
            if kind is not ast.Constant:
                _reference(arg, references)
                if (kind is ast.Name or kind is ast.Call) and (made := _made(flow, function, arg)):
                    arg_types.append((str(index), made))
        credentials = False
        for keyword in node.keywords:
            name, value = keyword.arg, keyword.value
            keywords.append((name or "**", reads(value)))
            _reference(value, references)
            if name is None or name in CREDENTIAL_KEYWORDS:
                credentials = True  # maybe: has_credentials decides
            if name is not None and (type(value) is ast.Name or type(value) is ast.Call) \
                    and (made := _made(flow, function, value)):
                arg_types.append((name, made))
        if len(parts) == 2 and parts[1] in ("update", "setdefault", "__setitem__") and parts[0] in function.plain:
            function.plain[parts[0]] = False  # options changed after the literal: they may hold credentials
        credentials = credentials and has_credentials(node, function.plain_dicts()) or \
            flow.receiver_credentials(function, node, parts)
        guard_key, assigned_to = flow.assignment
        if assigned_to is not None and id(node) != flow.assigned_value:
            assigned_to = None  # `x = make().method()`: x is not what make() returns
        text = ""
        head = parts[0]
        position = self.source.span(node)
        # Source text feeds fix suggestions for constructors, which are always imported names.
        if position[0] == position[2] and (head in function.imports or head in function.types or head in flow.aliases):
            text = self.source.segment(node)
            if len(text) > _TEXT_LIMIT:
                text = ""
        self.pending.setdefault(id(function), []).append(_PendingCall(
            callee, qualified, position, args, keywords, guard_key, credentials, id(node) in self.receivers, text,
            assigned_to, references, arg_types))

    def leave_FunctionDef_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        state = self.flow.closing
        assert state is not None  # the flow collector runs first
        self.context.facts.bodies[state.qualname].calls = [
            _finish(pending, state) for pending in self.pending.pop(id(state), [])
        ]

    leave_AsyncFunctionDef_body = leave_FunctionDef_body


def _finish(pending: _PendingCall, state: FunctionState) -> Call:
    origins = state.origins
    # Positional: the fields in their order (keyword arguments cost a frozen dataclass more to take).
    return Call(
        pending.callee, pending.qualified, *pending.position,
        tuple([origins(a) for a in pending.args]),
        tuple([(name, origins(a)) for name, a in pending.keywords]),
        state.is_guarded(pending.guard_key), pending.credentials, pending.receiver_of_call, pending.text,
        pending.assigned_to, tuple(pending.references), tuple(pending.arg_types),
    )


def _made(flow: FlowCollector, function: FunctionState, value: ast.expr) -> str:
    """`Worker()` or a local bound to one: the constructor, qualified ("Worker()"); "" when unknown."""
    if type(value) is ast.Name:
        return function.types[value.id][0] if value.id in function.types else ""
    if type(value) is not ast.Call:
        return ""
    parts, base = chain(value.func)
    qualified = flow.qualify(function, join(parts)) if base is None and parts else None
    return qualified + "()" if qualified else ""


def _reference(value: ast.expr, references: list[str]) -> None:
    """A bare name or attribute passed as an argument, alone or in a list, tuple or set literal
    (`Agent(tools=[lookup, search])`, `app.add_handlers((on_a, on_b))`): possibly a callback."""
    kind = type(value)
    if kind is ast.List or kind is ast.Tuple or kind is ast.Set:
        for element in value.elts:  # type: ignore[attr-defined]
            if type(element) is ast.Name or type(element) is ast.Attribute:
                _reference(element, references)
        return
    if kind is ast.Name or kind is ast.Attribute:
        parts, base = chain(value)
        if base is None:
            references.append(join(parts))
