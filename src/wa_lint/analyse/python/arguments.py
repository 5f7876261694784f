"""What the linked rules need to know about call arguments, beyond where values flow (flow.py):

- the arguments given as literals (`InvocationType="Event"`, `max_age=0`, `force_fetch=True`);
- the names passed *whole* to a call: `logger.info(event)`, `print(json.dumps(event))`,
  `logger.info(f"event: {event}")`, `"event " + str(event)` (a part such as `event["id"]` is not whole);
- which arguments are constant for the environment: a literal, `os.environ[...]` / `os.getenv(...)`, a
  module-level constant, or a local bound to one of these (keyword names, and positions as "0", "1");
- which arguments name an environment variable's value (`QueueUrl=os.environ["QUEUE_URL"]`, directly or
  through a name bound to it), and the variable behind a call's receiver (`table.put_item` after
  `table = dynamodb.Table(os.environ["TABLE"])`), as ("receiver", VAR);
- which functions mention a marker string (`"batchItemFailures"`) anywhere, since a response is often
  built in a variable before it is returned.

Calls are keyed by qualname and full span (`boto3.client("lambda").invoke(...)` and its receiver call start
at the same place), so a rule finds a call's arguments from the `Call` fact it already has.
"""

from __future__ import annotations

import ast

from wa_lint.analyse.python.facts_model import (
    REQUEST_TYPE_MARKERS,
    ROTATION_STEP_MARKERS,
    Arguments,
    Call,
    ModuleFacts,
)
from wa_lint.analyse.python.flow import join
from wa_lint.analyse.python.walk import Collector, Context, chain

# Strings whose mere presence in a function is a fact a rule needs (REL202).
MARKERS = frozenset({"batchItemFailures", "RequestType", *REQUEST_TYPE_MARKERS, *ROTATION_STEP_MARKERS})
# Wrappers that keep the whole value: `json.dumps(event)`, `str(event)`, `repr(event)`.
_WHOLE_WRAPPERS = frozenset({"json.dumps", "str", "repr", "dumps"})
_LITERAL_TYPES = (str, bool, int, float, type(None))
_ENVIRONMENT_CALLS = frozenset({"os.environ.get", "os.getenv", "environ.get", "getenv"})
_MODULE_CONSTANTS = frozenset({"value", "call:os.environ.get", "call:os.getenv"})


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
        # Per function: local names last bound to a constant (True) or to anything else (False).
        self.locals: dict[str, dict[str, bool]] = {}
        # Per scope ("" for the module): names bound to an environment variable's value, and names bound to
        # an object made from one (`dynamodb.Table(os.environ["TABLE"])`).
        self.env_values: dict[str, dict[str, str]] = {}
        self.env_objects: dict[str, dict[str, str]] = {}

    def _variable(self, node: ast.expr, scope: str) -> str | None:
        kind = type(node)
        if kind is ast.Subscript:
            parts, base = chain(node.value)  # type: ignore[attr-defined]
            key = node.slice  # type: ignore[attr-defined]
            if base is None and join(parts) in ("os.environ", "environ") and isinstance(key, ast.Constant) \
                    and isinstance(key.value, str):
                return key.value
        elif kind is ast.Call:
            parts, base = chain(node.func)  # type: ignore[attr-defined]
            args = node.args  # type: ignore[attr-defined]
            if base is None and join(parts) in _ENVIRONMENT_CALLS and args and isinstance(args[0], ast.Constant) \
                    and isinstance(args[0].value, str):
                return args[0].value
        elif kind is ast.Name:
            name = node.id  # type: ignore[attr-defined]
            if name in self.env_values.get(scope, {}):
                return self.env_values[scope][name]
            if scope and self.locals.get(scope, {}).get(name) is None:
                return self.env_values.get("", {}).get(name)
        return None

    def _object_variable(self, value: ast.expr, scope: str) -> str | None:
        if not isinstance(value, ast.Call):
            return None
        for arg in [*value.args, *(keyword.value for keyword in value.keywords)]:
            found = self._variable(arg, scope)
            if found:
                return found
        return None

    def _constant(self, node: ast.expr, function: str, depth: int = 0) -> bool:
        if depth > 8:
            return False
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.Name):
            bound = self.locals.get(function, {}).get(node.id)
            if bound is not None:
                return bound
            return self.context.facts.module_names.get(node.id, "") in _MODULE_CONSTANTS
        if isinstance(node, ast.Subscript):
            parts, base = chain(node.value)
            return base is None and join(parts) in ("os.environ", "environ")
        if isinstance(node, ast.Call):
            parts, base = chain(node.func)
            return base is None and join(parts) in _ENVIRONMENT_CALLS
        if isinstance(node, ast.JoinedStr):
            return all(isinstance(value, ast.Constant) or
                       (isinstance(value, ast.FormattedValue) and self._constant(value.value, function, depth + 1))
                       for value in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._constant(node.left, function, depth + 1) and self._constant(node.right, function, depth + 1)
        return False

    def visit_Assign(self, node: ast.Assign) -> None:
        function = self.context.enclosing_function()
        scope = function or ""
        variable = self._variable(node.value, scope)
        made_from = self._object_variable(node.value, scope)
        for target in node.targets:
            if isinstance(target, ast.Name):
                for names, found in ((self.env_values, variable), (self.env_objects, made_from)):
                    if found:
                        names.setdefault(scope, {})[target.id] = found
                    else:
                        names.get(scope, {}).pop(target.id, None)
        if function is None:
            return
        constant = self._constant(node.value, function)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.locals.setdefault(function, {})[target.id] = constant

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in MARKERS:
            function = self.context.enclosing_function() or ""
            self.mentions.setdefault(function, set()).add(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        function = self.context.enclosing_function()
        if function is None:
            # Module-level calls keep only their keyword names: what a module-level object was made with
            # (`Metrics(namespace=...)`), under the qualname "".
            names = tuple(keyword.arg for keyword in node.keywords if keyword.arg)
            if names:
                self.context.facts.arguments[_key("", *self.context.source.span(node))] = Arguments(keywords=names)
            return
        # Positional literals are named by position ("0"), keywords by name; one pass over each (the
        # questions asked of an argument have no effects, so asking them together changes no answer).
        literals: list[tuple[str, str]] = []
        whole: list[str] = []
        constants: list[str] = []
        environment: list[tuple[str, str]] = []
        for index, arg in enumerate(node.args):
            if type(arg) is ast.Constant:  # the commonest argument: a literal, constant when a string
                given = arg.value
                if isinstance(given, _LITERAL_TYPES):
                    literals.append((str(index), repr(given)))
                if isinstance(given, str):
                    constants.append(str(index))
                continue
            _whole_names(arg, whole)
            if self._constant(arg, function):
                constants.append(str(index))
            if found := self._variable(arg, function):
                environment.append((str(index), found))
        unpacked = False
        for keyword in node.keywords:
            name, value = keyword.arg, keyword.value
            if name is None:
                unpacked = True
                continue
            if type(value) is ast.Constant:
                literal = value.value
                if isinstance(literal, _LITERAL_TYPES):
                    literals.append((name, repr(literal)))
                if isinstance(literal, str):
                    constants.append(name)
                continue
            if self._constant(value, function):
                constants.append(name)
            if found := self._variable(value, function):
                environment.append((name, found))
        parts, base = chain(node.func)
        if base is None and len(parts) == 2:
            made_from = self.env_objects.get(function, {}).get(parts[0])
            if made_from is None and self.locals.get(function, {}).get(parts[0]) is None:
                made_from = self.env_objects.get("", {}).get(parts[0])
            if made_from:
                environment.append(("receiver", made_from))
        if literals or unpacked or whole or constants or environment:
            self.context.facts.arguments[_key(function, *self.context.source.span(node))] = Arguments(
                tuple(literals), tuple(dict.fromkeys(whole)), unpacked, tuple(constants), tuple(environment))

    def finish(self) -> None:
        self.context.facts.mentions = {function: tuple(sorted(found)) for function, found in self.mentions.items()}


def _key(qualname: str, line: int, column: int, end_line: int, end_column: int) -> str:
    return f"{qualname}:{line}:{column}:{end_line}:{end_column}"


def arguments_of(facts: ModuleFacts, qualname: str, call: Call) -> Arguments:
    return facts.arguments.get(_key(qualname, call.line, call.column, call.end_line, call.end_column), Arguments())


def literal(arguments: Arguments, name: str) -> str | None:
    """The keyword's literal as `repr` text (`"'Event'"`, `"True"`, `"0"`), None when absent or computed."""
    for keyword, text in arguments.literals:
        if keyword == name:
            return text
    return None


def module_call_keywords(facts: ModuleFacts, line: int) -> tuple[str, ...]:
    """The keyword names of the module-level calls starting on a line (a module-level object's constructor)."""
    prefix = f":{line}:"
    return tuple(name for key, arguments in facts.arguments.items()
                 if key.startswith(prefix) for name in arguments.keywords)


def variable(arguments: Arguments, name: str) -> str | None:
    """The environment variable an argument (or "receiver") comes from."""
    for argument, found in arguments.environment:
        if argument == name:
            return found
    return None


def mentions(facts: ModuleFacts, qualname: str | None, marker: str) -> bool:
    """Whether the function (None: anywhere in the module) contains the marker string."""
    if qualname is None:
        return any(marker in found for found in facts.mentions.values())
    return marker in facts.mentions.get(qualname, ())
