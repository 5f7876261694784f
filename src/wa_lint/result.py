"""What a run hands to its callers and reporters: the findings, the notes, the model, the figures.

Kept apart from the pipeline so reporters (and the CLI at start-up) need not import the engine.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wa_lint.check.registry import Rule
    from wa_lint.link.model import Project
    from wa_lint.report.findings import Diagnostic, Finding
    from wa_lint.run_parts import Parts


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
    # The run's parts that see nothing of each other (run_parts.py), kept in the run memo so a run after
    # a change checks only the changed ones; None when they cannot be told apart.
    parts: Parts | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def names(self) -> PathNames:
        """How the reports of this result name its files, each worked out once."""
        return PathNames(self.project.root)


def relative(path: Path) -> str:
    """A path as the user reads it: relative to the current folder when it can be."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


class PathNames:
    """The names reports give files (`relative`, and `in_project`: relative to the project root), each
    worked out once per file: a report names a file for each of its findings and edits, and parsing and
    resolving the path again each time cost more than the rest of writing a large report."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cwd = ""
        self._relative: dict[Path, str] = {}
        self._in_project: dict[Path, str] = {}

    def relative(self, path: Path) -> str:
        cwd = os.getcwd()
        if cwd != self._cwd:  # relative to a folder that is no longer the current one
            self._cwd, self._relative = cwd, {}
        name = self._relative.get(path)
        if name is None:
            name = self._relative[path] = relative(path)
        return name

    def in_project(self, path: Path) -> str:
        name = self._in_project.get(path)
        if name is None:
            from wa_lint.report.fingerprints import project_path

            name = self._in_project[path] = project_path(path, self.root)
        return name
