"""SEC101 user-data-in-global: invocation data stored in state that outlives the invocation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wa_lint.analyse.python.callgraph import Graph, Node, SiteKey, Step, describe, split, taint_walk
from wa_lint.analyse.python.constructors import CONNECTIONS, SDK_CLIENTS
from wa_lint.analyse.python.decorators import clears_state
from wa_lint.analyse.python.facts_model import EVENT_ORIGIN, ModuleFacts, Origin, OriginKind, Write
from wa_lint.check.contract import subject
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Span, Violation

CODE = "SEC101"
# Storing a client or connection built from event data (say, per region) is lazy initialisation.
_CLIENTS = frozenset((*SDK_CLIENTS, *CONNECTIONS))
_POWERTOOLS_LOGGER = "aws_lambda_powertools"


@dataclass(frozen=True)
class _Site:
    facts: ModuleFacts
    write: Write
    origins: frozenset[Origin]
    path: tuple[Step, ...]


@subject("entry")
def check(entry: Entry, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for site in _sites(project, entry).values():
        yield _violation(entry, site)


def _sites(project: Project, entry: Entry) -> dict[SiteKey, _Site]:
    found: dict[SiteKey, _Site] = {}
    clears = any(name.endswith(".inject_lambda_context") for name in clears_state(entry.facts, entry.qualname))
    for graph, node, live, path in taint_walk(project, entry):
        body = graph.body(node)
        if body is None:
            continue
        facts = graph.facts(node)
        for write in body.writes:
            if write.value is not None and write.value in _CLIENTS:
                continue
            values = frozenset(o for o in write.origins if o in live)
            keys = frozenset(o for o in write.key_origins if o in live)
            # Lazy initialisation (`if _x is None: _x = ...`) runs for the first caller only, and every
            # later caller gets what it stored: from invocation data, that is the first caller's data.
            # A cache keyed by the invocation data itself is reached again only with the same key.
            if write.guarded and keys:
                continue
            origins = values | keys
            if not origins or not _outlives(graph, facts, node, write, clears):
                continue
            key = (node.key, write.line, write.column)
            found.setdefault(key, _Site(facts, write, origins, path))
    return found


def _outlives(graph: Graph, facts: ModuleFacts, node: Node, write: Write, clears_state: bool) -> bool:
    root = write.root
    if write.kind == "global":
        return True
    if write.kind == "append_keys":
        return not clears_state and _is_logger(graph, facts, root)
    if write.kind in ("item", "method"):
        kind = facts.module_names.get(root, "")
        return kind == "container" or (kind.startswith("call:") and kind.endswith("Cache")) or write.declared_global
    # An attribute store.
    if root == "self":
        class_name = node.qualname.rpartition(".")[0]
        return class_name in facts.instances.values()
    if root == "cls":
        return True
    if root in facts.classes:
        return True
    return facts.module_names.get(root, "value") != "value"


def _is_logger(graph: Graph, facts: ModuleFacts, name: str) -> bool:
    kind = facts.module_names.get(name, "")
    if kind:
        return kind.startswith("call:" + _POWERTOOLS_LOGGER) and kind.endswith(".Logger")
    if name not in facts.aliases:
        return False
    level, parts = split(facts.aliases[name])
    found = graph.find_module(facts, level, parts)
    if found is None or found[1] != len(parts) - 1:
        return False
    kind = found[0].module_names.get(parts[-1], "")
    return kind.startswith("call:" + _POWERTOOLS_LOGGER) and kind.endswith(".Logger")


def _what(origins: frozenset[Origin]) -> str:
    if any(origin.kind is OriginKind.PARAM for origin in origins):
        return "Event data"
    if any(origin.kind is OriginKind.CONTEXT_USER for origin in origins):
        return "The caller's identity from the Lambda context"
    if EVENT_ORIGIN in origins:
        return "Request data from current_event"
    return "Invocation data"


def _violation(entry: Entry, site: _Site) -> Violation:
    write = site.write
    if write.kind == "global":
        target = f"the global `{write.target}`"
    elif write.kind == "append_keys":
        target = f"the Powertools logger's keys (`{write.target}`)"
    elif write.kind == "attribute":
        target = f"`{write.target}`"
    else:
        target = f"the module-level `{write.target}`"
    if write.guarded:
        target += " (only by the first caller: every later caller gets its value)"
    if write.kind == "append_keys":
        suggestion = (f"or decorate the handler with `@{write.root}.inject_lambda_context(clear_state=True)` "
                      "so appended keys are cleared on every invocation")
    else:
        suggestion = "pass the value as an argument or return it instead of keeping it in module-level state"
    path = f" (via {describe(site.path)})" if len(site.path) > 1 else ""
    return Violation(
        CODE,
        Span(site.facts.path, write.line, write.column, write.end_line, write.end_column),
        {"what": _what(site.origins), "target": target, "path": path, "suggestion": suggestion},
        resource=entry.function.logical_id if entry.function else None,
        function=entry.label,
    )
