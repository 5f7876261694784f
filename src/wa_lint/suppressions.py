"""Everything that keeps a finding from being reported, applied in one place by the engine.

Checks never look at suppressions: they report what they see, and `apply` drops what the user
silenced (per-file-ignores from the configuration).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pathspec

from wa_lint.config import Config
from wa_lint.findings import Finding
from wa_lint.registry import select


class PerFileIgnores:
    """`per-file-ignores`: gitignore-style patterns, relative to the configuration file's folder."""

    def __init__(self, config: Config, root: Path, codes: Iterable[str]) -> None:
        self.base = config.base or root
        catalogue_codes = list(codes)
        self.entries = [
            (pathspec.GitIgnoreSpec.from_lines([pattern]), select(selectors, catalogue_codes))
            for pattern, selectors in config.per_file_ignores
        ]

    def ignored(self, finding: Finding) -> bool:
        if not self.entries:
            return False
        try:
            relative = finding.span.path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        return any(finding.code in codes and spec.match_file(relative) for spec, codes in self.entries)
