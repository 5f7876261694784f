"""The Python API: `wa_lint.lint(paths, config=None, **options) -> Result`.

    import wa_lint

    result = wa_lint.lint(["services/orders"], select=["PERF", "SEC"])
    for finding in result.findings:
        print(finding.span.path, finding.span.line, finding.code, finding.message)

The same run as the `wa-lint` command, without printing or exiting: configuration files are found
and validated the same way (a ConfigError names the file and the key), and options are the
configuration's keys in Python spelling (`extend_select`, `fail_on`, `per_file_ignores`, ...), which
override the file as command-line flags do.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_lint.config import Config, ConfigError, find_config, load_config, unknown_selector

if TYPE_CHECKING:
    from wa_lint.link.model import Project
    from wa_lint.pipeline import Stats
    from wa_lint.report.findings import Diagnostic, Finding

StrPath = str | os.PathLike[str]
# Options of the run itself, not of the configuration (the CLI's --jobs, --no-cache, --force-exclude).
_RUN_OPTIONS = {"jobs", "use_cache", "force_exclude"}
_CODE_OPTIONS = ("select", "extend_select", "ignore")


@dataclass(frozen=True)
class Result:
    """What one run found. `findings` are sorted by path, line and column."""

    findings: tuple[Finding, ...]
    # Notes that are not findings: skipped files, missing paths, unusable Power Tuning results.
    diagnostics: tuple[Diagnostic, ...]
    stats: Stats
    config: Config
    project: Project

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """Diagnostics that mean part of the run could not happen (a missing path, say)."""
        return tuple(d for d in self.diagnostics if d.kind == "error")

    @property
    def exit_code(self) -> int:
        """What `wa-lint` would exit with: 1 with findings at or above `fail-on`, 2 with only errors, else 0."""
        from wa_lint.report.findings import Severity

        threshold = Severity.parse(self.config.fail_on)
        if any(finding.severity >= threshold for finding in self.findings):
            return 1
        return 2 if self.errors and not self.findings else 0


def lint(paths: StrPath | Sequence[StrPath] = ".", config: Config | StrPath | None = None, *,
         isolated: bool = False, **options: Any) -> Result:
    """Lint files and folders as `wa-lint PATHS` does and return what was found.

    `config`: a Config, a configuration file's path, or None to use the nearest configuration file
    (as the CLI does; `isolated=True` uses none). `options`: configuration values that override it
    (`select=["PERF"]`, `fail_on="warning"`, ...) and run options (`jobs`, `use_cache`,
    `force_exclude`). An unknown option, or a code or prefix that matches no rule, raises ConfigError.
    """
    given = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    chosen = [Path(path) for path in given] or [Path(".")]
    run_options = {key: options.pop(key) for key in list(options) if key in _RUN_OPTIONS}
    resolved = _config(chosen[0], config, isolated)
    known = {spec.name for spec in fields(Config)} - {"path", "origins"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"lint(): unknown option '{unknown[0]}' (options: {', '.join(sorted(known | _RUN_OPTIONS))})")
    changes: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                               for key, value in options.items()}
    per_file = changes.get("per_file_ignores")
    if isinstance(per_file, dict):  # as a configuration file writes it
        changes["per_file_ignores"] = tuple((pattern, tuple(codes)) for pattern, codes in per_file.items())
    if changes:
        from wa_lint.check.registry import catalogue

        rules = catalogue()
        for key in _CODE_OPTIONS:
            codes = [str(code).upper() for code in changes.get(key) or ()]
            problem = unknown_selector(codes, rules)
            if problem:
                raise ConfigError(f"lint(): {key}: {problem}")
            if key in changes and changes[key] is not None:
                changes[key] = tuple(codes)
        resolved = resolved.with_overrides(origin="lint()", **changes)

    from wa_lint.pipeline import run

    outcome = run(chosen, resolved, **run_options)
    return Result(tuple(outcome.findings), tuple(outcome.diagnostics), outcome.stats, resolved, outcome.project)


def _config(first: Path, config: Config | StrPath | None, isolated: bool) -> Config:
    if isinstance(config, Config):
        return config
    if config is not None:
        return load_config(Path(config))
    found = None if isolated else find_config(first)
    return load_config(found) if found else Config()
