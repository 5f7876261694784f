"""A walk's result kept in the cache with what it depends on, so an unchanged tree is not walked again.

What a walk finds depends only on the listings of the folders it lists, the `.gitignore` files it
reads, the kinds of the paths it is given and its settings (paths, root, excludes, wa-lint's code).
The walk notes each of those paths in an `Inputs` record (wa_lint/inputs.py) before it lists or
reads it, and the snapshot is used only while every status (and, for paths written just before
the walk, every digest) reads the same.

An entry is JSON read back with every value's type checked; an entry that does not fit, names a
folder that is gone, or whose statuses differ is a miss, and the tree is walked as if there were
no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wa_lint import __version__
from wa_lint.cache_store import VouchedStore, code_fingerprint
from wa_lint.inputs import Inputs

_FORMAT = "2"


class DiscoveryCache(VouchedStore):
    """Walk results in `.wa_lint_cache/discovery/`, one per (paths, root, excludes, force-exclude)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "discovery")
        package = Path(__file__).parent
        # The walk reads through files.py (path checks, the guarded read) and records through inputs.py.
        self.fingerprint = code_fingerprint(package, f"{_FORMAT}:{__version__}".encode(), memo=folder,
                                            files=(package.parent / "files.py", package.parent / "inputs.py"))

    def key(self, paths: Sequence[Path], root: Path, excludes: Sequence[str], force_exclude: bool) -> str:
        settings = [self.fingerprint, [os.path.abspath(path) for path in paths], [str(path) for path in paths],
                    str(root), list(excludes), force_exclude]
        return hashlib.sha256(json.dumps(settings).encode("utf-8", "surrogatepass")).hexdigest()

    def prepare(self) -> None:
        """Create the cache folder before a walk: made after it, in a folder the walk listed, it would
        change that folder's status and void the snapshot being written."""
        if self.problem is None:
            try:
                self._prepare()
            except OSError:
                pass

    def keep(self, key: str, inputs: Inputs, result: Any) -> None:
        """Store a walk's result (as JSON values) with what it depended on."""
        self._write_entry(key, inputs, result)
