"""What a stage could not do with a file, for the tool rules (WA001 parse-error, WA002 internal-error)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    column: int
    reason: str
    fix: str
    # True when wa-lint itself failed on the file (WA002), not the file that is wrong (WA001).
    internal: bool = False
