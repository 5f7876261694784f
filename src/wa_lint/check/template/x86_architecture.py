"""COST002 x86-architecture: a function that runs on x86_64 where arm64 (Graviton) costs less."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._fixes import (
    MISSING_VALUE,
    add_property,
    is_intrinsic,
    not_fixed,
    set_scalar,
    unsafe_fix,
    written,
)
from wa_lint.check.template._settings import origin, place
from wa_lint.check.template._values import MISSING, branches, branches_at, lookup
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Function, Project
from wa_lint.link.sam_globals import inherited_keys
from wa_lint.report.findings import Fix, Violation

CODE = "COST002"


def architectures(function: Function, value: Any) -> list[str] | None:
    """The architecture names a value lists; None when one is known only at deploy time."""
    if value is MISSING:
        return []
    if not isinstance(value, list):
        return None
    names = []
    for item in value:
        known = [b.value for b in branches(function.template, item)]
        if len(known) != 1 or not isinstance(known[0], str):
            return None
        names.append(known[0].strip().lower())
    return names


def _behaviours(distribution: Any) -> Iterator[Any]:
    config = distribution.get("Properties", {}).get("DistributionConfig") if isinstance(distribution, dict) else None
    if not isinstance(config, dict):
        return
    yield config.get("DefaultCacheBehavior")
    behaviours = config.get("CacheBehaviors")
    yield from behaviours if isinstance(behaviours, list) else []


def runs_at_edge(function: Function) -> bool:
    """Lambda@Edge runs only on x86_64: a function CloudFront associates with a cache behaviour is exempt."""
    resources = function.template.resources
    names = {function.logical_id}
    for logical_id, resource in resources.items():
        # A version resource (or SAM's `Fn.Version` from AutoPublishAlias) stands for the function.
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Lambda::Version":
            target = ref_target(lookup(resource, "Properties", "FunctionName"))
            if target == function.logical_id:
                names.add(str(logical_id))
    for resource in resources.values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudFront::Distribution":
            continue
        for behaviour in _behaviours(resource):
            associations = behaviour.get("LambdaFunctionAssociations") if isinstance(behaviour, dict) else None
            for association in associations if isinstance(associations, list) else []:
                target = ref_target(lookup(association, "LambdaFunctionARN"))
                if target and target.split(".", 1)[0] in names:
                    return True
    return False


def arm64_fix(function: Function, note: str | None) -> tuple[Fix | None, str | None]:
    """`Architectures: [arm64]` on the function, or why not (the note the finding then carries)."""
    template, name = function.template, function.logical_id
    if note:
        return None, not_fixed(f"the value is decided at deploy time, {note}; set arm64 where it is decided")
    value = written(template, name, "Architectures")
    if value is MISSING_VALUE:
        if "Architectures" in inherited_keys(function.properties):
            # SAM appends a function's list to the Globals list: [x86_64, arm64] would not deploy.
            return None, not_fixed("Architectures comes from Globals.Function, and SAM adds a function's own "
                                   "list to it; change it there, for every function it covers")
        return unsafe_fix(template, lambda: add_property(template, name, "Architectures", ["arm64"])), None
    if isinstance(value, list) and len(value) == 1 and is_intrinsic(value[0]):
        return None, not_fixed("the architecture is decided at deploy time, by a parameter or an intrinsic function")
    if isinstance(value, list) and len(value) == 1:
        return unsafe_fix(template, lambda: set_scalar(template, name, ("Architectures", 0), "arm64")), None
    return None, None


@subject("function")
def check(function: Function, project: Project, options: dict[str, Any]) -> Iterator[Violation]:
    template, properties, name = function.template, function.properties, function.logical_id
    if runs_at_edge(function):
        return
    for branch in branches_at(template, properties, "Architectures"):
        names = architectures(function, branch.value)
        if names is None or "arm64" in names:
            continue
        shown = "Architectures is not set (x86_64 by default)" if not names else f"Architectures is [{', '.join(names)}]"
        note = f" {branch.note}" if branch.note else ""
        where = origin(template, properties, "Architectures", "Function")
        image = " and an arm64 container image" if function.code.kind == "image" else ""
        problem = (f"{name} runs on x86_64: {shown}{note}{where}; arm64 (Graviton) is priced about 20% lower "
                   "per GB-second and is often as fast")
        fix = (f"set Architectures: [arm64] on {name}"
               + (" or in Globals.Function" if function.type == "AWS::Serverless::Function" else "")
               + f", after checking that its dependencies have arm64 builds{image} (native wheels, layers)")
        machine_fix, not_fixed_note = arm64_fix(function, branch.note)
        yield Violation(CODE, place(template, properties, "Architectures", function.span),
                        {"problem": problem, "fix": fix}, resource=name, function=name, fix=machine_fix,
                        detail=not_fixed_note)
        return
