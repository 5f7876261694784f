"""Which deployed (nested) stack each template is, and so which physical resource each logical ID is.

A template is matched to the stack, among the root stack and its nested stacks, that shares the most
logical IDs with it: SAM keeps a function's or a table's logical ID when it transforms the template, so
the IDs are the join key and a nested template needs no path resolution.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from wa_lint.evidence.live.measurements import StackResource
from wa_lint.link.model import Project


def match_templates(project: Project, resources: list[StackResource]) -> dict[tuple[Path, str], StackResource]:
    by_stack: dict[tuple[str, ...], dict[str, StackResource]] = defaultdict(dict)
    for resource in resources:
        by_stack[resource.nested_path][resource.logical_id] = resource
    logical_ids: dict[Path, set[str]] = defaultdict(set)
    for items in (project.functions, project.tables, project.resources):
        for item in items:
            logical_ids[item.template.path].add(item.logical_id)
    # Each stack is one template and each template one stack: the pairs sharing most IDs are joined first,
    # so an unrelated template that happens to reuse `HelloWorldFunction` is not joined to the stack.
    pairs = sorted(((len(ids & stack.keys()), str(path), nested) for path, ids in logical_ids.items()
                    for nested, stack in by_stack.items() if ids & stack.keys()), reverse=True)
    matched: dict[tuple[Path, str], StackResource] = {}
    used_templates: set[str] = set()
    used_stacks: set[tuple[str, ...]] = set()
    for _, path_text, nested in pairs:
        if path_text in used_templates or nested in used_stacks:
            continue
        used_templates.add(path_text)
        used_stacks.add(nested)
        path = Path(path_text)
        for logical_id in logical_ids[path] & by_stack[nested].keys():
            matched[(path, logical_id)] = by_stack[nested][logical_id]
    return matched
