"""AWS CDK: what a synthesized `cdk.out` template says beyond CloudFormation (asset folders, CDK's own helpers)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wa_lint import inputs

# Functions CDK adds to a stack to run its own custom resources (log retention, bucket deployment, S3
# auto-delete, bucket notifications, AwsCustomResource, Provider frameworks): CDK's code, not the user's,
# so no rule reports on them. Their logical IDs carry a fixed 32-hex-digit suffix, or their construct
# path names the provider.
_HELPER_ID = re.compile(
    r"^(LogRetention[0-9a-f]{32}|AWS[0-9a-f]{32}|BucketNotificationsHandler[0-9a-f]{32}|CustomCDK\w+"
    r"|Custom\w+CustomResourceProvider\w*|CustomVpcRestrictDefaultSG\w*|SingletonLambda[0-9a-f]{32}\w*)"
)
_HELPER_PATH = re.compile(r"/(Custom::[A-Za-z]+|framework-on(Event|Timeout|IsComplete)|waiter-state-machine)\b")


def asset_path(metadata: Any) -> str | None:
    """The folder (relative to cdk.out) CDK staged a function's code in, from `Metadata.aws:asset:path`."""
    if not isinstance(metadata, dict):
        return None
    path = metadata.get("aws:asset:path")
    return path if isinstance(path, str) and path and not path.endswith((".zip", ".jar")) else None


def is_cdk_helper(logical_id: str, metadata: Any) -> bool:
    # Only a synthesized resource (CDK metadata on it) is judged: a SAM function may be named anything.
    if not isinstance(metadata, dict) or not ("aws:cdk:path" in metadata or "aws:asset:path" in metadata):
        return False
    if _HELPER_ID.match(logical_id):
        return True
    construct = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
    return isinstance(construct, str) and _HELPER_PATH.search(construct) is not None


def in_cdk_out(path: Path) -> bool:
    return "cdk.out" in path.parts


def source_of_asset(asset_root: Path, handler_file: Path, python_files: Iterable[Path],
                    compared: list[Path] | None = None) -> Path | None:
    """The project folder `cdk synth` copied an asset from: the one holding the same handler file, byte for byte.

    Findings then point at the code the user edits, not at its copy in cdk.out; None when no single
    folder matches (the asset was bundled, or the source changed since the last synth). `compared`
    gets every project file compared with the copy.
    """
    relative = handler_file.relative_to(asset_root)
    inputs.note(handler_file)
    try:
        staged = handler_file.read_bytes()
    except OSError:
        return None
    roots = set()
    for path in python_files:
        if path.name != handler_file.name or in_cdk_out(path) or not path.as_posix().endswith(relative.as_posix()):
            continue
        inputs.note(path)
        if compared is not None:
            compared.append(path)
        try:
            if path.read_bytes() == staged:
                roots.add(Path(path.as_posix()[: -len(relative.as_posix())]))
        except OSError:
            continue
    return roots.pop() if len(roots) == 1 else None
