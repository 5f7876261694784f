"""What constructed an object: constructor calls with their literal arguments, and module-level objects.

Two facts, one collector:
- `facts.objects`: each module-level name bound to a call, with that call (`ssm = boto3.client("ssm")`),
  and in `facts.rebound` the names bound to calls of different callees (one per `if` branch);
- `facts.attributes`: known constructors stored on `self` in a method (`self.ssm = boto3.client("ssm")`);
- `facts.constructions`: each call inside a function to a known constructor (SDK clients and sessions,
  connections: constructors.py), by call site.

A construction keeps the literal arguments a rule may care about: the service name, `region_name`,
`endpoint_url`, and which credential keywords were passed. The queries below answer from the facts alone
(`receiver`: which object a call like `ssm.get_parameter(...)` is made on), so a rule that needs them
adds no walk of its own.
"""

from __future__ import annotations

import ast

from wa_lint.analyse.python.constructors import CONNECTIONS, CREDENTIAL_KEYWORDS, SDK_CLIENTS
from wa_lint.analyse.python.facts_model import Call, Construction, ModuleFacts
from wa_lint.analyse.python.flow import FlowCollector, join
from wa_lint.analyse.python.walk import Collector, Context, chain

KNOWN_CONSTRUCTORS = frozenset((*SDK_CLIENTS, *CONNECTIONS))


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def construction(call: ast.Call, callee: str, line: int) -> Construction:
    keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
    positional = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    service = _literal(positional[0]) if positional else _literal(keywords.get("service_name"))
    credentials = tuple(name for name in keywords if name in CREDENTIAL_KEYWORDS)
    if any(keyword.arg is None for keyword in call.keywords):
        credentials += ("**",)
    return Construction(callee, line, service, _literal(keywords.get("region_name")),
                        _literal(keywords.get("endpoint_url")), credentials)


def site_key(qualname: str, line: int, column: int) -> str:
    return f"{qualname}:{line}:{column}"


class ConstructionCollector(Collector):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.flow = context.collector(FlowCollector)
        self.conflicting: set[str] = set()  # `self.x` attributes given different constructors

    def _module_object(self, targets: list[ast.expr], value: ast.expr) -> None:
        if self.context.scope or not isinstance(value, ast.Call):
            return
        callee = self.flow.module_callee(value)
        if not callee:
            return
        made = construction(value, callee, self.context.source.line(value))
        facts = self.context.facts
        for target in targets:
            if isinstance(target, ast.Name):
                earlier = facts.objects.get(target.id)
                if earlier is not None and earlier.callee != callee:
                    callees = facts.rebound.get(target.id, (earlier.callee,))
                    facts.rebound[target.id] = (*callees, callee) if callee not in callees else callees
                facts.objects[target.id] = made

    def visit_Assign(self, node: ast.Assign) -> None:
        self._module_object(node.targets, node.value)
        self._attribute_object(node.targets, node.value)

    def _attribute_object(self, targets: list[ast.expr], value: ast.expr) -> None:
        function = self.flow.current
        if function is None or not function.params or function.params[0] != "self" or "." not in function.qualname \
                or not isinstance(value, ast.Call):
            return
        parts, base = chain(value.func)
        qualified = self.flow.qualify(function, join(parts)) if base is None else None
        if qualified not in KNOWN_CONSTRUCTORS:
            return
        made = construction(value, qualified, self.context.source.line(value))
        owner = function.qualname.rpartition(".")[0]
        attributes = self.context.facts.attributes
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                key = f"{owner}.{target.attr}"
                if key in self.conflicting:
                    continue
                if key in attributes and attributes[key].callee != qualified:
                    del attributes[key]
                    self.conflicting.add(key)
                else:
                    attributes[key] = made

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._module_object([node.target], node.value)

    def visit_Call(self, node: ast.Call) -> None:
        function = self.flow.current
        if function is None:
            return
        called = self.flow.callee(function, node)
        qualified = called[2] if called is not None else None
        if qualified in KNOWN_CONSTRUCTORS:
            line, column, _, _ = self.context.source.span(node)
            self.context.facts.constructions[site_key(function.qualname, line, column)] = \
                construction(node, qualified, line)


def receiver(facts: ModuleFacts, call: Call) -> Construction | None:
    """What built the module-level object a call is made on: `ssm.get_parameter(...)` after
    `ssm = boto3.client("ssm")` at module scope. None when the receiver is anything else (a local, an
    import, a parameter shadowing the module-level name)."""
    head, dot, _ = call.callee.partition(".")
    if not dot or "(" in head or call.qualified != call.callee:
        return None  # not `name.method(...)`, or the name is bound in the function or by an import
    return facts.objects.get(head)


def constructed_at(facts: ModuleFacts, qualname: str, call: Call) -> Construction | None:
    """The literal arguments of a constructor call made in a function."""
    return facts.constructions.get(site_key(qualname, call.line, call.column))
