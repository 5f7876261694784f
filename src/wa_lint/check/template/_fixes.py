"""The template edits the catalogue's mechanical fixes are made of, shared so every rule edits alike.

Each helper returns a `Proposal` (an edit, checked when the fix is built: `unsafe_fix`, or `checked`
at once), or None when the template cannot be edited there without touching something else (a
flow-style mapping, an alias, a translated framework file): the rule then offers no fix. Values are read from the resource as written (`Template.resources`), never from the properties
SAM Globals were merged into, so a value inherited from Globals is never mistaken for one written on
the resource.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wa_lint.load.template.document import Template
from wa_lint.load.template.edit import Proposal, check_together, propose_entry, propose_value
from wa_lint.report.findings import Applicability, DeferredFix, Edit, Fix, Pending

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


def add_property(template: Template, logical_id: str, key: str, value: Any) -> Proposal | None:
    """`key: value` added to the resource's Properties (created when the resource has none)."""
    resource = template.resources.get(logical_id)
    if not isinstance(resource, dict):
        return None
    if "Properties" in resource:
        return propose_entry(template, ("Resources", logical_id, "Properties"), key, value)
    return propose_entry(template, ("Resources", logical_id), "Properties", {key: value})


def set_scalar(template: Template, logical_id: str, keys: tuple[str | int, ...], value: str | int) -> Proposal | None:
    """The literal at `Resources.<id>.Properties.<keys>` replaced by `value`."""
    return propose_value(template, ("Resources", logical_id, "Properties", *keys), value)


def free_logical_id(template: Template, *candidates: str) -> str | None:
    """The first candidate no resource, parameter, output, condition or mapping of the template uses
    (compared without case: `OrdersDlq` beside `OrdersDLQ` would only confuse)."""
    taken: set[str] = set()
    for section in ("Resources", "Parameters", "Outputs", "Conditions", "Mappings"):
        names = template.data.get(section)
        if isinstance(names, dict):
            taken.update(str(name) for name in names)
    lowered = {name.lower() for name in taken}
    return next((name for name in candidates if name.lower() not in lowered), None)


def add_resource(template: Template, logical_id: str, value: dict[str, Any], beside: str) -> Proposal | None:
    """A new resource declared just above `beside` (the resource it serves), so fixes for several
    resources of one template insert at different places and apply in one round."""
    return propose_entry(template, ("Resources",), logical_id, value, before=beside)


def checked(proposal: Proposal | None) -> Edit | None:
    """The proposal's edit checked now (for a fix built with its finding), or None when it is refused."""
    return proposal.checked() if proposal is not None else None


Build = Callable[[], Proposal | None]


class TemplateFix(DeferredFix):
    """A fix made of edits to one template, all or nothing: built when first read, each edit checked by
    loading the edited template again. The fixes of one template that a run reports are built together
    (`batch`), so the template is loaded once per round of edits that do not overlap rather than once
    per edit (`check_together`)."""

    template: Template
    builds: tuple[Build, ...]

    def __init__(self, template: Template, builds: Sequence[Build], applicability: Applicability) -> None:
        super().__init__(self._build_alone, applicability)
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "builds", tuple(builds))

    def _build_alone(self) -> tuple[Edit, ...]:
        _build([(self.pending, self.builds)])
        return self.pending.edits or ()

    @classmethod
    def batch(cls, fixes: Sequence[DeferredFix], cache_folder: Path | None = None) -> None:
        groups: dict[int, dict[int, tuple[Pending, tuple[Build, ...]]]] = {}
        for fix in fixes:
            if isinstance(fix, TemplateFix):  # titled copies share one Pending: built once
                groups.setdefault(id(fix.template), {})[id(fix.pending)] = (fix.pending, fix.builds)
        check = check_together
        if cache_folder is not None and groups:
            from wa_lint.fix.edit_checks import EditChecks

            check = EditChecks(cache_folder).check_together
        for members in groups.values():
            together = list(members.values())
            for pending, _ in together:
                pending.batch = functools.partial(_build, together, check)


def _build(members: Sequence[tuple[Pending, tuple[Build, ...]]],
           check: Callable[[Sequence[Proposal]], list[bool]] = check_together) -> None:
    """Set the edits of every member not built yet, with one `check` for all their proposals."""
    planned: list[tuple[Pending, list[Proposal] | None]] = []
    for pending, builds in members:
        if pending.edits is None:
            made = [make() for make in builds]
            kept = [proposal for proposal in made if proposal is not None]
            planned.append((pending, kept if len(kept) == len(made) else None))  # None: one edit refused
    proposals = [proposal for _, plan in planned for proposal in plan or ()]
    verdicts = dict(zip(proposals, check(proposals), strict=True))
    for pending, plan in planned:
        whole = plan is not None and all(verdicts[proposal] for proposal in plan)
        pending.edits = tuple(proposal.edit for proposal in plan or ()) if whole else ()


def unsafe_fix(template: Template, *builds: Build) -> Fix:
    """One unsafe fix to `template` made of the edits `builds` propose, all or nothing (no edit when any
    is refused or fails its check).

    The edits are built when first read (`TemplateFix`): each is checked by loading the edited template
    again, which a run that only prints messages does not need.
    """
    # The engine gives every fix the rule's formatted fix text as its title.
    return TemplateFix(template, builds, Applicability.UNSAFE)


def not_fixed(reason: str) -> str:
    """The note appended to a finding whose fix is not offered because of how the value is written."""
    return f" (not fixed automatically: {reason})"
