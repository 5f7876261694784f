"""The deployed stack's resources: logical ID → physical name, nested stacks followed."""

from __future__ import annotations

from wa_lint.evidence.live.aws import Account, LiveError
from wa_lint.evidence.live.measurements import StackResource

NESTED_STACK = "AWS::CloudFormation::Stack"
# A stack nests at most 5 levels deep in CloudFormation, but a cycle in a broken account must not loop.
_MAX_STACKS = 200


def stack_resources(account: Account, stack: str) -> list[StackResource]:
    """Every resource of the stack and of the stacks nested in it.

    `ListStackResources` rather than `DescribeStackResources`: the latter returns at most 100 resources
    and cannot be paged, and large SAM apps have more.
    """
    found: list[StackResource] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(stack, ())]
    seen: set[str] = set()
    while pending and len(seen) < _MAX_STACKS:
        name, path = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        try:
            for page in account.pages("cloudformation", "list_stack_resources", StackName=name):
                for summary in page.get("StackResourceSummaries", []):
                    physical = summary.get("PhysicalResourceId")
                    if not physical:
                        continue  # not created (yet), or deleted
                    resource = StackResource(summary["LogicalResourceId"], physical, summary["ResourceType"],
                                             _stack_name(name), path)
                    found.append(resource)
                    if resource.type == NESTED_STACK:
                        pending.append((physical, (*path, resource.logical_id)))
        except LiveError as error:
            if error.code == "ValidationError" and not path:
                raise LiveError(f"stack {stack!r} does not exist in {account.region}: check --stack, --region "
                                "and --profile (or stack_name in samconfig.toml)", fatal=True) from None
            if not path:
                raise
            # One unreadable nested stack leaves the others usable.
            raise LiveError(f"nested stack {'/'.join(path)}: {error.message}", action=error.action) from None
    return found


def _stack_name(name_or_arn: str) -> str:
    """`arn:aws:cloudformation:region:account:stack/NAME/id` → NAME."""
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":", 5)[-1].split("/")
        if len(parts) >= 2:
            return parts[1]
    return name_or_arn
