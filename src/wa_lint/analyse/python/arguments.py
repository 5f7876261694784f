"""What the linked rules need to know about call arguments, beyond where values flow (flow.py):

- the keyword arguments given as literals (`InvocationType="Event"`, `max_age=0`, `force_fetch=True`);
- the names passed *whole* to a call: `logger.info(event)`, `print(json.dumps(event))`,
  `logger.info(f"event: {event}")`, `"event " + str(event)` (a part such as `event["id"]` is not whole);
- which functions mention a marker string (`"batchItemFailures"`) anywhere, since a response is often
  built in a variable before it is returned.

Calls are keyed like constructions (`construction.site_key`), so a rule finds a call's arguments from the
`Call` fact it already has.
"""

from __future__ import annotations

import ast

from wa_lint.analyse.python.construction import site_key
from wa_lint.analyse.python.facts_model import Arguments, Call, ModuleFacts
from wa_lint.analyse.python.flow import chain, join
from wa_lint.analyse.python.walk import Collector, Context

# Strings whose mere presence in a function is a fact a rule needs (REL202).
MARKERS = frozenset({"batchItemFailures"})
# Wrappers that keep the whole value: `json.dumps(event)`, `str(event)`, `repr(event)`.
_WHOLE_WRAPPERS = frozenset({"json.dumps", "str", "repr", "dumps"})
_LITERAL_TYPES = (str, bool, int, float, type(None))


def _whole_names(node: ast.expr, found: list[str], depth: int = 0) -> None:
    if depth > 8:
        return
    kind = type(node)
    if kind is ast.Name:
        found.append(node.id)  # type: ignore[attr-defined]
    elif kind is ast.Call:
        parts, base = chain(node.func)  # type: ignore[attr-defined]
        if base is None and join(parts) in _WHOLE_WRAPPERS and node.args:  # type: ignore[attr-defined]
            _whole_names(node.args[0], found, depth + 1)  # type: ignore[attr-defined]
    elif kind is ast.JoinedStr:
        for value in node.values:  # type: ignore[attr-defined]
            if type(value) is ast.FormattedValue:
                _whole_names(value.value, found, depth + 1)
    elif kind is ast.BinOp and type(node.op) in (ast.Add, ast.Mod):  # type: ignore[attr-defined]
        _whole_names(node.left, found, depth + 1)  # type: ignore[attr-defined]
        right = node.right  # type: ignore[attr-defined]
        for item in (right.elts if type(right) is ast.Tuple else [right]):
            _whole_names(item, found, depth + 1)


class ArgumentCollector(Collector):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.mentions: dict[str, set[str]] = {}

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in MARKERS:
            function = self.context.enclosing_function() or ""
            self.mentions.setdefault(function, set()).add(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        function = self.context.enclosing_function()
        if function is None:
            return
        literals = tuple((keyword.arg, repr(keyword.value.value)) for keyword in node.keywords
                         if keyword.arg and isinstance(keyword.value, ast.Constant)
                         and isinstance(keyword.value.value, _LITERAL_TYPES))
        unpacked = any(keyword.arg is None for keyword in node.keywords)
        whole: list[str] = []
        for arg in node.args:
            _whole_names(arg, whole)
        if literals or unpacked or whole:
            line, column, _, _ = self.context.source.span(node)
            self.context.facts.arguments[site_key(function, line, column)] = Arguments(
                literals, tuple(dict.fromkeys(whole)), unpacked)

    def finish(self) -> None:
        self.context.facts.mentions = {function: tuple(sorted(found)) for function, found in self.mentions.items()}


def arguments_of(facts: ModuleFacts, qualname: str, call: Call) -> Arguments:
    return facts.arguments.get(site_key(qualname, call.line, call.column), Arguments())


def literal(arguments: Arguments, name: str) -> str | None:
    """The keyword's literal as `repr` text (`"'Event'"`, `"True"`, `"0"`), None when absent or computed."""
    for keyword, text in arguments.literals:
        if keyword == name:
            return text
    return None


def mentions(facts: ModuleFacts, qualname: str | None, marker: str) -> bool:
    """Whether the function (None: anywhere in the module) contains the marker string."""
    if qualname is None:
        return any(marker in found for found in facts.mentions.values())
    return marker in facts.mentions.get(qualname, ())
