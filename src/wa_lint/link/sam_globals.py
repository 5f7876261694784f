"""SAM `Globals` merged into `AWS::Serverless::*` resources, without the SAM translator.

Follows SAM's documented rules: a value on the resource wins over the global one; mappings merge
key by key; lists concatenate (globals first); an intrinsic function counts as a plain value.
Merged values keep the position they had in the Globals section, so findings can point there.
"""

from __future__ import annotations

from typing import Any

from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.nodes import UNKNOWN, DictNode, ListNode, Pos

GLOBALS_SECTION = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
    "AWS::Serverless::LayerVersion": "LayerVersion",
}


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


class MergedNode(DictNode):
    """A mapping with a Globals section merged in; `inherited` are the keys only Globals sets."""

    __slots__ = ("inherited",)

    def __init__(self, pos: Pos) -> None:
        super().__init__(pos=pos)
        self.inherited: set[str] = set()


def merge(global_value: Any, local_value: Any) -> Any:
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return local_value
        merged = MergedNode(pos=local_value.pos if isinstance(local_value, DictNode) else UNKNOWN)
        for key, value in global_value.items():
            merged[key] = value
            if isinstance(global_value, DictNode):
                merged.key_spans[key] = global_value.key_pos(key)
            merged.inherited.add(key)
        for key, value in local_value.items():
            merged[key] = merge(global_value[key], value) if key in global_value else value
            if isinstance(local_value, DictNode):
                merged.key_spans[key] = local_value.key_pos(key)
            merged.inherited.discard(key)
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return ListNode([*global_value, *local_value], pos=getattr(local_value, "pos", UNKNOWN))
    return local_value


def inherited_keys(properties: DictNode) -> set[str]:
    return properties.inherited if isinstance(properties, MergedNode) else set()


def merged_properties(globals_section: Any, resource_type: str, properties: Any) -> DictNode:
    """The resource's properties with the matching Globals section merged in."""
    local = properties if isinstance(properties, DictNode) else DictNode()
    section_name = GLOBALS_SECTION.get(resource_type)
    if not section_name or not isinstance(globals_section, dict):
        return local
    section = globals_section.get(section_name)
    if not isinstance(section, DictNode):
        return local
    merged = merge(section, local)
    return merged if isinstance(merged, DictNode) else local


def _size(value: Any, limit: int) -> int:
    """Values in a tree (aliases counted each time they appear), counting stops past limit."""
    count, stack = 0, [value]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def check_fan_out(data: Any, limit: int) -> None:
    """Every resource gets its own merged copy of its Globals section: a large section times many
    resources is an amplification (60,000 keys x 2,000 functions took 14 GB), so bound the product."""
    globals_section, resources = data.get("Globals"), data.get("Resources")
    if not isinstance(globals_section, dict) or not isinstance(resources, dict):
        return
    counts: dict[str, int] = {}
    for resource in resources.values():
        resource_type = resource.get("Type") if isinstance(resource, dict) else None
        section = GLOBALS_SECTION.get(resource_type) if isinstance(resource_type, str) else None
        if isinstance(section, str) and isinstance(globals_section.get(section), dict):
            counts[section] = counts.get(section, 0) + 1
    total = sum(count * _size(globals_section[section], limit) for section, count in counts.items())
    if total > limit:
        raise TemplateError(
            f"SAM Globals merged into each resource would make more than {limit:,} values; not read",
            *_key_position(data, "Globals"),
        )


def _key_position(data: Any, key: str) -> tuple[int, int]:
    pos = data.key_pos(key) if isinstance(data, DictNode) else None
    return (pos.line, pos.column) if pos else (1, 1)
