"""What a run hands to its callers and reporters: the findings, the notes, the model, the figures.

Kept apart from the pipeline so reporters (and the CLI at start-up) need not import the engine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wa_lint.report.findings import Diagnostic, Finding

if TYPE_CHECKING:
    from wa_lint.check.registry import Rule
    from wa_lint.link.model import Project


@dataclass
class Stats:
    templates: int = 0
    python_files: int = 0
    seconds: float = 0.0
    # Framework files read, by framework ("serverless": serverless.yml files; "cdk": cdk.json files).
    frameworks: dict[str, int] = field(default_factory=dict)
    # Functions the templates define, and those whose handler was found in a local file.
    functions: int = 0
    functions_with_code: int = 0


@dataclass
class RunResult:
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    project: Project
    stats: Stats
    rules: Mapping[str, Rule] = field(default_factory=dict)
    enabled: frozenset[str] = frozenset()
    # Stores the result again in the run memo once reports have built the template fixes they read
    # (wa_lint/run_memo.py); None when there is nothing to store.
    remember: Callable[[], None] | None = field(default=None, repr=False, compare=False)


def relative(path: Path) -> str:
    """A path as the user reads it: relative to the current folder when it can be."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
