"""Nested stacks: which value a parent passes to each parameter of a child template in the project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.link.linker import ref_target
from wa_lint.link.model import Project

if TYPE_CHECKING:
    from wa_lint.load.template.document import Template

NESTED_STACK_LOCATIONS = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
ParentArguments = dict[tuple[str, str], list[tuple["Template", str]]]


def parent_arguments(project: Project) -> ParentArguments:
    """(child template path, parameter) → (parent template, logical ID the parent passes to it), for
    nested stacks whose location is a local file (`TemplateURL: stacks/child.yaml`). One pass over the
    resources; callers build it once per run (deploy_time caches its own table, PERF201 reads it once)."""
    found: ParentArguments = {}
    for template in project.templates:
        for child, properties in nested_stacks(template):
            parameters = properties.get("Parameters")
            if not isinstance(parameters, dict):
                continue
            for name, value in parameters.items():
                target = ref_target(value)
                if target:
                    found.setdefault((child, str(name)), []).append((template, target))
    return found


def nested_stacks(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(the child template's real path, the stack's properties) for each nested stack whose location is
    a local file."""
    for resource in template.resources.values():
        if not isinstance(resource, dict):
            continue
        key = NESTED_STACK_LOCATIONS.get(str(resource.get("Type")))
        properties = resource.get("Properties")
        if key is None or not isinstance(properties, dict):
            continue
        location = properties.get(key)
        if isinstance(location, str) and "://" not in location:
            yield normal_path(template.path.parent / location), properties


def normal_path(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError, ValueError):
        return str(path)
