"""The template edits the catalogue's mechanical fixes are made of, shared so every rule edits alike.

Each helper returns an `Edit`, or None when the template cannot be edited there without touching
something else (a flow-style mapping, an alias, a translated framework file): the rule then offers no
fix. Values are read from the resource as written (`Template.resources`), never from the properties
SAM Globals were merged into, so a value inherited from Globals is never mistaken for one written on
the resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wa_lint.load.template.document import Template
from wa_lint.load.template.edit import insert_entry, replace_value
from wa_lint.report.findings import Applicability, DeferredFix, Edit, Fix

MISSING_VALUE = object()  # not written on the resource itself


def written(template: Template, logical_id: str, *keys: str) -> Any:
    """`Resources.<id>.Properties.<k1>.<k2>…` as written on the resource, or `MISSING_VALUE`."""
    node: Any = template.resources.get(logical_id)
    for key in ("Properties", *keys):
        if not isinstance(node, dict) or key not in node:
            return MISSING_VALUE
        node = node[key]
    return node


def is_written(template: Template, logical_id: str, *keys: str) -> bool:
    return written(template, logical_id, *keys) is not MISSING_VALUE


def is_intrinsic(value: Any) -> bool:
    """`!If`, `!Ref`, `!Sub`…: a value decided at deploy time, which a fix must not overwrite."""
    return isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith(("Fn::", "Ref"))


def add_property(template: Template, logical_id: str, key: str, value: Any) -> Edit | None:
    """`key: value` added to the resource's Properties (created when the resource has none)."""
    resource = template.resources.get(logical_id)
    if not isinstance(resource, dict):
        return None
    if "Properties" in resource:
        return insert_entry(template, ("Resources", logical_id, "Properties"), key, value)
    return insert_entry(template, ("Resources", logical_id), "Properties", {key: value})


def set_scalar(template: Template, logical_id: str, keys: tuple[str | int, ...], value: str | int) -> Edit | None:
    """The literal at `Resources.<id>.Properties.<keys>` replaced by `value`."""
    return replace_value(template, ("Resources", logical_id, "Properties", *keys), value)


def free_logical_id(template: Template, *candidates: str) -> str | None:
    """The first candidate no resource, parameter, output or condition of the template uses."""
    taken: set[str] = set()
    for section in ("Resources", "Parameters", "Outputs", "Conditions", "Mappings"):
        names = template.data.get(section)
        if isinstance(names, dict):
            taken.update(str(name) for name in names)
    lowered = {name.lower() for name in taken}
    return next((name for name in candidates if name.lower() not in lowered), None)


def add_resource(template: Template, logical_id: str, value: dict[str, Any], beside: str) -> Edit | None:
    """A new resource declared just above `beside` (the resource it serves), so fixes for several
    resources of one template insert at different places and apply in one round."""
    return insert_entry(template, ("Resources",), logical_id, value, before=beside)


def unsafe_fix(*builds: Callable[[], Edit | None]) -> Fix:
    """One unsafe fix made of the edits `builds` return, all or nothing (no edit when any is refused).

    The edits are built when first read (`DeferredFix`): each is checked by loading the edited template
    again, which a run that only prints messages does not need.
    """
    def build() -> tuple[Edit, ...]:
        edits = [make() for make in builds]
        return () if any(edit is None for edit in edits) else tuple(edit for edit in edits if edit is not None)

    # The engine gives every fix the rule's formatted fix text as its title.
    return DeferredFix(build, Applicability.UNSAFE)


def not_fixed(reason: str) -> str:
    """The note appended to a finding whose fix is not offered because of how the value is written."""
    return f" (not fixed automatically: {reason})"
