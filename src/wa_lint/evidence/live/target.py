"""Which stack, region and profile live mode reads: the command line first, then samconfig."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wa_lint.evidence.live.samconfig import SamConfigError, find_samconfig, read_samconfig


@dataclass(frozen=True)
class LiveOptions:
    stack: str | None = None
    region: str | None = None
    profile: str | None = None
    config_env: str = "default"
    window_days: int = 14
    # REPORT lines read per function when Lambda Insights has no memory figure.
    max_log_events: int = 1000
    timeout: float = 20.0


@dataclass(frozen=True)
class Target:
    stack: str
    region: str | None
    profile: str | None
    source: str  # "--stack" or the samconfig file


class TargetError(Exception):
    """No stack to read; the message says how to name one."""


def resolve_target(options: LiveOptions, folders: Iterable[Path]) -> Target:
    """`--stack` / `--region` / `--profile` win; samconfig (its `config_env` environment) fills the rest."""
    path = find_samconfig(folders)
    settings = None
    if path is not None:
        try:
            settings = read_samconfig(path, options.config_env)
        except SamConfigError as error:
            if not options.stack:
                raise TargetError(str(error)) from None
    stack = options.stack or (settings.stack_name if settings else None)
    if not stack:
        where = (f"{path} has no stack_name for environment {options.config_env!r}" if path
                 else "no samconfig.toml or samconfig.yaml was found")
        raise TargetError(f"live mode needs the deployed stack's name: pass --stack NAME ({where})")
    return Target(
        stack=stack,
        region=options.region or (settings.region if settings else None),
        profile=options.profile or (settings.profile if settings else None),
        source="--stack" if options.stack else str(path),
    )
