"""What each function returns, as far as literals tell: the keys of the dict literals it returns
(`return {"batchItemFailures": failures}`), for rules about handler responses, and the callees of the
calls it returns (`return cls(**row)`), for the call graph to follow factories."""

from __future__ import annotations

import ast

from wa_lint.analyse.python.facts_model import ModuleFacts
from wa_lint.analyse.python.flow import join
from wa_lint.analyse.python.walk import Collector, Context, chain


class ReturnCollector(Collector):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.keys: dict[str, set[str]] = {}
        self.calls: dict[str, list[str]] = {}

    def visit_Return(self, node: ast.Return) -> None:
        function = self.context.enclosing_function()
        if function is not None and isinstance(node.value, ast.Call):
            parts, base = chain(node.value.func)
            callee = join(parts) if base is None else ""
            known = self.calls.setdefault(function, [])
            if callee and callee not in known:
                known.append(callee)
        if function is None or not isinstance(node.value, ast.Dict):
            return
        found = self.keys.setdefault(function, set())
        for key in node.value.keys:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.add(key.value)

    def finish(self) -> None:
        self.context.facts.returned_keys = {function: tuple(sorted(keys)) for function, keys in self.keys.items()}
        self.context.facts.returned_calls = {function: tuple(calls) for function, calls in self.calls.items() if calls}


def returns_key(facts: ModuleFacts, qualname: str, key: str) -> bool:
    """Whether the function returns a dict literal with this key (in at least one of its returns)."""
    return key in facts.returned_keys.get(qualname, ())
