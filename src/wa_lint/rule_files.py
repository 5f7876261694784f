"""Where the rules' documentation files are: `_rules/` in an installed wheel, `rules/` in a checkout.

Apart from the registry, which builds the catalogue from them, so the run memo's fingerprint of them
costs a replayed run no import of the catalogue's machinery.
"""

from __future__ import annotations

from pathlib import Path


def rules_dir() -> Path:
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"
