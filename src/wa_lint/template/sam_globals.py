"""SAM `Globals` merged into `AWS::Serverless::*` resources, without the SAM translator.

Follows SAM's documented rules: a value on the resource wins over the global one; mappings merge
key by key; lists concatenate (globals first); an intrinsic function counts as a plain value.
Merged values keep the position they had in the Globals section, so findings can point there.
"""

from __future__ import annotations

from typing import Any

from wa_lint.template.nodes import DictNode, ListNode

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


def merge(global_value: Any, local_value: Any) -> Any:
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return local_value
        merged = DictNode(pos=local_value.pos if isinstance(local_value, DictNode) else DictNode.pos)
        merged.inherited = set()  # type: ignore[attr-defined]
        for key, value in global_value.items():
            merged[key] = value
            if isinstance(global_value, DictNode):
                merged.key_spans[key] = global_value.key_pos(key)
            merged.inherited.add(key)  # type: ignore[attr-defined]
        for key, value in local_value.items():
            merged[key] = merge(global_value[key], value) if key in global_value else value
            if isinstance(local_value, DictNode):
                merged.key_spans[key] = local_value.key_pos(key)
            merged.inherited.discard(key)  # type: ignore[attr-defined]
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return ListNode([*global_value, *local_value], pos=getattr(local_value, "pos", ListNode.pos))
    return local_value


def inherited_keys(properties: DictNode) -> set[str]:
    return getattr(properties, "inherited", set())


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
