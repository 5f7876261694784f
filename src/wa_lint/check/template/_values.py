"""What a template value can be at deploy time, for template rules.

A property may be a literal, a `!Ref` to a parameter (whose `Default` is what a plain deploy uses), or an
`!If` whose branches depend on a condition. Rules ask for every value a property can take, each with a
note saying which branch it is, so a finding can say "when condition IsProd is false".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wa_lint.link.linker import span
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode, Pos
from wa_lint.report.findings import Span

if TYPE_CHECKING:
    from wa_lint.link.model import Function, Project, Resource

# `!If` nested deeper than this is not expanded further (each level doubles the branches).
_MAX_DEPTH = 4
NO_VALUE = object()  # `!Ref AWS::NoValue`: the property is removed
MISSING = object()  # the property is not set (absent, or removed by `AWS::NoValue`)


@dataclass(frozen=True)
class Branch:
    value: Any
    # "when condition IsProd is true", "from the default of parameter MemoryParam", or None for a literal.
    note: str | None = None


def branches(template: Template, value: Any, depth: int = 0) -> Iterator[Branch]:
    """Every value `value` can take: `!If` branches expanded, `!Ref` parameters replaced by their default.

    A parameter without a default yields nothing: its value is unknown until deploy time, and a rule
    must not guess it.
    """
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "Fn::If" and isinstance(inner, list) and len(inner) == 3 and depth < _MAX_DEPTH:
            condition = inner[0] if isinstance(inner[0], str) else "?"
            for truth, branch in (("true", inner[1]), ("false", inner[2])):
                for sub in branches(template, branch, depth + 1):
                    note = f"when condition {condition} is {truth}"
                    yield Branch(sub.value, f"{note}, {sub.note}" if sub.note else note)
            return
        if key == "Ref" and isinstance(inner, str):
            if inner == "AWS::NoValue":
                yield Branch(NO_VALUE)
                return
            parameter = template.parameters.get(inner)
            if isinstance(parameter, dict):
                if "Default" in parameter:
                    yield Branch(parameter["Default"], f"from the default of parameter {inner}")
                return
    yield Branch(value)


def _joined(first: str | None, second: str | None) -> str | None:
    return f"{first}, {second}" if first and second else first or second


def branches_at(template: Template, node: Any, *keys: str) -> Iterator[Branch]:
    """Every value `node[k1][k2]…` can take, expanding `!If` and parameter defaults at every level.

    An absent key, or one removed by `AWS::NoValue`, yields `MISSING` (an unset property is a value
    rules judge: "tracing is not enabled"). A level that is neither a mapping nor expandable (an
    unresolvable intrinsic such as `!ImportValue`) yields nothing: the rule cannot know, so it must
    not report.
    """
    yield from _branches_at(template, node, keys, None)


def _branches_at(template: Template, node: Any, keys: tuple[str, ...], note: str | None) -> Iterator[Branch]:
    for branch in branches(template, node):
        where = _joined(note, branch.note)
        if branch.value is NO_VALUE:
            yield Branch(MISSING, where)
        elif not keys:
            yield Branch(branch.value, where)
        elif isinstance(branch.value, dict) and not _is_intrinsic(branch.value):
            if keys[0] in branch.value:
                yield from _branches_at(template, branch.value[keys[0]], keys[1:], where)
            else:
                yield Branch(MISSING, where)


def _is_intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def truthy(value: Any) -> bool:
    """CloudFormation booleans: `true`, `"true"`, `"True"` (the strings are common in JSON templates)."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def lookup(node: Any, *keys: str) -> Any:
    """`node[k1][k2]…`, or None when any level is missing or not a mapping."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def key_span(template: Template, node: Any, key: str, fallback: Span) -> Span:
    """Where `key` is written in the mapping `node` (a finding points at the property it is about)."""
    if isinstance(node, DictNode) and key in node.key_spans:
        pos: Pos = node.key_spans[key]
        return span(template, pos)
    return fallback


# `${Name}` and `${Name.Attr}` in a `!Sub` string; `${!Literal}` is an escaped dollar, not a reference.
_SUB_NAMES = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
# A walk over one property value stops after this many nodes (aliases can make a small file a huge tree).
_MAX_NODES = 5_000
_BY_TEMPLATE = "template-resources-by-type"
_FUNCTIONS_BY_TEMPLATE = "template-functions"


def references(value: Any) -> set[str]:
    """Every name `value` points at anywhere inside it: `!Ref`, `!GetAtt`, and `${…}` in `!Sub` strings.

    The names may be resources or parameters; a caller compares them with the logical IDs it knows.
    """
    found: set[str] = set()
    stack, seen = [value], 0
    while stack and seen < _MAX_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == "Ref" and isinstance(inner, str):
                    found.add(inner)
                elif key == "Fn::GetAtt":
                    name = inner[0] if isinstance(inner, list) and inner else inner
                    if isinstance(name, str):
                        found.add(name.split(".", 1)[0])
                elif key == "Fn::Sub":
                    text = inner[0] if isinstance(inner, list) and inner else inner
                    if isinstance(text, str):
                        found.update(_SUB_NAMES.findall(text))
                    if isinstance(inner, list):
                        stack.extend(inner[1:])
                else:
                    stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def resources_in(project: Project, template: Template, *types: str) -> list[Resource]:
    """The resources of the given types declared in one template (rules compare resources of one stack).

    The index by template and type is built once per run and shared through `project.lookups`: scanning
    every resource of the project for each template or function is quadratic on a large repository.
    """
    cached = project.lookups.get(_BY_TEMPLATE)
    index: dict[int, dict[str, list[Resource]]]
    if isinstance(cached, dict):
        index = cached
    else:
        index = {}
        for resource in project.resources:
            index.setdefault(id(resource.template), {}).setdefault(resource.type, []).append(resource)
        project.lookups[_BY_TEMPLATE] = index
    by_type = index.get(id(template), {})
    return [resource for kind in types for resource in by_type.get(kind, [])]


def functions_in(project: Project, template: Template) -> list[Function]:
    """The functions declared in one template (indexed once per run, like `resources_in`)."""
    cached = project.lookups.get(_FUNCTIONS_BY_TEMPLATE)
    index: dict[int, list[Function]]
    if isinstance(cached, dict):
        index = cached
    else:
        index = {}
        for function in project.functions:
            index.setdefault(id(function.template), []).append(function)
        project.lookups[_FUNCTIONS_BY_TEMPLATE] = index
    return index.get(id(template), [])
