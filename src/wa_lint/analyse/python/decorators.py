"""Each function's decorators as facts: dotted names, resolved through imports, with literal keyword
arguments (`@lru_cache`, `@logger.inject_lambda_context(log_event=True)`), and the questions rules ask
of them."""

from __future__ import annotations

import ast

from wa_lint.analyse.python.facts_model import Decorator, ModuleFacts
from wa_lint.analyse.python.flow import FlowCollector, join
from wa_lint.analyse.python.walk import Collector, Context, chain

# Decorators that make a function run once per argument set (or per environment).
CACHE_DECORATORS = frozenset({"functools.cache", "functools.lru_cache", "cachetools.cached",
                              "cachetools.func.ttl_cache"})


class DecoratorCollector(Collector):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.flow = context.collector(FlowCollector)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        found = []
        for decorator in node.decorator_list:
            called = isinstance(decorator, ast.Call)
            parts, base = chain(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if base is not None:
                continue
            name = join(parts)
            head = name.split(".")[0]
            keywords = tuple(
                (keyword.arg, self.context.source.segment(keyword.value))
                for keyword in (decorator.keywords if isinstance(decorator, ast.Call) else ())
                if keyword.arg and isinstance(keyword.value, ast.Constant)
            )
            found.append(Decorator(name, self.flow.aliases.get(head, head) + name[len(head):], called, keywords))
        if found:
            self.context.facts.decorators[self.context.qualname(node.name)] = tuple(found)

    visit_AsyncFunctionDef = visit_FunctionDef


def is_cached(facts: ModuleFacts, qualname: str) -> bool:
    """functools.cache / lru_cache and the like: the body runs once per argument set, not per call."""
    return any(decorator.qualified in CACHE_DECORATORS for decorator in facts.decorators.get(qualname, ()))


def clears_state(facts: ModuleFacts, qualname: str) -> tuple[str, ...]:
    """Decorators called with `clear_state=True` (Powertools `logger.inject_lambda_context`)."""
    return tuple(decorator.name for decorator in facts.decorators.get(qualname, ())
                 if ("clear_state", "True") in decorator.keywords)
